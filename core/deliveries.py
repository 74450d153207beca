"""The one scheduled-delivery mechanism every capability uses.

A capability declares a ``DeliveryPlan`` (core.plans): what has come due (occurrences) and
how to deliver one. This module claims each occurrence once (a unique row, ``core.slots``),
delivers late ones within the plan's grace window and records older ones as missed, keeps
the slot order of each schedule, takes over the claims of a process that stopped beating
(``core.leases``), and gives every failure an error id in the log. It re-arms itself whatever
happens inside a run, and a sweep every few seconds catches anything a wake-up missed (a
database outage at a slot time, a crash, a change nobody announced).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.clock import Clock
from core.db import is_transient
from core.errors import new_error_id
from core.leases import LeaseStore
from core.plans import LATEST, DeliveryPlan, GuildFilter, HoldRest, Occurrence, Outcome
from core.scheduler import Scheduler
from core.slots import DONE, FAILED, MISSED, Claim, RetryLater, SlotStore
from core.tasks import spawn

log = logging.getLogger("mutuals.deliveries")

#: an occurrence delivered more than this after its time counts as late (metrics, logs)
LATE_AFTER = timedelta(seconds=60)
#: retries of a failing occurrence back off: from the first delay, doubling, up to a cap
#: (short for the database being away, so slots go out seconds after it returns; long for bugs)
RETRY_FIRST, RETRY_CAP_TRANSIENT, RETRY_CAP_BUG = 1.0, 15.0, 300.0


@dataclass
class Trouble:
    """An occurrence that keeps failing: how often, and when to try it again (monotonic)."""

    count: int = 0
    retry_at: float = 0.0


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
        retry_first: float = RETRY_FIRST,
    ) -> None:
        self.slots = slots
        self.retry_first = retry_first
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
        #: claims this process recently finished (done or failed): a run that read the open
        #: claims just before one was finished must not deliver it again (late)
        self._finished: dict[tuple[str, str, datetime], None] = {}
        self._trouble: dict[tuple[str, str, datetime], Trouble] = {}
        #: failures whose "failed" mark couldn't be written yet (the next run writes it)
        self._unrecorded_failures: dict[tuple[str, str, datetime], str] = {}
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
        # to the second: two clicks in the same second are one run, not two
        occurrence = Occurrence(
            self.clock.now().replace(microsecond=0), ref, plan.manual_kind, guild_id
        )
        try:
            claimed = await self.slots.claim(
                occurrence.kind, ref, occurrence.at, owner=self.owner, guild_id=guild_id
            )
        except Exception as exc:  # nothing was claimed, so nothing will resume it: say so
            error_id = self._log_failure(plan, occurrence, exc)
            return self._tell(Outcome(occurrence, "unavailable", str(exc)[:200], error_id))
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
        for key, detail in list(self._unrecorded_failures.items()):
            if key[0] in plan.kinds():
                await self.slots.finish(*key, FAILED, detail)
                del self._unrecorded_failures[key]
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
            trouble = self._trouble.get(_key(occurrence))
            if (
                trouble is not None
                and trouble.retry_at > time.monotonic()
                and now - occurrence.at <= plan.grace
            ):
                blocked.add(occurrence.ref)  # backing off after failures; later ones wait too
                continue
            if claim is not None and _key(occurrence) in self._finished:
                continue  # finished by a run-now while this run read the claims
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
                key = (claim.kind, claim.ref, claim.slot_at)
                if key in self._in_flight:
                    blocked.add(claim.ref)
                elif key not in self._finished:
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
        key = _key(occurrence)
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
        self._trouble.pop(key, None)
        late = self.clock.now() - (occurrence.due or occurrence.at) > LATE_AFTER
        if plan.claimed:
            try:
                await self.slots.finish(
                    occurrence.kind, occurrence.ref, occurrence.at, DONE, detail
                )
                self._finish(key)
            except Exception as exc:  # delivered but not recorded: the next run re-delivers
                self._log_failure(plan, occurrence, exc)  # idempotently and records it
        return self._tell(Outcome(occurrence, status, detail, late=late))

    async def _failure(self, plan: DeliveryPlan, occurrence: Occurrence, exc: Exception) -> Outcome:
        transient = isinstance(exc, RetryLater) or is_transient(exc)
        trouble = self._trouble.setdefault(_key(occurrence), Trouble())
        trouble.count += 1
        cap = RETRY_CAP_TRANSIENT if transient else RETRY_CAP_BUG
        trouble.retry_at = time.monotonic() + min(cap, self.retry_first * 2 ** (trouble.count - 1))
        error_id = self._log_failure(plan, occurrence, exc, attempt=trouble.count)
        if transient:
            # The claim stays ours and unfinished: the next run (seconds away) resumes it.
            return self._tell(Outcome(occurrence, "retry", str(exc)[:200], error_id))
        detail = f"error id {error_id}: {type(exc).__name__}: {exc}"[:500]
        if plan.claimed:
            try:
                await self.slots.finish(
                    occurrence.kind, occurrence.ref, occurrence.at, FAILED, detail
                )
                self._finish(_key(occurrence))
            except Exception:
                # The claim stays open: this process must not deliver late what crashed (a
                # moderator was told it failed); the failure is marked when a run can write.
                trouble.retry_at = float("inf")
                self._unrecorded_failures[_key(occurrence)] = detail
        return self._tell(Outcome(occurrence, "failed", detail, error_id))

    def _finish(self, key: tuple[str, str, datetime]) -> None:
        self._finished[key] = None
        if len(self._finished) > 1000:  # the oldest are long past any run's read
            del self._finished[next(iter(self._finished))]

    def _log_failure(
        self,
        plan: DeliveryPlan,
        occurrence: Occurrence | None,
        exc: BaseException,
        *,
        attempt: int = 1,
    ) -> str:
        """Log a failure with a new error id. A bug: with its traceback the first time (and
        every tenth time it repeats), one line in between. The database or Discord being away:
        one line each time, no traceback (it explains itself)."""
        self._tell_failure(exc)
        error_id = new_error_id()
        what = (
            f"{plan.kind}/{occurrence.ref}@{occurrence.at.isoformat()}"
            if occurrence is not None
            else plan.kind
        )
        trace = (type(exc), exc, exc.__traceback__) if attempt == 1 or attempt % 10 == 0 else None
        summary = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        if isinstance(exc, RetryLater) or is_transient(exc):
            # the database being away (or Discord erroring) explains itself: one line, no trace
            trace = None
            log.warning(
                "delivery %s will be retried (error id %s, attempt %s): %s",
                what,
                error_id,
                attempt,
                summary,
                exc_info=trace,
            )
        else:
            log.error(
                "delivery %s failed (error id %s, attempt %s): %s",
                what,
                error_id,
                attempt,
                summary,
                exc_info=trace,
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


def _key(occurrence: Occurrence) -> tuple[str, str, datetime]:
    return (occurrence.kind, occurrence.ref, occurrence.at)
