"""Baseline: how fast the *bare* discord.py client answers /ping through the fake Discord.

This is the ceiling the bot's own commands are measured against (discord-facts.md: about
1,300/s one at a time and 0.5-0.6 ms median on the 2-core box). Interactions are pushed one
at a time and each callback awaited, timing INTERACTION_CREATE push -> callback received, so
the number reflects per-interaction latency of the client + fake, not concurrency.

Run: ``.venv/bin/python -m bench.ping_baseline [n]``
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from typing import Any

import discord
from discord import app_commands

from core.heap import collector_as_the_bot_leaves_it
from fakediscord import FakeDiscord

GUILD = 1410000000000000001
CHANNEL = 1410000000000000002
USER = 1420000000000000001
#: messages, requests and interactions each benchmark's fake remembers (see FakeDiscord.remember):
#: the instrument's own store stays out of the measured collector's way, baseline and bot alike
FAKE_REMEMBERS = 600


class _PingClient(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ping", description="Ping")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def _quantile(sorted_ms: list[float], q: float) -> float:
    idx = min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))
    return sorted_ms[idx]


async def run_ping_baseline(n: int = 2000) -> dict[str, Any]:
    """Start the fake and a bare client, push ``n`` /ping one at a time; return the stats."""
    fake = FakeDiscord(bot_name="PingBaseline", interaction_deadline=None, remember=FAKE_REMEMBERS)
    fake.add_guild(GUILD, name="Bench", owner_id=USER)
    fake.add_channel(GUILD, CHANNEL, name="bench")
    await fake.start()
    undo = fake.patch_client()
    client = _PingClient()
    task = asyncio.create_task(client.start("bench-token"))
    try:
        await fake.wait_ready(10)
        await asyncio.wait_for(client.wait_until_ready(), 10)
        await client.tree.sync()
        for _ in range(min(50, n)):  # warm-up: imports, first TCP connections
            await (await fake.slash(GUILD, USER, "ping")).response()
        # the process's collector as Mutuals leaves it (core.heap): the fake shares the process
        # and gains from it as much as the bot, so the baseline runs under it too
        with collector_as_the_bot_leaves_it():
            latencies: list[float] = []
            started = time.perf_counter()
            for _ in range(n):
                h = await fake.slash(GUILD, USER, "ping")
                await h.response(timeout=10)
                assert h.responded_at is not None
                latencies.append((h.responded_at - h.sent_at) * 1000)
            elapsed = time.perf_counter() - started
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
        await fake.stop()
        undo()
    latencies.sort()
    return {
        "name": "bare discord.py /ping via FakeDiscord",
        "n": n,
        "per_sec": round(n / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(_quantile(latencies, 0.99), 3),
        "elapsed": elapsed,
        "latencies": latencies,
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    result = asyncio.run(run_ping_baseline(count))
    print({k: v for k, v in result.items() if k != "latencies"})
