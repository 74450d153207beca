"""The one scheduled-delivery mechanism every capability uses.

A capability declares a ``DeliveryPlan``: what has come due (occurrences) and how to deliver
one. This module claims each occurrence once (a unique row, ``core.slots``), delivers late
ones within the plan's grace window and records older ones as missed, keeps the slot order
of each schedule, takes over the claims of a process that stopped beating (``core.leases``),
and gives every failure an error id in the log. It re-arms itself whatever happens inside a
run, and a sweep every few seconds catches anything a wake-up missed (a database outage at a
slot time, a crash, a change nobody announced).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from core.clock import Clock
from core.db import is_transient
from core.errors import new_error_id
from core.leases import LeaseStore
from core.scheduler import Scheduler
from core.slots import DONE, FAILED, MISSED, Claim, RetryLater, SlotStore
from core.tasks import spawn

log = logging.getLogger("mutuals.deliveries")

GuildFilter = Callable[[int], bool]
#: how a service says "who is due, or when, changed for this plan": re-plan it now
Replan = Callable[[str], None]


def no_replan(_kind: str) -> None:
    """For services used without a running bot (unit tests, benchmarks)."""


EACH, LATEST = "each", "latest"
#: an occurrence delivered more than this after its time counts as late (metrics, logs)
LATE_AFTER = timedelta(seconds=60)
DEFAULT_GRACE = timedelta(hours=6)


@dataclass(frozen=True, order=True)
class Occurrence:
    """One thing that comes due: claimed once by (kind, ref, at)."""

    at: datetime
    ref: str
    kind: str
    guild_id: int


@dataclass(frozen=True)
class Outcome:
    occurrence: Occurrence
    #: done | held | missed | taken | retry | failed | busy
    status: str
    detail: str | None = None
    error_id: str | None = None
    late: bool = False

    @property
    def delivered(self) -> bool:
        return self.status in ("done", "held")


class HoldRest(Exception):
    """Raised by ``deliver``: this occurrence is settled (``detail`` says how, e.g. the
    rotation is paused) and the later ones of the same schedule wait for the next run."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class DeliveryPlan(ABC):
    """What a capability declares. Subclasses set ``kind`` (the claim kind of scheduled
    occurrences) and may set the rest."""

    kind: ClassVar[str]
    #: claim kind of moderator-triggered runs ("run now"), if the capability has them
    manual_kind: ClassVar[str | None] = None
    #: False when ``deliver`` is exactly-once by the capability's own unique rows (no claim)
    claimed: ClassVar[bool] = True
    #: deliver EACH late occurrence in order, or only the LATEST (the others are missed)
    catch_up: ClassVar[str] = EACH
    grace: timedelta = DEFAULT_GRACE

    @abstractmethod
    async def due(self, now: datetime, owns: GuildFilter) -> Sequence[Occurrence]:
        """Occurrences at or before ``now`` for guilds ``owns`` accepts. Returning ones that
        were already handled is fine (they are filtered), leaving out unhandled ones is not."""

    @abstractmethod
    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        """The next moment something may come due after ``now`` (None: nothing planned)."""

    @abstractmethod
    async def deliver(self, occurrence: Occurrence) -> str | None:
        """Do it (usually: queue outbox rows in one transaction). Must be idempotent: after a
        crash it may run again for the same occurrence. Returns a detail for the record."""

    async def missed(self, occurrence: Occurrence) -> None:  # noqa: B027 - optional hook
        """Told when an occurrence is recorded as missed (past the grace window)."""

    def guild_of(self, ref: str) -> int | None:
        """The guild a ref belongs to, for claims written before claims named their guild."""
        return None

    def kinds(self) -> tuple[str, ...]:
        return (self.kind,) if self.manual_kind is None else (self.kind, self.manual_kind)


@dataclass
class PlanState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    again: bool = False
    last_end: float = float("-inf")
    last_seconds: float = 0.0
    next_at: datetime | None = None


