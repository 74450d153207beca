"""Scheduled check-ins: weekly (or daily) questions at each member's own local time, with streaks.

The database is the source of truth. ``queue_due(now)`` is the whole scheduler: it finds the
members whose prompt time has come in their zone and who have no prompt for that period yet,
inserts one prompt row each (unique per member and period, ``ON CONFLICT DO NOTHING``) and, in
the same transaction, queues the DMs (or the channel mentions) in the outbox. Run it twice, on
two processes, or after a restart: nobody is asked twice, and prompts missed while the bot was
down still go out while the member's period is open.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, as_utc
from core.db import Database
from core.errors import DomainError
from core.outbox import CHANNEL, DM, add_message, outbox_row
from core.sql import insert_ignore, insert_ignore_many
from core.text import clean_block, clean_line
from models.checkins import (
    CheckinAnswer,
    CheckinAway,
    CheckinConfig,
    CheckinMember,
    CheckinPrompt,
)
from models.delivery import OutboxMessage
from models.guild import GuildSettings
from models.profile import CreatorProfile
from services.checkin_periods import (
    DAILY,
    PERIODS,
    WEEKDAY_NAMES,
    WEEKLY,
    MemberPeriod,
    current_period,
    label_for,
    length,
    local_today,
    member_period,
    next_prompt_after,
    summary_at,
)
from services.checkin_streaks import DONE, Streak, compute_streak, milestone, mood_trend
from services.schedules import parse_days, parse_time

PURPOSE_PROMPT_DM = "checkin_prompt"
PURPOSE_PROMPT_CHANNEL = "checkin_prompt_ch"
PURPOSE_SUMMARY = "checkin_summary"
MODES = ("dm", "channel")
MAX_QUESTIONS = 5  # a modal holds five inputs
QUESTION_MAX = 45  # a modal input's label
ANSWER_MAX = 400
LINK_MAX = 300
MAX_AWAY_DAYS = 180
MENTIONS_PER_POST = 40  # 40 mentions + text stay far below 2,000 characters
CHUNK = 1000  # rows per INSERT: PostgreSQL allows 32,767 bind parameters per statement
SUMMARY_GRACE = timedelta(hours=36)  # a recap missed while down is posted this late at most
SUMMARY_NAMES = 60
SUMMARY_WINS = 8
SUMMARY_LINKS = 25  # a select menu's options

COUNT, LINK, WIN, BLOCKER, MOOD, TEXT = "count", "link", "win", "blocker", "mood", "text"
TIKTOK_URL = re.compile(r"^https?://([a-z0-9-]+\.)*tiktok\.com/\S+$", re.IGNORECASE)
COLLAB_WORDS = re.compile(
    r"\b(collabs?|collaborat\w*|ideas?|stitch\w*|duets?|partners?|brainstorm\w*)\b", re.IGNORECASE
)


def default_questions(period: str) -> list[str]:
    when = "this week" if period == WEEKLY else "today"
    return [
        f"How many TikToks did you post {when}?",
        f"Your best one {when} (TikTok link)",
        "One win (big or small!)",
        "One blocker (the algorithm again?)",
        "Mood, 1–5 (5 = thriving)",
    ]


def question_kind(text: str) -> str:
    low = text.casefold()
    if "mood" in low:
        return MOOD
    if "link" in low or "url" in low:
        return LINK
    if "how many" in low or low.startswith("number"):
        return COUNT
    if "blocker" in low or "stuck" in low:
        return BLOCKER
    if re.search(r"\bwins?\b", low):
        return WIN
    return TEXT


@dataclass(frozen=True)
class Question:
    text: str
    kind: str

    @property
    def max_length(self) -> int:
        return {COUNT: 10, MOOD: 20, LINK: LINK_MAX}.get(self.kind, ANSWER_MAX)

    @property
    def placeholder(self) -> str:
        return {
            COUNT: "e.g. 3",
            MOOD: "1 = rough week … 5 = thriving",
            LINK: "https://www.tiktok.com/@you/video/…",
            WIN: "Hit 5k, a comment that made your day, finally posted…",
            BLOCKER: "Stuck on ideas? Need a collab? Views tanked?",
        }.get(self.kind, "Type as much or as little as you like")


@dataclass(frozen=True)
class CheckinSettings:
    guild_id: int
    channel_id: int
    period: str
    prompt_day: int
    prompt_time: time
    summary_time: time
    questions: tuple[Question, ...]
    paused: bool
    timezone: str  # the guild's zone: members without a profile zone use it
    active_from: date
    created_at: datetime

    def describe(self) -> str:
        at = self.prompt_time.strftime("%H:%M")
        when = (
            f"every {WEEKDAY_NAMES[self.prompt_day]} at {at}"
            if self.period == WEEKLY
            else f"every day at {at}"
        )
        return f"{when}, each member's own time"

    def member_period(self, label: date, tz: str) -> MemberPeriod:
        return member_period(
            label,
            period=self.period,
            prompt_day=self.prompt_day,
            prompt_time=self.prompt_time,
            tz=tz,
        )

    def current(self, now: datetime, tz: str) -> MemberPeriod:
        return current_period(
            now,
            period=self.period,
            prompt_day=self.prompt_day,
            prompt_time=self.prompt_time,
            tz=tz,
        )

    def next_prompt(self, now: datetime, tz: str) -> datetime:
        return next_prompt_after(
            now,
            period=self.period,
            prompt_day=self.prompt_day,
            prompt_time=self.prompt_time,
            tz=tz,
        )

    def summary_at(self, label: date) -> datetime:
        return summary_at(
            label, period=self.period, summary_time=self.summary_time, tz=self.timezone
        )

    @property
    def unit(self) -> str:
        return "week" if self.period == WEEKLY else "day"


@dataclass(frozen=True)
class Membership:
    guild_id: int
    user_id: int
    mode: str
    active: bool
    away_until: date | None
    timezone: str
    next_prompt_at: datetime | None


@dataclass(frozen=True)
class AnswerForm:
    guild_id: int
    period: MemberPeriod
    questions: tuple[Question, ...]
    existing: tuple[str, ...] | None


@dataclass(frozen=True)
class Submitted:
    guild_id: int
    period: MemberPeriod
    edited: bool
    streak: int
    best: int
    milestone: int | None
    moved_to_current: bool  # the form was for a period that closed while they typed


@dataclass(frozen=True)
class StreakReport:
    streak: Streak
    unit: str
    timezone: str
    mood_trend: str
    period: MemberPeriod


@dataclass(frozen=True)
class QueueResult:
    prompted: int
    dms: int
    channel_posts: int


@dataclass(frozen=True)
class SummaryDue:
    label: date
    at: datetime
    late: bool  # True: within the grace window; False: too old, record it missed


@dataclass(frozen=True)
class Summary:
    guild_id: int
    label: date
    period: str
    channel_id: int
    checked_in: int
    opted_in: int
    names: tuple[int, ...]  # user ids of the first SUMMARY_NAMES who checked in
    wins: tuple[tuple[int, str], ...]
    milestones: tuple[tuple[int, int], ...]
    links: tuple[tuple[int, str], ...]
    collab_hint: bool
    mood_avg: float | None

    def payload(self) -> dict[str, Any]:
        return {
            "guild_id": self.guild_id,
            "label": self.label.isoformat(),
            "period": self.period,
            "checked_in": self.checked_in,
            "opted_in": self.opted_in,
            "names": [str(u) for u in self.names],
            "wins": [[str(u), w] for u, w in self.wins],
            "milestones": [[str(u), n] for u, n in self.milestones],
            "links": [[str(u), link] for u, link in self.links],
            "collab_hint": self.collab_hint,
            "mood_avg": self.mood_avg,
        }

    @classmethod
    def from_payload(cls, channel_id: int, data: dict[str, Any]) -> Summary:
        return cls(
            guild_id=int(data["guild_id"]),
            label=date.fromisoformat(data["label"]),
            period=str(data["period"]),
            channel_id=channel_id,
            checked_in=int(data["checked_in"]),
            opted_in=int(data["opted_in"]),
            names=tuple(int(u) for u in data["names"]),
            wins=tuple((int(u), str(w)) for u, w in data["wins"]),
            milestones=tuple((int(u), int(n)) for u, n in data["milestones"]),
            links=tuple((int(u), str(link)) for u, link in data["links"]),
            collab_hint=bool(data["collab_hint"]),
            mood_avg=data.get("mood_avg"),
        )


def _settings(row: CheckinConfig, guild_tz: str) -> CheckinSettings:
    texts = list(row.questions or []) or default_questions(row.period)
    return CheckinSettings(
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        period=row.period,
        prompt_day=row.prompt_day,
        prompt_time=time(row.prompt_hour, row.prompt_minute),
        summary_time=time(row.summary_hour, row.summary_minute),
        questions=tuple(Question(t, question_kind(t)) for t in texts),
        paused=row.paused,
        timezone=guild_tz,
        active_from=row.active_from,
        created_at=row.created_at,
    )


def parse_one_day(raw: str) -> int:
    days = parse_days(raw)
    if "," in days:
        raise DomainError("Pick one day for the check-in, e.g. `sun`.")
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(days)


def validate_answer(question: Question, raw: str) -> str:
    """One answer: empty is fine (skip it); otherwise it must fit the question's kind."""
    value = raw.strip()
    if not value:
        return ""
    field = f'answer to "{question.text}"'
    if question.kind == COUNT:
        value = clean_line(value, field=field, max_len=question.max_length)
        if not re.fullmatch(r"\d{1,3}", value):
            raise DomainError(f'For "{question.text}", type a number like `3`.')
        return value
    if question.kind == MOOD:
        value = clean_line(value, field=field, max_len=question.max_length)
        if not re.match(r"^[1-5](\b|/|$)", value):
            raise DomainError("For your mood, type a number from 1 (rough) to 5 (thriving).")
        return value[0]
    if question.kind == LINK:
        value = clean_line(value, field=field, max_len=question.max_length)
        if not TIKTOK_URL.match(value):
            raise DomainError(
                f'For "{question.text}", paste a TikTok link like '
                "`https://www.tiktok.com/@you/video/123`, or leave it empty."
            )
        return value
    return clean_block(value, field=field, max_len=question.max_length)


