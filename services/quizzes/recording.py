"""Answers recorded in batches (``core.batcher``): hundreds of clicks in the same second become
a few transactions, each answer still credited exactly once.

Exactly once, as before: a round takes one row per member (the unique guild, round, member key);
a batch inserts its answers with one ``INSERT … ON CONFLICT DO NOTHING … RETURNING`` and only
the rows it really inserted move a score (``points = points + n`` in one upsert) or a streak. A
second click in the same batch, or one that finds the row already there (an earlier click, or
the same batch run again after a commit whose outcome was lost), is told the answer is already
locked in, which is true either way. A game's state is read once per batch, and on PostgreSQL
under a share lock, so a question closing meanwhile waits for the batch and its reveal sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    TextClause,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from core.errors import Conflict, DomainError, NotFound
from core.i18n import N_
from core.lazy_import import lazy_module
from core.sql import Frozen
from models.quizzes import QuizAnswer, QuizGame, QuizGameScore, QuizStreak
from services.quizzes.answers import daily_round, game_round, grade_option, points_for
from services.quizzes.matching import matches
from services.quizzes.questions import Question, from_snapshot

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql
else:  # loaded by the first statement for PostgreSQL: a SQLite bot never needs its ~2 MB
    postgresql = lazy_module("sqlalchemy.dialects.postgresql")

LATE_GRACE = timedelta(seconds=2)  # a click in flight when the timer ends still counts

# Judged in a batch, where no member's language is known: the refusals carry these English
# messages, and the cog says them in the member's language (``_(message)``).
GAME_GONE = N_("I can't find that quiz. Start a new one with `/quiz start`!")
GAME_ENDED = N_("This quiz has ended. Start a new one with `/quiz start`! 🎬")
TOO_LATE = N_("Too late, that question is closed! Catch the next one. ⏱️")
TYPED_ONLY = N_("This one's a typed answer: write it in the chat!")
ALREADY_GAME = N_("You already locked in an answer for this question. 🔒")
ALREADY_DAILY = N_(
    "You already answered today's term! Come back tomorrow to keep your streak going. 🔥"
)


@dataclass(frozen=True)
class AnswerResult:
    correct: bool
    points: int
    already: bool = False


@dataclass(frozen=True)
class GameAnswer:
    """A click (``option``) or a typed guess (``text``) for question ``index``, made at ``at``."""

    game_id: int
    index: int
    user_id: int
    option: int | None
    text: str | None
    at: datetime


@dataclass(frozen=True)
class DailyAnswer:
    """A graded answer to the term of ``day`` (the server's calendar day)."""

    guild_id: int
    user_id: int
    day: date
    question: Question
    choice: str
    correct: bool
    points: int
    at: datetime


@dataclass(frozen=True)
class DailyCredit:
    correct: bool
    points: int
    streak: int
    best: int


def _insert(dialect: str, model: Any) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model.__table__)


_ANSWER_KEYS = (
    "guild_id",
    "round_key",
    "user_id",
    "game_id",
    "question_key",
    "category",
    "choice",
    "correct",
    "points",
    "answered_at",
)
_ANSWER_RETURNS = (QuizAnswer.guild_id, QuizAnswer.round_key, QuizAnswer.user_id)


def _new_answers(dialect: str) -> Any:
    return (
        _insert(dialect, QuizAnswer)
        .on_conflict_do_nothing(index_elements=["guild_id", "round_key", "user_id"])
        .returning(*_ANSWER_RETURNS)
    )


#: one answer row, compiled once (SQLAlchemy recompiles dialect upserts on every execution)
_ONE_ANSWER = Frozen(_new_answers, keys=_ANSWER_KEYS, returning=_ANSWER_RETURNS)
#: SQLite (on the writer thread, no round trips): up to this many rows go one precompiled
#: statement each; more, one multi-row statement compiled for the batch
_ROW_BY_ROW = 16
_ARRAYS: dict[str, Any] = {
    "guild_id": BigInteger,
    "round_key": String,
    "user_id": BigInteger,
    "game_id": Integer,
    "question_key": String,
    "category": String,
    "choice": String,
    "correct": Boolean,
    "points": Integer,
    "answered_at": DateTime(timezone=True),
}


@cache
def _pg_new_answers() -> TextClause:
    """PostgreSQL: every row of a batch in one round trip, as arrays unnested (compiled once;
    built on first use, the dialect's ARRAY loading PostgreSQL's dialect)."""
    return text(
        f"INSERT INTO quiz_answer ({', '.join(_ARRAYS)}) "
        f"SELECT * FROM unnest({', '.join(f':{k}' for k in _ARRAYS)}) "
        "ON CONFLICT (guild_id, round_key, user_id) DO NOTHING "
        "RETURNING guild_id, round_key, user_id"
    ).bindparams(*(bindparam(k, type_=postgresql.ARRAY(t)) for k, t in _ARRAYS.items()))


