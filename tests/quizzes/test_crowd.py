"""The real bot against the fake Discord when a crowd answers: a click waiting on a slow commit
is acknowledged first and told "Locked in" only once its answer is committed; a quick one gets
the outcome as its very answer; a database blip mid-crowd credits everyone once; a clean stop
locks in every click it acknowledged before it lets go of Discord."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

import core.bot
from core import interactions
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from models.quizzes import QuizAnswer, QuizGameScore
from services.quizzes import Question
from tests.conftest import ALICE_ID, GUILD_ID, BotFactory
from tests.quizzes.test_bot import bank, buttons, quiz_bot, wait_titled
from tests.util import outcome

MEMBERS = [4_100_000_000_000_000_000 + i for i in range(30)]


def choices_only() -> list[Question]:
    first = bank()[0]
    return [Question(**{**first.__dict__, "key": f"b:c{i}", "id": f"c{i}"}) for i in range(5)]


async def first_question(fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock) -> Any:
    for i, member in enumerate(MEMBERS):
        fake.add_member(GUILD_ID, member, f"crowd{i}", dispatch=False)
    bot, _cog, steps = await quiz_bot(bot_factory, clock, choices_only())
    await (await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5})).response()
    await steps.step(3.0)
    msg = await wait_titled(fake, "Question 1/5")
    right = next(b["custom_id"] for b in buttons(msg) if "hearts" in b["label"])
    return bot, int(msg["id"]), right


async def stored(db: Database) -> tuple[int, dict[int, int]]:
    async with db.read() as session:
        count = await session.scalar(select(func.count()).select_from(QuizAnswer))
        rows = (await session.execute(select(QuizGameScore.user_id, QuizGameScore.points))).all()
    return int(count or 0), {int(u): int(p) for u, p in rows}


class HeldCommits:
    """Holds every batch until released: the database being slow, as a crowd makes it."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.released = asyncio.Event()
        real = db.writes._execute

        async def held(batch: list[Any]) -> Any:
            await self.released.wait()
            return await real(batch)

        monkeypatch.setattr(db.writes, "_execute", held)


async def test_a_slow_commit_is_acknowledged_first_and_locked_in_only_once_committed(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _bot, mid, right = await first_question(fake, bot_factory, clock)
    held = HeldCommits(db, monkeypatch)
    click = await fake.click(MEMBERS[0], right, message_id=mid)
    ack = await click.response()
    assert ack["type"] == 5 and click.ephemeral  # a private "thinking…", within Discord's 3 s
    assert await stored(db) == (0, {})  # received, not saved: nobody was told otherwise
    assert not click.edits
    held.released.set()
    await click.wait_edit()
    assert str(click.content).startswith("Locked in **A**! 🔒")
    assert await stored(db) == (1, {MEMBERS[0]: 1000})


async def test_an_answer_click_is_handled_once_by_the_bots_own_router(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database
) -> None:
    """Answer buttons skip discord.py rebuilding the message's view (a crowd's hot path): the
    bot routes the click itself, so it must be answered exactly once, and discord.py keeps no
    view object per question message."""
    bot, mid, right = await first_question(fake, bot_factory, clock)
    click = await fake.click(MEMBERS[0], right, message_id=mid)
    await click.response()
    if not str(click.content).startswith("Locked in"):
        await click.wait_edit()
    await bot.db.writes.flush()
    for _ in range(20):  # a second handler would answer within a few loop turns
        await asyncio.sleep(0)
    callbacks = fake.requests_to("POST", rf"/interactions/{click.id}/")
    assert len(callbacks) == 1 and callbacks[0].status in (200, 204)
    assert not [r for r in fake.requests if r.status == 400]
    assert str(click.content).startswith("Locked in **A**! 🔒")
    assert await stored(db) == (1, {MEMBERS[0]: 1000})
    assert not bot.persistent_views and not bot._connection._view_store._synced_message_views


async def test_a_quick_commit_answers_with_the_outcome_at_once(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _bot, mid, right = await first_question(fake, bot_factory, clock)
    # however loaded the test machine: this commit counts as quick
    monkeypatch.setattr(interactions, "ACK_WITHIN", 60.0)
    monkeypatch.setattr(interactions, "ACK_BY", 60.0)
    click = await fake.click(MEMBERS[0], right, message_id=mid)
    answer = await click.response()
    assert answer["type"] == 4 and click.ephemeral  # one message: the outcome itself
    assert str(click.content).startswith("Locked in **A**! 🔒")
    assert await stored(db) == (1, {MEMBERS[0]: 1000})


async def test_a_database_blip_mid_crowd_credits_every_click_once(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _bot, mid, right = await first_question(fake, bot_factory, clock)
    real = db.writes._run
    blips: list[int] = []

    def blip(conn: Connection, batch: list[Any]) -> Any:
        if len(blips) < 2:  # the first two batches meet a dropped connection
            blips.append(len(batch))
            raise OperationalError("INSERT", {}, ConnectionResetError("connection reset"))
        return real(conn, batch)

    monkeypatch.setattr(db.writes, "_run", blip)
    clicks = await asyncio.gather(
        *(fake.click(m, right, message_id=mid) for m in MEMBERS for _ in range(2))
    )
    texts = await asyncio.gather(*(outcome(c, timeout=30) for c in clicks))
    assert len(blips) == 2
    assert sum(t.startswith("Locked in") for t in texts) == len(MEMBERS)
    assert sum("already locked in" in t for t in texts) == len(MEMBERS)
    assert await stored(db) == (len(MEMBERS), dict.fromkeys(MEMBERS, 1000))


async def test_a_crowd_is_answered_over_a_bounded_pool_of_connections(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """However many click at once, the bot reuses a few connections to Discord instead of
    opening one per click (a handshake each, then idle)."""
    monkeypatch.setattr(core.bot, "HTTP_CONNECTIONS", 4)
    _bot, mid, right = await first_question(fake, bot_factory, clock)
    before = len(fake.requests)
    clicks = await asyncio.gather(*(fake.click(m, right, message_id=mid) for m in MEMBERS))
    texts = await asyncio.gather(*(outcome(c, timeout=30) for c in clicks))
    assert all(t.startswith("Locked in") for t in texts)
    peers = {r.peer for r in fake.requests[before:]}
    assert None not in peers and len(peers) <= 4


async def test_a_clean_stop_locks_in_every_click_it_acknowledged(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot, mid, right = await first_question(fake, bot_factory, clock)
    held = HeldCommits(db, monkeypatch)
    clicks = await asyncio.gather(*(fake.click(m, right, message_id=mid) for m in MEMBERS))
    for click in clicks:
        assert (await click.response())["type"] == 5  # all acknowledged, none committed
    stopping = asyncio.ensure_future(bot.close())  # SIGTERM now
    held.released.set()
    await stopping
    assert [str(c.content)[:11] for c in clicks] == ["Locked in *"] * len(MEMBERS)
    assert await stored(db) == (len(MEMBERS), dict.fromkeys(MEMBERS, 1000))
