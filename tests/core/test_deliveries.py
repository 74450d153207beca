"""The one scheduled-delivery mechanism: each occurrence once, in order, caught up within the
grace window, missed beyond it, re-armed whatever happens, taken over from a dead process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.leases import LeaseStore
from core.plans import LATEST, DeliveryPlan, GuildFilter, HoldRest, Occurrence
from core.scheduler import Scheduler
from core.slots import SlotStore
from models.delivery import ProcessLease, ScheduledSlot

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GUILD = 1_100_000_000_000_000_001


def outage() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


class EveryMinute(DeliveryPlan):
    """A schedule per ref firing on every minute from START."""

    kind = "test_minute"
    manual_kind = "test_minute_now"

    def __init__(self, refs: Sequence[str] = ("a",)) -> None:
        self.refs = tuple(refs)
        self.delivered: list[Occurrence] = []
        self.missed_seen: list[Occurrence] = []
        self.fail: Callable[[Occurrence], None] | None = None
        self.due_fails = False
        self.grace = timedelta(minutes=10)

    async def due(self, now: datetime, owns: GuildFilter) -> list[Occurrence]:
        if self.due_fails:
            raise outage()
        minutes = int((now - START).total_seconds() // 60)
        return [
            Occurrence(START + timedelta(minutes=m), ref, self.kind, GUILD)
            for ref in self.refs
            for m in range(max(0, minutes - 60), minutes + 1)
        ]

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        if self.due_fails:
            raise outage()
        return START + timedelta(minutes=int((now - START).total_seconds() // 60) + 1)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        if self.fail is not None:
            self.fail(occurrence)
        self.delivered.append(occurrence)
        return "posted"

    async def missed(self, occurrence: Occurrence) -> None:
        self.missed_seen.append(occurrence)


class Process:
    """One bot process's delivery machinery (its own lease, scheduler and claims)."""

    def __init__(
        self, db: Database, clock: ManualClock, plan: DeliveryPlan, retry_first: float = 0.0
    ) -> None:
        self.scheduler = Scheduler()
        self.leases = LeaseStore(db, clock, lease=timedelta(seconds=12))
        self.deliveries = Deliveries(
            SlotStore(db, clock),
            self.leases,
            self.scheduler,
            clock,
            owns=lambda _g: True,
            sweep_seconds=3600,  # tests run passes themselves
            heartbeat_seconds=3600,
            retry_first=retry_first,
        )
        self.deliveries.add(plan)

    async def start(self) -> None:
        self.scheduler.start()
        await self.deliveries.start()

    async def stop(self) -> None:
        await self.deliveries.stop()
        await self.scheduler.close()


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock(START + timedelta(seconds=5))


@pytest.fixture
async def processes(db: Database, clock: ManualClock) -> AsyncIterator[list[Process]]:
    made: list[Process] = []
    yield made
    for p in made:
        await p.stop()


async def statuses(db: Database, kind: str = EveryMinute.kind) -> list[tuple[str, str, str]]:
    async with db.read() as s:
        rows = await s.execute(
            select(ScheduledSlot.ref, ScheduledSlot.slot_at, ScheduledSlot.status)
            .where(ScheduledSlot.kind == kind)
            .order_by(ScheduledSlot.slot_at, ScheduledSlot.ref)
        )
        return [(r, f"{t:%H:%M}", st) for r, t, st in rows.all()]


