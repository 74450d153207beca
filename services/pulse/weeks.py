"""Which week: ISO weeks (Monday to Sunday) in the server's time zone, DST-safe."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_interval

from core.errors import DomainError
from core.i18n import _, current
from services.pulse.values import Week

WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


def week_label(week: Week) -> str:
    """ "Jun 15 – 21, 2026", "2026年6月15日～21日"…: Monday to Sunday in the current language."""
    return format_interval(week.start, week.start + timedelta(days=6), "yMMMd", locale=current())


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def week_of(start: date, tz: str, now: datetime) -> Week:
    starts_at = local_midnight(start, tz)
    ends_at = local_midnight(start + timedelta(days=7), tz)
    return Week(start, starts_at, ends_at, tz, in_progress=starts_at <= now < ends_at)


def current_week(now: datetime, tz: str) -> Week:
    today = now.astimezone(ZoneInfo(tz)).date()
    return week_of(monday_of(today), tz, now)


def parse_week(key: str | None, now: datetime, tz: str) -> Week:
    """``None`` or "" is this week; otherwise ``2026-W14``. A week that hasn't started yet is
    refused (there is nothing to show), with words a moderator can act on."""
    if not key:
        return current_week(now, tz)
    found = WEEK_KEY.match(key.strip())
    if found is None:
        raise DomainError(
            _("`{week}` isn't a week I know. Use the form 2026-W14 (year, week).", week=key[:20])
        )
    try:
        start = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise DomainError(
            _("{week} doesn't exist: that year has no week {number}.", week=key, number=found[2])
        ) from None
    week = week_of(start, tz, now)
    if week.starts_at > now:
        raise DomainError(
            _("The week {week} hasn't started yet, so it has no pulse.", week=week.key)
        )
    return week


def previous(week: Week, now: datetime) -> Week:
    return week_of(week.start - timedelta(days=7), week.timezone, now)


def following(week: Week, now: datetime) -> Week | None:
    nxt = week_of(week.start + timedelta(days=7), week.timezone, now)
    return None if nxt.starts_at > now else nxt
