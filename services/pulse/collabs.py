"""Collab rounds: the groups formed in one week (and the weeks before) against the groups where
someone answered the follow-up with "we collabed"."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collabs import CollabGroup, CollabGroupMember, CollabRound
from services.pulse.sql import any_of
from services.pulse.values import Collabs, Week, WeekRate
from services.pulse.weeks import monday_of

TREND_WEEKS = 8


async def read_collabs(session: AsyncSession, guild_id: int, week: Week) -> Collabs:
    since = week.starts_at - timedelta(weeks=TREND_WEEKS - 1)
    answer = CollabGroupMember.answer
    per_group = await session.execute(
        select(
            CollabRound.slot_at,
            func.count(CollabGroupMember.id),
            any_of(answer == "yes"),
            any_of(answer == "not_yet"),
            any_of(answer == "no"),
            func.count(answer),
        )
        .join(CollabGroup, CollabGroup.round_id == CollabRound.id)
        .join(CollabGroupMember, CollabGroupMember.group_id == CollabGroup.id)
        .where(
            CollabRound.guild_id == guild_id,
            CollabRound.slot_at >= since,
            CollabRound.slot_at < week.ends_at,
        )
        .group_by(CollabGroup.id, CollabRound.slot_at)
    )
    rounds = await session.scalar(
        select(func.count())
        .select_from(CollabRound)
        .where(
            CollabRound.guild_id == guild_id,
            CollabRound.slot_at >= week.starts_at,
            CollabRound.slot_at < week.ends_at,
        )
    )
    zone = ZoneInfo(week.timezone)
    first = week.start - timedelta(weeks=TREND_WEEKS - 1)
    formed = dict.fromkeys((first + timedelta(weeks=n) for n in range(TREND_WEEKS)), 0)
    collabed = dict(formed)
    groups = members = yes = not_yet = said_no = unanswered = 0
    for slot_at, size, has_yes, has_not_yet, has_no, answers in per_group.all():
        monday = monday_of(slot_at.astimezone(zone).date())
        if monday not in formed:
            continue
        formed[monday] += 1
        collabed[monday] += int(has_yes)
        if monday != week.start:
            continue
        groups += 1
        members += int(size)
        # a group counts once, by its best news: someone collabed > soon > no > nobody answered
        if has_yes:
            yes += 1
        elif has_not_yet:
            not_yet += 1
        elif has_no:
            said_no += 1
        elif not answers:
            unanswered += 1
    return Collabs(
        rounds=int(rounds or 0),
        groups=groups,
        members=members,
        collabed=yes,
        not_yet=not_yet,
        said_no=said_no,
        unanswered=unanswered,
        trend=tuple(WeekRate(m, formed[m], collabed[m]) for m in formed),
    )
