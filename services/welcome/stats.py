"""Welcome numbers for moderators, counted from the join log: joins, onboarding started and
completed, DMs found closed, over recent periods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from core.clock import Clock
from core.db import Database
from models.welcome import WelcomeEvent
from services.welcome.values import PeriodStats


class WelcomeStats:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def stats(self, guild_id: int, periods: Sequence[int] = (7, 30)) -> list[PeriodStats]:
        now = self.clock.now()
        out = []
        async with self.db.read() as session:
            for days in periods:
                result = await session.execute(
                    select(WelcomeEvent.kind, func.count())
                    .where(
                        WelcomeEvent.guild_id == guild_id,
                        WelcomeEvent.at > now - timedelta(days=days),
                    )
                    .group_by(WelcomeEvent.kind)
                )
                counts: dict[str, int] = {str(k): int(n) for k, n in result.all()}
                out.append(
                    PeriodStats(
                        days=days,
                        joins=int(counts.get("join", 0)),
                        started=int(counts.get("started", 0)),
                        completed=int(counts.get("completed", 0)),
                        dms_closed=int(counts.get("dm_closed", 0)),
                    )
                )
        return out

    async def joins_recorded(self, guild_id: int) -> int:
        async with self.db.read() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(WelcomeEvent)
                    .where(WelcomeEvent.guild_id == guild_id, WelcomeEvent.kind == "join")
                )
                or 0
            )
