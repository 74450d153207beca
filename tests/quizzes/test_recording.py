"""Answers recorded in batches, on SQLite and PostgreSQL: each graded on its own within one
transaction, credited exactly once whatever the clicks and the retries, counted by the reveal
when received in time, and never lost once "Locked in" — not even when the process is killed."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import textwrap
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from core.clock import ManualClock
from core.db import Database
from core.errors import Conflict, DomainError, NotFound
from models.quizzes import QuizAnswer, QuizGameScore
from services.quizzes import AnswerResult, QuizService
from tests.quizzes.test_service import choice_q, free_q

ROOT = Path(__file__).resolve().parents[2]
G, CH, CH2 = 1, 10, 11
STARTER, ALICE, BOB = 100, 101, 102


@pytest.fixture
def quiz(db: Database, clock: ManualClock) -> QuizService:
    return QuizService(db, clock, builtin=[choice_q(i) for i in range(6)], rng=random.Random(3))


async def outcome(pending: Awaitable[AnswerResult]) -> AnswerResult | DomainError:
    try:
        return await pending
    except DomainError as refused:
        return refused


async def scores(db: Database) -> dict[int, int]:
    async with db.read() as session:
        rows = (await session.execute(select(QuizGameScore.user_id, QuizGameScore.points))).all()
    return {int(u): int(p) for u, p in rows}


async def answers(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(QuizAnswer)) or 0)


async def test_one_batch_grades_every_answer_on_its_own(
    quiz: QuizService, db: Database, clock: ManualClock
) -> None:
    game = await quiz.games.start_game(G, CH, STARTER, count=5)
    closed = await quiz.games.start_game(G, CH2, STARTER, count=5)
    asked = await quiz.games.open_question(game.id, 0)
    assert asked is not None
    right = asked.question.correct_option
    before = db.writes.batches
    games = quiz.games
    pending = [
        games.receive(game.id, 0, ALICE, option=right),
        games.receive(game.id, 0, ALICE, option=(right + 1) % 4),  # a second click: refused
        games.receive(game.id, 0, BOB, option=(right + 1) % 4),  # wrong, still locked in
        games.receive(game.id, 0, STARTER, option=7),  # not a button
        games.receive(closed.id, 0, ALICE, option=0),  # that question was never asked
        games.receive(game.id, 1, ALICE, option=0),  # not asked yet
        games.receive(999_999, 0, ALICE, option=0),  # no such game
    ]
    results = [await outcome(p) for p in pending]
    assert db.writes.batches == before + 1  # all in the same transaction
    assert results[0] == AnswerResult(True, 1000)
    assert isinstance(results[1], Conflict) and "already locked in" in results[1].message
    assert results[2] == AnswerResult(False, 0)
    assert isinstance(results[3], DomainError) and "four answer buttons" in results[3].message
    assert isinstance(results[4], DomainError) and "Too late" in results[4].message
    assert isinstance(results[5], DomainError) and "Too late" in results[5].message
    assert isinstance(results[6], NotFound)
    assert await scores(db) == {ALICE: 1000, BOB: 0}
    assert await answers(db) == 2


async def test_typed_guesses_in_one_batch_credit_the_first_right_one(
    db: Database, clock: ManualClock
) -> None:
    quiz = QuizService(db, clock, builtin=[free_q(i) for i in range(5)], rng=random.Random(1))
    game = await quiz.games.start_game(G, CH, STARTER, count=5)
    await quiz.games.open_question(game.id, 0)
    guesses = ["likes", "HEARST!", "hearts", "art"]
    results = [
        await outcome(p) for p in [quiz.games.receive(game.id, 0, ALICE, text=t) for t in guesses]
    ]
    assert results == [
        AnswerResult(False, 0),
        AnswerResult(True, 1250),
        AnswerResult(True, 0, already=True),
        AnswerResult(False, 0),
    ]
    assert await scores(db) == {ALICE: 1250}


async def test_a_batch_whose_commit_outcome_was_lost_credits_each_answer_once(
    quiz: QuizService, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database committed, then the connection dropped before saying so: the batch runs
    again, finds every answer there and moves no score a second time."""
    game = await quiz.games.start_game(G, CH, STARTER, count=5)
    asked = await quiz.games.open_question(game.id, 0)
    assert asked is not None
    real = db.writes._run
    lost: list[int] = []

    def commit_then_drop(conn: Connection, batch: list[Any]) -> Any:
        done = real(conn, batch)
        if not lost:
            lost.append(len(batch))
            raise OperationalError("COMMIT", {}, ConnectionResetError("connection reset"))
        return done

    monkeypatch.setattr(db.writes, "_run", commit_then_drop)
    members = list(range(1000, 1040))
    right = asked.question.correct_option
    pending = [quiz.games.receive(game.id, 0, m, option=right) for m in members]
    results = [await outcome(p) for p in pending]
    assert lost == [40]
    # told "already locked in": true, their answer is in (the first run committed it)
    assert all(isinstance(r, Conflict) for r in results)
    assert await scores(db) == dict.fromkeys(members, 1000)
    assert await answers(db) == 40


