"""The quiz service on SQLite and PostgreSQL: games, exact scoring under concurrency, restarts,
the server's own questions, leaderboards and stats."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from core.errors import Conflict, DomainError, Forbidden
from models.delivery import OutboxMessage
from models.quizzes import QuizAnswer, QuizGameScore
from services.guild_config import GuildConfigService
from services.niches import NicheService
from services.profiles import ProfileService
from services.quizzes import (
    PackErrors,
    Question,
    QuizService,
    load_builtin,
    period_start,
    points_for,
)

G, CH, CH2 = 1, 10, 11
STARTER, ALICE, BOB = 100, 101, 102


def choice_q(i: int, category: str = "lingo", answer_at: int = 0) -> Question:
    options = tuple(f"option {i}-{n}" for n in range(4))
    return Question(
        key=f"b:c{i}",
        id=f"c{i}",
        category=category,
        kind="choice",
        prompt=f"Question {i}?",
        options=options,
        answer=options[answer_at],
        accepted=(),
        difficulty="easy",
        explanation=f"Because {i}.",
    )


def free_q(i: int, answer: str = "hearts", category: str = "lingo") -> Question:
    return Question(
        key=f"b:f{i}",
        id=f"f{i}",
        category=category,
        kind="free",
        prompt=f"Free {i}?",
        options=(),
        answer=answer,
        accepted=("likes but cooler",),
        difficulty="medium",
        explanation="Fam knows.",
    )


@pytest.fixture
def quiz(db: Database, clock: ManualClock) -> QuizService:
    bank = [choice_q(i) for i in range(6)]
    return QuizService(db, clock, builtin=bank, rng=random.Random(7))


async def test_game_round_trip_and_speed_points(quiz: QuizService, clock: ManualClock) -> None:
    game = await quiz.games.start_game(G, CH, STARTER, count=5, timer_seconds=20)
    assert game.total == 5
    with pytest.raises(Conflict, match="already running in this channel"):
        await quiz.games.start_game(G, CH, ALICE, count=5)
    other = await quiz.games.start_game(G, CH2, ALICE, count=5)  # another channel is fine
    assert other.id != game.id

    asked = await quiz.games.open_question(game.id, 0)
    assert asked is not None
    right = asked.question.correct_option
    first = await quiz.games.answer(game.id, 0, ALICE, option=right)
    assert first.correct and first.points == 1000  # instant
    clock.advance(seconds=10)
    second = await quiz.games.answer(game.id, 0, BOB, option=right)
    assert second.points == 750  # half the timer gone
    wrong = await quiz.games.answer(game.id, 0, STARTER, option=(right + 1) % 4)
    assert not wrong.correct and wrong.points == 0
    with pytest.raises(Conflict, match="already locked in"):
        await quiz.games.answer(game.id, 0, ALICE, option=(right + 1) % 4)
    with pytest.raises(DomainError, match="closed"):
        await quiz.games.answer(game.id, 1, ALICE, option=0)  # not asked yet

    reveal = await quiz.games.close_question(game.id, 0)
    assert reveal.winners == ((ALICE, 1000), (BOB, 750)) and reveal.answered == 3
    with pytest.raises(DomainError, match="closed"):
        await quiz.games.answer(game.id, 0, 999, option=right)

    end = await quiz.games.finish_game(game.id)
    assert end.status == "finished" and end.asked == 1
    assert [(s.user_id, s.points, s.correct) for s in end.standings] == [
        (ALICE, 1000, 1),
        (BOB, 750, 1),
        (STARTER, 0, 0),
    ]
    assert await quiz.games.active_game(CH) is None
    again = await quiz.games.start_game(G, CH, BOB, count=5)  # the channel is free again
    assert again.id not in (game.id, other.id)
    with pytest.raises(DomainError, match="ended"):
        await quiz.games.answer(game.id, 0, 555, option=right)


async def test_answers_after_the_timer_are_refused(quiz: QuizService, clock: ManualClock) -> None:
    game = await quiz.games.start_game(G, CH, STARTER, count=5, timer_seconds=10)
    asked = await quiz.games.open_question(game.id, 0)
    assert asked is not None
    clock.advance(seconds=11)  # within the 2 s grace for clicks in flight
    assert (
        await quiz.games.answer(game.id, 0, ALICE, option=asked.question.correct_option)
    ).points == 500
    clock.advance(seconds=2)
    with pytest.raises(DomainError, match="Too late"):
        await quiz.games.answer(game.id, 0, BOB, option=0)


def test_points_reward_speed_and_difficulty() -> None:
    assert points_for(timedelta(0), 20, "easy") == 1000
    assert points_for(timedelta(seconds=20), 20, "easy") == 500
    assert points_for(timedelta(seconds=60), 20, "easy") == 500
    assert points_for(timedelta(0), 20, "hard") == 1500


async def test_fifty_members_in_the_same_second_score_exactly(
    quiz: QuizService, clock: ManualClock, db: Database
) -> None:
    """Every member clicks twice at once on every question: one credit each, no lost update."""
    game = await quiz.games.start_game(G, CH, STARTER, count=5, timer_seconds=20)
    members = list(range(1000, 1050))
    expected: dict[int, int] = dict.fromkeys(members, 0)
    for index in range(3):
        asked = await quiz.games.open_question(game.id, index)
        assert asked is not None
        right = asked.question.correct_option
        picks = {m: right if (m + index) % 3 else (right + 1) % 4 for m in members}

        async def click(member: int, pick: int, index: int = index) -> int:
            try:
                return (await quiz.games.answer(game.id, index, member, option=pick)).points
            except Conflict:
                return -1

        results = await asyncio.gather(*(click(m, picks[m]) for m in members for _ in range(2)))
        assert results.count(-1) == 50  # each member's second click was refused
        for m in members:
            expected[m] += 1000 if picks[m] == right else 0
        await quiz.games.close_question(game.id, index)
    standings = {s.user_id: s for s in await quiz.games.standings(game.id)}
    assert {u: s.points for u, s in standings.items()} == expected
    assert all(s.answered == 3 for s in standings.values())
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 150
        assert await session.scalar(select(func.sum(QuizGameScore.points))) == sum(
            expected.values()
        )


async def test_free_answers_forgive_typos_and_credit_once(db: Database, clock: ManualClock) -> None:
    quiz = QuizService(db, clock, builtin=[free_q(i) for i in range(5)], rng=random.Random(1))
    game = await quiz.games.start_game(G, CH, STARTER, count=5)
    await quiz.games.open_question(game.id, 0)
    assert not (await quiz.games.answer(game.id, 0, ALICE, text="likes")).correct
    assert not (await quiz.games.answer(game.id, 0, ALICE, text="art")).correct
    hit = await quiz.games.answer(game.id, 0, ALICE, text="HEARST!")
    assert hit.correct and hit.points == 1250 and not hit.already
    again = await quiz.games.answer(game.id, 0, ALICE, text="hearts")
    assert again.already and again.points == 0
    assert (await quiz.games.answer(game.id, 0, BOB, text="likes but cooler")).correct
    with pytest.raises(DomainError, match="typed answer"):
        await quiz.games.answer(game.id, 0, BOB, option=1)
    standings = await quiz.games.standings(game.id)
    assert [(s.user_id, s.points, s.answered) for s in standings] == [
        (ALICE, 1250, 1),
        (BOB, 1250, 1),
    ]


async def test_stop_is_for_the_starter_or_a_moderator(quiz: QuizService) -> None:
    await quiz.games.start_game(G, CH, STARTER, count=5)
    with pytest.raises(Forbidden, match="Only <@100>"):
        await quiz.games.stop_game(CH, ALICE, is_moderator=False)
    end = await quiz.games.stop_game(CH, 999, is_moderator=True)
    assert end.status == "stopped"
    with pytest.raises(DomainError, match="no quiz running"):
        await quiz.games.stop_game(CH, STARTER, is_moderator=False)


async def test_restart_ends_open_games_once_with_a_notice(db: Database, clock: ManualClock) -> None:
    bank = [choice_q(i) for i in range(6)]
    before = QuizService(db, clock, builtin=bank)
    game = await before.games.start_game(G, CH, STARTER, count=5)
    asked = await before.games.open_question(game.id, 0)
    assert asked is not None
    await before.games.answer(game.id, 0, ALICE, option=asked.question.correct_option)
    other_shard = await before.games.start_game(2, CH2, STARTER, count=5)

    after = QuizService(db, clock, builtin=bank)  # the bot restarted
    ended = await after.games.interrupt_open_games(owns=lambda guild_id: guild_id == G)
    assert [(e.game.id, e.status, e.asked) for e in ended] == [(game.id, "interrupted", 1)]
    assert ended[0].standings[0].user_id == ALICE
    assert await after.games.active_game(CH) is None
    assert (await after.games.active_game(CH2)) is not None  # another process owns that guild
    assert await after.games.interrupt_open_games(owns=lambda guild_id: guild_id == G) == []
    async with db.read() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert [(r.purpose, r.target_id, r.payload["game_id"]) for r in rows] == [
        ("quiz_interrupted", CH, game.id)
    ]
    assert other_shard.id != game.id
    await after.games.start_game(G, CH, BOB, count=5)  # the channel is free


async def test_import_is_all_or_nothing_and_add_validates(db: Database, clock: ManualClock) -> None:
    quiz = QuizService(db, clock, builtin=load_builtin())
    good = b"""