class CheckinService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------------ helpers

    @staticmethod
    async def _guild_tz(s: AsyncSession, guild_id: int) -> str:
        tz = await s.scalar(
            select(GuildSettings.timezone).where(GuildSettings.guild_id == guild_id)
        )
        return tz or "UTC"

    async def _config(self, s: AsyncSession, guild_id: int) -> CheckinSettings:
        row = await s.get(CheckinConfig, guild_id)
        if row is None:
            raise DomainError(
                "Check-ins aren't set up in this server yet. A moderator can start them with "
                "`/checkin-mod setup`."
            )
        return _settings(row, await self._guild_tz(s, guild_id))

    @staticmethod
    async def _member_tz(s: AsyncSession, guild_id: int, user_id: int, guild_tz: str) -> str:
        tz = await s.scalar(
            select(CreatorProfile.timezone).where(
                CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
            )
        )
        return tz or guild_tz

    @staticmethod
    async def _member(s: AsyncSession, guild_id: int, user_id: int) -> CheckinMember | None:
        return await s.scalar(
            select(CheckinMember).where(
                CheckinMember.guild_id == guild_id, CheckinMember.user_id == user_id
            )
        )

    # ------------------------------------------------------------------ moderators

    async def get_settings(self, guild_id: int) -> CheckinSettings | None:
        async with self.db.read() as s:
            row = await s.get(CheckinConfig, guild_id)
            return None if row is None else _settings(row, await self._guild_tz(s, guild_id))

    async def setup(
        self,
        guild_id: int,
        *,
        channel_id: int,
        day: str,
        at: str,
        period: str = WEEKLY,
        by: int,
    ) -> CheckinSettings:
        period = period.strip().lower()
        if period not in PERIODS:
            raise DomainError("Pick `weekly` or `daily` for how often members check in.")
        weekday = parse_one_day(day) if period == WEEKLY else 0
        hour, minute = parse_time(at)
        now = self.clock.now()
        async with self.db.write() as s:
            guild_tz = await self._guild_tz(s, guild_id)
            row = await s.get(CheckinConfig, guild_id)
            today_label = label_for(local_today(now, guild_tz), period)
            if row is None:
                row = CheckinConfig(
                    guild_id=guild_id,
                    questions=[],
                    paused=False,
                    summary_hour=9,
                    summary_minute=0,
                    created_by=by,
                    created_at=now,
                    active_from=today_label,
                )
                s.add(row)
            elif row.period != period:
                row.active_from = today_label
                # default questions follow the period ("this week" / "today")
                if list(row.questions or []) == default_questions(row.period):
                    row.questions = []
            row.channel_id = channel_id
            row.period = period
            row.prompt_day = weekday
            row.prompt_hour, row.prompt_minute = hour, minute
            row.updated_at = now
            await s.flush()
            return _settings(row, guild_tz)

    async def set_questions(self, guild_id: int, texts: Sequence[str]) -> CheckinSettings:
        cleaned = [
            clean_line(t, field=f"question {i}", max_len=QUESTION_MAX, allow_empty=True)
            for i, t in enumerate(texts, start=1)
        ]
        questions = [q for q in cleaned if q]
        if not questions:
            raise DomainError("Keep at least one question, or the check-in has nothing to ask!")
        if len(questions) > MAX_QUESTIONS:
            raise DomainError(f"Up to {MAX_QUESTIONS} questions fit in one check-in.")
        if len({q.casefold() for q in questions}) != len(questions):
            raise DomainError("Two questions are the same. Make each one different.")
        async with self.db.write() as s:
            cfg = await self._config(s, guild_id)
            await s.execute(
                update(CheckinConfig)
                .where(CheckinConfig.guild_id == guild_id)
                .values(questions=questions, updated_at=self.clock.now())
            )
        return CheckinSettings(
            **{
                **cfg.__dict__,
                "questions": tuple(Question(q, question_kind(q)) for q in questions),
            }
        )

    async def reset_questions(self, guild_id: int) -> CheckinSettings:
        async with self.db.write() as s:
            await self._config(s, guild_id)
            await s.execute(
                update(CheckinConfig)
                .where(CheckinConfig.guild_id == guild_id)
                .values(questions=[], updated_at=self.clock.now())
            )
            return await self._config(s, guild_id)

    async def set_summary_time(self, guild_id: int, at: str) -> CheckinSettings:
        hour, minute = parse_time(at)
        async with self.db.write() as s:
            await self._config(s, guild_id)
            await s.execute(
                update(CheckinConfig)
                .where(CheckinConfig.guild_id == guild_id)
                .values(summary_hour=hour, summary_minute=minute, updated_at=self.clock.now())
            )
            return await self._config(s, guild_id)

    async def set_paused(self, guild_id: int, paused: bool) -> CheckinSettings:
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await self._config(s, guild_id)
            if cfg.paused == paused:
                raise DomainError(
                    "Check-ins are already paused." if paused else "Check-ins are already running."
                )
            values: dict[str, Any] = {"paused": paused, "updated_at": now}
            if not paused:  # don't post recaps of the weeks spent paused
                values["active_from"] = label_for(local_today(now, cfg.timezone), cfg.period)
            await s.execute(
                update(CheckinConfig).where(CheckinConfig.guild_id == guild_id).values(**values)
            )
            return await self._config(s, guild_id)

    async def guild_ids(self) -> list[int]:
        async with self.db.read() as s:
            return list((await s.scalars(select(CheckinConfig.guild_id))).all())

    # ------------------------------------------------------------------ members

    async def opt_in(self, guild_id: int, user_id: int, mode: str = "dm") -> Membership:
        if mode not in MODES:
            raise DomainError("Pick `dm` (a private message) or `channel` (a mention).")
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await self._config(s, guild_id)
            row = await self._member(s, guild_id, user_id)
            values: dict[str, Any] = {"mode": mode, "active": True, "updated_at": now}
            if row is not None and not row.active:
                values["joined_at"] = now
            if row is None:
                await insert_ignore(
                    s,
                    CheckinMember,
                    [
                        {
                            "guild_id": guild_id,
                            "user_id": user_id,
                            "mode": mode,
                            "active": True,
                            "away_until": None,
                            "joined_at": now,
                            "updated_at": now,
                        }
                    ],
                    ["guild_id", "user_id"],
                )
            await s.execute(
                update(CheckinMember)
                .where(CheckinMember.guild_id == guild_id, CheckinMember.user_id == user_id)
                .values(**values)
            )
            tz = await self._member_tz(s, guild_id, user_id, cfg.timezone)
            row = await self._member(s, guild_id, user_id)
            assert row is not None
            return Membership(
                guild_id,
                user_id,
                mode,
                True,
                row.away_until,
                tz,
                None if cfg.paused else cfg.next_prompt(now, tz),
            )

    async def opt_out(self, guild_id: int, user_id: int) -> None:
        async with self.db.write() as s:
            row = await self._member(s, guild_id, user_id)
            if row is None or not row.active:
                raise DomainError("You're not signed up for check-ins here, so nothing to stop.")
            row.active = False
            row.updated_at = self.clock.now()

    async def membership(self, guild_id: int, user_id: int) -> Membership | None:
        now = self.clock.now()
        async with self.db.read() as s:
            row = await self._member(s, guild_id, user_id)
            if row is None:
                return None
            cfg = await self._config(s, guild_id)
            tz = await self._member_tz(s, guild_id, user_id, cfg.timezone)
            nxt = cfg.next_prompt(now, tz) if row.active and not cfg.paused else None
            return Membership(guild_id, user_id, row.mode, row.active, row.away_until, tz, nxt)

    async def set_away(self, guild_id: int, user_id: int, until_raw: str) -> date:
        raw = until_raw.strip()
        try:
            until = date.fromisoformat(raw.replace("/", "-"))
        except ValueError:
            raise DomainError(
                f"`{raw[:20]}` isn't a date I can read. Use year-month-day, e.g. `2026-08-31`."
            ) from None
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await self._config(s, guild_id)
            row = await self._member(s, guild_id, user_id)
            if row is None or not row.active:
                raise DomainError(
                    "You're not signed up for check-ins here. Join with `/checkin optin` first."
                )
            tz = await self._member_tz(s, guild_id, user_id, cfg.timezone)
            today = local_today(now, tz)
            if until < today:
                raise DomainError(
                    f"{until.isoformat()} is in the past (it's {today.isoformat()} for you). "
                    "Pick the last day you'll be away."
                )
            if until > today + timedelta(days=MAX_AWAY_DAYS):
                raise DomainError(
                    f"Vacations can be up to {MAX_AWAY_DAYS} days. Pick a date before "
                    f"{(today + timedelta(days=MAX_AWAY_DAYS + 1)).isoformat()}, "
                    "you can always extend it later."
                )
            row.away_until = until
            row.updated_at = now
            s.add(
                CheckinAway(
                    guild_id=guild_id, user_id=user_id, start=today, until=until, created_at=now
                )
            )
            return until

    async def end_away(self, guild_id: int, user_id: int) -> None:
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await self._config(s, guild_id)
            row = await self._member(s, guild_id, user_id)
            tz = await self._member_tz(s, guild_id, user_id, cfg.timezone)
            today = local_today(now, tz)
            if row is None or row.away_until is None or row.away_until < today:
                raise DomainError("You're not marked as away. Welcome back anyway! 💞")
            row.away_until = None
            row.updated_at = now
            yesterday = today - timedelta(days=1)
            aways = (
                await s.scalars(
                    select(CheckinAway).where(
                        CheckinAway.guild_id == guild_id,
                        CheckinAway.user_id == user_id,
                        CheckinAway.until >= today,
                    )
                )
            ).all()
            for away in aways:
                if away.start > yesterday:
                    await s.delete(away)
                else:
                    away.until = yesterday

    # ------------------------------------------------------------------ answering

    async def form(self, guild_id: int, user_id: int) -> AnswerForm:
        now = self.clock.now()
        async with self.db.read() as s:
            cfg = await self._config(s, guild_id)
            if cfg.paused:
                raise DomainError("Check-ins are paused in this server right now. 💤")
            tz = await self._member_tz(s, guild_id, user_id, cfg.timezone)
            period = cfg.current(now, tz)
            row = await s.scalar(
                select(CheckinAnswer).where(
                    CheckinAnswer.guild_id == guild_id,
                    CheckinAnswer.user_id == user_id,
                    CheckinAnswer.period == period.label,
                )
            )
            existing = None
            if row is not None:
                by_question = {a.get("q"): a.get("a", "") for a in row.answers}
                existing = tuple(str(by_question.get(q.text, "")) for q in cfg.questions)
            return AnswerForm(guild_id, period, cfg.questions, existing)

    async def submit(
        self,
        guild_id: int,
        user_id: int,
        values: Sequence[str],
        *,
        questions: Sequence[str] | None = None,
        label: date | None = None,
    ) -> Submitted:
        """Save (or edit) this period's answers; ``questions``/``label``: what the form showed."""
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await self._config(s, guild_id)
            if cfg.paused:
                raise DomainError("Check-ins are paused in this server right now. 💤")
            asked = list(questions) if questions is not None else [q.text for q in cfg.questions]
            if len(values) != len(asked):
                raise DomainError("That form doesn't match the questions. Open it again.")
            current = {q.text: q for q in cfg.questions}
            qs = [current.get(text, Question(text, question_kind(text))) for text in asked]
            answers = [validate_answer(q, v) for q, v in zip(qs, values, strict=True)]
            if not any(answers):
                raise DomainError("Answer at least one question to check in. 💞")
            tz = await self._member_tz(s, guild_id, user_id, cfg.timezone)
            period = cfg.current(now, tz)
            moved = label is not None and label != period.label
            mood = next(
                (int(a) for q, a in zip(qs, answers, strict=True) if q.kind == MOOD and a), None
            )
            link = next((a for q, a in zip(qs, answers, strict=True) if q.kind == LINK and a), None)
            stored = [
                {"q": q.text, "kind": q.kind, "a": a} for q, a in zip(qs, answers, strict=True)
            ]
            row = await s.scalar(
                select(CheckinAnswer).where(
                    CheckinAnswer.guild_id == guild_id,
                    CheckinAnswer.user_id == user_id,
                    CheckinAnswer.period == period.label,
                )
            )
            edited = row is not None
            if row is None:
                s.add(
                    CheckinAnswer(
                        guild_id=guild_id,
                        user_id=user_id,
                        period=period.label,
                        answers=stored,
                        mood=mood,
                        link=link,
                        submitted_at=now,
                        updated_at=now,
                    )
                )
            else:
                row.answers, row.mood, row.link, row.updated_at = stored, mood, link, now
            await s.flush()
            streak = (await self._streaks(s, cfg, {user_id: period.label}))[user_id]
            return Submitted(
                guild_id=guild_id,
                period=period,
                edited=edited,
                streak=streak.current,
                best=streak.best,
                milestone=None if edited else milestone(streak.current),
                moved_to_current=moved,
            )

    # ------------------------------------------------------------------ streaks

    async def _streaks(
        self, s: AsyncSession, cfg: CheckinSettings, current: dict[int, date]
    ) -> dict[int, Streak]:
        """Streaks for many members at once (three queries), each up to its current label."""
        users = list(current)
        answered: dict[int, dict[date, int | None]] = defaultdict(dict)
        prompted: dict[int, list[date]] = defaultdict(list)
        away: dict[int, list[tuple[date, date]]] = defaultdict(list)
        for i in range(0, len(users), CHUNK):
            part = users[i : i + CHUNK]
            for uid, label, mood in (
                await s.execute(
                    select(CheckinAnswer.user_id, CheckinAnswer.period, CheckinAnswer.mood).where(
                        CheckinAnswer.guild_id == cfg.guild_id, CheckinAnswer.user_id.in_(part)
                    )
                )
            ).all():
                if label <= current[uid]:
                    answered[uid][label] = mood
            for uid, label in (
                await s.execute(
                    select(CheckinPrompt.user_id, CheckinPrompt.period).where(
                        CheckinPrompt.guild_id == cfg.guild_id, CheckinPrompt.user_id.in_(part)
                    )
                )
            ).all():
                if label <= current[uid]:
                    prompted[uid].append(label)
            for uid, start, until in (
                await s.execute(
                    select(CheckinAway.user_id, CheckinAway.start, CheckinAway.until).where(
                        CheckinAway.guild_id == cfg.guild_id, CheckinAway.user_id.in_(part)
                    )
                )
            ).all():
                away[uid].append((start, until))
        return {
            uid: compute_streak(
                period=cfg.period,
                current_label=label,
                answered=answered[uid],
                prompted=prompted[uid],
                away=away[uid],
            )
            for uid, label in current.items()
        }

    async def streak(self, guild_id: int, user_id: int) -> StreakReport:
        now = self.clock.now()
        async with self.db.read() as s:
            cfg = await self._config(s, guild_id)
            tz = await self._member_tz(s, guild_id, user_id, cfg.timezone)
            period = cfg.current(now, tz)
            streak = (await self._streaks(s, cfg, {user_id: period.label}))[user_id]
            return StreakReport(streak, cfg.unit, tz, mood_trend(streak.moods), period)

    # ------------------------------------------------------------------ prompting

    async def queue_due(self, now: datetime, guild_ids: Iterable[int] | None = None) -> QueueResult:
        """Queue every prompt that is due at `now` and not yet queued (idempotent)."""
        wanted = set(guild_ids) if guild_ids is not None else None
        totals = [0, 0, 0]
        for guild_id in await self.guild_ids():
            if wanted is not None and guild_id not in wanted:
                continue
            result = await self._queue_guild(guild_id, now)
            totals = [
                totals[0] + result.prompted,
                totals[1] + result.dms,
                totals[2] + result.channel_posts,
            ]
        return QueueResult(*totals)

    async def _zones(self, s: AsyncSession, guild_id: int, guild_tz: str) -> list[str]:
        """The distinct zones of the active members (two indexed scans, no join)."""
        active = set(
            (
                await s.scalars(
                    select(CheckinMember.user_id).where(
                        CheckinMember.guild_id == guild_id, CheckinMember.active.is_(True)
                    )
                )
            ).all()
        )
        zones = await self._profile_zones(s, guild_id)
        return sorted({zones.get(uid) or guild_tz for uid in active})

    @staticmethod
    async def _profile_zones(s: AsyncSession, guild_id: int) -> dict[int, str]:
        rows = await s.execute(
            select(CreatorProfile.user_id, CreatorProfile.timezone).where(
                CreatorProfile.guild_id == guild_id, CreatorProfile.timezone.is_not(None)
            )
        )
        return {uid: tz for uid, tz in rows.all() if tz}

    async def _queue_guild(self, guild_id: int, now: datetime) -> QueueResult:
        """Work out who is due (one read), then queue them in short write transactions.

        Each chunk inserts its prompt rows and their outbox rows together, so a crash can't
        leave a prompt without its message or the reverse; short transactions keep SQLite's
        single write lock free for commands while 100k prompts are being queued.
        """
        async with self.db.read() as s:
            cfg = await self._config(s, guild_id)
            if cfg.paused:
                return QueueResult(0, 0, 0)
            pending = await self._due_rows(s, cfg, now)
        totals = QueueResult(0, 0, 0)
        for i in range(0, len(pending), CHUNK):
            done = await self._queue_chunk(cfg, pending[i : i + CHUNK], now)
            totals = QueueResult(
                totals.prompted + done.prompted,
                totals.dms + done.dms,
                totals.channel_posts + done.channel_posts,
            )
        return totals

    async def _due_rows(
        self, s: AsyncSession, cfg: CheckinSettings, now: datetime
    ) -> list[tuple[int, str, MemberPeriod]]:
        """(user, mode, their period) for every member due now and not yet prompted."""
        # Plain indexed scans and the arithmetic in Python: no join plan to go wrong on a
        # table the planner hasn't analysed yet (measured: 6 s vs 0.1 s at 10k on PostgreSQL).
        members = (
            await s.execute(
                select(
                    CheckinMember.user_id,
                    CheckinMember.mode,
                    CheckinMember.joined_at,
                    CheckinMember.away_until,
                ).where(CheckinMember.guild_id == cfg.guild_id, CheckinMember.active.is_(True))
            )
        ).all()
        if not members:
            return []
        zones = await self._profile_zones(s, cfg.guild_id)
        by_zone: dict[str, MemberPeriod] = {}
        due: list[tuple[int, str, MemberPeriod]] = []
        for uid, mode, joined, away in members:
            tz = zones.get(uid) or cfg.timezone
            mp = by_zone.get(tz)
            if mp is None:
                mp = by_zone[tz] = cfg.current(now, tz)
            if not mp.prompt_at <= now < mp.closes_at:
                continue
            if away is not None and away >= mp.prompt_day:
                continue  # on vacation when the prompt is due
            # Nobody is asked about a period whose prompt time came before they opted in
            # (or before check-ins were set up): no surprise DM the minute you join.
            if max(as_utc(joined), cfg.created_at) > mp.prompt_at:
                continue
            due.append((uid, mode, mp))
        labels = {mp.label for _u, _m, mp in due}
        if not labels:
            return []
        handled: set[tuple[int, date]] = set()
        for model in (CheckinPrompt, CheckinAnswer):
            rows = await s.execute(
                select(model.user_id, model.period).where(
                    model.guild_id == cfg.guild_id, model.period.in_(labels)
                )
            )
            handled.update((uid, label) for uid, label in rows.all())
        return [(uid, mode, mp) for uid, mode, mp in due if (uid, mp.label) not in handled]

    async def _queue_chunk(
        self, cfg: CheckinSettings, due: list[tuple[int, str, MemberPeriod]], now: datetime
    ) -> QueueResult:
        guild_id = cfg.guild_id
        batch = secrets.token_hex(16)
        periods = {uid: mp for uid, _mode, mp in due}
        rows = [
            {
                "guild_id": guild_id,
                "user_id": uid,
                "period": mp.label,
                "prompt_at": mp.prompt_at,
                "mode": mode,
                "batch": batch,
                "created_at": now,
            }
            for uid, mode, mp in due
        ]
        async with self.db.write() as s:
            await insert_ignore_many(s, CheckinPrompt, rows, ["guild_id", "user_id", "period"])
            # Only the rows this run inserted: another process may have won some of them.
            mine = (
                await s.execute(
                    select(CheckinPrompt.user_id, CheckinPrompt.mode).where(
                        CheckinPrompt.batch == batch
                    )
                )
            ).all()
            outbox: list[dict[str, Any]] = []
            channel: dict[date, list[int]] = defaultdict(list)
            for uid, mode in mine:
                mp = periods[uid]
                if mode == "channel":
                    channel[mp.label].append(uid)
                    continue
                outbox.append(
                    outbox_row(
                        kind=DM,
                        target_id=uid,
                        guild_id=guild_id,
                        purpose=PURPOSE_PROMPT_DM,
                        payload={
                            "guild_id": str(guild_id),
                            "period": mp.label.isoformat(),
                            "unit": cfg.unit,
                            "closes_at": mp.closes_at.isoformat(),
                        },
                        dedupe_key=f"checkin:prompt:{guild_id}:{uid}:{mp.label.isoformat()}",
                        now=now,
                    )
                )
            dms = len(outbox)
            posts = 0
            for label, uids in channel.items():
                for n, i in enumerate(range(0, len(uids), MENTIONS_PER_POST)):
                    posts += 1
                    outbox.append(
                        outbox_row(
                            kind=CHANNEL,
                            target_id=cfg.channel_id,
                            guild_id=guild_id,
                            purpose=PURPOSE_PROMPT_CHANNEL,
                            payload={
                                "guild_id": str(guild_id),
                                "period": label.isoformat(),
                                "unit": cfg.unit,
                                "user_ids": [str(u) for u in uids[i : i + MENTIONS_PER_POST]],
                            },
                            dedupe_key=f"checkin:prompt-ch:{guild_id}:{batch}:{label}:{n}",
                            now=now,
                        )
                    )
            await insert_ignore_many(s, OutboxMessage, outbox, ["dedupe_key"])
            return QueueResult(len(mine), dms, posts)

    async def fallback_to_channel(self, guild_id: int, user_id: int, label: date) -> bool:
        """The prompt DM bounced (DMs closed): mention the member in the channel instead."""
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CheckinConfig, guild_id)
            if row is None:
                return False
            await s.execute(
                update(CheckinPrompt)
                .where(
                    CheckinPrompt.guild_id == guild_id,
                    CheckinPrompt.user_id == user_id,
                    CheckinPrompt.period == label,
                )
                .values(mode="channel")
            )
            return await add_message(
                s,
                kind=CHANNEL,
                target_id=row.channel_id,
                guild_id=guild_id,
                purpose=PURPOSE_PROMPT_CHANNEL,
                payload={
                    "guild_id": str(guild_id),
                    "period": label.isoformat(),
                    "unit": "week" if row.period == WEEKLY else "day",
                    "user_ids": [str(user_id)],
                    "fallback": True,
                },
                now=now,
                dedupe_key=f"checkin:fallback:{guild_id}:{user_id}:{label.isoformat()}",
            )

    async def next_wake(self, guild_id: int, now: datetime) -> datetime | None:
        """The next moment something is due in this guild: a zone's prompt or the recap."""
        async with self.db.read() as s:
            cfg = await self._config(s, guild_id)
            if cfg.paused:
                return None
            zones = await self._zones(s, guild_id, cfg.timezone)
        times = [cfg.next_prompt(now, tz) for tz in zones]
        guild_label = label_for(local_today(now, cfg.timezone), cfg.period)
        for label in (guild_label - length(cfg.period), guild_label):
            at = cfg.summary_at(label)
            if at > now:
                times.append(at)
        return min(times) if times else None

    # ------------------------------------------------------------------ the recap

    async def summaries_due(self, guild_id: int, now: datetime) -> list[SummaryDue]:
        """Recaps whose time has come (recent ones to post, older ones to record as missed)."""
        cfg = await self.get_settings(guild_id)
        if cfg is None or cfg.paused:
            return []
        out: list[SummaryDue] = []
        label = label_for(local_today(now - SUMMARY_GRACE * 2, cfg.timezone), cfg.period)
        last = label_for(local_today(now, cfg.timezone), cfg.period)
        while label <= last:
            at = cfg.summary_at(label)
            if at <= now and label >= cfg.active_from:
                out.append(SummaryDue(label, at, now - at <= SUMMARY_GRACE))
            label += length(cfg.period)
        return out

    async def build_summary(self, guild_id: int, label: date) -> Summary:
        async with self.db.read() as s:
            cfg = await self._config(s, guild_id)
            return await self._build_summary(s, cfg, label)

    async def _build_summary(self, s: AsyncSession, cfg: CheckinSettings, label: date) -> Summary:
        rows = (
            await s.execute(
                select(
                    CheckinAnswer.user_id,
                    CheckinAnswer.answers,
                    CheckinAnswer.mood,
                    CheckinAnswer.link,
                )
                .where(CheckinAnswer.guild_id == cfg.guild_id, CheckinAnswer.period == label)
                .order_by(CheckinAnswer.submitted_at, CheckinAnswer.id)
            )
        ).all()
        opted_in = int(
            await s.scalar(
                select(func.count()).where(
                    CheckinMember.guild_id == cfg.guild_id, CheckinMember.active.is_(True)
                )
            )
            or 0
        )
        users = [r[0] for r in rows]
        streaks = await self._streaks(s, cfg, dict.fromkeys(users, label))
        wins: list[tuple[int, str]] = []
        links: list[tuple[int, str]] = []
        hint = False
        moods: list[int] = []
        for uid, answers, mood, link in rows:
            for item in answers:
                text = str(item.get("a") or "")
                if item.get("kind") == WIN and text and len(wins) < SUMMARY_WINS:
                    wins.append((uid, text))
                if item.get("kind") == BLOCKER and COLLAB_WORDS.search(text):
                    hint = True
            if link and len(links) < SUMMARY_LINKS:
                links.append((uid, link))
            if mood is not None:
                moods.append(mood)
        milestones = tuple(
            (uid, streaks[uid].current)
            for uid in users
            if streaks[uid].marks
            and streaks[uid].marks[-1].status == DONE
            and milestone(streaks[uid].current)
        )
        return Summary(
            guild_id=cfg.guild_id,
            label=label,
            period=cfg.period,
            channel_id=cfg.channel_id,
            checked_in=len(users),
            opted_in=opted_in,
            names=tuple(users[:SUMMARY_NAMES]),
            wins=tuple(wins),
            milestones=milestones[:20],
            links=tuple(links),
            collab_hint=hint,
            mood_avg=round(sum(moods) / len(moods), 1) if moods else None,
        )

    async def queue_summary(self, guild_id: int, label: date, *, manual: bool = False) -> Summary:
        """Queue the recap post (once per period; a moderator's `report` may post again)."""
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await self._config(s, guild_id)
            summary = await self._build_summary(s, cfg, label)
            key = f"checkin:summary:{guild_id}:{label.isoformat()}"
            if manual:
                key = f"checkin:report:{guild_id}:{label.isoformat()}:{now.isoformat()}"
            await add_message(
                s,
                kind=CHANNEL,
                target_id=cfg.channel_id,
                guild_id=guild_id,
                purpose=PURPOSE_SUMMARY,
                payload={**summary.payload(), "manual": manual},
                now=now,
                dedupe_key=key,
            )
            return summary

    async def guild_label(self, guild_id: int) -> date:
        cfg = await self.get_settings(guild_id)
        if cfg is None:
            raise DomainError("Check-ins aren't set up in this server yet.")
        return label_for(local_today(self.clock.now(), cfg.timezone), cfg.period)

    async def best_link(self, guild_id: int, user_id: int, label: date) -> str | None:
        async with self.db.read() as s:
            return await s.scalar(
                select(CheckinAnswer.link).where(
                    CheckinAnswer.guild_id == guild_id,
                    CheckinAnswer.user_id == user_id,
                    CheckinAnswer.period == label,
                )
            )


__all__ = [
    "DAILY",
    "WEEKLY",
    "AnswerForm",
    "CheckinService",
    "CheckinSettings",
    "Membership",
    "Question",
    "QueueResult",
    "StreakReport",
    "Submitted",
    "Summary",
    "SummaryDue",
]
