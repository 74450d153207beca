"""Check-in periods in each member's own time zone (pure functions, zoneinfo arithmetic).

A period is a calendar week (Monday to Sunday) or a calendar day, lived by each member in
their own zone and labelled by its first day, so "the week of 2026-03-02" is the same label
for a member in Tokyo and one in Los Angeles, even though their weeks start 17 hours apart.

A member's prompt for a period is the wall-clock time (prompt day, prompt time) in their zone,
turned into UTC by zoneinfo: one label gives exactly one instant, so a DST change can neither
skip nor double a prompt. A wall-clock time that doesn't exist (the spring-forward gap) maps to
the same instant a clock jumping forward shows (02:30 → 03:30); an ambiguous one (fall back)
maps to its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKLY, DAILY = "weekly", "daily"
PERIODS = (WEEKLY, DAILY)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def length(period: str) -> timedelta:
    return timedelta(days=7 if period == WEEKLY else 1)


def unit_of(period: str) -> str:
    """What members call one period: "week" or "day"."""
    return "week" if period == WEEKLY else "day"


def wall_to_utc(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of a wall-clock time in a zone (fold=0: first occurrence; gaps move on)."""
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone(tz))
    # Round-trip through UTC normalises a nonexistent (gap) time to the instant after the jump.
    return local.astimezone(UTC)


def label_for(local_day: date, period: str) -> date:
    """The label (first day) of the period containing a member-local date."""
    if period == WEEKLY:
        return local_day - timedelta(days=local_day.weekday())
    return local_day


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(zone(tz)).date()


@dataclass(frozen=True)
class MemberPeriod:
    """One period as one member lives it."""

    label: date
    opens_at: datetime
    closes_at: datetime
    prompt_at: datetime
    prompt_day: date  # member-local date of the prompt
    tz: str

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def member_period(
    label: date, *, period: str, prompt_day: int, prompt_time: time, tz: str
) -> MemberPeriod:
    day = label + timedelta(days=prompt_day if period == WEEKLY else 0)
    return MemberPeriod(
        label=label,
        opens_at=wall_to_utc(label, time(0), tz),
        closes_at=wall_to_utc(label + length(period), time(0), tz),
        prompt_at=wall_to_utc(day, prompt_time, tz),
        prompt_day=day,
        tz=tz,
    )


def current_period(
    now: datetime, *, period: str, prompt_day: int, prompt_time: time, tz: str
) -> MemberPeriod:
    label = label_for(local_today(now, tz), period)
    return member_period(
        label, period=period, prompt_day=prompt_day, prompt_time=prompt_time, tz=tz
    )


def next_prompt_after(
    now: datetime, *, period: str, prompt_day: int, prompt_time: time, tz: str
) -> datetime:
    """The first prompt instant strictly after `now` in this zone (for waking the bot)."""
    current = current_period(
        now, period=period, prompt_day=prompt_day, prompt_time=prompt_time, tz=tz
    )
    if current.prompt_at > now:
        return current.prompt_at
    nxt = member_period(
        current.label + length(period),
        period=period,
        prompt_day=prompt_day,
        prompt_time=prompt_time,
        tz=tz,
    )
    return nxt.prompt_at


def summary_at(label: date, *, period: str, summary_time: time, tz: str) -> datetime:
    """When the recap of a period posts: the guild-local summary time on the day after it."""
    return wall_to_utc(label + length(period), summary_time, tz)


def previous_label(label: date, period: str) -> date:
    return label - length(period)


def labels_between(first: date, last: date, period: str) -> list[date]:
    out: list[date] = []
    step = length(period)
    cursor = first
    while cursor <= last:
        out.append(cursor)
        cursor += step
    return out
