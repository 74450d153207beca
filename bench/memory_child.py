"""One side of the memory benchmark, in its own process: connect to the fake Discord, hold the
guild's members in the cache, and print the process's resident memory (``bench_memory``).

``python -m bench.memory_child bare|mutuals REST_BASE GATEWAY_URL GUILD_ID MEMBERS``
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import discord
import yarl


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _Bare(discord.Client):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def _members_cached(client: discord.Client, guild_id: int, members: int) -> None:
    while True:
        guild = client.get_guild(guild_id)
        if guild is not None and len(guild.members) >= members:
            return
        await asyncio.sleep(0.05)


async def _settled(bot: Any) -> None:
    """Start-up's one-off work is over (as bench.harness.settled, without importing the harness
    and its fake Discord into the measured process)."""
    while True:
        if bot.deliveries.last_sweep is not None and bot.heap_settled:
            return
        await asyncio.sleep(0.05)


def _intents() -> discord.Intents:
    """Mutuals' intents (core.bot.intents), spelled out: the bare side imports nothing of
    Mutuals, so its memory is discord.py's alone."""
    value = discord.Intents.default()
    value.members = True
    value.message_content = True
    value.auto_moderation_configuration = True
    return value


async def bare(guild_id: int, members: int) -> dict[str, Any]:
    client = _Bare(intents=_intents(), guild_ready_timeout=0.1)
    task = asyncio.create_task(client.start("bench"))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 120)
        await asyncio.wait_for(_members_cached(client, guild_id, members), 120)
        gc.collect()
        await asyncio.sleep(0.5)
        return {"rss": rss_bytes(), "members": len(client.get_guild(guild_id).members)}  # type: ignore[union-attr]
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


async def mutuals(rest: str, gateway: str, guild_id: int, members: int) -> dict[str, Any]:
    from bot import build_bot
    from core import migrate
    from core.db import Database
    from core.settings import Secret, Settings

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database.from_url(url)
        await migrate.upgrade_in_child(url)  # as bot.run does
        settings = Settings(
            discord_token=Secret("bench"),
            database_url=url,
            dev_guild_id=guild_id,
            discord_api_base=rest,
            discord_gateway_url=gateway,
            guild_ready_timeout=0.1,
        )
        bot = build_bot(settings, db)

        async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
            return None

        bot.before_identify_hook = no_wait  # type: ignore[method-assign]
        bot.freeze_heap_when_ready = True  # as bot.py runs it
        task = asyncio.create_task(bot.start("bench"))
        try:
            await asyncio.wait_for(bot.wait_until_ready(), 120)
            await asyncio.wait_for(_members_cached(bot, guild_id, members), 120)
            await asyncio.wait_for(_settled(bot), 60)
            await asyncio.sleep(3)  # a few delivery sweeps and outbox polls: the steady state
            gc.collect()
            guild = bot.get_guild(guild_id)
            assert guild is not None
            return {"rss": rss_bytes(), "members": len(guild.members)}
        finally:
            await bot.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
            await db.dispose()


def main(argv: list[str]) -> None:
    side, rest, gateway, guild, members = argv
    discord.http.Route.BASE = rest
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    if side == "bare":
        result = asyncio.run(bare(int(guild), int(members)))
    else:
        result = asyncio.run(mutuals(rest, gateway, int(guild), int(members)))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
