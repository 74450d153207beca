"""The pulse as a Discord embed: the same numbers as the dashboard's page, in a few lines."""

from __future__ import annotations

import discord

from cogs._common import BRAND
from services.pulse import Pulse

IMAGE = "pulse.png"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def pulse_embed(p: Pulse) -> discord.Embed:
    f, k, c, s, q = p.funnel, p.checkins, p.collabs, p.shoutouts, p.quizzes
    so_far = " (so far)" if p.week.in_progress else ""
    embed = discord.Embed(
        title=f"💓 Pulse · {p.week.label}{so_far}",
        description=f"{p.week.key} · {p.week.timezone}",
        color=BRAND,
    )
    stuck = ", ".join(f"{step} {n}" for step, n in f.stuck_at)
    embed.add_field(
        name="👋 Onboarding",
        value=(
            f"**{f.finished}** of {f.joined} newcomers finished ({_pct(f.finished, f.joined)})\n"
            f"{f.started} started · {f.dm_closed} DMs closed"
            + (f"\nStopped at: {stuck}" if stuck else "")
        ),
    )
    embed.add_field(
        name="📝 Check-ins",
        value=(
            f"**{_pct(k.answered, k.prompted)}** answered ({k.answered} of {k.prompted})\n"
            f"{k.on_streak} on a streak of 3+"
            if k.set_up
            else "Not set up yet"
        ),
    )
    embed.add_field(
        name="🤝 Collabs",
        value=f"**{c.collabed}** of {c.groups} groups said we collabed\n"
        f"{c.not_yet} not yet · {c.unanswered} no answer",
    )
    featured = sum(r.featured for r in s.rotations)
    missed = sum(r.missed for r in s.rotations)
    waiting = f"\nWaiting longest: {s.waiting[0].name}" if s.waiting else ""
    embed.add_field(
        name="📣 Shoutouts",
        value=f"**{featured}** featured · {missed} missed{waiting}"
        if s.rotations
        else "No rotations yet",
    )
    streak = (
        f"\nLongest streak: {q.streaks[0].name} ({q.streaks[0].current} days)" if q.streaks else ""
    )
    embed.add_field(
        name="🧠 Quizzes",
        value=f"**{q.players}** players · {_pct(q.correct, q.answers)} right" + streak,
    )
    if p.wins:
        lines = [f"• {w.name + ': ' if w.name else ''}{w.text}" for w in p.wins[:6]]
        embed.add_field(name="🏆 Wins", value="\n".join(lines)[:1024], inline=False)
    embed.set_image(url=f"attachment://{IMAGE}")
    return embed
