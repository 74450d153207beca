"""Quizzes through the fake Discord with the real bot: a full game (buttons, typed answers,
timer, hint, reveal, standings), 50 members clicking at once, a gateway reconnect and a restart
mid-game, and moderator-only question management (the daily term: ``test_daily_bot``).

Game timers never sleep: the cog's ``sleep`` is swapped for ``Steps``, which lets the test
decide when each timer ends; points come from the injected ManualClock.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, cast

from sqlalchemy import func, select

from cogs.quizzes.cog import QuizCog
from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from models.quizzes import QuizAnswer, QuizGameScore
from services.quizzes import Question
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import outcome

Stop = Callable[[AnyBot], Awaitable[None]]


class Steps:
    """A stand-in for asyncio.sleep that waits until the test ends the timer."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[float, asyncio.Future[None]]] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.queue.put((seconds, fut))
        await fut

    async def step(self, expect: float | None = None) -> float:
        seconds, fut = await asyncio.wait_for(self.queue.get(), 10)
        if expect is not None:
            assert seconds == expect
        if not fut.done():
            fut.set_result(None)
        return seconds


def bank() -> list[Question]:
    def choice(i: int) -> Question:
        options = ("hearts", "stars", "claps", "thumbs")
        return Question(
            key=f"b:c{i}",
            id=f"c{i}",
            category="lingo",
            kind="choice",
            prompt=f"Choice question {i}: what do insiders call likes?",
            options=options,
            answer="hearts",
            accepted=(),
            difficulty="easy",
            explanation="Insiders say 'hearts' after the icon; it's how fam shows approval.",
        )

    def free(i: int) -> Question:
        return Question(
            key=f"b:f{i}",
            id=f"f{i}",
            category="lingo",
            kind="free",
            prompt=f"Free question {i}: the audio under a video is a ___",
            options=(),
            answer="sound",
            accepted=("audio",),
            difficulty="easy",
            explanation="It's a 'sound', not 'the music used'.",
        )

    return [choice(0), free(1), choice(2), free(3), choice(4)]


async def quiz_bot(
    bot_factory: BotFactory,
    clock: ManualClock,
    questions: list[Question] | None = None,
    **settings: Any,
) -> tuple[AnyBot, QuizCog, Steps]:
    """The real bot with quiz timers under the test's control; ``settings`` override Settings
    fields (e.g. ``delivery_sweep_seconds``)."""
    bot = await bot_factory(clock=clock, **settings)
    found = bot.get_cog("QuizCog")
    # load_extension builds its own module object, so compare by name, not by class identity
    assert type(found).__name__ == "QuizCog"
    cog = cast(QuizCog, found)
    steps = Steps()
    cog.sleep = steps.sleep
    cog.quizzes.bank.builtin = tuple(questions or bank())
    cog.quizzes.bank.rng = random.Random(5)
    return bot, cog, steps


def embeds_titled(fake: FakeDiscord, prefix: str) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages(GENERAL_ID)
        if m.get("embeds") and str(m["embeds"][0].get("title", "")).startswith(prefix)
    ]


async def wait_titled(fake: FakeDiscord, prefix: str, count: int = 1) -> dict[str, Any]:
    await fake.wait_for(lambda: len(embeds_titled(fake, prefix)) >= count, 10, message=prefix)
    return embeds_titled(fake, prefix)[count - 1]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


