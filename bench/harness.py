"""Start the real Mutuals bot against the fake Discord for benchmarks (same factory as bot.py)."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.ping_baseline import FAKE_REMEMBERS
from bot import build_bot
from core import migrate
from core.bot import AnyBot
from core.db import Database
from core.settings import Secret, Settings, WebSettings
from fakediscord import FakeDiscord
from fakediscord.handles import InteractionHandle
from tests import dbutil
from tests.util import eventually

GUILD = 1510000000000000001
CHANNEL = 1510000000000000002
MOD = 1520000000000000001
MEMBER = 1520000000000000002


@dataclass
class Running:
    fake: FakeDiscord
    bot: AnyBot
    db: Database


@asynccontextmanager
async def running_bot(
    backend: str = "sqlite",
    *,
    web: Callable[[FakeDiscord], WebSettings] | None = None,
    **overrides: Any,
) -> AsyncIterator[Running]:
    """A fake guild (a moderator, a member, a channel) and the bot on a fresh database;
    ``web`` makes the dashboard's settings once the fake is listening (its OAuth is the fake's)."""
    async with fresh_database_url(backend) as url:
        db = Database.from_url(url)
        await migrate.upgrade(db.engine)
        fake = FakeDiscord(interaction_deadline=None, remember=FAKE_REMEMBERS)
        fake.add_guild(GUILD, name="Bench Fam", owner_id=MOD)
        fake.add_channel(GUILD, CHANNEL, name="general")
        fake.add_member(GUILD, MOD, "mod", permissions=1 << 5, dispatch=False)
        fake.add_member(GUILD, MEMBER, "member", dispatch=False)
        await fake.start()
        settings = Settings(
            discord_token=Secret("bench"),
            database_url=url,
            dev_guild_id=GUILD,
            discord_api_base=fake.rest_base,
            discord_gateway_url=fake.gateway_url,
            guild_ready_timeout=0.1,
            web=web(fake) if web is not None else None,
            **overrides,
        )
        bot = build_bot(settings, db)

        async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
            return None

        bot.before_identify_hook = no_wait  # type: ignore[method-assign]
        bot.freeze_heap_when_ready = True  # as bot.py runs it
        task = asyncio.create_task(bot.start("bench"))
        try:
            await asyncio.wait_for(bot.wait_until_ready(), 20)
            await fake.wait_for(lambda: GUILD in fake.guild_commands, timeout=20)
            await settled(bot)
            yield Running(fake, bot, db)
        finally:
            await bot.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
            await fake.stop()
            await db.dispose()


@contextlib.asynccontextmanager
async def fresh_database_url(backend: str) -> AsyncIterator[str]:
    """A new, empty database for one measurement: a SQLite file in a temporary folder, or a
    PostgreSQL database of its own, dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            yield dbutil.sqlite_url(Path(tmp) / "bench.db")
            return
        name = await asyncio.to_thread(dbutil.create_pg_database)
        try:
            yield dbutil.pg_url(name)
        finally:
            await asyncio.to_thread(dbutil.drop_pg_database, name)


async def settled(bot: AnyBot) -> None:
    """Measure the steady state: start-up's one-off work (the first delivery sweep, the heap
    collected and frozen) is over."""

    async def over() -> bool:
        return bot.deliveries.last_sweep is not None and bot.heap_settled

    await eventually(over, timeout=30, what="start-up settling")


def quantile(sorted_values: list[float], q: float) -> float:
    idx = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[idx]


async def time_sequential(
    n: int, one: Callable[[], Awaitable[InteractionHandle]]
) -> dict[str, float]:
    """Run `one` n times back to back: throughput over the whole loop, and each interaction's
    latency as the bare /ping baseline takes it (the fake pushing it to the answer reaching
    the fake: what a member waits), so the two compare like with like."""
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(n):
        handle = await one()
        assert handle.responded_at is not None
        latencies.append((handle.responded_at - handle.sent_at) * 1000)
    elapsed = time.perf_counter() - started
    return summary(n, elapsed, latencies)


def summary(n: int, elapsed: float, latencies: list[float]) -> dict[str, Any]:
    """Throughput and latency percentiles (``elapsed`` and ``latencies`` kept for pooling)."""
    ordered = sorted(latencies)
    return {
        "per_sec": n / elapsed,
        "p50_ms": statistics.median(ordered),
        "p99_ms": quantile(ordered, 0.99),
        "n": n,
        "elapsed": elapsed,
        "latencies": ordered,
    }


def pooled(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds measured apart, as one measurement."""
    return summary(
        sum(p["n"] for p in parts),
        sum(p["elapsed"] for p in parts),
        [ms for p in parts for ms in p["latencies"]],
    )
