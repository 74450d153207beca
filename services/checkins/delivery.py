"""What comes due, declared to core's one delivery mechanism (core.deliveries): each member's prompt
at their own local time (one occurrence per guild and zone) and the recap after each period.

Core claims, catches up, re-arms and sweeps; these plans only say what is due and deliver it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from core.clock import Clock
from core.i18n import ngettext
from core.plans import DeliveryPlan, GuildFilter, Occurrence
from services.checkins.prompts import NOTHING, CheckinPrompts, GuildScan, QueueResult, ZoneDue
from services.checkins.recap import SUMMARY_GRACE, CheckinRecap, parse_summary_ref, summary_ref

#: prompts are exactly-once by their own unique rows, so this kind is never stored as a claim
PROMPT_KIND = "checkin_prompt"
#: one claimed slot per guild and period: the recap posts once (the kind stored since day one)
SLOT_KIND = "checkin_summary"
#: ``due`` only offers prompts whose period is still open, so none may be dropped as missed
#: before it closes: the longest period (a week, plus an hour when DST ends within it)
PROMPT_GRACE = timedelta(days=7, hours=2)


def zone_ref(guild_id: int, tz: str) -> str:
    return f"{guild_id}:{tz}"


class PromptPlan(DeliveryPlan):
    """An occurrence per (guild, zone) whose period is open and has members due and not yet
    prompted, at that zone's prompt time; delivering it queues those members in bulk.

    When a run finds several zones of a guild due (after downtime, or times that coincide),
    delivering the first queues them all in one pass over the guild's members, and the others
    report what it queued for them: each pass over 100k members costs as much as the next."""

    kind = PROMPT_KIND
    claimed = False  # the unique (member, period) prompt row is what makes it exactly once
    grace = PROMPT_GRACE

    def __init__(self, prompts: CheckinPrompts, clock: Clock) -> None:
        self.prompts = prompts
        self.clock = clock
        # What the last ``due`` read, for ``deliver`` and ``next_at`` of the same run (core runs
        # a plan's due, deliver and next_at in turn, one run at a time): 100k members are read
        # once per run, not again per zone and for the next wake-up. A change in between
        # re-plans, which makes core run the plan again.
        self._found: dict[Occurrence, ZoneDue] = {}
        self._scans: list[GuildScan] | None = None
        self._queued: dict[Occurrence, QueueResult] = {}  # delivered with another zone

    async def due(self, now: datetime, owns: GuildFilter) -> Sequence[Occurrence]:
        self._scans = None
        scans = [
            await self.prompts.scan(guild_id, now)
            for guild_id in await self.prompts.guild_ids()
            if owns(guild_id)
        ]
        found: dict[Occurrence, ZoneDue] = {}
        for scan in scans:
            for zone in scan.due:
                ref = zone_ref(zone.guild_id, zone.tz)
                found[Occurrence(zone.prompt_at, ref, self.kind, zone.guild_id)] = zone
        self._found, self._scans, self._queued = found, scans, {}
        return list(found)

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        scans, self._scans = self._scans, None
        if scans is None:  # ``due`` failed in this run, or was not called: read afresh
            scans = [
                await self.prompts.scan(guild_id, now)
                for guild_id in await self.prompts.guild_ids()
                if owns(guild_id)
            ]
        times = [scan.next_prompt(now) for scan in scans]
        return min((t for t in times if t is not None), default=None)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        result = self._queued.pop(occurrence, None)
        if result is None:
            result = await self._queue_with_the_guilds_others(occurrence)
        return "{} ({}, {})".format(
            ngettext("{n} member prompted", "{n} members prompted", result.prompted),
            ngettext("{n} DM", "{n} DMs", result.dms),
            ngettext("{n} channel post", "{n} channel posts", result.channel_posts),
        )

    async def _queue_with_the_guilds_others(self, occurrence: Occurrence) -> QueueResult:
        tz = occurrence.ref.split(":", 1)[1]
        together = {
            o: zone for o, zone in self._found.items() if zone.guild_id == occurrence.guild_id
        }
        mine = together.get(occurrence)
        zones: list[ZoneDue | str] = [mine if mine is not None else tz]
        zones += [zone for o, zone in together.items() if o != occurrence]
        try:
            done = await self.prompts.queue_zones(occurrence.guild_id, self.clock.now(), zones)
        finally:  # core backs off from a failed zone: the others of this run go without it
            self._found.pop(occurrence, None)
        for o in together:
            if o != occurrence:
                self._found.pop(o, None)
                self._queued[o] = done.get(together[o].tz, NOTHING)
        return done.get(tz, NOTHING)


class RecapPlan(DeliveryPlan):
    """The recap of each period at the guild's summary time the day after it: claimed (posted
    once, whichever process gets there first), caught up within SUMMARY_GRACE, else missed."""

    kind = SLOT_KIND
    grace = SUMMARY_GRACE

    def __init__(self, prompts: CheckinPrompts, recap: CheckinRecap) -> None:
        self.prompts = prompts
        self.recap = recap

    async def due(self, now: datetime, owns: GuildFilter) -> Sequence[Occurrence]:
        out: list[Occurrence] = []
        for guild_id in await self.prompts.guild_ids():
            if owns(guild_id):
                out += [
                    Occurrence(d.at, summary_ref(guild_id, d.label), self.kind, guild_id)
                    for d in await self.recap.summaries_due(guild_id, now)
                ]
        return out

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        times = [
            await self.recap.next_summary(guild_id, now)
            for guild_id in await self.prompts.guild_ids()
            if owns(guild_id)
        ]
        return min((t for t in times if t is not None), default=None)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        guild_id, label = parse_summary_ref(occurrence.ref)
        summary = await self.recap.queue_summary(guild_id, label)
        return ngettext("{n} member checked in", "{n} members checked in", summary.checked_in)