questions:
  - {id: fam-1, category: lingo, type: free, question: "Your people?", answer: fam,
     explanation: "Fam!"}
"""
    bad = (
        good
        + b"""  - {id: fam-1, category: lingo, type: choice, question: "Q?", options: [a, b, c],
     answer: a, explanation: "x"}
"""
    )
    with pytest.raises(PackErrors) as exc:
        await quiz.admin.import_pack(G, ALICE, bad, "pack.yaml")
    assert "Question 2 (`fam-1`), field `options`: needs exactly 4 options, got 3." in str(
        exc.value
    )
    assert "Question 2 (`fam-1`), field `id`: is a duplicate of question 1." in str(exc.value)
    assert len(await quiz.admin.questions(G)) == len(load_builtin())  # nothing imported

    imported = await quiz.admin.import_pack(G, ALICE, good, "pack.yaml")
    assert [x.key for x in imported] == ["g:fam-1"]
    with pytest.raises(PackErrors, match="already exists on this server"):
        await quiz.admin.import_pack(G, ALICE, good, "pack.yaml")
    with pytest.raises(PackErrors, match="already exists"):  # shipped ids are taken too
        await quiz.admin.import_pack(G, ALICE, good.replace(b"fam-1", b"hearts"), "pack.yaml")
    assert len(await quiz.admin.questions(G)) == len(load_builtin()) + 1
    assert len(await quiz.admin.questions(2)) == len(load_builtin())  # per server

    added = await quiz.admin.add_question(
        G,
        ALICE,
        category="sayings",
        difficulty="hard",
        prompt="Finish it: respect the ___",
        answer="niche",
        wrong_options="vibe\nalgo\nsound",
        accepted="",
        explanation="Stay true to it.",
    )
    assert added.kind == "choice" and set(added.options) == {"niche", "vibe", "algo", "sound"}
    assert added.answer == "niche" and added.key.startswith("g:q-niche")
    with pytest.raises(DomainError, match="exactly 3 wrong options"):
        await quiz.admin.add_question(
            G,
            ALICE,
            category="lingo",
            difficulty="easy",
            prompt="Q?",
            answer="a",
            wrong_options="b\nc",
            accepted="",
            explanation="x",
        )
    data, count = await quiz.admin.export_pack(G, include_builtin=False)
    assert count == 2 and b"fam-1" in data and b"respect the ___" in data


async def test_disabled_categories_leave_games_and_pool(quiz: QuizService) -> None:
    assert await quiz.admin.set_category_enabled(G, "lingo", False)
    with pytest.raises(DomainError, match="switched off"):
        await quiz.games.start_game(G, CH, STARTER, category="lingo", count=5)
    with pytest.raises(DomainError, match="This server has only 0 questions; a game needs 5"):
        await quiz.games.start_game(G, CH, STARTER, count=5)
    for category in ("sayings", "rules"):
        await quiz.admin.set_category_enabled(G, category, False)
    with pytest.raises(DomainError, match="every category"):
        await quiz.admin.set_category_enabled(G, "niches", False)
    assert await quiz.admin.set_category_enabled(G, "lingo", True)
    assert not await quiz.admin.set_category_enabled(G, "lingo", True)
    await quiz.games.start_game(G, CH, STARTER, category="lingo", count=5)


async def test_a_category_too_small_for_a_game_says_how_many_it_has(
    db: Database, clock: ManualClock
) -> None:
    bank = [*(choice_q(i) for i in range(6)), free_q(9, category="rules")]
    quiz = QuizService(db, clock, builtin=bank, rng=random.Random(2))
    with pytest.raises(DomainError) as refused:
        await quiz.games.start_game(G, CH, STARTER, category="rules", count=5)
    assert refused.value.message == (
        "That category has only 1 question; a game needs 5. Pick another category or ask a mod "
        "to add some."
    )


async def test_leaderboards_by_period_and_category_and_stats(
    db: Database, clock: ManualClock
) -> None:
    await GuildConfigService(db, clock).update(G, timezone="America/New_York")
    bank = [choice_q(i) for i in range(5)] + [choice_q(i, "rules") for i in range(5, 10)]
    quiz = QuizService(db, clock, builtin=bank, rng=random.Random(3))
    clock.set(clock.now().replace(year=2026, month=3, day=31, hour=12))  # a Tuesday

    async def play(user: int) -> None:
        game = await quiz.games.start_game(G, CH, STARTER, count=10, timer_seconds=20)
        for index in range(10):
            asked = await quiz.games.open_question(game.id, index)
            assert asked is not None
            await quiz.games.answer(game.id, index, user, option=asked.question.correct_option)
        await quiz.games.finish_game(game.id)

    await play(ALICE)  # March: 10 x 1000
    clock.advance(days=1)  # April 1st, same week
    await play(BOB)
    board, since = await quiz.boards.leaderboard(G, "month")
    assert [(r.user_id, r.points) for r in board] == [(BOB, 10_000)]
    assert since is not None and since.isoformat() == "2026-04-01T04:00:00+00:00"
    week, _ = await quiz.boards.leaderboard(G, "week")
    assert [r.user_id for r in week] == [ALICE, BOB]  # tie on points: by id
    rules, _ = await quiz.boards.leaderboard(G, "all", "rules")
    assert [(r.user_id, r.points, r.correct) for r in rules] == [(ALICE, 5000, 5), (BOB, 5000, 5)]

    stats = await quiz.boards.stats(G, ALICE)
    assert (stats.points, stats.answered, stats.correct, stats.games) == (10_000, 10, 10, 1)
    assert stats.accuracy == 1.0 and stats.best_category in ("lingo", "rules")
    nobody = await quiz.boards.stats(G, 4242)
    assert (nobody.points, nobody.games, nobody.best_category) == (0, 0, None)


def test_period_start_uses_the_server_calendar() -> None:
    now = ManualClock().now().replace(year=2026, month=3, day=9, hour=3)  # Monday 03:00 UTC
    # still Sunday evening in New York: the week began Monday March 2nd, local midnight (EST)
    assert str(period_start("week", now, "America/New_York")) == "2026-03-02 05:00:00+00:00"
    assert str(period_start("week", now, "UTC")) == "2026-03-09 00:00:00+00:00"
    assert period_start("all", now, "UTC") is None


async def test_profile_delete_erases_quiz_data(db: Database, clock: ManualClock) -> None:
    quiz = QuizService(db, clock, builtin=[choice_q(i) for i in range(5)])
    game = await quiz.games.start_game(G, CH, STARTER, count=5)
    asked = await quiz.games.open_question(game.id, 0)
    assert asked is not None
    await quiz.games.answer(game.id, 0, ALICE, option=asked.question.correct_option)
    await quiz.games.answer(game.id, 0, BOB, option=asked.question.correct_option)
    await quiz.daily.answer(G, ALICE, option=0)
    assert (await quiz.boards.stats(G, ALICE)).answered == 2

    await ProfileService(db, clock, NicheService(db)).delete(G, ALICE)
    gone = await quiz.boards.stats(G, ALICE)
    assert (gone.answered, gone.games, gone.best_streak) == (0, 0, 0)
    assert (await quiz.boards.stats(G, BOB)).answered == 1  # nobody else's
