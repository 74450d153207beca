"""The pulse of one server's week, read in one transaction (aggregate queries over every
capability's tables), on the injected clock."""

from __future__ import annotations

from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.plans import Replan, no_replan
from models.directory import GuildName
from services.pulse.checkins import read_checkins
from services.pulse.collabs import read_collabs
from services.pulse.funnel import read_funnel
from services.pulse.post import KIND, PulsePosts, WeeklyPostPlan
from services.pulse.quizzes import read_quizzes
from services.pulse.renderer import ChartRenderer
from services.pulse.shoutouts import read_shoutouts
from services.pulse.values import Pulse
from services.pulse.weeks import parse_week
from services.pulse.wins import read_wins
from services.quizzes.days import server_timezone


class PulseService:
    def __init__(self, db: Database, clock: Clock, *, replan: Replan = no_replan) -> None:
        self.db = db
        self.clock = clock
        self.replan = replan
        #: the weekly pulse post's setting, and its plan for core's delivery mechanism
        self.posts = PulsePosts(db, clock, replan)
        self.plan = WeeklyPostPlan(self.posts)
        #: the charts' worker process and the pictures it drew (one per bot process)
        self.charts = ChartRenderer()

    def zone_changed(self) -> None:
        self.replan(KIND)

    async def week(self, guild_id: int, week: str | None = None) -> Pulse:
        """``week``: ``2026-W14``, or None for the week we are in (its numbers so far)."""
        now = self.clock.now()
        async with self.db.read() as session:
            tz = await server_timezone(session, guild_id)
            the_week = parse_week(week, now, tz)
            name = await session.scalar(
                select(GuildName.name).where(GuildName.guild_id == guild_id)
            )
            funnel = await read_funnel(session, guild_id, the_week)
            checkins = await read_checkins(session, guild_id, the_week)
            collabs = await read_collabs(session, guild_id, the_week)
            shoutouts = await read_shoutouts(session, guild_id, the_week)
            quizzes = await read_quizzes(session, guild_id, the_week, now)
            wins = await read_wins(
                session, guild_id, the_week, funnel, checkins, collabs, shoutouts
            )
        return Pulse(
            guild_id=guild_id,
            guild_name=str(name or guild_id),
            week=the_week,
            generated_at=now,
            funnel=funnel,
            checkins=checkins,
            collabs=collabs,
            shoutouts=shoutouts,
            quizzes=quizzes,
            wins=wins,
        )
