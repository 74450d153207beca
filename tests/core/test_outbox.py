"""The outbox via the fake Discord: survives restarts, sends once, obeys 403/429/5xx and pace."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import ManualClock
from core.db import Database
from core.outbox import CHANNEL, DM, OutboxStore
from fakediscord import FakeDiscord
from models.delivery import DMStatus, OutboxMessage
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

DM_SEND = r"/channels/\d+/messages$"


def dm_posts(fake: FakeDiscord, user_id: int) -> list[object]:
    channel = fake.dm_channel_of(user_id)
    if channel is None:
        return []
    return [
        r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{channel}/messages"
    ]


async def statuses(db: Database) -> dict[int, str]:
    async with db.read() as s:
        return {r.id: r.status for r in (await s.scalars(select(OutboxMessage))).all()}


async def test_pending_messages_survive_restart_and_send_once(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    store = OutboxStore(db, ManualClock(), dm_closed_recheck=timedelta(hours=1))
    # Queued while the bot is down (e.g. by a process that crashed before sending).
    for user in (ALICE_ID, BOB_ID):
        await store.enqueue(
            kind=DM, target_id=user, payload={"content": f"Hey mutual {user}!"}, purpose="t"
        )
    await store.enqueue(
        kind=CHANNEL, target_id=GENERAL_ID, payload={"content": "hi fam"}, purpose="t"
    )
    async with db.write() as s:  # one row was mid-send when the process died
        row = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.target_id == BOB_ID))
        ).one()
        row.status = "sending"

    bot = await bot_factory()
    await fake.wait_for(lambda: len(fake.dms(ALICE_ID)) == 1 and len(fake.dms(BOB_ID)) == 1)
    await fake.wait_for(lambda: len(fake.messages(GENERAL_ID)) == 1)
    await bot.close()
    assert set((await statuses(db)).values()) == {"sent"}

    await bot_factory()  # restart: nothing is sent again
    await fake.wait_for(lambda: fake.connected)
    assert len(fake.dms(ALICE_ID)) == 1 and len(fake.dms(BOB_ID)) == 1
    assert len(fake.messages(GENERAL_ID)) == 1
    assert fake.dms(ALICE_ID)[0]["content"] == f"Hey mutual {ALICE_ID}!"


async def test_closed_dms_recorded_once_never_retried(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    fake.close_dms(ALICE_ID)
    bot = await bot_factory()
    for n in range(3):
        await bot.outbox_store.enqueue(kind=DM, target_id=ALICE_ID, payload={"content": f"#{n}"})
    bot.outbox.wake()

    async def all_closed() -> bool:
        return set((await statuses(db)).values()) == {"dms_closed"}

    await eventually(all_closed, what="every DM marked dms_closed")
    assert len(dm_posts(fake, ALICE_ID)) == 1  # one 403, then known-closed: never retried
    async with db.read() as s:
        assert (await s.get(DMStatus, ALICE_ID)) is not None


async def test_429_respected_and_delivered_once(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    bot = await bot_factory()
    fake.fail_next("POST", rf"/channels/{GENERAL_ID}/messages$", 429, retry_after=0.2)
    await bot.outbox_store.enqueue(
        kind=CHANNEL, target_id=GENERAL_ID, payload={"content": "shoutout!"}
    )
    bot.outbox.wake()
    await fake.wait_for(lambda: len(fake.messages(GENERAL_ID)) == 1)
    posts = [
        r
        for r in fake.requests
        if r.method == "POST" and r.path == f"/channels/{GENERAL_ID}/messages"
    ]
    assert [p.status for p in posts] == [429, 200]
    assert posts[1].time - posts[0].time >= 0.2  # waited retry_after before trying again


async def test_server_errors_retried_with_backoff(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    clock = ManualClock()
    bot = await bot_factory(clock=clock)
    # discord.py does not retry a 503 itself: the outbox owns the retry, with backoff.
    fake.fail_next("POST", rf"/channels/{GENERAL_ID}/messages$", 503)
    await bot.outbox_store.enqueue(kind=CHANNEL, target_id=GENERAL_ID, payload={"content": "again"})
    bot.outbox.wake()

    async def row_status() -> str:
        return next(iter((await statuses(db)).values()))

    async def retry_scheduled() -> bool:
        tried = fake.requests_to("POST", rf"/channels/{GENERAL_ID}/messages$")
        return len(tried) == 1 and await row_status() == "pending"

    await eventually(retry_scheduled, what="the 503 seen and the row rescheduled")
    assert fake.messages(GENERAL_ID) == []
    clock.advance(seconds=10)  # the backoff elapses
    bot.outbox.wake()
    await fake.wait_for(lambda: len(fake.messages(GENERAL_ID)) == 1, timeout=10)

    async def sent() -> bool:
        return await row_status() == "sent"

    await eventually(sent, what="the retried row marked sent")


async def test_dm_pace_is_kept(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    bot = await bot_factory(dm_per_second=5.0, dm_burst=1)
    users = [ALICE_ID, BOB_ID, MOD_ID] + [9_000_000_000_000_000 + n for n in range(5)]
    for uid in users[3:]:
        fake.add_member(GUILD_ID, uid, f"fan{uid % 100}", dispatch=True)
    for uid in users:
        await bot.outbox_store.enqueue(kind=DM, target_id=uid, payload={"content": "Hey mutual!"})
    bot.outbox.wake()
    await fake.wait_for(lambda: all(len(fake.dms(u)) == 1 for u in users), timeout=15)
    times = sorted(
        r.time
        for r in fake.requests
        if r.method == "POST"
        and r.path.endswith("/messages")
        and any(r.path == f"/channels/{fake.dm_channel_of(u)}/messages" for u in users)
    )
    assert len(times) == len(users)
    # Never faster than the pace: in any window of w seconds at most burst + 5*w sends
    # (a 30 ms allowance for the sends' own network jitter).
    for i, start in enumerate(times):
        for j in range(i + 1, len(times)):
            window = times[j] - start + 0.03
            assert j - i + 1 <= 1 + 5 * window, (times, i, j)


SHARD0_GUILD = GUILD_ID + (1 << 22)  # (id >> 22) % 2 == 0; GUILD_ID is on shard 1


async def test_each_shard_claims_only_its_own_guilds_messages(db: Database) -> None:
    clock = ManualClock()
    shard0 = OutboxStore(
        db, clock, dm_closed_recheck=timedelta(hours=1), shard_count=2, shard_ids=(0,)
    )
    shard1 = OutboxStore(
        db, clock, dm_closed_recheck=timedelta(hours=1), shard_count=2, shard_ids=(1,)
    )
    for guild in (GUILD_ID, SHARD0_GUILD):
        await shard0.enqueue(kind=DM, target_id=ALICE_ID, guild_id=guild, payload={"content": "hi"})
    await shard0.enqueue(kind=CHANNEL, target_id=GENERAL_ID, payload={"content": "no guild"})
    dms0 = await shard0.claim_due(DM, 10, owner="p0")
    dms1 = await shard1.claim_due(DM, 10, owner="p1")
    assert [m.guild_id for m in dms0] == [SHARD0_GUILD]
    assert [m.guild_id for m in dms1] == [GUILD_ID]
    assert await shard1.claim_due(CHANNEL, 10) == []  # rows about no guild: shard 0's
    assert len(await shard0.claim_due(CHANNEL, 10)) == 1


async def test_recovery_never_requeues_a_live_senders_rows(db: Database) -> None:
    clock = ManualClock()
    store = OutboxStore(db, clock, dm_closed_recheck=timedelta(hours=1))
    for user in (ALICE_ID, BOB_ID):
        await store.enqueue(kind=DM, target_id=user, guild_id=GUILD_ID, payload={"content": "x"})
    (alive,) = await store.claim_due(DM, 1, owner="alive")
    (dead,) = await store.claim_due(DM, 1, owner="dead")
    assert await store.recover_interrupted({"alive", "me"}) == 1
    assert (await statuses(db)) == {alive.id: "sending", dead.id: "pending"}


async def test_a_channel_keeps_its_order_while_an_earlier_post_is_mid_send(db: Database) -> None:
    """A process SIGKILLed mid-send leaves its row "sending" until its lease runs out; the
    channel's later posts wait for it instead of overtaking it (found by the chaos kill loop:
    slot 10's spotlight went out before slot 9's). Other channels are not held up."""
    clock = ManualClock()
    store = OutboxStore(db, clock, dm_closed_recheck=timedelta(hours=1))
    other_channel = GENERAL_ID + 1
    for n in (1, 2):
        await store.enqueue(
            kind=CHANNEL, target_id=GENERAL_ID, guild_id=GUILD_ID, payload={"content": f"{n}"}
        )
    await store.enqueue(
        kind=CHANNEL, target_id=other_channel, guild_id=GUILD_ID, payload={"content": "x"}
    )
    (first,) = await store.claim_due(CHANNEL, 1, owner="killed")
    # Its successor starts while the killed process's lease still looks alive.
    assert await store.recover_interrupted({"killed", "successor"}) == 0
    claimed = await store.claim_due(CHANNEL, 10, owner="successor")
    assert [m.target_id for m in claimed] == [other_channel]
    # The lease ran out: the interrupted post goes first, then the next one.
    assert await store.recover_interrupted({"successor"}) == 1
    (again,) = await store.claim_due(CHANNEL, 10, owner="successor")
    assert (again.id, again.payload) == (first.id, {"content": "1"})
    await store.mark_sent(again.id, sent_message_id=1, channel_id=GENERAL_ID)
    (second,) = await store.claim_due(CHANNEL, 10, owner="successor")
    assert second.payload == {"content": "2"}


async def test_wait_for_tells_what_really_happened_to_a_message(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    bot = await bot_factory()
    store = bot.outbox_store
    await store.enqueue(
        kind=CHANNEL,
        target_id=GENERAL_ID,
        guild_id=GUILD_ID,
        payload={"content": "hey"},
        dedupe_key="t:ok",
    )
    ok = await bot.outbox.wait_for("t:ok")
    assert ok is not None and ok.status == "sent"
    fake.fail_next(
        "POST",
        rf"/channels/{GENERAL_ID}/messages$",
        403,
        body={"message": "Missing Access", "code": 50001},
    )
    await store.enqueue(
        kind=CHANNEL,
        target_id=GENERAL_ID,
        guild_id=GUILD_ID,
        payload={"content": "nope"},
        dedupe_key="t:denied",
    )
    denied = await bot.outbox.wait_for("t:denied")
    assert denied is not None and denied.status == "failed" and "403" in (denied.error or "")
    assert await bot.outbox.wait_for("t:never-queued", timeout=0.2) is None
