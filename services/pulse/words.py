"""What the pulse's charts say, in words (alt text and labels), in the current language: no
matplotlib here, so the page and the bot can say it without loading the plotting library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from core.i18n import _, current, ngettext
from services.pulse.funnel import step_name
from services.pulse.values import Funnel, Pulse


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    alt: str


def day_names() -> list[str]:
    """Monday to Sunday, short, in the current language."""
    monday = date(2024, 1, 1)
    return [
        format_date(date.fromordinal(monday.toordinal() + n), "EEE", locale=current())
        for n in range(7)
    ]


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def funnel_steps(f: Funnel) -> list[tuple[str, int]]:
    return [
        (_("Joined"), f.joined),
        (_("Got the DM"), f.dm_sent),
        (_("Started"), f.started),
        (_("Finished"), f.finished),
    ]


def _stuck(f: Funnel) -> str:
    return ", ".join(f"{step_name(step)} {n}" for step, n in f.stuck_at)


def stuck_words(f: Funnel) -> str:
    return ", ".join(f"{step_name(step)} {n}" for step, n in f.stuck_at)


def charts_of(p: Pulse) -> list[Chart]:
    """The charts the pulse page shows, with what each says in words (the alt text), in the
    current language."""
    f, c, k, q = p.funnel, p.collabs, p.checkins, p.quizzes
    steps = ", ".join(f"{label} {n}" for label, n in funnel_steps(f))
    if f.stuck_at:
        steps = _("{steps}; stopped at {stuck}", steps=steps, stuck=stuck_words(f))
    week_k = k.trend[-1]
    names = day_names()
    days = ", ".join(f"{names[i]} {d.players}" for i, d in enumerate(q.days))
    rot = "; ".join(
        _(
            "{name}: {featured} featured, {missed} missed",
            name=r.name,
            featured=r.featured,
            missed=r.missed,
        )
        for r in p.shoutouts.rotations
    )
    return [
        Chart(
            "funnel",
            _("Onboarding funnel"),
            _("Onboarding funnel this week: {steps}.", steps=steps),
        ),
        Chart(
            "checkins",
            _("Check-ins"),
            ngettext(
                "Check-ins over {n} week; this week {done} of {total} answered ({rate}).",
                "Check-ins over {n} weeks; this week {done} of {total} answered ({rate}).",
                len(k.trend),
                done=week_k.done,
                total=week_k.total,
                rate=pct(week_k.done, week_k.total),
            ),
        ),
        Chart(
            "collabs",
            _("Collabs"),
            ngettext(
                "Collab groups over {n} week; "
                "this week {groups} formed, {collabed} said we collabed.",
                "Collab groups over {n} weeks; "
                "this week {groups} formed, {collabed} said we collabed.",
                len(c.trend),
                groups=c.groups,
                collabed=c.collabed,
            ),
        ),
        Chart("quizzes", _("Quizzes"), _("Term of the day players by day: {days}.", days=days)),
        Chart(
            "shoutouts",
            _("Shoutouts"),
            _("Shoutouts this week per rotation: {rotations}.", rotations=rot)
            if rot
            else _("No shoutout rotations."),
        ),
    ]
