"""The term of the day: posted once a day at a server's chosen local time, one answer per
member per day, and daily streaks counted in calendar days of the server's time zone (so a
DST change, a 23- or 25-hour day, never breaks or double-counts a streak).

Exactly once per day holds three times over: the slot is claimed in ``scheduled_slot`` before
anything is queued (``SlotStore.run``), the outbox row carries a per-day dedupe key, and the
term itself is a unique (guild, day) row fixed the first time anyone needs it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.clock import Clock
from core.db import Database
from core.errors import Conflict, DomainError, NotFound
from core.slots import SlotStore
from core.sql import insert_ignore
from models.quizzes import QuizAnswer, QuizDailyConfig, QuizDailyTerm, QuizStreak
from services.profiles import validate_timezone
from services.quiz import QuizService, daily_timezone, local_day, server_timezone
from services.quiz_matching import matches
from services.quiz_packs import DIFFICULTIES, Question, from_snapshot
from services.schedules import fire_times_between, next_fire_times, parse_schedule, parse_time

SLOT_KIND = "quiz_daily"
POST_PURPOSE = "quiz_daily_post"
DAILY_POINTS = 100
NO_REPEAT_DAYS = 60


@dataclass(frozen=True)
class DailyConfig:
    guild_id: int
    channel_id: int
    post_time: str
    timezone: str
    enabled: bool
    since: datetime  # slots before this (the last setup) are never posted

    def next_post(self, after: datetime) -> datetime | None:
        schedule = parse_schedule(f"daily {self.post_time}", self.timezone, anchor=self.since)
        times = next_fire_times(schedule.trigger, after, 1)
        return times[0] if times else None


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


@dataclass(frozen=True)
class SlotPlan:
    late: tuple[datetime, ...]  # to post now (at most the latest one)
    missed: tuple[datetime, ...]  # to record as missed


def _config(row: QuizDailyConfig) -> DailyConfig:
    return DailyConfig(
        row.guild_id, row.channel_id, row.post_time, row.timezone, row.enabled, row.updated_at
    )


def plan_slots(
    cfg: DailyConfig, last_slot: datetime | None, now: datetime, grace: timedelta
) -> SlotPlan:
    """Which slots between the last handled one and ``now`` to post late and which are missed.

    Only the most recent slot within the grace window is posted: yesterday's term arriving
    after a long outage would only confuse the fam.
    """
    start = max(last_slot, cfg.since) if last_slot else cfg.since
    schedule = parse_schedule(f"daily {cfg.post_time}", cfg.timezone, anchor=cfg.since)
    slots = fire_times_between(schedule.trigger, start, now)
    if not slots:
        return SlotPlan((), ())
    latest = slots[-1]
    if now - latest <= grace:
        return SlotPlan((latest,), tuple(slots[:-1]))
    return SlotPlan((), tuple(slots))


class DailyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        quiz: QuizService,
        slots: SlotStore,
        *,
        grace: timedelta = timedelta(hours=6),
    ) -> None:
        self.db = db
        self.clock = clock
        self.quiz = quiz
        self.slots = slots
        self.grace = grace

    # ------------------------------------------------------------------ setup
    async def setup(
        self, guild_id: int, channel_id: int, time_text: str, timezone: str | None = None
    ) -> DailyConfig:
        hour, minute = parse_time(time_text)
        now = self.clock.now()
        async with self.db.write() as session:
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
            return _config(row)

    async def disable(self, guild_id: int) -> bool:
        async with self.db.write() as session:
            row = await session.get(QuizDailyConfig, guild_id)
            if row is None or not row.enabled:
                return False
            row.enabled = False
            row.updated_at = self.clock.now()
            return True

    async def config(self, guild_id: int) -> DailyConfig | None:
        async with self.db.read() as session:
            row = await session.get(QuizDailyConfig, guild_id)
            return _config(row) if row else None

    async def configs(self) -> list[DailyConfig]:
        async with self.db.read() as session:
            rows = await session.scalars(
                select(QuizDailyConfig).where(QuizDailyConfig.enabled.is_(True))
            )
            return [_config(r) for r in rows.all()]

    # ------------------------------------------------------------------ the term
    async def _term(self, session: AsyncSession, guild_id: int, day: date) -> DailyTerm:
        found = (
            await session.scalars(
                select(QuizDailyTerm).where(
                    QuizDailyTerm.guild_id == guild_id, QuizDailyTerm.day == day.isoformat()
                )
            )
        ).first()
        if found is None:
            pool = await self.quiz._pool(session, guild_id, None)
            if not pool:
                raise NotFound("There are no quiz questions on this server yet.")
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

    async def today(self, guild_id: int) -> DailyTerm:
        async with self.db.write() as session:
            day = local_day(self.clock.now(), await daily_timezone(session, guild_id))
            return await self._term(session, guild_id, day)

    async def answer(
        self,
        guild_id: int,
        user_id: int,
        *,
        option: int | None = None,
        text: str | None = None,
        day: date | None = None,
    ) -> DailyResult:
        """One answer per member per day; builds the streak (days in a row you played)."""
        now = self.clock.now()
        async with self.db.write() as session:
            today = local_day(now, await daily_timezone(session, guild_id))
            if day is not None and day != today:
                raise DomainError(
                    "That term of the day has passed! Today's is waiting: try `/quiz daily`. 🌅"
                )
            term = await self._term(session, guild_id, today)
            q = term.question
            if q.kind == "choice":
                if option is None or not 0 <= option < len(q.options):
                    raise DomainError("Pick one of the four answer buttons.")
                correct = option == q.correct_option
                choice = q.options[option]
            else:
                if text is None or not text.strip():
                    raise DomainError("Type your answer, e.g. `/quiz daily answer:hearts`.")
                correct = matches(text, q.answers)
                choice = text.strip()[:100]
            points = round(DAILY_POINTS * DIFFICULTIES.get(q.difficulty, 1.0)) if correct else 0
            inserted = await insert_ignore(
                session,
                QuizAnswer,
                [
                    {
                        "guild_id": guild_id,
                        "round_key": f"d{today.isoformat()}",
                        "user_id": user_id,
                        "game_id": None,
                        "question_key": q.key,
                        "category": q.category,
                        "choice": choice,
                        "correct": correct,
                        "points": points,
                        "answered_at": now,
                    }
                ],
                ["guild_id", "round_key", "user_id"],
            )
            if not inserted:
                raise Conflict(
                    "You already answered today's term! Come back tomorrow to keep your "
                    "streak going. 🔥"
                )
            # Only this member's one winning transaction for today gets here.
            await insert_ignore(
                session,
                QuizStreak,
                [{"guild_id": guild_id, "user_id": user_id, "current": 0, "best": 0}],
                ["guild_id", "user_id"],
            )
            stmt = select(QuizStreak).where(
                QuizStreak.guild_id == guild_id, QuizStreak.user_id == user_id
            )
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update()
            streak = (await session.scalars(stmt)).one()
            yesterday = (today - timedelta(days=1)).isoformat()
            if streak.last_day == yesterday:
                streak.current += 1
            elif streak.last_day != today.isoformat():
                streak.current = 1
            streak.last_day = today.isoformat()
            streak.best = max(streak.best, streak.current)
            return DailyResult(correct, points, streak.current, streak.best, term)

    # ------------------------------------------------------------------ posting
    async def post(self, guild_id: int, slot_at: datetime) -> str:
        """Queue the channel post for the day of ``slot_at`` (a no-op if that day was posted)."""
        async with self.db.write() as session:
            row = await session.get(QuizDailyConfig, guild_id)
            if row is None or not row.enabled:
                return "daily quiz switched off"
            day = local_day(slot_at, row.timezone)
            term = await self._term(session, guild_id, day)
            queued = await outbox.add_message(
                session,
                kind=outbox.CHANNEL,
                target_id=row.channel_id,
                guild_id=guild_id,
                payload={"day": day.isoformat(), "question": term.question.snapshot()},
                now=self.clock.now(),
                purpose=POST_PURPOSE,
                dedupe_key=f"quiz_daily:{guild_id}:{day.isoformat()}",
            )
        return f"queued {day.isoformat()}" if queued else f"{day.isoformat()} already posted"

    async def run_due(self, owns: Callable[[int], bool] = lambda _g: True) -> list[str]:
        """Post what is due now, record what was missed; safe to call any number of times,
        from any number of processes. Returns what happened, for logs and tests."""
        now = self.clock.now()
        done: list[str] = []
        for cfg in await self.configs():
            if not owns(cfg.guild_id):
                continue
            ref = str(cfg.guild_id)
            plan = plan_slots(cfg, await self.slots.last_slot(SLOT_KIND, ref), now, self.grace)
            for slot in plan.missed:
                if await self.slots.record_missed(SLOT_KIND, ref, slot, "bot was offline"):
                    done.append(f"{ref} missed {slot.isoformat()}")
            for slot in plan.late:
                guild_id = cfg.guild_id

                async def deliver(g: int = guild_id, s: datetime = slot) -> str:
                    return await self.post(g, s)

                result = await self.slots.run(SLOT_KIND, ref, slot, deliver)
                done.append(f"{ref} {result} {slot.isoformat()}")
        return done

    async def next_wakeup(self, owns: Callable[[int], bool] = lambda _g: True) -> datetime | None:
        now = self.clock.now()
        times = [
            t
            for cfg in await self.configs()
            if owns(cfg.guild_id)
            for t in [cfg.next_post(now)]
            if t is not None
        ]
        return min(times) if times else None
