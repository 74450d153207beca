"""The collab service the bot and tests hold: every part (members, moderators, rounds, the
schedule, what rounds send, stats) as one object over the same database, clock and niches."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from services.collabs.admin import CollabAdmin
from services.collabs.base import INTRO_KIND
from services.collabs.members import CollabMembers
from services.collabs.outgoing import CollabOutgoing
from services.collabs.removals import CollabRemovals
from services.collabs.results import RoundInfo
from services.collabs.rounds import CollabRounds
from services.collabs.schedule import CollabSchedule
from services.collabs.stats import CollabStats


class CollabService(
    CollabMembers,
    CollabAdmin,
    CollabRounds,
    CollabSchedule,
    CollabOutgoing,
    CollabStats,
    CollabRemovals,
):
    """``CollabService(db, clock, niches, replan=...)``. The parts share nothing but those, so
    each lives in its own module; this class puts them together for the composition root."""

    async def run_round(
        self,
        guild_id: int,
        slot_at: datetime,
        *,
        manual: bool = False,
        present: Collection[int] | None = None,
        role_holders: Collection[int] | None = None,
    ) -> RoundInfo:
        """A round's delivery, safe to repeat after a crash at any step: the round stored once
        per slot, its public line and left-out notes queued once, the schedule moved on (not
        for a moderator's run-now), and its intros re-planned to go out at once."""
        rnd = await self.create_round(
            guild_id, slot_at, manual=manual, present=present, role_holders=role_holders
        )
        await self.queue_round_messages(rnd)
        if not manual:
            await self.advance(guild_id, slot_at)
        if rnd.groups:
            self.replan(INTRO_KIND)
        return rnd
