"""The pulse's tables: one definition each, shown on the page and downloaded as CSV (written
by the csv module; a cell that a spreadsheet would run as a formula is quoted first), titles
and headers in the current language."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import NotFound
from core.i18n import N_, _
from services.pulse.funnel import step_name
from services.pulse.values import Pulse, StreakRow, WeekRate

Cell = str | int | float

WIN_KINDS = {
    "welcome": N_("welcome"),
    "shoutout": N_("shoutout"),
    "collab": N_("collab"),
    "checkin": N_("check-in"),
    "quiz": N_("quiz"),
}


@dataclass(frozen=True)
class Table:
    key: str  # its CSV is <key>.csv
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _rates(trend: tuple[WeekRate, ...]) -> tuple[tuple[Cell, ...], ...]:
    return tuple((r.week.isoformat(), r.total, r.done, _percent(r.done, r.total)) for r in trend)


def _streaks(rows: tuple[StreakRow, ...]) -> tuple[tuple[Cell, ...], ...]:
    return tuple((s.name, str(s.user_id), s.current, s.best) for s in rows)


def funnel(p: Pulse) -> Table:
    f = p.funnel
    steps: list[tuple[Cell, ...]] = [
        (_("Joined"), f.joined, _percent(f.joined, f.joined)),
        (_("Got the welcome DM"), f.dm_sent, _percent(f.dm_sent, f.joined)),
        (_("Started onboarding"), f.started, _percent(f.started, f.joined)),
        (_("Finished"), f.finished, _percent(f.finished, f.joined)),
        (_("DMs closed"), f.dm_closed, _percent(f.dm_closed, f.joined)),
        (_("Never started"), f.never_started, _percent(f.never_started, f.joined)),
    ]
    steps += [
        (_("Stopped at: {steps}", steps=step_name(step)), n, _percent(n, f.joined))
        for step, n in f.stuck_at
    ]
    steps.append((_("Left the server again"), f.left, _percent(f.left, f.joined)))
    return Table(
        "funnel", _("Onboarding funnel"), (_("Step"), _("People"), _("Of joined")), tuple(steps)
    )


def checkins(p: Pulse) -> Table:
    return Table(
        "checkins",
        _("Check-ins answered, week by week"),
        (_("Week of"), _("Asked"), _("Answered"), _("Answer rate")),
        _rates(p.checkins.trend),
    )


def checkin_streaks(p: Pulse) -> Table:
    return Table(
        "checkin-streaks",
        _("Longest check-in runs (last 12 weeks)"),
        (_("Member"), _("User id"), _("In a row"), _("Best")),
        _streaks(p.checkins.streaks),
    )


def collabs(p: Pulse) -> Table:
    return Table(
        "collabs",
        _("Collab groups formed vs “we collabed”"),
        (_("Week of"), _("Groups formed"), _("We collabed"), _("Rate")),
        _rates(p.collabs.trend),
    )


def shoutouts(p: Pulse) -> Table:
    return Table(
        "shoutouts",
        _("Shoutouts per rotation"),
        (
            _("Rotation"),
            _("Featured"),
            _("Missed"),
            _("Nobody to feature"),
            _("Failed"),
            _("In queue"),
            _("Paused"),
        ),
        tuple(
            (
                r.name,
                r.featured,
                r.missed,
                r.empty,
                r.failed,
                r.queue,
                _("yes") if r.paused else _("no"),
            )
            for r in p.shoutouts.rotations
        ),
    )


def waiting(p: Pulse) -> Table:
    return Table(
        "waiting",
        _("Waiting longest for a shoutout"),
        (_("Member"), _("User id"), _("Rotation"), _("Waiting since"), _("Times featured")),
        tuple(
            (w.name, str(w.user_id), w.rotation, w.since.date().isoformat(), w.times_featured)
            for w in p.shoutouts.waiting
        ),
    )


def quizzes(p: Pulse) -> Table:
    return Table(
        "quizzes",
        _("Term of the day, day by day"),
        (_("Day"), _("Players"), _("Got it right")),
        tuple((d.day.isoformat(), d.players, d.correct) for d in p.quizzes.days),
    )


def quiz_streaks(p: Pulse) -> Table:
    return Table(
        "quiz-streaks",
        _("Term-of-the-day streaks alive now"),
        (_("Member"), _("User id"), _("Days in a row"), _("Best")),
        _streaks(p.quizzes.streaks),
    )


def wins(p: Pulse) -> Table:
    return Table(
        "wins",
        _("The week's wins"),
        (_("Kind"), _("Member"), _("Win")),
        tuple((_(WIN_KINDS.get(w.kind, w.kind)), w.name, w.text) for w in p.wins),
    )


_MAKERS: tuple[Callable[[Pulse], Table], ...] = (
    wins,
    funnel,
    checkins,
    checkin_streaks,
    collabs,
    shoutouts,
    waiting,
    quizzes,
    quiz_streaks,
)
#: table key (its CSV's name) -> how to make it, in the order the page shows them
TABLES: dict[str, Callable[[Pulse], Table]] = {t.__name__.replace("_", "-"): t for t in _MAKERS}

#: what a spreadsheet reads as the start of a formula (and the control characters some run too)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def table_csv(pulse: Pulse, key: str) -> tuple[str, str]:
    """(file name, CSV text) of one table; an unknown table is a NotFound."""
    make = TABLES.get(key)
    if make is None:
        raise NotFound(_("The pulse has no table called `{table}`.", table=key[:40]))
    table = make(pulse)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([safe_cell(c) for c in row] for row in table.rows)
    return f"pulse-{pulse.guild_id}-{pulse.week.key}-{table.key}.csv", out.getvalue()
