"""The pack a game plays, through the fake Discord with the real bot and the shipped packs: a
Japanese member starting a quiz in a Korean-language server gets the Korean questions (and
their answers count), and a server whose language has no pack plays English with a note."""

from __future__ import annotations

import random
from typing import Any, cast

from sqlalchemy import select

from cogs.quizzes.cog import QuizCog
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from models.quizzes import QuizAnswer
from services.languages import choose_server_language
from services.quizzes import ShippedPacks, load_shipped
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.quizzes.test_bot import Steps, buttons
from tests.util import outcome


async def quiz_cog(bot_factory: BotFactory, clock: ManualClock) -> tuple[QuizCog, Steps]:
    bot = await bot_factory(clock=clock)
    cog = cast(QuizCog, bot.get_cog("QuizCog"))
    steps = Steps()
    cog.sleep = steps.sleep
    cog.quizzes.bank.rng = random.Random(11)
    return cog, steps


def question_message(fake: FakeDiscord, prompts: set[str]) -> dict[str, Any] | None:
    """The game's question post: an embed whose text opens with a prompt of ``prompts``."""
    for message in fake.messages(GENERAL_ID):
        for embed in message.get("embeds") or []:
            first = str(embed.get("description", "")).split("\n", 1)[0]
            if first in prompts:
                return message
    return None


async def test_japanese_member_in_a_korean_server_plays_the_korean_pack(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database
) -> None:
    cog, steps = await quiz_cog(bot_factory, clock)
    await choose_server_language(db, GUILD_ID, "ko")
    korean = {q.prompt: q for q in load_shipped().by_language["ko"]}
    cog.quizzes.bank.shipped = ShippedPacks(  # only choice questions: the member clicks
        {
            "en": load_shipped().by_language["en"],
            "ko": tuple(q for q in korean.values() if q.kind == "choice"),
        }
    )

    fake.users[ALICE_ID].locale = "ja"  # a Japanese member: every interaction says so
    start = await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5})
    await start.response()
    assert not start.ephemeral and "🌎" not in str(start.content)  # Korean exists: no note
    await steps.step(3.0)
    await fake.wait_for(lambda: question_message(fake, set(korean)) is not None, 10)
    message = question_message(fake, set(korean))
    assert message is not None
    asked = korean[message["embeds"][0]["description"].split("\n", 1)[0]]
    assert any(asked.answer in str(b["label"]) for b in buttons(message))  # Korean options
    right = buttons(message)[asked.correct_option]
    click = await fake.click(ALICE_ID, right["custom_id"], message_id=int(message["id"]))
    await outcome(click)
    assert click.ephemeral
    async with db.read() as session:
        answers = (await session.scalars(select(QuizAnswer))).all()
    assert [(a.user_id, a.question_key, a.correct) for a in answers] == [
        (ALICE_ID, asked.key, True)
    ]
    assert asked.key.startswith("b-ko:")
    stop = await fake.slash(GUILD_ID, MOD_ID, "quiz stop")
    await stop.response()
    await fake.wait_for(lambda: cog.runners == {}, 10)


async def test_a_server_language_without_a_pack_plays_english_with_a_note(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database
) -> None:
    cog, steps = await quiz_cog(bot_factory, clock)
    await choose_server_language(db, GUILD_ID, "es")
    english = load_shipped().by_language["en"]
    cog.quizzes.bank.shipped = ShippedPacks.english_only(english)  # no Spanish pack here

    start = await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5}, locale="es-419")
    await start.response()
    assert not start.ephemeral
    last_line = str(start.content).splitlines()[-1]
    assert last_line.startswith("🌎") and "/quiz-mod import" in last_line
    await steps.step(3.0)
    prompts = {q.prompt for q in english}
    await fake.wait_for(lambda: question_message(fake, prompts) is not None, 10)
    stop = await fake.slash(GUILD_ID, MOD_ID, "quiz stop")
    await stop.response()
    await fake.wait_for(lambda: cog.runners == {}, 10)
