"""SIGKILL loop while a rotation posts every few seconds: a real ``python bot.py`` killed at
random moments (seeded) and restarted at once, a dozen times in ~40 s, then left to settle.
Every slot from the rotation's start to the end is claimed once, done, featured somebody and
has exactly one message in its channel, in slot order; nothing is missed (grace is hours)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

from core.db import Database
from fakediscord import FakeDiscord
from tests.chaos.harness import BotProcess
from tests.chaos.scenario import (
    FAST,
    Ledger,
    Timeline,
    active_from,
    commands_synced,
    connected,
    create_rotation,
    next_slot,
    posted_through,
    start,
)
from tests.conftest import GUILD_ID

SPEED = 20  # a slot every 3 s of wall time
KILLS = 12
CHAOS_SECONDS = 40


async def test_sigkill_loop_while_a_rotation_posts(
    fake: FakeDiscord, db: Database, db_url: str, tmp_path: Path
) -> None:
    spotlight = fake.add_channel(GUILD_ID, name="spotlight")
    timeline = Timeline(SPEED)
    bot = BotProcess(fake, db_url, tmp_path, "bot", **timeline.env(), **FAST)
    rng = random.Random(20261129)
    loop = asyncio.get_running_loop()
    try:
        started_at = fake.identifies
        await start(fake, bot)
        await commands_synced(fake, GUILD_ID)
        rotation_id = await create_rotation(fake, db, GUILD_ID, spotlight)
        begin = await active_from(db, rotation_id)
        chaos_until = loop.time() + CHAOS_SECONDS
        kills = Counter[str]()
        while sum(kills.values()) < KILLS or loop.time() < chaos_until:
            moment = rng.random()
            if moment < 0.3:  # while it starts up: migrations, login, the start-up catch-up
                await asyncio.sleep(rng.uniform(0.1, 2.0))
                kills["start-up"] += 1
            elif moment < 0.65:  # at a slot time: the claim, the feature row, the post
                await connected(fake, started_at)
                # (the bot claims, writes and sends within ~50 ms of wall time)
                await timeline.reach(next_slot(timeline.now()) - timedelta(seconds=SPEED * 0.03))
                await asyncio.sleep(rng.uniform(0.0, 0.08))
                kills["slot time"] += 1
            else:  # any moment on the gateway: sweeps, heartbeats, idle
                await connected(fake, started_at)
                await asyncio.sleep(rng.uniform(0.0, 3.0))
                kills["anytime"] += 1
            await bot.kill()
            started_at = fake.identifies
            await bot.start()
        end = timeline.now()
        await posted_through(db, fake, rotation_id, spotlight, end, timeout=60)
        settle_wall = loop.time() - chaos_until
    finally:
        await bot.stop()
    ledger = await Ledger.read(db, fake, rotation_id, spotlight)
    ledger.assert_exactly_once(begin, end)
    log = bot.output()
    print(
        f"\nkill loop [{db.backend}]: {sum(kills.values())} SIGKILLs {dict(kills)}, "
        f"{bot.starts} starts, {len(ledger.posts)} slots posted once each, "
        f"{log.count('took over')} claims taken over, "
        f"{log.count('interrupted sends go back')} outbox recoveries, "
        f"{ledger.resent} resends dropped by nonce, max delay {ledger.max_delay()} (clock), "
        f"settled {settle_wall:.1f}s after the chaos"
    )
