"""Answering a check-in: the form for the member's current period (pre-filled when editing), and
saving it, editable until the period closes in the member's own zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from models.checkins import CheckinAnswer
from services.checkins.config import load_config, member_tz
from services.checkins.history import load_streaks
from services.checkins.inputs import LINK, MOOD, WIN, Question, question_kind, validate_answer
from services.checkins.periods import MemberPeriod
from services.checkins.streaks import milestone
from services.safety import hold_to_rules

PAUSED = "Check-ins are paused in this server right now. 💤"
#: answers the recap shows publicly, and what the member calls them
PUBLIC = {WIN: "win", LINK: "TikTok link"}


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


class CheckinAnswers:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def form(self, guild_id: int, user_id: int) -> AnswerForm:
        now = self.clock.now()
        async with self.db.read() as s:
            cfg = await load_config(s, guild_id)
            if cfg.paused:
                raise DomainError(PAUSED)
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
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
            cfg = await load_config(s, guild_id)
            if cfg.paused:
                raise DomainError(PAUSED)
            asked = list(questions) if questions is not None else [q.text for q in cfg.questions]
            if len(values) != len(asked):
                raise DomainError("That form doesn't match the questions. Open it again.")
            # A question edited while the form was open keeps the kind its text implies.
            current = {q.text: q for q in cfg.questions}
            qs = [current.get(text, Question(text, question_kind(text))) for text in asked]
            answers = [validate_answer(q, v) for q, v in zip(qs, values, strict=True)]
            if not any(answers):
                raise DomainError("Answer at least one question to check in. 💞")
            # wins and links go in the public recap: held to the server's rules now
            for q, a in zip(qs, answers, strict=True):
                if q.kind in PUBLIC:
                    await hold_to_rules(s, guild_id, {PUBLIC[q.kind]: a})
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
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
            streak = (await load_streaks(s, cfg, {user_id: period.label}))[user_id]
            return Submitted(
                guild_id=guild_id,
                period=period,
                edited=edited,
                streak=streak.current,
                best=streak.best,
                milestone=None if edited else milestone(streak.current),
                moved_to_current=moved,
            )