async def play_question(
    fake: FakeDiscord, steps: Steps, clock: ManualClock, number: int
) -> dict[str, Any]:
    """Alice answers right, Bob wrong (and twice); returns the question message."""
    msg = await wait_titled(fake, f"Question {number}/5")
    if buttons(msg):
        right = next(b for b in buttons(msg) if "hearts" in b["label"])
        wrong = next(b for b in buttons(msg) if "stars" in b["label"])
        h = await fake.click(ALICE_ID, right["custom_id"], message_id=int(msg["id"]))
        assert "Locked in" in await outcome(h) and h.ephemeral
        clock.advance(seconds=10)
        h = await fake.click(BOB_ID, wrong["custom_id"], message_id=int(msg["id"]))
        await outcome(h)
        h = await fake.click(BOB_ID, right["custom_id"], message_id=int(msg["id"]))
        assert "already locked in" in await outcome(h) and h.ephemeral
        await steps.step(20)
    else:
        await fake.user_message(GENERAL_ID, BOB_ID, "music?")
        typed = await fake.user_message(GENERAL_ID, ALICE_ID, "it's a SOUND")
        await fake.wait_for(lambda: (GENERAL_ID, int(typed["id"]), "✅") in fake.reactions, 10)
        await steps.step(10)  # halfway: the hint
        await fake.wait_for(
            lambda: any(
                f["name"] == "💡 Hint"
                for f in fake.get_message(int(msg["id"]))["embeds"][0]["fields"]  # type: ignore[index]
            ),
            10,
        )
        clock.advance(seconds=10)
        late = await fake.user_message(GENERAL_ID, BOB_ID, "sound")  # right, but slower
        await fake.wait_for(lambda: (GENERAL_ID, int(late["id"]), "✅") in fake.reactions, 10)
        await steps.step(10)
    await wait_titled(fake, f"⏱️ Time's up! Question {number}")
    return msg


async def test_full_game_buttons_typed_answers_timer_reveal_scores(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database
) -> None:
    _bot, cog, steps = await quiz_bot(bot_factory, clock)
    h = await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5, "timer": 20})
    await h.response()
    assert not h.ephemeral and "Quiz time" in str(h.content)

    again = await fake.slash(GUILD_ID, BOB_ID, "quiz start")
    await again.response()
    assert again.ephemeral and "already running in this channel" in str(again.content)

    await steps.step(3.0)  # the pause before question 1
    kinds = []
    for number in range(1, 6):
        msg = await play_question(fake, steps, clock, number)
        kinds.append("choice" if buttons(msg) else "free")
        if buttons(msg):  # revealed: buttons disabled, the right one green
            live = fake.get_message(int(msg["id"]))
            assert live is not None
            states = [(b["disabled"], b["style"]) for b in buttons(live)]
            assert all(disabled for disabled, _ in states) and (True, 3) in states
        if number < 5:
            await steps.step(3.0)
    assert sorted(kinds) == ["choice"] * 3 + ["free"] * 2

    final = await wait_titled(fake, "🏆 Final standings")
    text = final["embeds"][0]["description"]
    # Alice: 5 instant answers (1000 each); Bob: 2 right typed answers at half time (750 each).
    assert text.splitlines()[0] == f"🥇 <@{ALICE_ID}> · 5,000 pts · 5 right"
    assert text.splitlines()[1] == f"🥈 <@{BOB_ID}> · 1,500 pts · 2 right"
    reveal = await wait_titled(fake, "⏱️ Time's up! Question 1")
    got_it = reveal["embeds"][0]["fields"][0]["name"]
    # choice questions: Alice alone got it; typed answers: both of them
    assert got_it == ("✅ Got it (1 player)" if kinds[0] == "choice" else "✅ Got it (2 players)")
    assert "Insiders say" in reveal["embeds"][0]["description"] or "sound" in str(reveal)
    assert all(not m.get("pinged_user_ids") for m in fake.messages(GENERAL_ID))  # nobody pinged
    await fake.wait_for(lambda: cog.runners == {}, 10)

    board = await fake.slash(GUILD_ID, BOB_ID, "quiz leaderboard", {"period": "week"})
    await board.response()
    assert f"🥇 <@{ALICE_ID}> · 5,000 pts" in board.embeds[0]["description"]
    stats = await fake.slash(GUILD_ID, BOB_ID, "quiz stats")
    await stats.response()
    fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
    assert fields["Points"] == "1,500" and fields["Games played"] == "1"
    assert fields["Right answers"] == "2/5 (40%)"

    # The channel is free again.
    h = await fake.slash(GUILD_ID, BOB_ID, "quiz start", {"questions": 5})
    await h.response()
    assert "Quiz time" in str(h.content)
    stop = await fake.slash(GUILD_ID, ALICE_ID, "quiz stop")
    await stop.response()
    assert stop.ephemeral and f"Only <@{BOB_ID}>" in str(stop.content)
    stop = await fake.slash(GUILD_ID, MOD_ID, "quiz stop")
    await stop.response()
    assert "stopped" in str(stop.content)
    await wait_titled(fake, "🛑 Quiz stopped")
    await fake.wait_for(lambda: cog.runners == {}, 10)


