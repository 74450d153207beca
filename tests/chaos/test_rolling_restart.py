"""Rolling restart on PostgreSQL: process A runs (unsharded: every guild), process B starts with
the same settings while A is still up, then A gets SIGTERM and B carries on alone. During the
overlap both processes get every gateway event (Discord sends a shard's events to each of its
sessions) and both run the schedules. Through the overlap and after: every slot of the rotation
posted once, in order, and every newcomer welcomed by exactly one DM."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

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
    set_welcome,
    start,
)
from tests.conftest import GUILD_ID

SPEED = 20
FIRST_NEWCOMER = 2_500_000_000_000_000_000
JOINS_PER_PHASE = 3


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_rolling_restart_posts_and_dms_exactly_once(
    fake: FakeDiscord, db: Database, db_url: str, tmp_path: Path
) -> None:
    spotlight = fake.add_channel(GUILD_ID, name="spotlight")
    welcome = fake.add_channel(GUILD_ID, name="welcome")
    timeline = Timeline(SPEED)
    a = BotProcess(fake, db_url, tmp_path, "a", **timeline.env(), **FAST)
    b = BotProcess(fake, db_url, tmp_path, "b", **timeline.env(), **FAST)
    newcomers: dict[str, list[int]] = {}

    async def joins(phase: str) -> None:
        ids = newcomers[phase] = []
        for _ in range(JOINS_PER_PHASE):
            user_id = FIRST_NEWCOMER + sum(map(len, newcomers.values()))
            ids.append(user_id)
            fake.add_member(GUILD_ID, user_id, f"newbie{user_id % 100}")
            await asyncio.sleep(0.3)  # a trickle, not a raid

    async def two_more_slots() -> None:
        await posted_through(
            db, fake, rotation_id, spotlight, next_slot(next_slot(timeline.now())), timeout=60
        )

    try:
        await start(fake, a)
        await commands_synced(fake, GUILD_ID)
        rotation_id = await create_rotation(fake, db, GUILD_ID, spotlight)
        await set_welcome(fake, GUILD_ID, welcome)
        begin = await active_from(db, rotation_id)
        await joins("A alone")
        await two_more_slots()

        before = fake.identifies
        await b.start()
        await connected(fake, before)
        await joins("overlap")
        await two_more_slots()
        a_pid = a.pid
        assert await a.stop() == 0, a.output()[-3000:]

        await joins("B alone")
        await two_more_slots()
        everyone = [u for ids in newcomers.values() for u in ids]
        await fake.wait_for(
            lambda: all(fake.dms(u) for u in everyone), timeout=60, message="every DM"
        )
        end = timeline.now()
        await posted_through(db, fake, rotation_id, spotlight, end, timeout=60)
    finally:
        await asyncio.gather(a.stop(), b.stop())
    ledger = await Ledger.read(db, fake, rotation_id, spotlight)
    ledger.assert_exactly_once(begin, end)
    dms = {u: len(fake.dms(u)) for u in everyone}
    assert set(dms.values()) == {1}, {
        phase: {u: dms[u] for u in ids} for phase, ids in newcomers.items()
    }
    by = Counter("A" if f":{a_pid}:" in (p.claim_owner or "") else "B" for p in ledger.due(end))
    print(
        f"\nrolling restart [postgresql]: {len(ledger.posts)} slots each posted once "
        f"({dict(by)} by process), {len(everyone)} newcomers each with one DM "
        f"({ {k: len(v) for k, v in newcomers.items()} } joined per phase)"
    )
