"""Streaks over check-in periods (pure).

Each period a member lived is one of:

* ``done``   they answered (an answer always counts, even on vacation);
* ``open``   the current period, not answered yet (it can't break anything yet);
* ``away``   a vacation overlapped it: the streak is frozen, neither grows nor breaks;
* ``none``   they weren't asked (not opted in yet, check-ins paused, away when the prompt was
  due): frozen as well, it isn't the member's fault;
* ``grace``  asked, didn't answer, but it's the month's one automatic freeze;
* ``missed`` asked, didn't answer, no freeze left that month: the streak starts over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from core.i18n import _
from services.checkins.periods import labels_between, length

DONE, OPEN, AWAY, NONE, GRACE, MISSED = "done", "open", "away", "none", "grace", "missed"
MILESTONES = (4, 12, 52)


@dataclass(frozen=True)
class PeriodMark:
    label: date
    status: str
    mood: int | None


@dataclass(frozen=True)
class Streak:
    current: int
    best: int
    marks: tuple[PeriodMark, ...]  # oldest first, every period since the member's first one

    def last(self, count: int) -> tuple[PeriodMark, ...]:
        return self.marks[-count:]

    @property
    def moods(self) -> list[int]:
        return [m.mood for m in self.marks if m.mood is not None]


def compute_streak(
    *,
    period: str,
    current_label: date,
    answered: Mapping[date, int | None],
    prompted: Iterable[date],
    away: Iterable[tuple[date, date]],
) -> Streak:
    """Walk every period from the member's first to the current one, oldest first."""
    prompted_set = set(prompted)
    ranges = list(away)
    known = set(answered) | prompted_set
    if not known:
        return Streak(0, 0, ())
    first = min(min(known), current_label)
    span = length(period)
    grace_used: set[tuple[int, int]] = set()
    marks: list[PeriodMark] = []
    run = best = 0
    for label in labels_between(first, current_label, period):
        last_day = label + span
        if label in answered:
            status = DONE
        elif label == current_label:
            status = OPEN
        elif any(start < last_day and until >= label for start, until in ranges):
            status = AWAY
        elif label not in prompted_set:
            status = NONE
        elif (label.year, label.month) not in grace_used:
            grace_used.add((label.year, label.month))
            status = GRACE
        else:
            status = MISSED
        if status == DONE:
            run += 1
            best = max(best, run)
        elif status == MISSED:
            run = 0
        marks.append(PeriodMark(label, status, answered.get(label)))
    return Streak(run, best, tuple(marks))


def milestone(count: int) -> int | None:
    return count if count in MILESTONES else None


def mood_trend(moods: list[int]) -> str:
    """A tiny text sparkline of the last moods (1–5) and which way they're heading."""
    if not moods:
        return _("no moods yet")
    bars = "▁▂▄▆█"
    recent = moods[-12:]
    line = "".join(bars[max(1, min(5, m)) - 1] for m in recent)
    if len(recent) >= 2:
        half = max(1, len(recent) // 2)
        before = sum(recent[:half]) / half
        after = sum(recent[half:]) / max(1, len(recent) - half)
        arrow = "↗" if after - before >= 0.5 else "↘" if before - after >= 0.5 else "→"
    else:
        arrow = "→"
    return _("{line} {arrow} (latest {mood}/5)", line=line, arrow=arrow, mood=recent[-1])