async def test_a_batch_rolled_back_by_a_blip_is_written_once_on_retry(
    quiz: QuizService, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    game = await quiz.games.start_game(G, CH, STARTER, count=5)
    asked = await quiz.games.open_question(game.id, 0)
    assert asked is not None
    real = db.writes._run
    blips: list[int] = []

    def blip_first(conn: Connection, batch: list[Any]) -> Any:
        if not blips:
            blips.append(len(batch))
            raise OperationalError("INSERT", {}, ConnectionResetError("connection reset"))
        return real(conn, batch)

    monkeypatch.setattr(db.writes, "_run", blip_first)
    members = list(range(1000, 1040))
    right = asked.question.correct_option
    results = [
        await outcome(p) for p in [quiz.games.receive(game.id, 0, m, option=right) for m in members]
    ]
    assert blips == [40]
    assert results == [AnswerResult(True, 1000)] * 40
    assert await scores(db) == dict.fromkeys(members, 1000)


async def test_the_reveal_counts_every_answer_received_before_the_close(
    quiz: QuizService, db: Database
) -> None:
    game = await quiz.games.start_game(G, CH, STARTER, count=5)
    asked = await quiz.games.open_question(game.id, 0)
    assert asked is not None
    right = asked.question.correct_option
    members = list(range(1000, 1060))
    pending = [quiz.games.receive(game.id, 0, m, option=right) for m in members]
    reveal = await quiz.games.close_question(game.id, 0)  # the timer ends right now
    assert reveal.answered == 60 and len(reveal.winners) == 60
    assert [await outcome(p) for p in pending] == [AnswerResult(True, 1000)] * 60
    late = await outcome(quiz.games.receive(game.id, 0, ALICE, option=right))
    assert isinstance(late, DomainError) and "Too late" in late.message


async def test_a_crowd_on_the_term_of_the_day_is_credited_once_each(
    quiz: QuizService, db: Database, clock: ManualClock
) -> None:
    members = list(range(1000, 1080))
    term = await quiz.daily.today(G)
    right = term.question.correct_option

    async def answer(member: int) -> str:
        try:
            result = await quiz.daily.answer(G, member, option=right)
        except Conflict:
            return "refused"
        return f"ok {result.points} {result.streak}"

    results = await asyncio.gather(*(answer(m) for m in members for _ in range(2)))
    assert sorted(results) == sorted(["ok 100 1"] * 80 + ["refused"] * 80)
    clock.advance(days=1)
    again = await asyncio.gather(*(quiz.daily.answer(G, m, option=0) for m in members[:10]))
    assert {r.streak for r in again} == {2}
    assert await answers(db) == 90


CHILD = textwrap.dedent(
    """
    import asyncio, random, sys
    from core.clock import SystemClock
    from core.db import Database
    from services.quizzes import QuizService
    from tests.quizzes.test_service import choice_q

    async def main(url: str) -> None:
        db = Database.from_url(url)
        quiz = QuizService(db, SystemClock(), builtin=[choice_q(i) for i in range(6)],
                           rng=random.Random(3))
        game = await quiz.games.start_game(1, 10, 100, count=5, timer_seconds=60)
        asked = await quiz.games.open_question(game.id, 0)
        right = asked.question.correct_option

        async def click(member: int) -> None:
            result = await quiz.games.answer(game.id, 0, member, option=right)
            print(f"locked {member} {result.points}", flush=True)  # "Locked in!"

        member = 1000
        while True:  # crowds of 50 at once, until killed
            await asyncio.gather(*(click(member + i) for i in range(50)))
            member += 50

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_no_answer_told_locked_in_is_lost_when_the_process_is_killed(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "crowd.py"
    script.write_text(CHILD)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        db_url,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    told: dict[int, int] = {}
    while len(told) < 300:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line, "the crowd stopped by itself"
        _, member, points = line.split()
        told[int(member)] = int(points)
    proc.send_signal(signal.SIGKILL)  # mid-crowd
    rest, _ = await proc.communicate()
    for text in rest.decode().splitlines():
        _, who, earned = text.split()
        told[int(who)] = int(earned)
    stored = await scores(db)
    assert {m: stored.get(m) for m in told} == told  # every "Locked in" is in, with its points
    assert await answers(db) == len(stored)  # and nothing is credited twice
