"""Check-ins on core's delivery mechanism, on both databases: a prompt occurrence per guild and
zone at that zone's time, recaps claimed once, and every change of who is due re-planned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.leases import LeaseStore
from core.scheduler import Scheduler
from core.slots import SlotStore
from models.checkins import CheckinPrompt
from models.delivery import OutboxMessage
from services.checkins import (
    PROMPT_KIND,
    PURPOSE_PROMPT_CHANNEL,
    PURPOSE_PROMPT_DM,
    PURPOSE_SUMMARY,
    SLOT_KIND,
    CheckinService,
)
from services.directory import DirectoryService
from services.niches import NicheService
from services.profiles import ProfileService

G = 1_100_000_000_000_000_001
CH = 3_000_000_000_000_000_001
MOD = 9
LA, LONDON, KOLKATA, TOKYO, LONDON2 = 101, 102, 103, 104, 105
ZONES = {
    LA: "America/Los_Angeles",
    LONDON: "Europe/London",
    KOLKATA: "Asia/Kolkata",
    TOKYO: "Asia/Tokyo",
}
ANSWERS = ["2", "https://www.tiktok.com/@jane/video/1", "hit 5k!", "need collab ideas", "4"]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class Process:
    """One bot process's check-in deliveries: its own service, lease, scheduler and claims."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.service = CheckinService(db, clock)
        self.scheduler = Scheduler()
        self.slots = SlotStore(db, clock)
        self.deliveries = Deliveries(
            self.slots,
            LeaseStore(db, clock, lease=timedelta(seconds=12)),
            self.scheduler,
            clock,
            owns=lambda _g: True,
            sweep_seconds=3600,  # the tests run the plans themselves
            heartbeat_seconds=3600,
        )
        for plan in self.service.plans():
            self.deliveries.add(plan)

    async def start(self) -> None:
        self.scheduler.start()
        await self.deliveries.start()

    async def stop(self) -> None:
        await self.deliveries.stop()
        await self.scheduler.close()


@pytest.fixture
async def processes() -> AsyncIterator[list[Process]]:
    made: list[Process] = []
    yield made
    for p in made:
        await p.stop()


async def started(made: list[Process], db: Database, clock: ManualClock) -> Process:
    p = Process(db, clock)
    made.append(p)
    await p.start()
    return p


async def members(
    db: Database, clock: ManualClock, zones: dict[int, str], mode: str = "dm"
) -> None:
    svc = CheckinService(db, clock)
    profiles = ProfileService(db, clock, NicheService(db))
    for uid, tz in zones.items():
        await profiles.update(G, uid, timezone=tz)
        await svc.opt_in(G, uid, mode)


async def count(db: Database, purpose: str) -> int:
    async with db.read() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.purpose == purpose)
            )
            or 0
        )


# ---------------------------------------------------------------- prompts


async def test_each_zone_comes_due_at_its_own_prompt_time_and_the_wake_up_follows(
    db: Database, processes: list[Process]
) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))  # Monday, before every zone's 18:00
    p = Process(db, clock)
    await p.service.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD)
    await members(db, clock, ZONES)
    processes.append(p)
    await p.start()
    assert p.deliveries.next_wake(PROMPT_KIND) == utc(2026, 1, 12, 9, 0)  # Tokyo's 18:00
    expected = [
        (utc(2026, 1, 12, 9, 0), "Asia/Tokyo", utc(2026, 1, 12, 12, 30)),
        (utc(2026, 1, 12, 12, 30), "Asia/Kolkata", utc(2026, 1, 12, 18, 0)),
        (utc(2026, 1, 12, 18, 0), "Europe/London", utc(2026, 1, 13, 2, 0)),
        (utc(2026, 1, 13, 2, 0), "America/Los_Angeles", utc(2026, 1, 19, 9, 0)),
    ]
    for at, zone, following in expected:
        clock.set(at)
        outcomes = await p.deliveries.run(PROMPT_KIND)
        assert [(o.occurrence.ref, o.occurrence.at, o.status) for o in outcomes] == [
            (f"{G}:{zone}", at, "done")
        ]
        assert outcomes[0].detail == "1 member prompted (1 DM, 0 channel posts)"
        assert p.deliveries.next_wake(PROMPT_KIND) == following
        assert await p.deliveries.run(PROMPT_KIND) == []  # nothing twice
    assert await count(db, PURPOSE_PROMPT_DM) == 4
    # paused: nothing comes due and nothing is planned
    await p.service.set_paused(G, True)
    clock.set(utc(2026, 1, 19, 19, 0))
    assert await p.deliveries.run(PROMPT_KIND) == []
    assert p.deliveries.next_wake(PROMPT_KIND) is None


