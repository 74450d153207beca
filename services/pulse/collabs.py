"""Collab rounds: the groups formed in one week (and the weeks before) against the groups where
someone answered the follow-up with "we collabed". Counted per week in SQL: the week a round
belongs to is found from the UTC instants the server's local Mondays start at (DST-safe)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collabs import CollabGroup, CollabGroupMember, CollabRound
from services.pulse.sql import any_of, count_if
from services.pulse.values import Collabs, Week, WeekRate
from services.pulse.weeks import week_of

TREND_WEEKS = 8


async def read_collabs(session: AsyncSession, guild_id: int, week: Week) -> Collabs:
    weeks = [
        week_of(week.start - timedelta(weeks=TREND_WEEKS - 1 - n), week.timezone, week.starts_at)
        for n in range(TREND_WEEKS)
    ]
    # weeks[n] is bucket n; the last bucket is the week asked for
    bucket = case(
        *((CollabRound.slot_at < w.ends_at, n) for n, w in enumerate(weeks)), else_=TREND_WEEKS
    ).label("bucket")
    answer = CollabGroupMember.answer
    per_group = (
        select(
            bucket,
            func.count(CollabGroupMember.id).label("size"),
            any_of(answer == "yes").label("yes"),
            any_of(answer == "not_yet").label("not_yet"),
            any_of(answer == "no").label("no"),
            func.count(answer).label("answers"),
        )
        .join(CollabGroup, CollabGroup.round_id == CollabRound.id)
        .join(CollabGroupMember, CollabGroupMember.group_id == CollabGroup.id)
        .where(
            CollabRound.guild_id == guild_id,
            CollabRound.slot_at >= weeks[0].starts_at,
            CollabRound.slot_at < week.ends_at,
        )
        .group_by(CollabGroup.id, CollabRound.slot_at)
        .subquery()
    )
    g = per_group.c
    # a group counts once, by its best news: someone collabed > soon > no > nobody answered
    per_week = await session.execute(
        select(
            g.bucket,
            func.count(),
            func.sum(g.size),
            func.sum(g.yes),
            count_if((g.yes == 0) & (g.not_yet == 1)),
            count_if((g.yes == 0) & (g.not_yet == 0) & (g.no == 1)),
            count_if((g.yes == 0) & (g.not_yet == 0) & (g.no == 0) & (g.answers == 0)),
        ).group_by(g.bucket)
    )
    # bucket -> [groups, members, collabed, not yet, said no, unanswered]
    found = {int(row[0]): [int(v or 0) for v in row[1:]] for row in per_week.all()}
    rounds = await session.scalar(
        select(func.count())
        .select_from(CollabRound)
        .where(
            CollabRound.guild_id == guild_id,
            CollabRound.slot_at >= week.starts_at,
            CollabRound.slot_at < week.ends_at,
        )
    )
    groups, members, yes, not_yet, said_no, unanswered = found.get(TREND_WEEKS - 1, [0] * 6)
    return Collabs(
        rounds=int(rounds or 0),
        groups=groups,
        members=members,
        collabed=yes,
        not_yet=not_yet,
        said_no=said_no,
        unanswered=unanswered,
        trend=tuple(WeekRate(w.start, *found.get(n, [0] * 6)[0:3:2]) for n, w in enumerate(weeks)),
    )
