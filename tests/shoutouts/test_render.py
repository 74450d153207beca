"""What moderators and creators read: counts agree with their nouns (core.text.plural)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from cogs.shoutouts.render import membership_line, rotation_summary
from services.shoutouts import Membership, RotationInfo

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ROTATION = RotationInfo(
    id=1,
    guild_id=1,
    name="Spotlight",
    channel_id=3,
    schedule="daily 18:00",
    timezone="UTC",
    paused=False,
    pause_reason=None,
    created_by=2,
    exclude_role_ids=(),
    min_days_between=1,
    ping_featured=True,
    ping_role_id=None,
    required_fields=(),
    current_round=1,
    schedule_anchor=NOW,
    active_from=NOW,
)


def test_the_rotation_summary_counts_in_words() -> None:
    one = rotation_summary(ROTATION, NOW, members=1)
    assert "1 creator ·" in one and "≥1 day between features" in one
    many = rotation_summary(replace(ROTATION, min_days_between=3), NOW, members=0)
    assert "0 creators ·" in many and "≥3 days between features" in many


def test_a_creator_sees_how_often_they_were_featured() -> None:
    member = Membership(1, "Spotlight", 5, True, None, 2, 2, 1, 1, NOW)
    assert membership_line(member) == "**Spotlight**: up next! 🎉 (round 2, featured 1 time)"
    twice = replace(member, times_featured=2, place=3)
    assert membership_line(twice) == "**Spotlight**: #3 in the queue (round 2, featured 2 times)"
