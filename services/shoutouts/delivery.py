"""Rotation slots on core's one delivery mechanism: what comes due (the fire times of every
running rotation) and how one slot goes out. Core claims, catches up, retries and re-arms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from core.i18n import use_locale
from core.plans import EACH, DeliveryPlan, GuildFilter, HoldRest, Occurrence
from services.languages import server_language
from services.schedules import fire_times_between, next_fire_times
from services.shoutouts.features import RUN_NOW_KIND, SLOT_KIND, Features
from services.shoutouts.results import RotationInfo, SlotOutcome, no_check
from services.shoutouts.rotations import Rotations

# slots older than this are never looked at again (the grace window is far shorter anyway)
MAX_CATCH_UP_WINDOW = timedelta(days=31)


class RotationPort(Protocol):
    """What a slot needs to know from Discord, answered from the guild cache (never slow).
    Without a port (no cog loaded, a unit test) slots go out unchecked: a post into a lost
    channel still fails in the outbox, which pauses the rotation then."""

    def channel_problem(self, rotation: RotationInfo) -> str | None:
        """Why the bot can't post in the rotation's channel (gone, permissions), or None."""

    def member_check(self, rotation: RotationInfo, user_id: int) -> str | None:
        """Why this creator can't be featured now ("left", "excluded"), or None."""


def describe(outcome: SlotOutcome) -> str:
    """What a slot did, for the claim's record."""
    feature = outcome.feature
    if outcome.status == "featured" and feature is not None and feature.user_id:
        return f"featured {feature.user_id}"
    if feature is not None and feature.detail:
        return f"{outcome.status}: {feature.detail}"[:500]
    return outcome.status


class RotationPlan(DeliveryPlan):
    """Every slot of every running rotation, each delivered once and in order (late ones within
    the grace window too); a paused rotation holds its slots back."""

    kind = SLOT_KIND
    manual_kind = RUN_NOW_KIND
    catch_up = EACH

    def __init__(self, features: Features, rotations: Rotations, *, grace: timedelta) -> None:
        self.features = features
        self.rotations = rotations
        self.grace = grace
        #: set by the cog at cog_load (None: slots go out without the Discord-side checks)
        self.port: RotationPort | None = None

    async def _running(self, owns: GuildFilter) -> list[RotationInfo]:
        return [
            r for r in await self.rotations.list_rotations() if not r.paused and owns(r.guild_id)
        ]

    async def due(self, now: datetime, owns: GuildFilter) -> Sequence[Occurrence]:
        running = await self._running(owns)
        last = await self.features.last_slots([r.id for r in running])
        due: list[Occurrence] = []
        for rot in running:
            start = max(
                rot.active_from, now - MAX_CATCH_UP_WINDOW, last.get(rot.id, rot.active_from)
            )
            due += [
                Occurrence(at, str(rot.id), SLOT_KIND, rot.guild_id)
                for at in fire_times_between(rot.parsed().trigger, start, now)
            ]
        return due

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        times = [
            t
            for rot in await self._running(owns)
            for t in next_fire_times(rot.parsed().trigger, max(now, rot.active_from), 1)
        ]
        return min(times, default=None)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        """Check the channel (pausing the rotation and telling the moderators when it is lost),
        then feature the next creator. Paused: this slot is settled, later ones wait."""
        rotation_id = int(occurrence.ref)
        rot = await self.rotations.get_by_id(rotation_id)
        if rot is None:
            return "the rotation was deleted"
        # what the slot writes for people (reasons, the moderators' notice) is the server's to read
        with use_locale(await server_language(self.features.db, rot.guild_id)):
            return await self._deliver(rot, occurrence)

    async def _deliver(self, rot: RotationInfo, occurrence: Occurrence) -> str | None:
        rotation_id = rot.id
        if rot.paused:
            raise HoldRest(rot.pause_reason or "paused")
        port = self.port
        if port is not None:
            problem = port.channel_problem(rot)
            if problem is not None:
                await self.features.pause_for_problem(rot.id, problem)
                raise HoldRest(problem)
        check = port.member_check if port is not None else no_check
        outcome = await self.features.feature_slot(
            rotation_id, occurrence.kind, occurrence.at, check
        )
        if outcome.status == "paused":
            latest = await self.rotations.get_by_id(rotation_id)
            raise HoldRest((latest.pause_reason if latest else None) or "paused")
        return describe(outcome)

    async def missed(self, occurrence: Occurrence) -> None:
        await self.features.record_missed(int(occurrence.ref), occurrence.kind, occurrence.at)