async def test_two_processes_running_the_prompt_plan_at_once_ask_each_member_once(
    db: Database, db_url: str, processes: list[Process]
) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD)
    await members(db, clock, {LONDON: "Europe/London", TOKYO: "Asia/Tokyo"})
    await members(db, clock, {KOLKATA: "Asia/Kolkata", LONDON2: "Europe/London"}, mode="channel")
    other = Database.from_url(db_url)  # a second process: its own engine and connections
    try:
        one = await started(processes, db, clock)
        two = await started(processes, other, clock)
        clock.set(utc(2026, 1, 12, 20, 0))  # Tokyo, Kolkata and London are all due
        await asyncio.gather(
            *(x.deliveries.run(PROMPT_KIND) for x in (one, two, one, two, one, two))
        )
        async with db.read() as s:
            prompted = (await s.scalars(select(CheckinPrompt.user_id))).all()
        assert sorted(prompted) == sorted([LONDON, LONDON2, KOLKATA, TOKYO])
        assert await count(db, PURPOSE_PROMPT_DM) == 2
        async with db.read() as s:
            posts = (
                await s.scalars(
                    select(OutboxMessage.payload).where(
                        OutboxMessage.purpose == PURPOSE_PROMPT_CHANNEL
                    )
                )
            ).all()
        mentioned = sorted(u for post in posts for u in post["user_ids"])
        assert mentioned == sorted([str(LONDON2), str(KOLKATA)])
    finally:
        for p in processes:
            await p.stop()
        processes.clear()
        await other.dispose()


# ---------------------------------------------------------------- recaps


