"""Claimed slots: however many tasks race for a slot, it is delivered once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from core.clock import ManualClock
from core.db import Database
from core.slots import RetryLater, SlotStore

SLOT = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)


async def test_concurrent_claims_one_winner(db: Database, clock: ManualClock) -> None:
    slots = SlotStore(db, clock)
    delivered: list[int] = []

    async def deliver(n: int) -> str:
        delivered.append(n)
        return "ok"

    def deliverer(n: int) -> Callable[[], Awaitable[str]]:
        return lambda: deliver(n)

    results = await asyncio.gather(
        *(slots.run("rotation", "7", SLOT, deliverer(n)) for n in range(20))
    )
    assert len(delivered) == 1
    assert sorted(results) == ["done"] + ["taken"] * 19
    assert [s.status for s in await slots.history("rotation", "7")] == ["done"]


async def test_restart_between_claim_and_delivery(db: Database, clock: ManualClock) -> None:
    first_process = SlotStore(db, clock)
    assert await first_process.claim("daily", "g1", SLOT)  # ...and the process dies here
    clock.advance(minutes=2)
    restarted = SlotStore(db, clock)
    pending = await restarted.unfinished("daily", older_than=timedelta(minutes=1))
    assert [(s.ref, s.slot_at) for s in pending] == [("g1", SLOT)]
    sent: list[datetime] = []

    async def deliver() -> None:
        sent.append(SLOT)

    assert await restarted.run("daily", "g1", SLOT, deliver) == "taken"  # a plain run can't
    assert await restarted.run("daily", "g1", SLOT, deliver, reclaim=True) == "done"
    assert sent == [SLOT]
    assert await restarted.unfinished("daily") == []


async def test_retry_releases_and_failure_is_recorded(db: Database, clock: ManualClock) -> None:
    slots = SlotStore(db, clock)

    async def flaky() -> None:
        raise RetryLater("discord 503")

    async def broken() -> None:
        raise ValueError("bug")

    assert await slots.run("k", "r", SLOT, flaky) == "retry"
    assert await slots.claim("k", "r", SLOT)  # released: claimable again
    assert await slots.run("k", "r2", SLOT, broken) == "failed"
    assert await slots.run("k", "r2", SLOT, broken) == "taken"  # a failed slot is not re-posted
    assert await slots.record_missed("k", "r3", SLOT, "bot was down")
    assert not await slots.record_missed("k", "r3", SLOT, "again")
    assert await slots.last_slot("k", "r3") == SLOT