class Deliveries:
    def __init__(
        self,
        slots: SlotStore,
        leases: LeaseStore,
        scheduler: Scheduler,
        clock: Clock,
        *,
        owns: GuildFilter,
        sweep_seconds: float = 5.0,
        heartbeat_seconds: float = 3.0,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.slots = slots
        self.leases = leases
        self.scheduler = scheduler
        self.clock = clock
        self.owns = owns
        self.sweep_seconds = sweep_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.on_queued = on_queued
        self.listeners: list[Callable[[Outcome], None]] = []
        #: told about every failure (a run, an occurrence, a heartbeat), e.g. to count the
        #: database errors of an outage, which fail whole runs before any occurrence is known
        self.failure_listeners: list[Callable[[BaseException], None]] = []
        self._plans: dict[str, DeliveryPlan] = {}
        self._state: dict[str, PlanState] = {}
        self._in_flight: set[tuple[str, str, datetime]] = set()
        self._started = False
        self._beat_failing = False
        self._last_beat = float("-inf")
        #: monotonic time of the last completed sweep, for the health endpoint
        self.last_sweep: float | None = None

    @property
    def owner(self) -> str:
        return self.leases.owner

    # ------------------------------------------------------------------ set-up

    def add(self, plan: DeliveryPlan) -> None:
        self._plans[plan.kind] = plan
        self._state.setdefault(plan.kind, PlanState())
        if self._started:
            self.poke(plan.kind)

    def remove(self, kind: str) -> None:
        self._plans.pop(kind, None)
        self.scheduler.cancel(f"delivery:{kind}")

    def plan(self, kind: str) -> DeliveryPlan:
        return self._plans[kind]

    async def start(self) -> None:
        """After the guild cache is there: beat, catch up everything, then keep watch."""
        self._started = True
        await self._beat()
        self.scheduler.every("delivery:heartbeat", self.heartbeat_seconds, self._beat)
        self.scheduler.every("delivery:sweep", self.sweep_seconds, self.sweep)
        await self.sweep()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop waking up, let running deliveries finish, and hand our claims over at once."""
        self._started = False
        self.scheduler.cancel_prefix("delivery:")
        locks = [s.lock for s in self._state.values() if s.lock.locked()]
        if locks:

            async def _wait(lock: asyncio.Lock) -> None:
                async with lock:
                    return None

            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(_wait(lk) for lk in locks)), grace)
        try:
            await self.leases.release()
        except Exception as exc:  # the database may be gone at shutdown; the lease then expires
            log.warning("could not release the process lease: %s", exc)

    # ------------------------------------------------------------------ triggers

    def poke(self, kind: str) -> None:
        """Who is due or when changed: run that plan now and re-plan its next wake-up."""
        state = self._state.get(kind)
        if state is None or not self._started:
            return
        if state.lock.locked():
            state.again = True
            return
        spawn(self.run(kind), name=f"delivery-{kind}")

    async def sweep(self) -> None:
        """The safety net: every plan runs every few seconds (an expensive one less often)."""
        for kind, state in list(self._state.items()):
            if kind not in self._plans or state.lock.locked():
                continue
            pause = max(0.0, 10 * state.last_seconds - self.sweep_seconds)
            if time.monotonic() - state.last_end < pause:
                continue
            await self.run(kind)
        self.last_sweep = time.monotonic()

    async def run(self, kind: str) -> list[Outcome]:
        """One run of a plan: resume, catch up and deliver what is due, then arm the next
        wake-up. Never raises; whatever fails is logged with an error id and tried again."""
        plan = self._plans.get(kind)
        if plan is None:
            return []
        state = self._state[kind]
        outcomes: list[Outcome] = []
        async with state.lock:
            state.again = False
            started = time.monotonic()
            try:
                outcomes = await self._run(plan)
            except Exception as exc:
                self._log_failure(plan, None, exc)
            finally:
                await self._arm(plan, state)
                state.last_end = time.monotonic()
                state.last_seconds = state.last_end - started
        if outcomes and self.on_queued is not None:
            self.on_queued()
        if state.again and self._started:
            spawn(self.run(kind), name=f"delivery-{kind}")
        return outcomes

    async def run_manual(self, kind: str, ref: str, guild_id: int) -> Outcome:
        """A moderator's "run it now": claimed like any occurrence (never twice), delivered at
        once, and the outcome returned with the error id when it failed."""
        plan = self._plans[kind]
        if plan.manual_kind is None:
            raise ValueError(f"plan {kind} has no manual runs")
        occurrence = Occurrence(self.clock.now(), ref, plan.manual_kind, guild_id)
        try:
            claimed = await self.slots.claim(
                occurrence.kind, ref, occurrence.at, owner=self.owner, guild_id=guild_id
            )
        except Exception as exc:
            return await self._failure(plan, occurrence, exc)
        if not claimed:
            return Outcome(occurrence, "taken")
        outcome = await self._deliver(plan, occurrence)
        if outcome.delivered and self.on_queued is not None:
            self.on_queued()
        return outcome

    def next_wake(self, kind: str) -> datetime | None:
        state = self._state.get(kind)
        return state.next_at if state else None

    # ------------------------------------------------------------------ one run

    async def _run(self, plan: DeliveryPlan) -> list[Outcome]:
        if time.monotonic() - self._last_beat > self.heartbeat_seconds:
            await self._beat()  # our claims must look alive before we judge anyone else's
        now = self.clock.now()
        items: list[tuple[Occurrence, Claim | None]] = []
        blocked: set[str] = set()
        if plan.claimed:
            items, blocked = await self._open_claims(plan, now)
        fresh = [o for o in await plan.due(now, self.owns) if o.at <= now]
        if plan.claimed:
            done = await self.slots.recorded(plan.kind, [(o.ref, o.at) for o in fresh])
            fresh = [o for o in fresh if (o.ref, o.at) not in done]
        fresh = sorted(set(fresh))
        superseded: set[Occurrence] = set()
        if plan.catch_up == LATEST:
            latest: dict[str, Occurrence] = {}
            for o in fresh:
                if now - o.at <= plan.grace:
                    latest[o.ref] = o
            superseded = {o for o in fresh if now - o.at <= plan.grace} - set(latest.values())
        items += [(o, None) for o in fresh]
        items.sort(key=lambda item: (item[0].at, item[0].ref))
        outcomes: list[Outcome] = []
        for occurrence, claim in items:
            if occurrence.ref in blocked:
                continue  # an earlier one of this schedule is still on its way: keep the order
            outcome = await self._handle(plan, occurrence, claim, now, occurrence in superseded)
            outcomes.append(outcome)
            if outcome.status in ("held", "retry", "taken", "busy"):
                blocked.add(occurrence.ref)
        return outcomes

    async def _open_claims(
        self, plan: DeliveryPlan, now: datetime
    ) -> tuple[list[tuple[Occurrence, Claim | None]], set[str]]:
        """Unfinished claims: ours to resume, a dead process's to take over (in slot order),
        a live process's to leave alone (and hold back that schedule's later slots)."""
        claims = await self.slots.open_claims(plan.kinds())
        if not claims:
            return [], set()
        live = await self.leases.live_owners() | {self.owner}
        items: list[tuple[Occurrence, Claim | None]] = []
        blocked: set[str] = set()
        for claim in claims:
            guild_id = claim.guild_id if claim.guild_id is not None else plan.guild_of(claim.ref)
            if guild_id is not None and not self.owns(guild_id):
                continue
            occurrence = Occurrence(claim.slot_at, claim.ref, claim.kind, guild_id or 0)
            if claim.owner == self.owner:
                if (claim.kind, claim.ref, claim.slot_at) in self._in_flight:
                    blocked.add(claim.ref)
                else:
                    items.append((occurrence, claim))
                continue
            abandoned = (
                claim.owner not in live
                if claim.owner is not None
                else now - claim.claimed_at >= self.leases.lease
            )
            if not abandoned:
                blocked.add(claim.ref)
            elif await self.slots.take_over(claim, self.owner):
                log.info(
                    "took over %s/%s@%s from %s", claim.kind, claim.ref, claim.slot_at, claim.owner
                )
                items.append((occurrence, claim))
            else:
                blocked.add(claim.ref)
        return items, blocked

    async def _handle(
        self,
        plan: DeliveryPlan,
        occurrence: Occurrence,
        claim: Claim | None,
        now: datetime,
        superseded: bool,
    ) -> Outcome:
        if now - occurrence.at > plan.grace or superseded:
            detail = (
                "a later occurrence ran instead"
                if superseded
                else "past the grace window (the bot was down or the database unreachable)"
            )
            if plan.claimed:
                if claim is not None:
                    await self.slots.finish(
                        occurrence.kind, occurrence.ref, occurrence.at, MISSED, detail
                    )
                elif not await self.slots.record_missed(
                    occurrence.kind,
                    occurrence.ref,
                    occurrence.at,
                    detail,
                    guild_id=occurrence.guild_id,
                ):
                    return Outcome(occurrence, "taken")
            try:
                await plan.missed(occurrence)
            except Exception as exc:
                self._log_failure(plan, occurrence, exc)
            log.info("%s/%s@%s missed: %s", plan.kind, occurrence.ref, occurrence.at, detail)
            return self._tell(Outcome(occurrence, "missed", detail))
        if plan.claimed and claim is None:
            claimed = await self.slots.claim(
                occurrence.kind,
                occurrence.ref,
                occurrence.at,
                owner=self.owner,
                guild_id=occurrence.guild_id,
            )
            if not claimed:
                return Outcome(occurrence, "taken")
        return await self._deliver(plan, occurrence)

    async def _deliver(self, plan: DeliveryPlan, occurrence: Occurrence) -> Outcome:
        key = (occurrence.kind, occurrence.ref, occurrence.at)
        self._in_flight.add(key)
        try:
            detail = await plan.deliver(occurrence)
            status = "done"
        except HoldRest as held:
            detail, status = held.detail, "held"
        except Exception as exc:
            return await self._failure(plan, occurrence, exc)
        finally:
            self._in_flight.discard(key)
        late = self.clock.now() - occurrence.at > LATE_AFTER
        if plan.claimed:
            try:
                await self.slots.finish(
                    occurrence.kind, occurrence.ref, occurrence.at, DONE, detail
                )
            except Exception as exc:  # delivered but not recorded: the next run re-delivers
                self._log_failure(plan, occurrence, exc)  # idempotently and records it
        return self._tell(Outcome(occurrence, status, detail, late=late))

    async def _failure(self, plan: DeliveryPlan, occurrence: Occurrence, exc: Exception) -> Outcome:
        error_id = self._log_failure(plan, occurrence, exc)
        if isinstance(exc, RetryLater) or is_transient(exc):
            # The claim stays ours and unfinished: the next run (seconds away) resumes it.
            return self._tell(Outcome(occurrence, "retry", str(exc)[:200], error_id))
        detail = f"error id {error_id}: {type(exc).__name__}: {exc}"[:500]
        if plan.claimed:
            with contextlib.suppress(Exception):  # if this fails too, the next run retries it
                await self.slots.finish(
                    occurrence.kind, occurrence.ref, occurrence.at, FAILED, detail
                )
        return self._tell(Outcome(occurrence, "failed", detail, error_id))

    def _log_failure(
        self, plan: DeliveryPlan, occurrence: Occurrence | None, exc: BaseException
    ) -> str:
        self._tell_failure(exc)
        error_id = new_error_id()
        what = (
            f"{plan.kind}/{occurrence.ref}@{occurrence.at.isoformat()}"
            if occurrence is not None
            else plan.kind
        )
        if isinstance(exc, RetryLater) or is_transient(exc):
            log.warning(
                "delivery %s will be retried (error id %s): %s: %s",
                what,
                error_id,
                type(exc).__name__,
                str(exc).splitlines()[0][:200] if str(exc) else "",
            )
        else:
            log.error(
                "delivery %s failed (error id %s)",
                what,
                error_id,
                exc_info=(type(exc), exc, exc.__traceback__),
            )
        return error_id

    def _tell_failure(self, exc: BaseException) -> None:
        for listener in self.failure_listeners:
            try:
                listener(exc)
            except Exception:
                log.exception("delivery failure listener failed")

    def _tell(self, outcome: Outcome) -> Outcome:
        for listener in self.listeners:
            try:
                listener(outcome)
            except Exception:
                log.exception("delivery listener failed")
        return outcome

    # ------------------------------------------------------------------ waking up

    async def _arm(self, plan: DeliveryPlan, state: PlanState) -> None:
        job = f"delivery:{plan.kind}"
        now = self.clock.now()
        try:
            nxt = await plan.next_at(now, self.owns)
        except Exception as exc:  # the sweep wakes this plan again in a few seconds
            self._log_failure(plan, None, exc)
            return
        state.next_at = nxt
        if nxt is None or not self._started:
            self.scheduler.cancel(job)
            return
        # The scheduler counts wall time; the plan speaks the injected clock's time. With the
        # system clock both agree; with a test clock the delay is what matters.
        delay = max(0.0, (nxt - now).total_seconds() / self.clock.speed)
        self.scheduler.at(job, datetime.now(UTC) + timedelta(seconds=delay), self._wake, plan.kind)

    async def _wake(self, kind: str) -> None:
        await self.run(kind)

    async def _beat(self) -> None:
        try:
            await self.leases.beat()
        except Exception as exc:
            self._tell_failure(exc)
            if not self._beat_failing:
                log.warning(
                    "heartbeat failed (%s); retrying every %ss", exc, self.heartbeat_seconds
                )
            self._beat_failing = True
            return
        self._last_beat = time.monotonic()
        if self._beat_failing:
            log.info("heartbeat is back")
        self._beat_failing = False


def occurrences_in(
    times: Sequence[datetime], *, kind: str, ref: str, guild_id: int
) -> list[Occurrence]:
    """Occurrences of one schedule at the given times (a small convenience for plans)."""
    return [Occurrence(t, ref, kind, guild_id) for t in times]


__all__ = [
    "EACH",
    "LATEST",
    "Deliveries",
    "DeliveryPlan",
    "GuildFilter",
    "HoldRest",
    "Occurrence",
    "Outcome",
    "Replan",
    "RetryLater",
    "no_replan",
    "occurrences_in",
]
