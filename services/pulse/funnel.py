"""The onboarding funnel of the newcomers who joined in one week: joined → DM → started →
finished, and the step where the ones who started but didn't finish stopped."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import N_, _
from models.welcome import Onboarding
from services.pulse.sql import count_if
from services.pulse.values import Funnel, Week

STEPS = ("niches", "profile", "norms")
STEP_NAMES = {"niches": N_("niches"), "profile": N_("profile"), "norms": N_("norms")}


def step_name(step: str) -> str:
    """An onboarding step as moderators read it, in the current language."""
    return _(STEP_NAMES[step]) if step in STEP_NAMES else step


async def read_funnel(session: AsyncSession, guild_id: int, week: Week) -> Funnel:
    in_week = (
        Onboarding.guild_id == guild_id,
        Onboarding.preview.is_(False),
        Onboarding.joined_at >= week.starts_at,
        Onboarding.joined_at < week.ends_at,
    )
    started = or_(Onboarding.started_at.is_not(None), Onboarding.completed_at.is_not(None))

    totals = (
        await session.execute(
            select(
                func.count(),
                count_if(Onboarding.dm_state == "sent"),
                count_if(Onboarding.dm_state == "closed"),
                count_if(started),
                func.count(Onboarding.completed_at),
                func.count(Onboarding.left_at),
            ).where(*in_week)
        )
    ).one()
    stuck = await session.execute(
        select(Onboarding.step, func.count())
        .where(*in_week, started, Onboarding.completed_at.is_(None))
        .group_by(Onboarding.step)
    )
    by_step = {str(step): int(n) for step, n in stuck.all()}
    order = [s for s in STEPS if s in by_step] + sorted(set(by_step) - set(STEPS))
    joined, dm_sent, dm_closed, n_started, finished, left = (int(v or 0) for v in totals)
    return Funnel(
        joined=joined,
        dm_sent=dm_sent,
        dm_closed=dm_closed,
        started=n_started,
        finished=finished,
        left=left,
        stuck_at=tuple((s, by_step[s]) for s in order),
    )
