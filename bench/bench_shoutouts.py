"""Picking the next creator in a shoutout rotation of 1k → 100k members.

Each pick is a whole slot as the bot runs it (a core.deliveries run of the rotation plan):
find what is due, claim the slot, seek the head of the current round through the
(rotation_id, active, round_no, position) index, check the creator's profile, move them to the
next round, queue the post, write the feature row, mark the slot done, plan the next wake-up.
It must not grow linearly with the rotation's size; the head query alone is timed too.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from bench.harness import fresh_database_url
from core import migrate
from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.leases import LeaseStore
from core.scheduler import Scheduler
from core.slots import SlotStore
from models.profile import CreatorProfile
from models.shoutouts import Rotation, RotationMember
from services.shoutouts import POSITION_SPACE, SLOT_KIND, ShoutoutService, queue_head

GUILD = 1_610_000_000_000_000_001
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BATCH = 5_000


async def _fill(db: Database, rotation_id: int, size: int, rng: random.Random) -> None:
    base = 3_000_000_000_000_000_000
    for lo in range(0, size, BATCH):
        ids = range(base + lo, base + min(size, lo + BATCH))
        async with db.write() as s:
            await s.execute(
                insert(CreatorProfile),
                [
                    {
                        "guild_id": GUILD,
                        "user_id": uid,
                        "tiktok_handle": f"c{uid % 10_000_000}",
                        "niches": ["BookTok"],
                        "created_at": START,
                        "updated_at": START,
                    }
                    for uid in ids
                ],
            )
            await s.execute(
                insert(RotationMember),
                [
                    {
                        "rotation_id": rotation_id,
                        "guild_id": GUILD,
                        "user_id": uid,
                        "active": True,
                        "round_no": 1,
                        "position": rng.randrange(POSITION_SPACE),
                        "times_featured": 0,
                        "joined_at": START,
                    }
                    for uid in ids
                ],
            )


async def _one_size(backend: str, size: int, picks: int) -> dict[str, Any]:
    async with fresh_database_url(backend) as url:
        db = Database.from_url(url)
        try:
            if backend == "sqlite":
                await migrate.upgrade(db.engine)
            clock = ManualClock(START)
            rng = random.Random(size)
            service = ShoutoutService(db, clock, rng=rng)
            rot = await service.admin.create(
                GUILD, name="Bench", channel_id=1, schedule="every 1h", created_by=1
            )
            await _fill(db, rot.id, size, rng)
            async with db.write() as s:
                await s.execute(text("ANALYZE"))
            if backend != "sqlite":
                # let the bulk load's dirty pages reach disk before timing commits
                async with db.engine.connect() as conn:
                    await conn.execute(text("CHECKPOINT"))
            # the head query alone
            head_ms: list[float] = []
            for _ in range(picks):
                t0 = time.perf_counter()
                async with db.read() as s:
                    row = await s.get(Rotation, rot.id)
                    assert row is not None
                    head = await queue_head(s, row, None)
                    assert head is not None
                head_ms.append((time.perf_counter() - t0) * 1000)
            deliveries = Deliveries(
                SlotStore(db, clock),
                LeaseStore(db, clock),
                Scheduler(),
                clock,
                owns=lambda _g: True,
                sweep_seconds=3600,
                heartbeat_seconds=3600,
            )
            deliveries.add(service.plan)
            # whole slots (the first few warm the caches and are not counted)
            warmup = 10
            slot_ms: list[float] = []
            featured: set[int] = set()
            for i in range(picks + warmup):
                slot_at = START + timedelta(hours=i + 1)
                clock.set(slot_at)
                t0 = time.perf_counter()
                outcomes = await deliveries.run(SLOT_KIND)
                if i >= warmup:
                    slot_ms.append((time.perf_counter() - t0) * 1000)
                assert [o.status for o in outcomes] == ["done"], outcomes
                feature = await service.features.feature_at(rot.id, SLOT_KIND, slot_at)
                assert feature is not None and feature.status == "featured"
                assert feature.user_id not in featured
                featured.add(feature.user_id or 0)
            plan = ""
            if backend == "sqlite":
                async with db.read() as s:
                    rows = await s.execute(
                        text(
                            "EXPLAIN QUERY PLAN SELECT id FROM shoutout_member WHERE rotation_id=1"
                            " AND active=1 AND round_no=1 ORDER BY position, id LIMIT 1"
                        )
                    )
                    plan = " ".join(str(r[-1]) for r in rows)
            return {
                "head_ms": statistics.median(head_ms),
                "slot_ms": statistics.median(slot_ms),
                "slot_p95_ms": sorted(slot_ms)[int(0.95 * (len(slot_ms) - 1))],
                "plan": plan,
            }
        finally:
            await db.dispose()


async def run(quick: bool) -> list[dict[str, Any]]:
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    backends = ["sqlite"] if quick else ["sqlite", "postgres"]
    picks = 50 if quick else 200
    rows: list[dict[str, Any]] = []
    for backend in backends:
        results = {size: await _one_size(backend, size, picks) for size in sizes}
        for size, r in results.items():
            rows.append(
                {
                    "bench": "shoutouts",
                    "metric": f"pick+post slot, {size:,} members ({backend})",
                    "value": r["slot_ms"],
                    "unit": "ms/pick (p50)",
                    "note": f"p95 {r['slot_p95_ms']:.2f} ms; head query {r['head_ms']:.3f} ms"
                    + (f"; plan: {r['plan'][:60]}" if r["plan"] and size == sizes[-1] else ""),
                }
            )
        small, big = results[sizes[0]], results[sizes[-1]]
        factor = sizes[-1] // sizes[0]
        rows.append(
            {
                "bench": "shoutouts",
                "metric": f"growth {sizes[0]:,} → {sizes[-1]:,} ({backend})",
                "value": big["slot_ms"] / small["slot_ms"],
                "unit": "x time per pick",
                "note": f"members grew {factor}x; head query grew "
                f"{big['head_ms'] / small['head_ms']:.2f}x (linear would be {factor}x)",
            }
        )
    return rows
