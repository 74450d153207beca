"""Schedules in plain words ("daily 18:00", "weekly mon,thu 18:00", "every 6h") or cron.

Parsing and iteration are APScheduler's triggers; this module only maps the friendly forms
onto them and says what went wrong in words a moderator can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.errors import DomainError
from core.i18n import N_, _
from services.profiles import validate_timezone

DAYS = {
    "mon": "mon",
    "monday": "mon",
    "tue": "tue",
    "tues": "tue",
    "tuesday": "tue",
    "wed": "wed",
    "wednesday": "wed",
    "thu": "thu",
    "thur": "thu",
    "thurs": "thu",
    "thursday": "thu",
    "fri": "fri",
    "friday": "fri",
    "sat": "sat",
    "saturday": "sat",
    "sun": "sun",
    "sunday": "sun",
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_EVERY = re.compile(r"^every\s+(\d+)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)$")
MIN_INTERVAL = timedelta(minutes=30)
#: the examples every schedule error ends with (translated where used: ``help_text()``)
HELP = N_(
    "Try `daily 18:00`, `weekly mon,thu 18:00`, `every 6h`, or a cron expression "
    "like `0 18 * * 1,4` (minute hour day month weekday)."
)


@dataclass(frozen=True)
class Schedule:
    text: str
    timezone: str
    anchor: datetime  # start of interval schedules; also "not before"
    trigger: BaseTrigger

    def next_times(self, after: datetime, count: int = 3) -> list[datetime]:
        return next_fire_times(self.trigger, after, count)

    def describe(self) -> str:
        return f"`{self.text}` ({self.timezone})"


def help_text() -> str:
    return _(HELP)


def _not_a_time(raw: str) -> str:
    return _("`{raw}` isn't a time. Use 24-hour `18:00` or `6pm`.", raw=raw[:20])


def parse_time(raw: str) -> tuple[int, int]:
    match = _TIME.match(raw.strip().lower())
    if not match:
        raise DomainError(_not_a_time(raw))
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise DomainError(_not_a_time(raw))
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DomainError(_not_a_time(raw))
    return hour, minute


def parse_days(raw: str) -> str:
    days = []
    for part in raw.replace(" ", "").lower().split(","):
        if part not in DAYS:
            raise DomainError(
                _("`{day}` isn't a weekday. Use mon, tue, wed, thu, fri, sat, sun.", day=part[:12])
            )
        if DAYS[part] not in days:
            days.append(DAYS[part])
    return ",".join(days)


_CRON_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _standard_weekdays(expr: str) -> str:
    """APScheduler 3 reads cron weekday numbers as 0=Monday; crontab means 0 (or 7)=Sunday."""
    fields = expr.split()
    dow = fields[4]
    if "/" in dow and any(c.isdigit() for c in dow.split("/")[0]):
        raise DomainError(
            _("Use weekday names (mon-fri) instead of numbered steps.") + " " + help_text()
        )
    if "/" not in dow:

        def name(match: re.Match[str]) -> str:
            number = int(match.group(0))
            if number > 7:
                raise DomainError(
                    _("`{number}` isn't a weekday number (0–7).", number=number) + " " + help_text()
                )
            return _CRON_DAY_NAMES[number]

        fields[4] = re.sub(r"\d+", name, dow)
    return " ".join(fields)


def parse_schedule(text: str, timezone: str = "UTC", *, anchor: datetime) -> Schedule:
    tz_name = validate_timezone(timezone)
    tz = ZoneInfo(tz_name)
    raw = " ".join(text.strip().lower().split())
    if not raw or len(raw) > 100:
        raise DomainError(_("The schedule is empty or too long.") + " " + help_text())
    trigger: BaseTrigger
    try:
        if raw.startswith("daily"):
            hour, minute = parse_time(raw.removeprefix("daily").strip() or "")
            trigger = CronTrigger(hour=hour, minute=minute, timezone=tz)
        elif raw.startswith("weekly"):
            rest = raw.removeprefix("weekly").strip().split(" ")
            if len(rest) != 2:
                raise DomainError(_("A weekly schedule needs days and a time.") + " " + help_text())
            hour, minute = parse_time(rest[1])
            trigger = CronTrigger(
                day_of_week=parse_days(rest[0]), hour=hour, minute=minute, timezone=tz
            )
        elif raw.startswith("every"):
            match = _EVERY.match(raw)
            if not match:
                raise DomainError(_("I couldn't read that interval.") + " " + help_text())
            amount, unit = int(match.group(1)), match.group(2)[0]
            delta = {
                "m": timedelta(minutes=amount),
                "h": timedelta(hours=amount),
                "d": timedelta(days=amount),
            }[unit]
            if delta < MIN_INTERVAL:
                raise DomainError(
                    _("That's too often for the fam: keep it to every 30 minutes or more.")
                )
            if delta > timedelta(days=365):
                raise DomainError(_("That's less than once a year. Pick a shorter interval."))
            trigger = IntervalTrigger(
                seconds=int(delta.total_seconds()), start_date=anchor, timezone=tz
            )
        else:
            if len(raw.split()) != 5:
                raise DomainError(_("I couldn't read that schedule.") + " " + help_text())
            trigger = CronTrigger.from_crontab(_standard_weekdays(raw), timezone=tz)
    except DomainError:
        raise
    except (ValueError, KeyError) as exc:
        raise DomainError(
            _("I couldn't read that schedule ({reason}).", reason=exc) + " " + help_text()
        ) from None
    schedule = Schedule(text=raw, timezone=tz_name, anchor=anchor, trigger=trigger)
    if not schedule.next_times(anchor, 1):
        raise DomainError(_("That schedule never fires.") + " " + help_text())
    return schedule


def next_fire_times(trigger: BaseTrigger, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times strictly after `after`, in UTC."""
    times: list[datetime] = []
    previous: datetime | None = None
    now = after + timedelta(microseconds=1)
    while len(times) < count:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None:
            break
        nxt_utc = nxt.astimezone(UTC)
        if nxt_utc <= after:
            now = nxt + timedelta(microseconds=1)
            previous = nxt
            continue
        times.append(nxt_utc)
        previous = nxt
        now = nxt + timedelta(microseconds=1)
    return times


def fire_times_between(
    trigger: BaseTrigger, start: datetime, end: datetime, limit: int = 1000
) -> list[datetime]:
    """Fire times in (start, end]: the slots a bot that was down has to catch up or mark missed."""
    out: list[datetime] = []
    cursor = start
    while len(out) < limit:
        nxt = next_fire_times(trigger, cursor, 1)
        if not nxt or nxt[0] > end:
            break
        out.append(nxt[0])
        cursor = nxt[0]
    return out


def split_catch_up(
    slots: list[datetime], now: datetime, grace: timedelta
) -> tuple[list[datetime], list[datetime]]:
    """(slots to deliver late, slots to record as missed)."""
    late = [s for s in slots if now - s <= grace]
    missed = [s for s in slots if now - s > grace]
    return late, missed


__all__ = [
    "UTC",
    "Schedule",
    "fire_times_between",
    "next_fire_times",
    "parse_schedule",
    "split_catch_up",
]
