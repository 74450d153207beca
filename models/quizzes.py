"""Slang quizzes: server-made questions, channel games, answers, scores, the daily term, streaks.

Scores are written with atomic statements only (INSERT … ON CONFLICT DO NOTHING on the unique
answer row, ``UPDATE … SET points = points + :n``), so 50 members answering in the same second
each get exactly one credit per question, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class QuizQuestion(Base):
    """A question a server's moderators added (``/quiz add``, ``/quiz import``).

    Built-in questions live in ``data/quizzes/<language>/*.yaml`` and are never copied here.
    """

    __tablename__ = "quiz_question"
    __table_args__ = (UniqueConstraint("guild_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    key: Mapped[str] = mapped_column(String(60))  # "g:<id from the pack>"
    category: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # "choice" | "free"
    prompt: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(String(100))
    accepted: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[str] = mapped_column(String(10))
    explanation: Mapped[str] = mapped_column(String(500))
    hint: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuizDisabledCategory(Base):
    __tablename__ = "quiz_disabled_category"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)


class QuizGame(Base):
    """One channel game. ``active_channel_id`` is set while it runs: its unique key is what
    makes "one game per channel" hold across tasks and processes (NULLs never collide)."""

    __tablename__ = "quiz_game"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    active_channel_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    starter_id: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str | None] = mapped_column(String(20))
    # a snapshot of the questions asked, so edits or a restart never change a running game
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    timer_seconds: Mapped[int] = mapped_column(Integer)
    # -1 before the first question; the index of the question being asked (or last asked)
    current_index: Mapped[int] = mapped_column(Integer, default=-1)
    question_open: Mapped[bool] = mapped_column(Boolean, default=False)
    question_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # active -> finished | stopped | interrupted
    status: Mapped[str] = mapped_column(String(12), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizAnswer(Base):
    """One member's credited answer to one round (a game question or a daily term).

    ``round_key`` is ``g<game>:<index>`` or ``d<YYYY-MM-DD>``; the unique key gives each
    member exactly one answer per round, however many clicks arrive at once.
    """

    __tablename__ = "quiz_answer"
    __table_args__ = (
        UniqueConstraint("guild_id", "round_key", "user_id"),
        Index("ix_quiz_answer_board", "guild_id", "answered_at"),
    )
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    round_key: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(BigInteger)
    game_id: Mapped[int | None] = mapped_column(Integer)
    question_key: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20))
    choice: Mapped[str | None] = mapped_column(String(100))
    correct: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuizGameScore(Base):
    """Running score of one member in one game, only ever changed by ``points = points + n``."""

    __tablename__ = "quiz_game_score"
    __table_args__ = (UniqueConstraint("game_id", "user_id"),)
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    game_id: Mapped[int] = mapped_column(Integer, index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)


class QuizDailyConfig(Base):
    """Where and when the term of the day is posted (``/quiz daily-setup``)."""

    __tablename__ = "quiz_daily_config"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    post_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" local
    timezone: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuizDailyTerm(Base):
    """The term of the day, fixed the first time anyone needs it (post or /quiz daily)."""

    __tablename__ = "quiz_daily_term"
    __table_args__ = (UniqueConstraint("guild_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[str] = mapped_column(String(10))  # local date, YYYY-MM-DD
    question_key: Mapped[str] = mapped_column(String(60))
    question: Mapped[dict[str, Any]] = mapped_column(JSON)  # a snapshot, so edits don't move it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuizStreak(Base):
    __tablename__ = "quiz_streak"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)
    __member_data__ = ("guild_id", "user_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    current: Mapped[int] = mapped_column(Integer, default=0)
    best: Mapped[int] = mapped_column(Integer, default=0)
    last_day: Mapped[str | None] = mapped_column(String(10))