def _insert_answers(conn: Connection, rows: list[dict[str, Any]]) -> set[tuple[int, str, int]]:
    """Insert what isn't there yet; the (guild, round, member) keys really inserted."""
    if not rows:
        return set()
    rows.sort(key=lambda r: (r["guild_id"], r["round_key"], r["user_id"]))  # one lock order
    if conn.dialect.name == "postgresql":
        columns = {k: [row[k] for row in rows] for k in _ARRAYS}
        found = list(conn.execute(_pg_new_answers(), columns).all())
    elif len(rows) <= _ROW_BY_ROW:
        one = _ONE_ANSWER.on(conn)
        found = [r for row in rows for r in conn.execute(one, row).all()]
    else:
        found = list(conn.execute(_new_answers(conn.dialect.name), rows).all())
    return {(int(g), str(r), int(u)) for g, r, u in found}


def _add_scores(dialect: str) -> Any:
    s = QuizGameScore
    ins = _insert(dialect, s)
    return ins.on_conflict_do_update(
        index_elements=["game_id", "user_id"],
        set_={
            "points": s.points + ins.excluded.points,
            "correct": s.correct + ins.excluded.correct,
            "answered": s.answered + ins.excluded.answered,
        },
    )


_ADD_SCORES = Frozen(
    _add_scores, keys=("game_id", "guild_id", "user_id", "points", "correct", "answered")
)
_STREAK_ROWS = Frozen(
    lambda dialect: _insert(dialect, QuizStreak).on_conflict_do_nothing(
        index_elements=["guild_id", "user_id"]
    ),
    keys=("guild_id", "user_id", "current", "best"),
)


def _answer_row(
    guild_id: int,
    round_key: str,
    user_id: int,
    question: Question,
    choice: str | None,
    correct: bool,
    points: int,
    at: datetime,
    game_id: int | None = None,
) -> dict[str, Any]:
    return {
        "guild_id": guild_id,
        "round_key": round_key,
        "user_id": user_id,
        "game_id": game_id,
        "question_key": question.key,
        "category": question.category,
        "choice": choice,
        "correct": correct,
        "points": points,
        "answered_at": at,
    }


# ---------------------------------------------------------------------- channel games

_G = QuizGame
#: a game's state, read once per batch (under a share lock on PostgreSQL: closing the
#: question waits for the batch, so its reveal sees every answer credited)
_GAME_STATE = select(
    _G.id,
    _G.guild_id,
    _G.status,
    _G.current_index,
    _G.question_open,
    _G.question_started_at,
    _G.timer_seconds,
).where(_G.id.in_(bindparam("ids", expanding=True)))
_GAME_STATE_PG = _GAME_STATE.with_for_update(read=True)
_PARSED = "mutuals.quiz_questions"


def _question(conn: Connection, game_id: int, index: int) -> Question:
    """A running game's questions never change (a snapshot taken at its start): parsed once
    per connection (a connection belongs to one database, so game ids can't be confused)."""
    parsed: dict[tuple[int, int], Question] = conn.info.setdefault(_PARSED, {})
    found = parsed.get((game_id, index))
    if found is None:
        snapshots = conn.execute(select(_G.questions).where(_G.id == game_id)).scalar_one()
        if len(parsed) > 5_000:
            parsed.clear()
        for i, snapshot in enumerate(snapshots):
            parsed[(game_id, i)] = from_snapshot(snapshot)
        found = parsed[(game_id, index)]
    return found


def record_game_answers(
    conn: Connection, items: Sequence[GameAnswer]
) -> list[AnswerResult | DomainError]:
    """Batched write: grade each answer against its game's state, store the new ones, move
    the scores of the answers really inserted."""
    stmt = _GAME_STATE_PG if conn.dialect.name == "postgresql" else _GAME_STATE
    ids = sorted({i.game_id for i in items})
    games = {row.id: row for row in conn.execute(stmt, {"ids": ids}).all()}
    outcomes: list[AnswerResult | DomainError | None] = [None] * len(items)
    questions: dict[tuple[int, int], Question] = {}
    claimed: dict[tuple[int, int, int], int] = {}  # key -> the position that inserts it
    rows: list[dict[str, Any]] = []
    for pos, item in enumerate(items):
        game = games.get(item.game_id)
        if game is None:
            outcomes[pos] = NotFound(GAME_GONE)
            continue
        if game.status != "active":
            outcomes[pos] = DomainError(GAME_ENDED)
            continue
        started = game.question_started_at
        if (
            game.current_index != item.index
            or not game.question_open
            or started is None
            or item.at - started > timedelta(seconds=game.timer_seconds) + LATE_GRACE
        ):
            outcomes[pos] = DomainError(TOO_LATE)
            continue
        question = questions.get((game.id, item.index))
        if question is None:
            question = questions[(game.id, item.index)] = _question(conn, game.id, item.index)
        key = (game.id, item.index, item.user_id)
        try:
            if question.kind == "choice":
                correct, choice = grade_option(question, item.option)
            else:
                if item.text is None:
                    raise DomainError(TYPED_ONLY)
                correct, choice = matches(item.text, question.answers), item.text[:100]
                if not correct:
                    outcomes[pos] = AnswerResult(False, 0)  # wrong guesses are free, not stored
                    continue
        except DomainError as refused:
            outcomes[pos] = refused
            continue
        if key in claimed:
            outcomes[pos] = _already(question)
            continue
        claimed[key] = pos
        points = points_for(item.at - started, game.timer_seconds, question.difficulty)
        points = points if correct else 0
        outcomes[pos] = AnswerResult(correct, points)
        rows.append(
            _answer_row(
                game.guild_id,
                game_round(game.id, item.index),
                item.user_id,
                question,
                choice,
                correct,
                points,
                item.at,
                game_id=game.id,
            )
        )
    inserted = _insert_answers(conn, rows)
    scores: list[dict[str, Any]] = []
    for (game_id, index, user_id), pos in claimed.items():
        game = games[game_id]
        result = outcomes[pos]
        assert isinstance(result, AnswerResult)
        if (game.guild_id, game_round(game_id, index), user_id) not in inserted:
            outcomes[pos] = _already(questions[(game_id, index)])
            continue
        scores.append(
            {
                "game_id": game_id,
                "guild_id": game.guild_id,
                "user_id": user_id,
                "points": result.points,
                "correct": 1 if result.correct else 0,
                "answered": 1,
            }
        )
    if scores:
        scores.sort(key=lambda s: (s["game_id"], s["user_id"]))
        conn.execute(_ADD_SCORES.on(conn), scores)
    return [o if o is not None else DomainError(TOO_LATE) for o in outcomes]


