"""What members and moderators type, checked and parsed: questions and their kinds, answers,
the schedule's period and day, the away date. A refusal is a DomainError that says what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import DomainError
from core.i18n import N_, _, ngettext
from core.text import clean_block, clean_line
from services.checkins.periods import PERIODS, WEEKDAYS, WEEKLY
from services.schedules import parse_days

MODES = ("dm", "channel")
MAX_QUESTIONS = 5  # a modal holds five inputs
QUESTION_MAX = 45  # a modal input's label
ANSWER_MAX = 400
LINK_MAX = 300
MAX_AWAY_DAYS = 180

COUNT, LINK, WIN, BLOCKER, MOOD, TEXT = "count", "link", "win", "blocker", "mood", "text"
TIKTOK_URL = re.compile(r"^https?://([a-z0-9-]+\.)*tiktok\.com/\S+$", re.IGNORECASE)


#: the questions until a moderator writes their own: stored and compared in English (their kind
#: comes from the English words), shown to members in their language (``Question.shown``)
WEEKLY_QUESTIONS = (
    N_("How many TikToks did you post this week?"),
    N_("Your best one this week (TikTok link)"),
    N_("One win (big or small!)"),
    N_("One blocker (the algorithm again?)"),
    N_("Mood, 1–5 (5 = thriving)"),
)
DAILY_QUESTIONS = (
    N_("How many TikToks did you post today?"),
    N_("Your best one today (TikTok link)"),
    *WEEKLY_QUESTIONS[2:],
)


def default_questions(period: str) -> list[str]:
    return list(WEEKLY_QUESTIONS if period == WEEKLY else DAILY_QUESTIONS)


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
    def shown(self) -> str:
        """The question as members read it: a default one in their language, a moderator's
        own as they typed it (a text no catalog knows comes back unchanged)."""
        return _(self.text) if self.text else self.text

    @property
    def placeholder(self) -> str:
        return _(PLACEHOLDERS.get(self.kind, ANY_ANSWER))


ANY_ANSWER = N_("Type as much or as little as you like")
PLACEHOLDERS = {
    COUNT: N_("e.g. 3"),
    MOOD: N_("1 = rough week … 5 = thriving"),
    LINK: "https://www.tiktok.com/@you/video/…",
    WIN: N_("Hit 5k, a comment that made your day, finally posted…"),
    BLOCKER: N_("Stuck on ideas? Need a collab? Views tanked?"),
}


def questions_from(texts: Sequence[str]) -> tuple[Question, ...]:
    return tuple(Question(t, question_kind(t)) for t in texts)


def parse_period(raw: str) -> str:
    period = raw.strip().lower()
    if period not in PERIODS:
        raise DomainError(_("Pick `weekly` or `daily` for how often members check in."))
    return period


def parse_one_day(raw: str) -> int:
    days = parse_days(raw)
    if "," in days:
        raise DomainError(_("Pick one day for the check-in, e.g. `sun`."))
    return WEEKDAYS.index(days)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise DomainError(_("Pick `dm` (a private message) or `channel` (a mention)."))
    return mode


def clean_questions(texts: Sequence[str]) -> list[str]:
    """A moderator's questions: empty ones dropped, one to MAX_QUESTIONS, all different."""
    cleaned = [
        clean_line(
            t, field=_("question {number}", number=i), max_len=QUESTION_MAX, allow_empty=True
        )
        for i, t in enumerate(texts, start=1)
    ]
    questions = [q for q in cleaned if q]
    if not questions:
        raise DomainError(_("Keep at least one question, or the check-in has nothing to ask!"))
    if len(questions) > MAX_QUESTIONS:
        raise DomainError(
            ngettext(
                "Up to {n} question fits in one check-in.",
                "Up to {n} questions fit in one check-in.",
                MAX_QUESTIONS,
            )
        )
    if len({q.casefold() for q in questions}) != len(questions):
        raise DomainError(_("Two questions are the same. Make each one different."))
    return questions


def parse_away_date(raw_input: str) -> date:
    raw = raw_input.strip()
    try:
        return date.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        raise DomainError(
            _(
                "`{typed}` isn't a date I can read. Use year-month-day, e.g. `2026-08-31`.",
                typed=raw[:20],
            )
        ) from None


def check_away_until(until: date, today: date) -> None:
    """The last day away: not in the member's past, at most MAX_AWAY_DAYS ahead."""
    if until < today:
        raise DomainError(
            _(
                "{date} is in the past (it's {today} for you). Pick the last day you'll be away.",
                date=until.isoformat(),
                today=today.isoformat(),
            )
        )
    if until > today + timedelta(days=MAX_AWAY_DAYS):
        raise DomainError(
            ngettext(
                "Vacations can be up to {n} day. Pick a date before {date}, you can always "
                "extend it later.",
                "Vacations can be up to {n} days. Pick a date before {date}, you can always "
                "extend it later.",
                MAX_AWAY_DAYS,
                date=(today + timedelta(days=MAX_AWAY_DAYS + 1)).isoformat(),
            )
        )


def validate_answer(question: Question, raw: str) -> str:
    """One answer: empty is fine (skip it); otherwise it must fit the question's kind."""
    value = raw.strip()
    if not value:
        return ""
    field = _('answer to "{question}"', question=question.shown)
    if question.kind == COUNT:
        value = clean_line(value, field=field, max_len=question.max_length)
        if not re.fullmatch(r"\d{1,3}", value):
            raise DomainError(
                _('For "{question}", type a number like `3`.', question=question.shown)
            )
        return value
    if question.kind == MOOD:
        value = clean_line(value, field=field, max_len=question.max_length)
        if not re.match(r"^[1-5](\b|/|$)", value):
            raise DomainError(_("For your mood, type a number from 1 (rough) to 5 (thriving)."))
        return value[0]
    if question.kind == LINK:
        value = clean_line(value, field=field, max_len=question.max_length)
        if not TIKTOK_URL.match(value):
            raise DomainError(
                _(
                    'For "{question}", paste a TikTok link like '
                    "`https://www.tiktok.com/@you/video/123`, or leave it empty.",
                    question=question.shown,
                )
            )
        return value
    return clean_block(value, field=field, max_len=question.max_length)
