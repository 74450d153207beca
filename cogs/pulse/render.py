"""The pulse as a Discord embed: the same numbers as the dashboard's page, in a few lines, in
the current language (the moderator's for /pulse show, the server's for the weekly post)."""

from __future__ import annotations

import discord

from cogs._common import BRAND
from core.i18n import _, ngettext
from core.text import truncate
from services.pulse import Pulse
from services.pulse.funnel import step_name
from services.pulse.weeks import week_label

IMAGE = "pulse.png"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def pulse_embed(p: Pulse) -> discord.Embed:
    f, k, c, s, q = p.funnel, p.checkins, p.collabs, p.shoutouts, p.quizzes
    label = week_label(p.week)
    title = (
        _("💓 Pulse · {week} (so far)", week=label)
        if p.week.in_progress
        else _("💓 Pulse · {week}", week=label)
    )
    embed = discord.Embed(
        title=truncate(title, 256), description=f"{p.week.key} · {p.week.timezone}", color=BRAND
    )
    stuck = ", ".join(f"{step_name(step)} {n}" for step, n in f.stuck_at)
    onboarding = ngettext(
        "**{finished}** of {n} newcomer finished ({rate})",
        "**{finished}** of {n} newcomers finished ({rate})",
        f.joined,
        finished=f.finished,
        rate=_pct(f.finished, f.joined),
    )
    onboarding += "\n" + _(
        "{started} started · {closed} DMs closed", started=f.started, closed=f.dm_closed
    )
    if stuck:
        onboarding += "\n" + _("Stopped at: {steps}", steps=stuck)
    embed.add_field(name=_("👋 Onboarding"), value=truncate(onboarding, 1024))
    embed.add_field(
        name=_("📝 Check-ins"),
        value=(
            _(
                "**{rate}** answered ({answered} of {asked})",
                rate=_pct(k.answered, k.prompted),
                answered=k.answered,
                asked=k.prompted,
            )
            + "\n"
            + ngettext("{n} on a streak of 3+", "{n} on a streak of 3+", k.on_streak)
            if k.set_up
            else _("Not set up yet")
        ),
    )
    embed.add_field(
        name=_("🤝 Collabs"),
        value=ngettext(
            "**{collabed}** of {n} group said we collabed",
            "**{collabed}** of {n} groups said we collabed",
            c.groups,
            collabed=c.collabed,
        )
        + "\n"
        + _(
            "{not_yet} not yet · {unanswered} no answer", not_yet=c.not_yet, unanswered=c.unanswered
        ),
    )
    featured = sum(r.featured for r in s.rotations)
    missed = sum(r.missed for r in s.rotations)
    shoutouts = _("**{featured}** featured · {missed} missed", featured=featured, missed=missed)
    if s.waiting:
        shoutouts += "\n" + _("Waiting longest: {name}", name=s.waiting[0].name)
    embed.add_field(
        name=_("📣 Shoutouts"),
        value=truncate(shoutouts, 1024) if s.rotations else _("No rotations yet"),
    )
    quizzes = _(
        "**{players}** players · {rate} right", players=q.players, rate=_pct(q.correct, q.answers)
    )
    if q.streaks:
        quizzes += "\n" + ngettext(
            "Longest streak: {name} ({n} day)",
            "Longest streak: {name} ({n} days)",
            q.streaks[0].current,
            name=q.streaks[0].name,
        )
    embed.add_field(name=_("🧠 Quizzes"), value=truncate(quizzes, 1024))
    if p.wins:
        lines = [f"• {w.name + ': ' if w.name else ''}{w.text}" for w in p.wins[:6]]
        embed.add_field(name=_("🏆 Wins"), value=truncate("\n".join(lines), 1024), inline=False)
    embed.set_image(url=f"attachment://{IMAGE}")
    return embed
