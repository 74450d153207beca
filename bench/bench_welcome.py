"""Welcome under a raid: joins pushed through the fake gateway as fast as it can send them.

Measures joins recorded per second (every join is written before anything is sent), the p99
of ``/profile show`` issued during the raid, the DM pace kept by the outbox, and the welcome
card's render time. ``python -m bench.run [--quick] welcome``
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from typing import Any

from bench.harness import fresh_database_url
from core import migrate
from core.db import Database
from core.outbox import DM
from fakediscord import FakeDiscord
from services.container import Services
from services.welcome import CardInfo, render_card
from tests.conftest import bot_settings, start_bot, stop_bot

GUILD = 1_500_000_000_000_000_001
GENERAL = 3_500_000_000_000_000_001
WELCOME = 3_500_000_000_000_000_002
MOD = 2_500_000_000_000_000_001
ALICE = 2_500_000_000_000_000_002
FIRST = 2_600_000_000_000_000_000
DM_RATE = 10.0
DM_BURST = 3
DRAIN_SECONDS = 3.0


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def card_times(n: int) -> list[float]:
    render_card(CardInfo("warm up", "BookTok", 1, "Bench"))
    out = []
    for i in range(n):
        info = CardInfo(f"creator number {i} ✨", "PlantTok", 1000 + i, "Creator Fam")
        started = time.perf_counter()
        render_card(info)
        out.append((time.perf_counter() - started) * 1000)
    return out


async def raid(n: int, backend: str) -> dict[str, float]:
    async with fresh_database_url(backend) as url:
        return await _raid(n, url)


async def _raid(n: int, url: str) -> dict[str, float]:
    db = Database.from_url(url)
    await migrate.upgrade(db.engine)
    fake = FakeDiscord(interaction_deadline=None)
    fake.add_guild(GUILD, name="Creator Fam", owner_id=MOD)
    fake.add_channel(GUILD, GENERAL, name="general")
    fake.add_channel(GUILD, WELCOME, name="welcome")
    fake.add_member(GUILD, MOD, "modmia", permissions=1 << 5, dispatch=False)
    fake.add_member(GUILD, ALICE, "alice", dispatch=False)
    await fake.start()
    settings = bot_settings(
        fake,
        url,
        dev_guild_id=GUILD,
        dm_per_second=DM_RATE,
        dm_burst=DM_BURST,
        channel_posts_per_second=5.0,
    )
    bot, task = await start_bot(fake, db, settings)
    try:
        cog: Any = bot.get_cog("Welcome")
        await cog.service.configure(GUILD, channel_id=WELCOME, raid_joins=10)
        await bot.need(Services).profiles.update(GUILD, ALICE, handle="@alice", niches=["BookTok"])
        latencies: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                h = await fake.slash(GUILD, ALICE, "profile show")
                await h.response(timeout=30)
                assert h.responded_at is not None
                latencies.append((h.responded_at - h.sent_at) * 1000)
                await asyncio.sleep(0.02)

        # When the last join is written, seen from the join writer: polling the database for
        # the count would take its share of the one CPU the bot runs on (a query every 10 ms
        # cost the raid a fifth of its pace). The count is checked once, at the end.
        written = 0
        all_written = asyncio.Event()
        write_joins = cog._write_joins

        async def counted(batch: list[Any]) -> Any:
            nonlocal written
            outcomes = await write_joins(batch)
            written += len(batch)
            if written >= n:
                all_written.set()
            return outcomes

        cog._write_joins = counted
        prober = asyncio.create_task(probe())
        started = time.perf_counter()
        first_join = asyncio.get_running_loop().time()
        for i in range(n):
            fake.add_member(GUILD, FIRST + i, f"raider{i}")
            if i % 100 == 99:
                await asyncio.sleep(0)  # let the gateway writer and the prober breathe
        pushed = time.perf_counter() - started
        await asyncio.wait_for(all_written.wait(), 120)
        recorded = time.perf_counter() - started
        recorded_at = asyncio.get_running_loop().time()
        stored = await cog.service.joins_recorded(GUILD)
        if stored != n:
            raise RuntimeError(f"{n} joins pushed, {stored} recorded")
        await asyncio.sleep(DRAIN_SECONDS)  # watch the DM queue drain at its pace for a moment
        done.set()
        await prober
        times = sorted(bot.outbox.sent_times[DM])
        busiest = max((sum(1 for t in times if s <= t < s + 1.0) for s in times), default=0)
        during = sum(1 for t in times if t < recorded_at)
        after = sum(1 for t in times if t >= recorded_at)
        return {
            "pushed_per_sec": n / pushed,
            "recorded_per_sec": n / recorded,
            "probes": float(len(latencies)),
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p99": _q(latencies, 0.99) if latencies else float("nan"),
            "dms": float(len(times)),
            "first_dm": times[0] - first_join if times else float("nan"),
            "busiest": float(busiest),
            "during": float(during),
            "steady_rate": after / DRAIN_SECONDS,
        }
    finally:
        await stop_bot(bot, task)
        await fake.stop()
        with contextlib.suppress(Exception):
            await db.dispose()


def _raid_rows(n: int, backend: str, r: dict[str, float]) -> list[dict[str, Any]]:
    b = f"welcome {backend}"
    return [
        {
            "bench": b,
            "metric": f"joins pushed ({n:,})",
            "value": r["pushed_per_sec"],
            "unit": "/s",
            "note": "fake gateway send rate",
        },
        {
            "bench": b,
            "metric": "joins recorded",
            "value": r["recorded_per_sec"],
            "unit": "/s",
            "note": "first join pushed -> last written; DM + welcome queued (target 2,000/s)",
        },
        {
            "bench": b,
            "metric": "first welcome DM out",
            "value": r["first_dm"],
            "unit": "s",
            "note": "after the first join was pushed (target 2 s)",
        },
        {
            "bench": b,
            "metric": "/profile show p50 during raid",
            "value": r["p50"],
            "unit": "ms",
            "note": f"{int(r['probes'])} probes",
        },
        {
            "bench": b,
            "metric": "/profile show p99 during raid",
            "value": r["p99"],
            "unit": "ms",
            "note": "event -> callback (target 50 ms)",
        },
        {
            "bench": b,
            "metric": "DMs in busiest second",
            "value": r["busiest"],
            "unit": "DMs",
            "note": f"limit {DM_RATE:g}/s + burst {DM_BURST}; {int(r['dms'])} sent",
        },
        {
            "bench": b,
            "metric": "DMs sent while joins were recorded",
            "value": r["during"],
            "unit": "DMs",
            "note": "the DM queue keeps going during the raid",
        },
        {
            "bench": b,
            "metric": "DM rate after the raid",
            "value": r["steady_rate"],
            "unit": "/s",
            "note": f"configured {DM_RATE:g}/s",
        },
    ]


async def run(quick: bool) -> list[dict[str, Any]]:
    n = 500 if quick else 5000
    rows: list[dict[str, Any]] = []
    for backend in ("sqlite", "postgres"):
        rows += _raid_rows(n, backend, await raid(n, backend))
    cards = card_times(50 if quick else 300)
    b = "welcome"
    return [
        *rows,
        {
            "bench": b,
            "metric": "welcome card p50",
            "value": statistics.median(cards),
            "unit": "ms",
            "note": "Pillow, 800x250 PNG",
        },
        {
            "bench": b,
            "metric": "welcome card p99",
            "value": _q(cards, 0.99),
            "unit": "ms",
            "note": "rendered off the event loop",
        },
    ]