async def test_fifty_members_click_in_the_same_second(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database
) -> None:
    members = [4_000_000_000_000_000_000 + i for i in range(50)]
    for i, member in enumerate(members):
        fake.add_member(GUILD_ID, member, f"fam{i}", dispatch=False)
    same = [Question(**{**bank()[0].__dict__, "key": f"b:c{i}", "id": f"c{i}"}) for i in range(5)]
    _bot, _cog, steps = await quiz_bot(bot_factory, clock, same)
    h = await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5})
    await h.response()
    await steps.step(3.0)
    for number in (1, 2):
        msg = await wait_titled(fake, f"Question {number}/5")
        by_label = {b["label"]: b["custom_id"] for b in buttons(msg)}
        right, wrong = by_label["A · hearts"], by_label["B · stars"]
        picks = {m: right if i % 5 else wrong for i, m in enumerate(members)}
        handles = await asyncio.gather(
            *(fake.click(m, picks[m], message_id=int(msg["id"])) for m in members for _ in range(2))
        )
        contents = list(await asyncio.gather(*(outcome(x, timeout=30) for x in handles)))
        assert sum("Locked in" in c for c in contents) == 50
        assert sum("already locked in" in c for c in contents) == 50
        await steps.step(20)
        await wait_titled(fake, f"⏱️ Time's up! Question {number}")
        await steps.step(3.0)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 100
        rows = (await session.execute(select(QuizGameScore.user_id, QuizGameScore.points))).all()
    scores = {int(user): int(points) for user, points in rows}
    assert scores == {m: (2000 if i % 5 else 0) for i, m in enumerate(members)}
    await fake.slash(GUILD_ID, MOD_ID, "quiz stop")
    await wait_titled(fake, "🛑 Quiz stopped")


async def test_gateway_reconnect_keeps_the_game_going(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    _bot, cog, steps = await quiz_bot(bot_factory, clock)
    await (await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5})).response()
    await steps.step(3.0)
    await play_question(fake, steps, clock, 1)
    await fake.drop_gateway(code=4000)
    await fake.wait_for(lambda: fake.resumes >= 1 and fake.connected, 10)
    for number in range(2, 6):
        await steps.step(3.0)
        await play_question(fake, steps, clock, number)
    final = await wait_titled(fake, "🏆 Final standings")
    assert f"<@{ALICE_ID}> · 5,000 pts · 5 right" in final["embeds"][0]["description"]
    await fake.wait_for(lambda: cog.runners == {}, 10)


async def test_restart_mid_game_ends_it_with_a_message_and_frees_the_channel(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, stop: Stop
) -> None:
    bot, cog, steps = await quiz_bot(bot_factory, clock)
    await (await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5})).response()
    await steps.step(3.0)
    await play_question(fake, steps, clock, 1)
    await steps.step(3.0)
    question2 = await wait_titled(fake, "Question 2/5")
    # The process dies: the game task never finishes and the DB still says "active".
    for runner in list(cog.runners.values()):
        assert runner.task is not None
        runner.task.cancel()
    await stop(bot)

    _bot2, cog2, steps2 = await quiz_bot(bot_factory, clock)
    notice = await fake.wait_for(
        lambda: next(
            (m for m in fake.messages(GENERAL_ID) if "I had to restart" in str(m.get("content"))),
            None,
        ),
        10,
    )
    assert "⚠️ Quiz ended early" in notice["embeds"][0]["title"]
    assert f"<@{ALICE_ID}>" in notice["embeds"][0]["description"]
    assert not notice["pinged_user_ids"]
    if buttons(question2):  # an old answer button gets a clear reply, not a failure
        old = await fake.click(BOB_ID, buttons(question2)[0]["custom_id"])
        assert "ended" in await outcome(old) and old.ephemeral
    h = await fake.slash(GUILD_ID, BOB_ID, "quiz start", {"questions": 5})
    await h.response()
    assert "Quiz time" in str(h.content)  # the channel is free
    await fake.slash(GUILD_ID, BOB_ID, "quiz stop")
    await fake.wait_for(lambda: cog2.runners == {}, 10)
    assert steps2 is not steps


