"""How check-in copy names its periods, in the current language: a count of weeks or days (plural
forms by language), a period's name ("week of Jan 5"), weekday names and short dates (Babel)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton, get_day_names

from core.i18n import _, current, ngettext


def count_of(unit: str, n: int) -> str:
    """ "1 week", "3 days": ``unit`` is "week" or "day" (services.checkins.unit_of)."""
    if unit == "day":
        return ngettext("{n} day", "{n} days", n)
    return ngettext("{n} week", "{n} weeks", n)


def weekday_name(index: int) -> str:
    """Monday is 0, as ``date.weekday()``."""
    return str(get_day_names("wide", locale=current())[index])


def short_date(day: date) -> str:
    """ "Jan 5", "5 ene", "1月5日"…"""
    return str(format_skeleton("MMMd", day, locale=current()))


def period_name(period: str, label: date) -> str:
    """ "week of Jan 5" (weekly), "Mon, Jan 5" (daily)."""
    if period == "weekly":
        return _("week of {date}", date=short_date(label))
    return str(format_skeleton("MMMEd", label, locale=current()))
