"""Two shards on PostgreSQL: two ``python bot.py`` processes as shards 0 and 1 of one
application (SHARD_COUNT=2, SHARD_IDS=0 / 1) on one database, and two guilds, one on each shard
(``(guild_id >> 22) % 2``), each with a rotation and a welcome. Every spotlight post and every
welcome DM goes out exactly once and by its own guild's process (the pid in the slot's
``owner`` and the outbox row's ``claimed_by``), and what it shows was rendered from stored
data: each DM names its own server, nothing falls back to "the server" or "a mutual".
(Several processes on one database means PostgreSQL: SQLite has one writer process.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import Database
from fakediscord import MANAGE_GUILD, FakeDiscord
from models.delivery import OutboxMessage, ScheduledSlot
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
)
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID

SPEED = 20
SLOTS = 3
NEWCOMERS = 4
FALLBACKS = ("the server", "a mutual")
#: a guild on the other shard of two than GUILD_ID
OTHER_GUILD_ID = GUILD_ID + (1 << 22)
NAMES = {GUILD_ID: "Creator Fam", OTHER_GUILD_ID: "Plant Parents Club"}


def shard_of(guild_id: int) -> int:
    return (guild_id >> 22) % 2


def newcomer(guild_id: int, i: int) -> int:
    return 2_400_000_000_000_000_000 + (guild_id % 1000) * 100 + i


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_shards_each_post_and_dm_for_their_own_guild(
    fake: FakeDiscord, db: Database, db_url: str, tmp_path: Path
) -> None:
    assert shard_of(GUILD_ID) != shard_of(OTHER_GUILD_ID)
    fake.add_guild(OTHER_GUILD_ID, name=NAMES[OTHER_GUILD_ID], owner_id=MOD_ID)
    fake.add_member(OTHER_GUILD_ID, MOD_ID, "modmia", permissions=MANAGE_GUILD, dispatch=False)
    for user_id, name in ((ALICE_ID, "alice"), (BOB_ID, "bob")):
        fake.add_member(OTHER_GUILD_ID, user_id, name, dispatch=False)
    spotlight = {g: fake.add_channel(g, name="spotlight") for g in NAMES}
    welcome = {g: fake.add_channel(g, name="welcome") for g in NAMES}
    timeline = Timeline(SPEED)
    shards = {
        shard: BotProcess(
            fake,
            db_url,
            tmp_path,
            f"shard{shard}",
            **timeline.env(),
            **FAST,
            SHARD_COUNT="2",
            SHARD_IDS=str(shard),
            DEV_GUILD_ID="",  # global commands: both guilds have them
        )
        for shard in (0, 1)
    }
    process = {g: shards[shard_of(g)] for g in NAMES}
    try:
        before = fake.identifies
        await asyncio.gather(*(bot.start() for bot in shards.values()))
        await connected(fake, before, count=2)
        await commands_synced(fake, None)
        rotations = {g: await create_rotation(fake, db, g, spotlight[g]) for g in NAMES}
        for g in NAMES:
            await set_welcome(fake, g, welcome[g])
        for i in range(NEWCOMERS):
            for g in NAMES:  # each join reaches its own shard's session only
                fake.add_member(g, newcomer(g, i), f"newbie {NAMES[g]} {i}")
            await asyncio.sleep(0.3)  # a trickle, not a raid

        def everyone_has_a_dm() -> bool:
            return all(fake.dms(newcomer(g, i)) for g in NAMES for i in range(NEWCOMERS))

        await fake.wait_for(everyone_has_a_dm, timeout=60, message="every newcomer's DM")
        begin = {g: await active_from(db, rotations[g]) for g in NAMES}
        through = next_slot(max(begin.values())) + timedelta(minutes=SLOTS - 1)
        for g in NAMES:
            await posted_through(db, fake, rotations[g], spotlight[g], through, timeout=60)
        pids = {g: process[g].pid for g in NAMES}
    finally:
        await asyncio.gather(*(bot.stop() for bot in shards.values()))

    posts = 0
    for g in NAMES:
        ledger = await Ledger.read(db, fake, rotations[g], spotlight[g])
        ledger.assert_exactly_once(begin[g], through)
        posts += len(ledger.posts)
    async with db.read() as s:
        claims = (await s.execute(select(ScheduledSlot.guild_id, ScheduledSlot.owner))).all()
        rows = (
            await s.execute(
                select(OutboxMessage.guild_id, OutboxMessage.claimed_by, OutboxMessage.purpose)
            )
        ).all()
    claimed_elsewhere = [(g, by) for g, by in claims if by and f":{pids[g]}:" not in by]
    assert claims and not claimed_elsewhere, f"slots claimed by another: {claimed_elsewhere}"
    sent_elsewhere = [(g, by, p) for g, by, p in rows if g and (not by or f":{pids[g]}:" not in by)]
    assert rows and not sent_elsewhere, f"messages sent by another process: {sent_elsewhere}"

    for g in NAMES:
        other = NAMES[OTHER_GUILD_ID if g == GUILD_ID else GUILD_ID]
        for i in range(NEWCOMERS):
            dms = fake.dms(newcomer(g, i))
            assert len(dms) == 1, (g, i, dms)
            text = str(dms[0])
            assert NAMES[g] in text and other not in text, text
        shown = [str(m) for c in (spotlight[g], welcome[g]) for m in fake.messages(c)]
        shown += [str(m) for i in range(NEWCOMERS) for m in fake.dms(newcomer(g, i))]
        assert not [t for t in shown if any(f in t for f in FALLBACKS)], shown
    print(
        f"\nshards [postgresql]: shard 0 pid {shards[0].pid}, shard 1 pid {shards[1].pid}; "
        f"{posts} spotlight posts and {NEWCOMERS * len(NAMES)} welcome DMs, each once, each "
        f"claimed and sent by its own guild's process; {len(rows)} outbox rows checked"
    )