async def test_members_cannot_manage_questions_and_bad_packs_are_refused(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database
) -> None:
    _bot, cog, _steps = await quiz_bot(bot_factory, clock)
    assert not fake.command_visible_to(GUILD_ID, ALICE_ID, "quiz-mod")
    assert fake.command_visible_to(GUILD_ID, MOD_ID, "quiz-mod")
    pack = (
        b"questions:\n"
        b"  - {id: a, category: lingo, type: free, question: 'Q?', answer: x, explanation: y}\n"
    )
    for name, options in (
        ("quiz-mod add", {"category": "lingo", "difficulty": "easy"}),
        ("quiz-mod import", {"file": fake.attachment_option("p.yaml", content=pack)}),
        ("quiz-mod disable", {"category": "lingo"}),
    ):
        h = await fake.slash(GUILD_ID, ALICE_ID, name, options)
        await h.response()
        assert h.ephemeral and "moderators only" in str(h.content), name
    assert len(await cog.quizzes.admin.questions(GUILD_ID)) == 5  # nothing added

    bad = (
        b"questions:\n"
        b"  - {id: one, category: lingo, type: choice, question: 'Q?', options: [a, b, c],\n"
        b"     answer: a, explanation: x}\n"
        b"  - {id: one, category: lingo, type: free, question: 'Q?', explanation: x}\n"
    )
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "quiz-mod import",
        {"file": fake.attachment_option("bad.yaml", content=bad)},
    )
    await h.response()
    text = str((await h.wait_followup())["content"])
    assert "Nothing was imported" in text
    assert "Question 1 (`one`), field `options`: needs exactly 4 options, got 3." in text
    assert "Question 2 (`one`), field `answer`: is missing." in text
    assert "Question 2 (`one`), field `id`: is a duplicate of question 1." in text

    huge = fake.attachment_option("huge.yaml", size=5 * 1024 * 1024)  # never downloaded
    h = await fake.slash(GUILD_ID, MOD_ID, "quiz-mod import", {"file": huge})
    await h.response()
    assert h.ephemeral and "5.0 MB" in str(h.content)
    assert len(await cog.quizzes.admin.questions(GUILD_ID)) == 5

    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "quiz-mod import",
        {"file": fake.attachment_option("ok.yaml", content=pack)},
    )
    await h.response()
    assert "Imported 1 question: 1 Lingo. 🎉" in str((await h.wait_followup())["content"])
    assert len(await cog.quizzes.admin.questions(GUILD_ID)) == 6
    h = await fake.slash(GUILD_ID, MOD_ID, "quiz-mod export")
    await h.response()
    assert h.ephemeral and str(h.content).startswith("Here's your pack (1 question).")

    h = await fake.slash(
        GUILD_ID, MOD_ID, "quiz-mod add", {"category": "rules", "difficulty": "hard"}
    )
    await h.response()
    assert h.modal is not None
    fields = [
        (c.get("component") or c["components"][0])["custom_id"] for c in h.modal["components"]
    ]
    values = dict(
        zip(
            fields,
            ["Be nice to ___?", "newcomers", "bots\nlurkers\nhaters", "", "Welcome them!"],
            strict=True,
        )
    )
    sub = await fake.submit_modal(MOD_ID, h.modal["custom_id"], values)
    await sub.response()
    assert sub.ephemeral and "Added `q-newcomers`" in str(sub.content)

    h = await fake.slash(GUILD_ID, MOD_ID, "quiz-mod export")
    await h.response()
    posted = fake.requests_to("POST", r"^/interactions/")[-1]
    assert posted.files and posted.files[0][0] == "mutuals-quiz-pack.yaml"
