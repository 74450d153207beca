"""Raid batches on core.deliveries: each closed window posted once, re-planned the moment a join
opens a window, retried through a database outage, resumed from an older version's claim, and
given up (members released) past the grace window. Real databases, a ManualClock."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.leases import LeaseStore
from core.scheduler import Scheduler
from core.slots import SlotStore
from models.delivery import OutboxMessage, ScheduledSlot
from services.niches import NicheService
from services.welcome import BATCH_KIND, PURPOSE_BATCH, JoinInfo, WelcomeService, window_start

G = 1_100_000_000_000_000_001
OTHER_G = G + (1 << 22)
CH = 3_000_000_000_000_000_009
U = 2_000_000_000_000_000_500
# 12:00:05 — a 30 s raid window runs 12:00:00 to 12:00:30
START = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)


def outage() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def joins(first: int, n: int, guild: int = G) -> list[JoinInfo]:
    return [JoinInfo(guild, first + i, f"raider{i}", 10 + i, False) for i in range(n)]


class Harness:
    """One bot process's share: the service (with a recording replan) and core's deliveries."""

    def __init__(self, db: Database, clock: ManualClock, *, grace: timedelta) -> None:
        self.replans: list[str] = []
        self.service = WelcomeService(
            db,
            clock,
            NicheService(db),
            grace=grace,
            replan=self.replans.append,
            rng=random.Random(3),
        )
        self.scheduler = Scheduler()
        self.deliveries = Deliveries(
            SlotStore(db, clock),
            LeaseStore(db, clock, lease=timedelta(seconds=12)),
            self.scheduler,
            clock,
            owns=lambda guild_id: guild_id == G,
            sweep_seconds=3600,  # the tests run each pass themselves
            heartbeat_seconds=3600,
            retry_first=0,  # back-off is core's own test; these retry at once
        )
        self.deliveries.add(self.service.batch_plan)

    async def start(self) -> None:
        self.scheduler.start()
        await self.deliveries.start()

    async def stop(self) -> None:
        await self.deliveries.stop()
        await self.scheduler.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def harness(db: Database, clock: ManualClock) -> AsyncIterator[Harness]:
    h = Harness(db, clock, grace=timedelta(hours=6))
    for guild in (G, OTHER_G):
        await h.service.configure(guild, channel_id=CH, raid_joins=3, raid_window_seconds=30)
    h.replans.clear()
    await h.start()
    yield h
    await h.stop()


async def batch_posts(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        rows = await s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.purpose == PURPOSE_BATCH)
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def slot_rows(db: Database) -> list[tuple[str, datetime, str]]:
    async with db.read() as s:
        rows = await s.execute(
            select(ScheduledSlot.ref, ScheduledSlot.slot_at, ScheduledSlot.status).where(
                ScheduledSlot.kind == BATCH_KIND
            )
        )
        return [(ref, at.replace(tzinfo=UTC), status) for ref, at, status in rows.all()]


async def test_a_new_raid_window_is_planned_at_once_and_posted_once_when_it_closes(
    harness: Harness, db: Database, clock: ManualClock
) -> None:
    window = window_start(clock.now(), 30)
    closes = window + timedelta(seconds=30)
    await harness.service.record_joins(joins(U, 3))  # up to the threshold: welcomed one by one
    assert harness.replans == []
    await harness.service.record_joins(joins(U + 3, 2))  # the raid opens a window
    await harness.service.record_joins(joins(U + 5, 2))  # the same window: nothing new to plan
    assert harness.replans == [BATCH_KIND]
    await harness.service.record_joins(joins(U + 7, 4, guild=OTHER_G))  # another shard's guild
    await harness.deliveries.run(BATCH_KIND)  # what replan (deliveries.poke) does
    assert harness.deliveries.next_wake(BATCH_KIND) == closes
    assert await batch_posts(db) == []

    clock.advance(seconds=24)  # 12:00:29, the window is still open
    assert await harness.deliveries.run(BATCH_KIND) == []
    clock.advance(seconds=1)  # 12:00:30, it closes
    [outcome] = await harness.deliveries.run(BATCH_KIND)
    assert (outcome.status, outcome.detail) == ("done", "4 members welcomed")
    [post] = await batch_posts(db)
    assert post.payload["user_ids"] == [U + 3, U + 4, U + 5, U + 6]
    assert await slot_rows(db) == [(str(G), window, "done")]
    clock.advance(minutes=5)
    assert await harness.deliveries.run(BATCH_KIND) == []  # once
    assert len(await batch_posts(db)) == 1
    assert harness.deliveries.next_wake(BATCH_KIND) is None  # OTHER_G is not ours


async def test_a_longer_raid_window_is_replanned_when_the_moderator_changes_it(
    harness: Harness, clock: ManualClock
) -> None:
    await harness.service.record_joins(joins(U, 5))
    harness.replans.clear()
    await harness.service.configure(G, raid_joins=4)
    assert harness.replans == []  # the threshold doesn't move any window's close
    await harness.service.configure(G, raid_window_seconds=60)
    assert harness.replans == [BATCH_KIND]
    await harness.deliveries.run(BATCH_KIND)
    closes = window_start(START, 30) + timedelta(seconds=60)
    assert harness.deliveries.next_wake(BATCH_KIND) == closes


async def test_the_database_refusing_connections_at_close_time_delays_the_post_not_loses_it(
    harness: Harness, db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.service.record_joins(joins(U, 6))
    delivery = harness.service.batch_plan.delivery
    real_flush = delivery.flush_batch
    refusals = 0

    async def refused(guild_id: int, start: datetime) -> int:
        nonlocal refusals
        refusals += 1
        raise outage()

    monkeypatch.setattr(delivery, "flush_batch", refused)
    clock.advance(seconds=30)
    for _ in range(4):  # the outage lasts a while: every run tries, none posts, none raises
        outcomes = await harness.deliveries.run(BATCH_KIND)
        assert [o.status for o in outcomes] == ["retry"] and outcomes[0].error_id
        clock.advance(seconds=5)
    assert refusals == 4 and await batch_posts(db) == []
    monkeypatch.setattr(delivery, "flush_batch", real_flush)  # the database is back
    await harness.deliveries.sweep()  # the periodic safety net: no restart, no moderator
    [post] = await batch_posts(db)
    assert post.payload["total"] == 3
    assert [s for _r, _a, s in await slot_rows(db)] == ["done"]
    await harness.deliveries.sweep()
    assert len(await batch_posts(db)) == 1


async def test_a_claim_left_by_the_older_version_is_resumed_once(
    harness: Harness, db: Database, clock: ManualClock
) -> None:
    await harness.service.record_joins(joins(U, 5))
    window = window_start(START, 30)
    clock.advance(seconds=25)  # the window has closed
    # The previous release claimed (kind, guild id, window start) with no owner and no
    # guild id, then died before queueing the post.
    assert await SlotStore(db, clock).claim(BATCH_KIND, str(G), window)
    assert await harness.deliveries.run(BATCH_KIND) == []  # claimed just now: maybe alive
    clock.advance(seconds=15)  # older than the lease: abandoned
    [outcome] = await harness.deliveries.run(BATCH_KIND)
    assert outcome.status == "done" and outcome.occurrence.at == window
    assert len(await batch_posts(db)) == 1
    assert await harness.deliveries.run(BATCH_KIND) == []


async def test_past_the_grace_window_the_batch_is_missed_and_its_members_stop_waiting(
    db: Database, clock: ManualClock
) -> None:
    h = Harness(db, clock, grace=timedelta(minutes=10))
    await h.service.configure(G, channel_id=CH, raid_joins=3, raid_window_seconds=30)
    await h.service.record_joins(joins(U, 5))
    await h.start()
    try:
        clock.advance(hours=1)  # the bot was down long past the window's close
        [outcome] = await h.deliveries.run(BATCH_KIND)
        assert outcome.status == "missed"
        assert await batch_posts(db) == []
        assert await h.service.due_batches(clock.now()) == []
        for uid in (U + 3, U + 4):
            state = await h.service.state(G, uid)
            assert state is not None and state.public_state == "batch_missed"
        assert await h.deliveries.run(BATCH_KIND) == []
    finally:
        await h.stop()
