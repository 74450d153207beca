"""Check-in periods, pure: one prompt instant per period in every zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from services.checkins import label_for, member_period, wall_to_utc

ZONES = (
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/New_York",
)


def test_weekly_prompt_is_one_instant_per_week_across_dst() -> None:
    # Sunday 01:30 weekly in LA, the week of the fall-back: one instant, the first 01:30.
    first = wall_to_utc(date(2026, 11, 1), time(1, 30), "America/Los_Angeles")
    assert first == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    before = wall_to_utc(date(2026, 10, 25), time(1, 30), "America/Los_Angeles")
    after = wall_to_utc(date(2026, 11, 8), time(1, 30), "America/Los_Angeles")
    assert first - before == timedelta(days=7)  # both PDT
    assert after - first == timedelta(days=7, hours=1)  # the week with 25 hours


@settings(max_examples=200, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    weekly=st.booleans(),
)
def test_one_prompt_instant_per_period_in_every_zone(
    tz: str, start: date, hour: int, minute: int, weekly: bool
) -> None:
    """Whatever the zone and the DST rules: each period has one prompt, inside the period."""
    period = "weekly" if weekly else "daily"
    label = label_for(start, period)
    previous: datetime | None = None
    for _ in range(10):
        mp = member_period(
            label, period=period, prompt_day=6, prompt_time=time(hour, minute), tz=tz
        )
        assert mp.opens_at <= mp.prompt_at < mp.closes_at
        assert mp.label == label_for(mp.prompt_at.astimezone(ZoneInfo(tz)).date(), period)
        if previous is not None:
            assert previous < mp.prompt_at  # strictly later: nothing doubled
            gap = mp.prompt_at - previous
            span = timedelta(days=7 if weekly else 1)
            assert abs(gap - span) <= timedelta(hours=1)  # nothing skipped: DST moves ≤ 1 h
        previous = mp.prompt_at
        label += timedelta(days=7 if weekly else 1)