async def test_each_recap_is_claimed_once_and_one_too_old_is_recorded_missed(
    db: Database, processes: list[Process]
) -> None:
    clock = ManualClock(utc(2026, 1, 5, 19, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD)
    await members(db, clock, {LONDON: "Europe/London"})
    await svc.submit(G, LONDON, ANSWERS)
    one = await started(processes, db, clock)
    two = await started(processes, db, clock)  # another process
    assert one.deliveries.next_wake(SLOT_KIND) == utc(2026, 1, 12, 9, 0)
    clock.set(utc(2026, 1, 12, 9, 5))  # the week of Jan 5's recap time (09:00 server time)
    runs = [await x.deliveries.run(SLOT_KIND) for x in (one, two, one)]
    assert [[o.status for o in r] for r in runs] == [["done"], [], []]
    assert runs[0][0].detail == "1 member checked in"
    assert await count(db, PURPOSE_SUMMARY) == 1
    history = await one.slots.history(SLOT_KIND, f"{G}:2026-01-05")
    assert [s.status for s in history] == ["done"]
    assert one.deliveries.next_wake(SLOT_KIND) == utc(2026, 1, 19, 9, 0)
    # down past the 36-hour grace over the next recap: recorded missed, never posted late
    clock.set(utc(2026, 1, 20, 22, 0))
    assert [o.status for o in await two.deliveries.run(SLOT_KIND)] == ["missed"]
    history = await one.slots.history(SLOT_KIND, f"{G}:2026-01-12")
    assert [s.status for s in history] == ["missed"]
    assert await count(db, PURPOSE_SUMMARY) == 1


async def test_a_recap_claimed_by_a_process_that_died_is_posted_once_by_another(
    db: Database, processes: list[Process]
) -> None:
    clock = ManualClock(utc(2026, 1, 5, 19, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD)
    clock.set(utc(2026, 1, 12, 9, 5))
    # a process claimed the slot and died before queueing the post (its lease is gone)
    slots = SlotStore(db, clock)
    ref = f"{G}:2026-01-05"
    assert await slots.claim(SLOT_KIND, ref, utc(2026, 1, 12, 9, 0), owner="dead", guild_id=G)
    p = await started(processes, db, clock)  # starting catches up: takes the claim over
    await p.deliveries.run(SLOT_KIND)
    assert await count(db, PURPOSE_SUMMARY) == 1
    assert [s.status for s in await slots.history(SLOT_KIND, ref)] == ["done"]


# ---------------------------------------------------------------- re-planning


async def test_every_change_of_who_is_due_or_when_replans_at_once(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    told: list[str] = []
    svc = CheckinService(db, clock, replan=told.append)
    both = [PROMPT_KIND, SLOT_KIND]

    async def check(expected: list[str], call: object) -> None:
        told.clear()
        assert asyncio.iscoroutine(call)
        await call
        assert told == expected

    await check(both, svc.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD))
    await check([PROMPT_KIND], svc.opt_in(G, LONDON))
    await check([PROMPT_KIND], svc.set_away(G, LONDON, "2026-01-14"))
    await check([PROMPT_KIND], svc.end_away(G, LONDON))
    await check([PROMPT_KIND], svc.zone_changed(G, LONDON))
    await check(both, svc.set_questions(G, ["What did you film?"]))
    await check(both, svc.reset_questions(G))
    await check([SLOT_KIND], svc.set_summary_time(G, "20:00"))
    await check(both, svc.set_paused(G, True))
    await check(both, svc.set_paused(G, False))
    await check([PROMPT_KIND], svc.opt_out(G, LONDON))
    told.clear()
    svc.zones_changed()
    assert told == both


# ---------------------------------------------------------------- what the messages show


async def test_queued_messages_carry_the_names_stored_at_queue_time(
    db: Database, processes: list[Process]
) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    svc = CheckinService(db, clock)
    directory = DirectoryService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD)
    await members(db, clock, {LONDON: "Europe/London", TOKYO: "Asia/Tokyo"})
    await directory.remember_guild(G, "PlantTok Fam")
    await directory.remember_members([(G, LONDON, "Jane 🌿")])  # Tokyo's name never arrived
    p = await started(processes, db, clock)
    clock.set(utc(2026, 1, 12, 19, 0))
    await p.deliveries.run(PROMPT_KIND)
    await svc.submit(G, LONDON, ANSWERS)
    await svc.submit(G, TOKYO, ANSWERS)
    clock.set(utc(2026, 1, 19, 9, 5))
    await p.deliveries.run(SLOT_KIND)
    await directory.remember_guild(G, "Renamed Later")  # after queueing: changes nothing queued
    await directory.remember_members([(G, LONDON, "Renamed Later")])
    async with db.read() as s:
        rows = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    dms = [r.payload for r in rows if r.purpose == PURPOSE_PROMPT_DM]
    assert [d["guild_name"] for d in dms] == ["PlantTok Fam", "PlantTok Fam"]
    (recap,) = [r.payload for r in rows if r.purpose == PURPOSE_SUMMARY]
    assert recap["display_names"] == {str(LONDON): "Jane 🌿", str(TOKYO): "a mutual"}


async def test_a_run_reads_each_guild_once_for_due_deliver_and_the_next_wake_up(
    db: Database, processes: list[Process], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    p = Process(db, clock)
    await p.service.setup(G, channel_id=CH, day="mon", at="18:00", by=MOD)
    await members(db, clock, ZONES)
    processes.append(p)
    await p.start()
    scans, queued_from_scratch = [0], [0]
    scan, due_members = p.service.prompts.scan, p.service.prompts._due_members

    async def counted_scan(*args: Any) -> Any:
        scans[0] += 1
        return await scan(*args)

    async def counted_due_members(*args: Any) -> Any:
        queued_from_scratch[0] += 1
        return await due_members(*args)

    monkeypatch.setattr(p.service.prompts, "scan", counted_scan)
    clock.set(utc(2026, 1, 12, 20, 0))  # Tokyo, Kolkata and London are due: three zones
    monkeypatch.setattr(p.service.prompts, "_due_members", counted_due_members)
    outcomes = await p.deliveries.run(PROMPT_KIND)
    assert [o.status for o in outcomes] == ["done"] * 3
    assert p.deliveries.next_wake(PROMPT_KIND) == utc(2026, 1, 13, 2, 0)  # LA
    assert scans[0] == 1 and queued_from_scratch[0] == 1  # one read of the members in all
    assert await count(db, PURPOSE_PROMPT_DM) == 3
