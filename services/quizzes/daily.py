"""The term of the day: its setup, one answer per member per day, and daily streaks counted in
calendar days of the server's time zone (so a DST change, a 23- or 25-hour day, never breaks
or double-counts a streak). The term is a unique (guild, day) row fixed the first time anyone
needs it; when and how it is posted is ``delivery``'s business.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cache import changed
from core.clock import Clock
from core.db import Database
from core.errors import DomainError, NotFound
from core.i18n import _
from core.plans import Replan, no_replan
from core.sql import insert_ignore
from models.quizzes import QuizDailyConfig, QuizDailyTerm
from services.guild_config import guild_config
from services.profiles import validate_timezone
from services.quizzes.answers import daily_points, grade_option
from services.quizzes.bank import QuestionBank
from services.quizzes.days import local_day, server_timezone
from services.quizzes.matching import matches
from services.quizzes.questions import Question, from_snapshot
from services.quizzes.recording import DailyAnswer, record_daily_answers
from services.schedules import next_fire_times, parse_schedule, parse_time

NO_REPEAT_DAYS = 60
#: the claim kind of the daily post (``delivery.DailyDelivery``); stored, so never renamed
SLOT_KIND = "quiz_daily"
#: cache namespaces: the daily setup's own zone (or None) by guild, and the term by
#: (guild, day), which never changes once it is fixed
ZONE_CACHE, TERM_CACHE = "quiz_daily_zone", "quiz_daily_term"


@lru_cache(maxsize=2048)
def daily_trigger(post_time: str, timezone: str) -> BaseTrigger:
    """When a daily post at ``post_time`` (HH:MM) in ``timezone`` fires. Built once per time
    and zone: core's deliveries ask about every server every few seconds, and a trigger is pure
    (the same one serves every server with that time and zone)."""
    return parse_schedule(
        f"daily {post_time}", timezone, anchor=datetime(2000, 1, 1, tzinfo=UTC)
    ).trigger


def next_post(post_time: str, timezone: str, *, after: datetime) -> datetime | None:
    """The first daily post time strictly after ``after``."""
    times = next_fire_times(daily_trigger(post_time, timezone), after, 1)
    return times[0] if times else None


@dataclass(frozen=True)
class DailyConfig:
    guild_id: int
    channel_id: int
    post_time: str
    timezone: str
    enabled: bool
    since: datetime  # slots before this (the last setup) are never posted

    def next_post(self, after: datetime) -> datetime | None:
        return next_post(self.post_time, self.timezone, after=after)


@dataclass(frozen=True)
class DailyTerm:
    guild_id: int
    day: date
    question: Question


@dataclass(frozen=True)
class DailyResult:
    correct: bool
    points: int
    streak: int
    best: int
    term: DailyTerm


def config_of(row: QuizDailyConfig) -> DailyConfig:
    return DailyConfig(
        row.guild_id, row.channel_id, row.post_time, row.timezone, row.enabled, row.updated_at
    )


class DailyService:
    """``replan`` is told whenever the post times change (setup, time zone, switched off), so
    the next wake-up is re-planned at once."""

    def __init__(
        self, db: Database, clock: Clock, bank: QuestionBank, replan: Replan = no_replan
    ) -> None:
        self.db = db
        self.clock = clock
        self.bank = bank
        self.replan = replan
        db.cache.immutable.add(TERM_CACHE)

    # ------------------------------------------------------------------ setup
    async def setup(
        self, guild_id: int, channel_id: int, time_text: str, timezone: str | None = None
    ) -> DailyConfig:
        hour, minute = parse_time(time_text)
        now = self.clock.now()
        async with self.db.write() as session:
            changed(session, ZONE_CACHE, guild_id)
            row = await session.get(QuizDailyConfig, guild_id)
            if timezone:
                tz = validate_timezone(timezone)
            elif row is not None:
                tz = row.timezone  # keep the zone chosen last time
            else:
                tz = await server_timezone(session, guild_id)
            if row is None:
                row = QuizDailyConfig(guild_id=guild_id, created_at=now)
                session.add(row)
            row.channel_id = channel_id
            row.post_time = f"{hour:02d}:{minute:02d}"
            row.timezone = tz
            row.enabled = True
            row.updated_at = now
            cfg = config_of(row)
        self.replan(SLOT_KIND)
        return cfg

    async def disable(self, guild_id: int) -> bool:
        async with self.db.write() as session:
            row = await session.get(QuizDailyConfig, guild_id)
            if row is None or not row.enabled:
                return False
            row.enabled = False
            row.updated_at = self.clock.now()
        self.replan(SLOT_KIND)
        return True

    async def config(self, guild_id: int) -> DailyConfig | None:
        async with self.db.read() as session:
            row = await session.get(QuizDailyConfig, guild_id)
            return config_of(row) if row else None

    async def configs(self) -> list[DailyConfig]:
        """Every server posting a term of the day (read every few seconds by the delivery plan:
        plain columns, no ORM objects)."""
        c = QuizDailyConfig
        async with self.db.read() as session:
            rows = await session.execute(
                select(
                    c.guild_id, c.channel_id, c.post_time, c.timezone, c.enabled, c.updated_at
                ).where(c.enabled.is_(True))
            )
            return [DailyConfig(*row) for row in rows.all()]

    # ------------------------------------------------------------------ the term
    async def term(self, session: AsyncSession, guild_id: int, day: date) -> DailyTerm:
        """The term of ``day``, picked (and fixed for good) the first time it's needed."""
        found = (
            await session.scalars(
                select(QuizDailyTerm).where(
                    QuizDailyTerm.guild_id == guild_id, QuizDailyTerm.day == day.isoformat()
                )
            )
        ).first()
        if found is None:
            pool = await self.bank.pool(session, guild_id, None)
            if not pool:
                raise NotFound(_("There are no quiz questions on this server yet."))
            since = (day - timedelta(days=NO_REPEAT_DAYS)).isoformat()
            recent = set(
                (
                    await session.scalars(
                        select(QuizDailyTerm.question_key).where(
                            QuizDailyTerm.guild_id == guild_id, QuizDailyTerm.day >= since
                        )
                    )
                ).all()
            )
            fresh = [q for q in pool if q.key not in recent] or pool
            lingo = [q for q in fresh if q.category == "lingo"] or fresh
            # seeded by server and day: every process that races here picks the same term
            picked = random.Random(f"{guild_id}:{day.isoformat()}").choice(lingo)
            await insert_ignore(
                session,
                QuizDailyTerm,
                [
                    {
                        "guild_id": guild_id,
                        "day": day.isoformat(),
                        "question_key": picked.key,
                        "question": picked.snapshot(),
                        "created_at": self.clock.now(),
                    }
                ],
                ["guild_id", "day"],
            )
            found = (
                await session.scalars(
                    select(QuizDailyTerm).where(
                        QuizDailyTerm.guild_id == guild_id, QuizDailyTerm.day == day.isoformat()
                    )
                )
            ).one()
        return DailyTerm(guild_id, day, from_snapshot(found.question))

    async def zone(self, guild_id: int) -> str:
        """The day of the daily term turns at midnight here: the daily setup's zone, else the
        server's (both from memory when they can be)."""

        async def load() -> str | None:
            async with self.db.read() as session:
                tz: str | None = await session.scalar(
                    select(QuizDailyConfig.timezone).where(QuizDailyConfig.guild_id == guild_id)
                )
                return tz

        own = await self.db.cache.fetch(ZONE_CACHE, guild_id, load)
        return own or (await guild_config(self.db, guild_id)).timezone

    async def term_of(self, guild_id: int, day: date) -> DailyTerm:
        """The term of ``day``, fixed the first time it's needed, then read from memory."""

        async def load() -> DailyTerm:
            async with self.db.write() as session:
                return await self.term(session, guild_id, day)

        return await self.db.cache.fetch(TERM_CACHE, (guild_id, day), load)

    async def today(self, guild_id: int) -> DailyTerm:
        day = local_day(self.clock.now(), await self.zone(guild_id))
        return await self.term_of(guild_id, day)

    # ------------------------------------------------------------------ answers and streaks
    async def answer(
        self,
        guild_id: int,
        user_id: int,
        *,
        option: int | None = None,
        text: str | None = None,
        day: date | None = None,
    ) -> DailyResult:
        """One answer per member per day; builds the streak (days in a row you played).
        Recorded in a batch with everyone else's (``recording``); returns once committed."""
        now = self.clock.now()
        today = local_day(now, await self.zone(guild_id))
        if day is not None and day != today:
            raise DomainError(
                _("That term of the day has passed! Today's is waiting: try `/quiz daily`. 🌅")
            )
        term = await self.term_of(guild_id, today)
        q = term.question
        if q.kind == "choice":
            correct, choice = grade_option(q, option)
        else:
            if text is None or not text.strip():
                raise DomainError(_("Type your answer, e.g. `/quiz daily answer:hearts`."))
            correct = matches(text, q.answers)
            choice = text.strip()[:100]
        points = daily_points(q.difficulty) if correct else 0
        answer = DailyAnswer(guild_id, user_id, today, q, choice, correct, points, now)
        credit = await self.db.writes.submit(record_daily_answers, answer)
        return DailyResult(credit.correct, credit.points, credit.streak, credit.best, term)
