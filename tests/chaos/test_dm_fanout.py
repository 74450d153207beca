"""SIGKILL loops while welcome DMs go out under injected 5xx and 429: every newcomer gets
exactly one DM, naming the server (rendered from stored data, not a fallback)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sqlalchemy import func, select

from core.db import Database
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage
from tests.chaos.harness import BotProcess
from tests.conftest import GUILD_ID, MOD_ID
from tests.util import eventually

NEWCOMERS = 30
FIRST = 2_300_000_000_000_000_000
KILLS = 6


async def _queued_dms(db: Database) -> int:
    async with db.read() as s:
        return int(
            await s.scalar(
                select(func.count()).where(
                    OutboxMessage.kind == "dm", OutboxMessage.guild_id == GUILD_ID
                )
            )
            or 0
        )


async def test_sigkills_during_dm_fanout_with_5xx_and_429(
    fake: FakeDiscord, db: Database, db_url: str, tmp_path: Path
) -> None:
    welcome = fake.add_channel(GUILD_ID, name="welcome")
    bot = BotProcess(fake, db_url, tmp_path, "bot", DM_PER_SECOND="4", DM_BURST="1")
    rng = random.Random(7)
    try:
        await bot.start()
        await fake.wait_ready(timeout=30)
        await fake.wait_for(lambda: GUILD_ID in fake.guild_commands, timeout=30)
        h = await fake.slash(
            GUILD_ID, MOD_ID, "welcome channel", {"channel": fake.channel_option(welcome)}
        )
        await h.response(timeout=10)
        for i in range(NEWCOMERS):
            fake.add_member(GUILD_ID, FIRST + i, f"newbie{i}")

        async def all_queued() -> bool:
            return await _queued_dms(db) == NEWCOMERS

        await eventually(all_queued, timeout=60, what="every join recorded with its DM queued")
        dm_sends = r"/channels/\d+/messages$"
        fake.fail_next("POST", dm_sends, 500, count=4)
        fake.fail_next("POST", dm_sends, 429, count=3, retry_after=0.2)
        for _ in range(KILLS):
            await eventually_some_progress(fake, rng)
            await bot.kill()
            await bot.start()

        def everyone_has_a_dm() -> bool:
            return all(fake.dms(FIRST + i) for i in range(NEWCOMERS))

        await fake.wait_for(everyone_has_a_dm, timeout=120, message="every newcomer's DM")
    finally:
        await bot.stop()
    counts = {FIRST + i: len(fake.dms(FIRST + i)) for i in range(NEWCOMERS)}
    assert set(counts.values()) == {1}, (counts, bot.output()[-3000:])
    for i in range(NEWCOMERS):
        text = str(fake.dms(FIRST + i)[0])
        assert "Creator Fam" in text and "the server" not in text


async def eventually_some_progress(fake: FakeDiscord, rng: random.Random) -> None:
    """Let the bot come up and send a little, then kill it at a random moment."""
    await fake.wait_ready(timeout=30)
    before = len(fake.requests)
    await fake.wait_for(lambda: len(fake.requests) > before + 2, timeout=30)
    await asyncio.sleep(rng.uniform(0.2, 1.2))
