"""SIGKILL during the start-up catch-up: the bot is down while several slots of a rotation come
due (well within the grace window); it starts, and is SIGKILLed while the catch-up posts are
going out (the channel pace is 1 post/s, so there is a moment to kill), with one post half-sent
(Discord answered 429 and discord.py is waiting to retry it); restarted, it posts the remaining
slots within 20 s, in slot order (the half-sent one first), each exactly once."""

from __future__ import annotations

import asyncio
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
    create_rotation,
    next_slot,
    posted_through,
    start,
)
from tests.conftest import GUILD_ID

SPEED = 30  # a slot every 2 s of wall time
MISSED_WHILE_DOWN = 5
RESTART_DEADLINE = 20.0


async def test_sigkill_during_the_start_up_catch_up(
    fake: FakeDiscord, db: Database, db_url: str, tmp_path: Path
) -> None:
    spotlight = fake.add_channel(GUILD_ID, name="spotlight")
    timeline = Timeline(SPEED)
    bot = BotProcess(
        fake, db_url, tmp_path, "bot", **timeline.env(), **FAST, CHANNEL_POSTS_PER_SECOND="1"
    )
    loop = asyncio.get_running_loop()
    try:
        await start(fake, bot)
        await commands_synced(fake, GUILD_ID)
        rotation_id = await create_rotation(fake, db, GUILD_ID, spotlight)
        begin = await active_from(db, rotation_id)
        first = next_slot(begin)
        await posted_through(db, fake, rotation_id, spotlight, first, timeout=30)
        await bot.stop()  # down (cleanly) while the next slots come due
        down_from = timeline.now()
        due_while_down = next_slot(down_from) + timedelta(minutes=MISSED_WHILE_DOWN - 1)
        await timeline.reach(due_while_down + timedelta(seconds=1))
        posted_before = len(fake.messages(spotlight))

        await start(fake, bot)  # the catch-up starts: MISSED_WHILE_DOWN posts at 1/s
        await fake.wait_for(
            lambda: len(fake.messages(spotlight)) >= posted_before + 2,
            timeout=30,
            message="the catch-up is posting",
        )
        # The next post is held up by Discord (a 429 that discord.py waits out) and the bot is
        # killed meanwhile: that post is half-sent when the process dies.
        posts = rf"/channels/{spotlight}/messages$"
        fake.fail_next("POST", posts, 429, retry_after=5)
        await fake.wait_for(
            lambda: any(r.status == 429 for r in fake.requests_to("POST", posts)),
            timeout=30,
            message="a catch-up post is on its way",
        )
        await bot.kill()
        killed_at = timeline.now()
        posted_at_kill = len(fake.messages(spotlight)) - posted_before

        restarted = loop.time()
        due_at_restart = timeline.now()
        await bot.start()
        await posted_through(
            db, fake, rotation_id, spotlight, due_at_restart, timeout=RESTART_DEADLINE
        )
        caught_up = loop.time() - restarted
        end = timeline.now()
        await posted_through(db, fake, rotation_id, spotlight, end, timeout=30)
    finally:
        await bot.stop()
    ledger = await Ledger.read(db, fake, rotation_id, spotlight)
    ledger.assert_exactly_once(begin, end)
    behind = [p for p in ledger.posts if down_from < p.slot_at <= killed_at]
    assert len(behind) >= MISSED_WHILE_DOWN
    assert posted_at_kill < len(behind), "the SIGKILL came after the catch-up, not during it"
    print(
        f"\ncatch-up [{db.backend}]: {len(behind)} slots came due while down or starting, "
        f"{posted_at_kill} posted before the SIGKILL, the rest (and those due meanwhile) "
        f"{caught_up:.1f}s after the restart; {len(ledger.posts)} slots in all, each once, "
        f"in order; {ledger.resent} resends dropped by nonce"
    )