def _already(question: Question) -> AnswerResult | DomainError:
    if question.kind == "free":
        return AnswerResult(True, 0, already=True)
    return Conflict(ALREADY_GAME)


# ---------------------------------------------------------------------- the term of the day


def record_daily_answers(
    conn: Connection, items: Sequence[DailyAnswer]
) -> list[DailyCredit | DomainError]:
    """Batched write: one answer per member per day, and the streaks of those really stored
    (one more after yesterday, else a new one; calendar days of the server)."""
    outcomes: list[DailyCredit | DomainError | None] = [None] * len(items)
    claimed: dict[tuple[int, str, int], int] = {}
    rows: list[dict[str, Any]] = []
    for pos, item in enumerate(items):
        key = (item.guild_id, daily_round(item.day), item.user_id)
        if key in claimed:
            outcomes[pos] = Conflict(ALREADY_DAILY)
            continue
        claimed[key] = pos
        rows.append(
            _answer_row(
                item.guild_id,
                key[1],
                item.user_id,
                item.question,
                item.choice,
                item.correct,
                item.points,
                item.at,
            )
        )
    inserted = _insert_answers(conn, rows)
    winners = [pos for key, pos in claimed.items() if key in inserted]
    for key, pos in claimed.items():
        if key not in inserted:
            outcomes[pos] = Conflict(ALREADY_DAILY)
    if winners:
        streaks = _played(conn, [items[pos] for pos in winners])
        for pos in winners:
            item = items[pos]
            current, best = streaks[(item.guild_id, item.user_id)]
            outcomes[pos] = DailyCredit(item.correct, item.points, current, best)
    return [o if o is not None else Conflict(ALREADY_DAILY) for o in outcomes]


def _played(conn: Connection, items: list[DailyAnswer]) -> dict[tuple[int, int], tuple[int, int]]:
    """Count each item's day in its member's streak; (current, best) by (guild, member)."""
    st = QuizStreak
    keys = sorted({(i.guild_id, i.user_id) for i in items})
    conn.execute(
        _STREAK_ROWS.on(conn),
        [{"guild_id": g, "user_id": u, "current": 0, "best": 0} for g, u in keys],
    )
    found: dict[tuple[int, int], Any] = {}
    for guild_id in sorted({g for g, _ in keys}):
        users = [u for g, u in keys if g == guild_id]
        stmt = select(st.id, st.guild_id, st.user_id, st.current, st.best, st.last_day).where(
            st.guild_id == guild_id, st.user_id.in_(users)
        )
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        found.update({(r.guild_id, r.user_id): r for r in conn.execute(stmt).all()})
    state = {k: [r.current, r.best, r.last_day] for k, r in found.items()}
    for item in sorted(items, key=lambda i: i.day):
        streak = state[(item.guild_id, item.user_id)]
        today = item.day.isoformat()
        if streak[2] == (item.day - timedelta(days=1)).isoformat():
            streak[0] += 1
        elif streak[2] != today:
            streak[0] = 1
        streak[1] = max(streak[1], streak[0])
        streak[2] = today
    changes = [
        {"sid": found[k].id, "c": c, "b": b, "d": d} for k, (c, b, d) in sorted(state.items())
    ]
    conn.execute(
        update(st)
        .where(st.id == bindparam("sid"))
        .values(current=bindparam("c"), best=bindparam("b"), last_day=bindparam("d")),
        changes,
    )
    return {k: (int(c), int(b)) for k, (c, b, _d) in state.items()}
