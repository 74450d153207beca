"""Answering a check-in: the form for the member's current period (pre-filled when editing), and
saving it, editable until the period closes in the member's own zone. One mood per check-in: the
mood buttons give it, or (a form from before them, a direct call) the question about the mood."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import N_, _
from models.checkins import CheckinAnswer
from services.checkins.config import load_config, member_tz
from services.checkins.history import load_streaks
from services.checkins.inputs import LINK, MOOD, WIN, Question, question_kind, validate_answer
from services.checkins.moods import CareSettings, is_low
from services.checkins.periods import MemberPeriod
from services.checkins.streaks import milestone
from services.safety import hold_to_rules

PAUSED = N_("Check-ins are paused in this server right now. 💤")
#: answers the recap shows publicly, and what the member calls them (TextNotAllowed says it)
PUBLIC = {WIN: N_("win"), LINK: N_("TikTok link")}


@dataclass(frozen=True)
class AnswerForm:
    guild_id: int
    period: MemberPeriod
    questions: tuple[Question, ...]
    existing: tuple[str, ...] | None
    mood: int | None = None  # the mood already saved for this period (editing)
    asks_mood: bool = False  # the five mood buttons come first

    def shown(self) -> list[tuple[int, Question]]:
        """The questions the form shows, with their index: a question about the mood is asked
        by the mood buttons instead (one mood per check-in)."""
        return [(i, q) for i, q in enumerate(self.questions) if q.kind != MOOD]


@dataclass(frozen=True)
class Submitted:
    guild_id: int
    period: MemberPeriod
    edited: bool
    streak: int
    best: int
    milestone: int | None
    moved_to_current: bool  # the form was for a period that closed while they typed
    mood: int | None = None
    #: the moderators' care settings when the mood was low and care is on (else None)
    care: CareSettings | None = None
    outreach_at: datetime | None = None  # when they already asked a moderator to reach out

    @property
    def low(self) -> bool:
        return is_low(self.mood)


class CheckinAnswers:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def form(self, guild_id: int, user_id: int) -> AnswerForm:
        now = self.clock.now()
        async with self.db.read() as s:
            cfg = await load_config(s, guild_id)
            if cfg.paused:
                raise DomainError(_(PAUSED))
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
                mood = str(row.mood) if row.mood else ""
                existing = tuple(
                    mood if q.kind == MOOD else str(by_question.get(q.text, ""))
                    for q in cfg.questions
                )
            return AnswerForm(
                guild_id,
                period,
                cfg.questions,
                existing,
                mood=row.mood if row is not None else None,
                asks_mood=cfg.asks_mood,
            )

    async def submit(
        self,
        guild_id: int,
        user_id: int,
        values: Sequence[str],
        *,
        questions: Sequence[str] | None = None,
        label: date | None = None,
        mood: int | None = None,
    ) -> Submitted:
        """Save (or edit) this period's answers; ``questions``/``label``: what the form showed;
        ``mood``: what the mood buttons gave (1–5; None: skipped, an edit keeps the saved one).
        A question about the mood still takes 1–5 when a form shows it; the buttons win."""
        if mood is not None and not 1 <= mood <= 5:
            raise DomainError(_("Pick your mood with one of the five buttons."))
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            if cfg.paused:
                raise DomainError(_(PAUSED))
            asked = list(questions) if questions is not None else [q.text for q in cfg.questions]
            if len(values) != len(asked):
                raise DomainError(_("That form doesn't match the questions. Open it again."))
            # A question edited while the form was open keeps the kind its text implies.
            current = {q.text: q for q in cfg.questions}
            qs = [current.get(text, Question(text, question_kind(text))) for text in asked]
            answers = [validate_answer(q, v) for q, v in zip(qs, values, strict=True)]
            if mood is None:
                mood = next(
                    (int(a) for q, a in zip(qs, answers, strict=True) if q.kind == MOOD and a),
                    None,
                )
            if not any(answers) and mood is None:
                raise DomainError(_("Answer at least one question to check in. 💞"))
            # wins and links go in the public recap: held to the server's rules now
            for q, a in zip(qs, answers, strict=True):
                if q.kind in PUBLIC:
                    await hold_to_rules(s, guild_id, {PUBLIC[q.kind]: a})
            tz = await member_tz(s, guild_id, user_id, cfg.timezone)
            period = cfg.current(now, tz)
            moved = label is not None and label != period.label
            link = next((a for q, a in zip(qs, answers, strict=True) if q.kind == LINK and a), None)
            # the mood lives in its own column, once; the answers keep the words
            stored = [
                {"q": q.text, "kind": q.kind, "a": a}
                for q, a in zip(qs, answers, strict=True)
                if q.kind != MOOD
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
                row.answers, row.link, row.updated_at = stored, link, now
                if mood is not None:
                    row.mood = mood
                mood = row.mood
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
                mood=mood,
                care=cfg.care if is_low(mood) and cfg.care.enabled else None,
                outreach_at=row.outreach_at if row is not None else None,
            )
