"""Quizzes in the fam's languages: a Japanese member in a Korean-language server plays a game
whose channel posts are Korean while her own answers are acknowledged in Japanese (the real
bot against the fake Discord), and everything quizzes builds fits Discord in every language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import discord

from cogs.quizzes.render import (
    daily_post,
    daily_result_text,
    final_embed,
    interrupted_notice,
    leaderboard_embed,
    question_embed,
    reveal_embed,
    stats_embed,
    term_embed,
)
from cogs.quizzes.views import AddQuestionModal, DailyAnswerModal, daily_post_view, daily_view
from core.clock import ManualClock
from core.i18n import LANGUAGES, use_locale
from core.outbox import CHANNEL, OutboundMessage
from fakediscord import FakeDiscord
from services.languages import choose_server_language
from services.quizzes import (
    BoardRow,
    DailyResult,
    DailyTerm,
    GameEnd,
    GameInfo,
    OpenQuestion,
    PackErrors,
    PackProblem,
    Question,
    Reveal,
    Standing,
    Stats,
)
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, BotFactory
from tests.discord_limits import check_embed, check_message
from tests.quizzes.test_bot import buttons, quiz_bot, wait_titled
from tests.util import outcome

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


async def test_japanese_member_plays_in_a_korean_server(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    fake.users[ALICE_ID].locale = "ja"
    bot, cog, steps = await quiz_bot(bot_factory, clock)
    await choose_server_language(bot.db, GUILD_ID, "ko")

    h = await fake.slash(GUILD_ID, ALICE_ID, "quiz start", {"questions": 5, "timer": 20})
    await h.response()
    assert not h.ephemeral and str(h.content).startswith(
        "🎬 퀴즈 타임이야, 팸! 인사이더 전반 5문제"
    )
    again = await fake.slash(GUILD_ID, ALICE_ID, "quiz start")
    await again.response()
    assert again.ephemeral and str(again.content).startswith(
        "このチャンネルではもうクイズが進行中！"
    )

    await steps.step(3.0)
    # the Korean server plays the Korean pack: whatever the question, its frame is Korean
    msg = await wait_titled(fake, "문제 1/5 · ")
    fields = [f["name"] for f in msg["embeds"][0]["fields"]]
    assert fields[:2] == ["난이도", "타이머"]
    if buttons(msg):
        right = buttons(msg)[0]
        h = await fake.click(ALICE_ID, right["custom_id"], message_id=int(msg["id"]))
        assert (await outcome(h)).endswith("で決定！🔒 答えはタイマーが終わったら発表するよ。")
        again = await fake.click(ALICE_ID, right["custom_id"], message_id=int(msg["id"]))
        # refused in the answers' batch, said in her language
        assert await outcome(again) == "この問題にはもう回答済みだよ。🔒"
        await steps.step(20)
    else:
        typed = await fake.user_message(GENERAL_ID, ALICE_ID, "sound")
        await fake.wait_for(lambda: (GENERAL_ID, int(typed["id"]), "✅") in fake.reactions, 10)
        await steps.step(10)
        await steps.step(10)
    reveal = await wait_titled(fake, "⏱️ 시간 끝! 1번 문제")
    assert reveal["embeds"][0]["description"].startswith("정답: ")

    stop = await fake.slash(GUILD_ID, ALICE_ID, "quiz stop")
    await stop.response()
    assert not stop.ephemeral and str(stop.content) == "🛑 퀴즈를 멈췄어. 최종 순위 곧 나와!"
    final = await wait_titled(fake, "🛑 퀴즈 중단 · 순위")
    assert "함께해 줘서 고마워, 팸!" in final["embeds"][0]["footer"]["text"]
    await fake.wait_for(lambda: cog.runners == {}, 10)

    mine = await fake.slash(GUILD_ID, ALICE_ID, "quiz stats")
    await mine.response()
    assert mine.ephemeral and mine.embeds[0]["title"].endswith("さんのクイズ成績")
    # Bob's Discord is in English: what only he reads is English, whatever the server speaks
    nobody = await fake.slash(GUILD_ID, BOB_ID, "quiz stats")
    await nobody.response()
    assert str(nobody.content).startswith("You haven't played yet.")


# ---------------------------------------------------------------------- Discord's limits


def _question(kind: str) -> Question:
    return Question(
        key="g:x",
        id="x" * 40,
        category="niches",
        kind=kind,
        prompt="ｗ" * 300,
        options=tuple(f"{i}" + "ｗ" * 69 for i in range(4)) if kind == "choice" else (),
        answer=("0" + "ｗ" * 69) if kind == "choice" else "ｗ" * 100,
        accepted=(),
        difficulty="hard",
        explanation="ｗ" * 500,
        hint=None,
    )


async def test_everything_quizzes_builds_fits_discord_in_every_language() -> None:
    game = GameInfo(1, GUILD_ID, 1, ALICE_ID, "niches", 50, 120)
    winners = tuple((10**18 + i, 1_875) for i in range(500))
    standings = tuple(Standing(10**18 + i, 9_999_999, 50, 50) for i in range(100))
    for language in LANGUAGES:
        with use_locale(language):
            for kind in ("choice", "free"):
                q = _question(kind)
                asked = OpenQuestion(1, 49, 50, q, NOW, 120)
                check_embed(question_embed(asked, hint=True))
                check_embed(reveal_embed(Reveal(1, 49, q, winners, len(winners))))
                term = DailyTerm(GUILD_ID, date(2026, 9, 30), q)
                check_embed(term_embed(term))
                check_message(daily_result_text(DailyResult(True, 150, 9_999, 9_999, term)))
                check_message(daily_result_text(DailyResult(False, 0, 1, 9_999, term)))
                check_message(daily_post(term, daily_post_view(term.day)))
                for button in daily_view(term).children:
                    assert len(getattr(button, "label", "") or "") <= 80
            for status in ("finished", "stopped", "interrupted", "failed"):
                end = GameEnd(game, status, standings, 50)
                check_embed(final_embed(end, note="ｗ" * 200))
            rows = [BoardRow(10**18 + i, 9_999_999, 99_999) for i in range(10)]
            for period in ("week", "month", "all"):
                check_embed(leaderboard_embed(rows, period, "ｗ" * 100))
            stats = Stats(1, 9_999_999, 99_999, 99_999, 9_999, 9_999, 9_999, "niches")
            check_embed(stats_embed("ｗ" * 32, stats))
            payload = {
                "standings": [(s.user_id, s.points, s.correct) for s in standings],
                "asked": 50,
                "total": 50,
            }
            check_message(
                interrupted_notice(OutboundMessage(1, CHANNEL, 1, GUILD_ID, "x", payload, 0))
            )
            problems = [PackProblem(i, "x" * 40, "explanation", "ｗ" * 300) for i in range(500)]
            assert len(PackErrors(problems).message) <= 2000
            for modal in (DailyAnswerModal(date(2026, 9, 30)), AddQuestionModal("lingo", "easy")):
                assert len(modal.title) <= 45
                for item in modal.children:
                    assert isinstance(item, discord.ui.TextInput)
                    assert len(item.label or "") <= 45 and len(item.placeholder or "") <= 100
