"""Collab deliveries on core's one mechanism: each guild's rounds (once per slot, the latest
of several missed ones, or a moderator's "run now"), every group's intro, and the follow-ups.

Core claims, catches up, re-arms and retries; these plans say what is due and how to deliver
it. What needs Discord (the guild's members, opening a private thread) goes through
``CollabPort``, implemented by the cog; without a port, rounds skip the presence check and
intros go out by DM.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from core.i18n import ngettext, use_locale
from core.plans import LATEST, DeliveryPlan, GuildFilter, Occurrence, RetryLater
from services.collabs.base import FOLLOWUP_KIND, INTRO_KIND, ROUND_NOW_KIND, SLOT_KIND
from services.collabs.round_text import thread_title
from services.collabs.schedule import GRACE
from services.languages import server_language
from services.safety.age import RoleHoldersUnknown

if TYPE_CHECKING:
    from services.collabs.service import CollabService

#: intros and follow-ups are owed whatever the delay (a bot down for days still sends them)
NEVER_LATE = timedelta(days=3650)


@dataclass(frozen=True)
class Opened:
    """What came of opening a group's private thread."""

    thread_id: int | None  # None: not possible (permissions, the channel is gone…)
    channel_found: bool = True  # False: the collab channel itself is gone


class CollabPort(Protocol):
    """The Discord side of collab deliveries (the cog)."""

    def members_present(self, guild_id: int) -> Collection[int] | None:
        """The guild's member ids when the cache holds all of them (None: unknown)."""

    async def adult_role_holders(self, guild_id: int) -> Collection[int] | None:
        """Who holds the guild's 18+ role (empty: no role named; None: unknown right now)."""

    async def open_thread(self, channel_id: int, name: str, members: Sequence[int]) -> Opened:
        """A private thread in the collab channel with these members in it."""


class RoundPlan(DeliveryPlan):
    """Each guild's round, exactly once per slot (claimed by core). Of several slots a bot
    slept through only the latest runs (within ``GRACE``); the others are recorded missed."""

    kind = SLOT_KIND
    manual_kind = ROUND_NOW_KIND
    catch_up = LATEST
    grace = GRACE

    def __init__(self, service: CollabService, port: CollabPort | None = None) -> None:
        self.service = service
        self.port = port

    async def due(self, now: datetime, owns: GuildFilter) -> list[Occurrence]:
        return [
            Occurrence(at, str(guild_id), self.kind, guild_id)
            for guild_id, at in await self.service.due_rounds(now, owns)
        ]

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        return await self.service.next_round(now, owns)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        guild_id = occurrence.guild_id
        present = holders = None
        if self.port is not None:
            present = self.port.members_present(guild_id)
            holders = await self.port.adult_role_holders(guild_id)
        try:
            rnd = await self.service.run_round(
                guild_id,
                occurrence.at,
                manual=occurrence.kind == ROUND_NOW_KIND,
                present=present,
                role_holders=holders,
            )
        except RoleHoldersUnknown as exc:  # the member list is loading: nobody is guessed
            raise RetryLater(exc.message) from exc
        return rnd.summary()[:500]

    async def missed(self, occurrence: Occurrence) -> None:
        if occurrence.kind == SLOT_KIND:
            await self.service.advance(occurrence.guild_id, occurrence.at)


class IntroPlan(DeliveryPlan):
    """Every group of a round introduced once: exactly once by the group's intro state
    (``queue_intro`` moves it from pending in the transaction that queues the intro), so no
    claim. One occurrence per round still introducing; after a restart it picks up where the
    last process stopped."""

    kind = INTRO_KIND
    claimed = False
    grace = NEVER_LATE

    def __init__(self, service: CollabService, port: CollabPort | None = None) -> None:
        self.service = service
        self.port = port

    async def due(self, now: datetime, owns: GuildFilter) -> list[Occurrence]:
        return [
            Occurrence(min(at, now), str(round_id), self.kind, guild_id)
            for round_id, guild_id, at in await self.service.rounds_introducing(owns)
        ]

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        return None  # intros are due the moment a round is stored (it re-plans this kind)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        work = await self.service.intro_work(int(occurrence.ref))
        if work is None:
            return "the round is gone"
        introduced = 0
        language = await server_language(self.service.db, work.guild_id)  # the thread's name
        for group in work.groups:
            opened = Opened(None, channel_found=work.channel_id is not None)
            if self.port is not None and work.channel_id is not None:
                with use_locale(language):
                    title = thread_title(group.members, work.names)
                opened = await self.port.open_thread(work.channel_id, title, group.members)
            introduced += await self.service.queue_intro(
                group.id,
                thread_id=opened.thread_id,
                channel_id=work.channel_id if opened.channel_found else None,
            )
        return ngettext(
            "{done} of {n} group introduced",
            "{done} of {n} groups introduced",
            len(work.groups),
            done=introduced,
        )


class FollowupPlan(DeliveryPlan):
    """ "Did you collab?" once per group, when its follow-up day comes: exactly once by
    ``followup_sent_at``, so no claim. One occurrence per guild and follow-up time."""

    kind = FOLLOWUP_KIND
    claimed = False
    grace = NEVER_LATE

    def __init__(self, service: CollabService) -> None:
        self.service = service

    async def due(self, now: datetime, owns: GuildFilter) -> list[Occurrence]:
        return [
            Occurrence(at, str(guild_id), self.kind, guild_id)
            for guild_id, at in await self.service.followups_due(now, owns)
        ]

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        return await self.service.next_followup_at(now, owns)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        asked = await self.service.queue_followups(occurrence.guild_id, occurrence.at)
        return ngettext("{n} group asked", "{n} groups asked", asked)


def collab_plans(service: CollabService, port: CollabPort | None = None) -> list[DeliveryPlan]:
    """Every collab delivery, for ``bot.deliveries.add`` (the cog is the port)."""
    return [RoundPlan(service, port), IntroPlan(service, port), FollowupPlan(service)]