async def test_each_occurrence_is_delivered_once_across_racing_processes(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plans = [EveryMinute(), EveryMinute(), EveryMinute()]
    procs = [Process(db, clock, plan) for plan in plans]
    processes += procs
    for p in procs:
        await p.start()
    clock.advance(minutes=3)
    for p in procs:  # all three are alive (their heartbeats are fresh)
        await p.leases.beat()
    await asyncio.gather(*(p.deliveries.run(EveryMinute.kind) for p in procs for _ in range(3)))
    delivered = sorted(o.at for plan in plans for o in plan.delivered)
    assert delivered == [START + timedelta(minutes=m) for m in range(4)]
    assert [st for _r, _t, st in await statuses(db)] == ["done"] * 4


async def test_catch_up_within_grace_in_order_and_missed_beyond(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute()
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()  # delivers 12:00
    clock.advance(minutes=14)  # the bot "slept" through 12:01..12:14; grace is 10 minutes
    outcomes = await p.deliveries.run(EveryMinute.kind)
    assert [o.status for o in outcomes] == ["missed"] * 4 + ["done"] * 10
    assert [o.at for o in plan.delivered] == [
        START + timedelta(minutes=m) for m in range(15) if m == 0 or m >= 5
    ]
    assert [o.at for o in plan.missed_seen] == [START + timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert all(
        o.late
        for o in outcomes
        if o.status == "done" and o.occurrence.at < START + timedelta(minutes=13)
    )
    assert await p.deliveries.run(EveryMinute.kind) == []  # nothing twice


async def test_latest_only_catch_up(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute()
    plan.catch_up = LATEST  # type: ignore[misc]
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()
    clock.advance(minutes=3)
    outcomes = await p.deliveries.run(EveryMinute.kind)
    assert [(f"{o.occurrence.at:%H:%M}", o.status) for o in outcomes] == [
        ("12:01", "missed"),
        ("12:02", "missed"),
        ("12:03", "done"),
    ]


async def test_database_outage_across_slot_times_loses_and_duplicates_nothing(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute()
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()
    plan.due_fails = True  # the database refuses connections for two minutes
    for _ in range(8):
        clock.advance(seconds=15)
        assert await p.deliveries.run(EveryMinute.kind) == []  # never raises
    plan.due_fails = False
    clock.advance(seconds=5)
    await p.deliveries.sweep()  # the periodic sweep, no restart, no moderator
    assert [f"{o.at:%H:%M}" for o in plan.delivered] == ["12:00", "12:01", "12:02"]
    assert p.deliveries.next_wake(EveryMinute.kind) == START + timedelta(minutes=3)
    assert f"delivery:{EveryMinute.kind}" in p.scheduler.job_ids()


async def test_a_delivery_that_hits_the_outage_is_resumed_once(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute()
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()
    clock.advance(minutes=1)

    def blip(_o: Occurrence) -> None:
        raise outage()

    plan.fail = blip
    outcomes = await p.deliveries.run(EveryMinute.kind)
    assert [o.status for o in outcomes] == ["retry"] and outcomes[0].error_id
    assert ("a", "12:01", "claimed") in await statuses(db)
    plan.fail = None
    outcomes = await p.deliveries.run(EveryMinute.kind)
    assert [o.status for o in outcomes] == ["done"]
    assert [f"{o.at:%H:%M}" for o in plan.delivered] == ["12:00", "12:01"]


async def test_a_crash_inside_a_delivery_is_logged_with_an_error_id_and_not_retried(
    db: Database, clock: ManualClock, processes: list[Process], caplog: pytest.LogCaptureFixture
) -> None:
    plan = EveryMinute()
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()
    clock.advance(minutes=1)

    def bug(_o: Occurrence) -> None:
        raise KeyError("handle")

    plan.fail = bug
    with caplog.at_level(logging.ERROR, logger="mutuals.deliveries"):
        outcomes = await p.deliveries.run(EveryMinute.kind)
    (outcome,) = outcomes
    assert outcome.status == "failed" and outcome.error_id
    logged = [r for r in caplog.records if outcome.error_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # with its traceback
    plan.fail = None
    clock.advance(seconds=10)
    await p.deliveries.run(EveryMinute.kind)
    assert ("a", "12:01", "failed") in await statuses(db)
    assert "12:01" not in [f"{o.at:%H:%M}" for o in plan.delivered]


async def test_manual_run_reports_the_error_id(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute()
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()

    def bug(_o: Occurrence) -> None:
        raise RuntimeError("boom")

    plan.fail = bug
    outcome = await p.deliveries.run_manual(EveryMinute.kind, "a", GUILD)
    assert outcome.status == "failed" and outcome.error_id
    plan.fail = None
    clock.advance(seconds=1)
    ok = await p.deliveries.run_manual(EveryMinute.kind, "a", GUILD)
    assert ok.status == "done" and ok.occurrence.kind == EveryMinute.manual_kind


async def test_held_occurrence_keeps_the_rest_of_its_schedule_waiting(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute(refs=("a", "b"))
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()

    def pause_a(o: Occurrence) -> None:
        if o.ref == "a":
            raise HoldRest("paused")

    plan.fail = pause_a
    clock.advance(minutes=2)
    outcomes = await p.deliveries.run(EveryMinute.kind)
    assert [(o.occurrence.ref, o.status) for o in outcomes] == [
        ("a", "held"),
        ("b", "done"),
        ("b", "done"),
    ]


async def test_claims_of_a_dead_process_are_taken_over_in_slot_order(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    dead_plan, live_plan = EveryMinute(), EveryMinute()
    dead = Process(db, clock, dead_plan)
    await dead.leases.beat()
    slots = SlotStore(db, clock)
    # the dead process claimed 12:00 and 12:01 and was SIGKILLed before delivering them
    for minute in (0, 1):
        at = START + timedelta(minutes=minute)
        assert await slots.claim(EveryMinute.kind, "a", at, owner=dead.leases.owner, guild_id=GUILD)
    live = Process(db, clock, live_plan)
    processes.append(live)
    await live.start()
    clock.advance(minutes=1, seconds=5)
    await dead.leases.beat()  # still alive here: slow, not dead
    outcomes = await live.deliveries.run(EveryMinute.kind)
    assert outcomes == [], "a live claimer's slots (and the later ones) are left alone"
    clock.advance(seconds=13)  # the dead one's heartbeat is now older than the lease
    outcomes = await live.deliveries.run(EveryMinute.kind)
    assert [(f"{o.occurrence.at:%H:%M}", o.status) for o in outcomes] == [
        ("12:00", "done"),
        ("12:01", "done"),
    ]
    assert dead_plan.delivered == []


async def test_a_clean_stop_hands_claims_over_at_once(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    leaving = Process(db, clock, EveryMinute())
    await leaving.start()
    slots = SlotStore(db, clock)
    await slots.claim(
        EveryMinute.kind, "a", START + timedelta(minutes=1), owner=leaving.leases.owner
    )
    await leaving.stop()
    async with db.read() as s:
        assert await s.get(ProcessLease, leaving.leases.owner) is None
    plan = EveryMinute()
    staying = Process(db, clock, plan)
    processes.append(staying)
    await staying.start()
    clock.advance(minutes=1)
    await staying.deliveries.run(EveryMinute.kind)
    assert "12:01" in [f"{o.at:%H:%M}" for o in plan.delivered]


async def test_poke_runs_the_plan_and_rearms_it(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute()
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()
    clock.advance(minutes=1)
    p.deliveries.poke(EveryMinute.kind)
    for _ in range(200):
        if len(plan.delivered) == 2:
            break
        await asyncio.sleep(0.01)
    assert [f"{o.at:%H:%M}" for o in plan.delivered] == ["12:00", "12:01"]


async def test_a_fast_clock_makes_the_wake_up_come_sooner_in_real_time(db: Database) -> None:
    from core.clock import ScaledClock

    clock = ScaledClock(600, START + timedelta(seconds=59))  # 10 clock minutes per real second
    plan = EveryMinute()
    scheduler = Scheduler()
    deliveries = Deliveries(
        SlotStore(db, clock),
        LeaseStore(db, clock),
        scheduler,
        clock,
        owns=lambda _g: True,
        sweep_seconds=3600,
        heartbeat_seconds=3600,
    )
    deliveries.add(plan)
    scheduler.start()
    try:
        await deliveries.start()
        for _ in range(50):  # the 12:01 wake-up is 1 clock second (~2 ms real) away
            if any(o.at == START + timedelta(minutes=1) for o in plan.delivered):
                break
            await asyncio.sleep(0.01)
        assert START + timedelta(minutes=1) in [o.at for o in plan.delivered]
    finally:
        await deliveries.stop()
        await scheduler.close()


async def test_a_failing_occurrence_backs_off_and_holds_its_schedule_not_others(
    db: Database, clock: ManualClock, processes: list[Process]
) -> None:
    plan = EveryMinute(refs=("a", "b"))
    p = Process(db, clock, plan, retry_first=3600)
    processes.append(p)
    await p.start()
    clock.advance(minutes=1)

    def a_is_broken(o: Occurrence) -> None:
        if o.ref == "a":
            raise outage()

    plan.fail = a_is_broken
    first = await p.deliveries.run(EveryMinute.kind)
    assert [(o.occurrence.ref, o.status) for o in first] == [("a", "retry"), ("b", "done")]
    clock.advance(minutes=1)
    again = await p.deliveries.run(EveryMinute.kind)
    # "a" waits out its back-off (and its 12:02 waits behind 12:01); "b" carries on
    assert [(o.occurrence.ref, f"{o.occurrence.at:%H:%M}") for o in again] == [("b", "12:02")]


async def test_a_crash_whose_failed_mark_cant_be_written_is_never_delivered_late(
    db: Database, clock: ManualClock, processes: list[Process], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = EveryMinute()
    p = Process(db, clock, plan)
    processes.append(p)
    await p.start()
    clock.advance(minutes=1)

    def bug(_o: Occurrence) -> None:
        raise KeyError("handle")

    plan.fail = bug
    slots = p.deliveries.slots
    real_finish = slots.finish

    async def finish_fails_once(*args: object, **kwargs: object) -> None:
        monkeypatch.setattr(slots, "finish", real_finish)
        raise outage()

    monkeypatch.setattr(slots, "finish", finish_fails_once)
    (outcome,) = await p.deliveries.run(EveryMinute.kind)
    assert outcome.status == "failed"
    assert ("a", "12:01", "claimed") in await statuses(db)  # the mark couldn't be written
    plan.fail = None
    await p.deliveries.run(EveryMinute.kind)
    assert "12:01" not in [f"{o.at:%H:%M}" for o in plan.delivered]  # not delivered late
    assert ("a", "12:01", "failed") in await statuses(db)  # and marked at the next run
