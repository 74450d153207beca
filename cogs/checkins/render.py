"""How check-ins look: the prompts (DM and channel) and the recap rendered from outbox rows at
send time, the recap and streak embeds, and the small formatting helpers the cog shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import discord

from cogs._common import BRAND
from cogs.checkins.views import nominate_view, open_view
from cogs.safety.report_views import ReportButton
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import plural, truncate
from services.checkins import StreakReport, Summary, unit_of
from services.directory import FALLBACK_GUILD

if TYPE_CHECKING:
    from core.bot import MutualsBot

STATUS_EMOJI = {"done": "💖", "open": "⏳", "away": "🧊", "grace": "🧊", "none": "▫️", "missed": "▪️"}


def ts(when: datetime, style: str = "f") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def period_name(period: str, label: date) -> str:
    if period == "weekly":
        return f"week of {label.strftime('%b %d').replace(' 0', ' ')}"
    return label.strftime("%a %b %d").replace(" 0", " ")


def safe_name(name: str) -> str:
    """A stored name, safe to put in a message: no pings, no markdown."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


def member_names(bot: MutualsBot, guild_id: int, user_ids: list[int]) -> list[str]:
    """Display names from this process's cache, for replies to an interaction (which always
    arrives where the guild is); "a mutual" if gone. Queued messages carry their names."""
    guild = bot.get_guild(guild_id)
    out = []
    for uid in user_ids:
        member = guild.get_member(uid) if guild else None
        out.append(safe_name(member.display_name if member else "a mutual"))
    return out


def recap_names(summary: Summary, user_ids: list[int]) -> list[str]:
    """Names as stored when the recap was queued (the sending process may not hold the guild)."""
    return [safe_name(summary.name_of(uid)) for uid in user_ids]


# ---------------------------------------------------------------- outbox renderers


async def dm_prompt(bot: MutualsBot, msg: OutboundMessage) -> SendSpec:
    guild_id = int(msg.payload["guild_id"])
    unit = msg.payload.get("unit", "week")
    closes = datetime.fromisoformat(msg.payload["closes_at"])
    server = safe_name(str(msg.payload.get("guild_name") or FALLBACK_GUILD))
    content = (
        f"Hey mutual! 💞 It's check-in time in **{server}**.\n"
        f"How was your {unit}? TikToks posted, your best one, a win, a blocker, your mood: "
        "tap **Check in**, it takes a minute.\n"
        f"You can edit your answers until your {unit} closes {ts(closes, 'R')}. "
        "Keep that streak going! 🔥"
    )
    return SendSpec(content=content, view=open_view(guild_id))


async def channel_prompt(bot: MutualsBot, msg: OutboundMessage) -> SendSpec:
    guild_id = int(msg.payload["guild_id"])
    unit = msg.payload.get("unit", "week")
    ids = [int(u) for u in msg.payload["user_ids"]]
    mentions = " ".join(f"<@{u}>" for u in ids)
    if msg.payload.get("fallback"):
        lead = f"Hey mutual! {mentions} your DMs are closed, so I'm asking here 💞"
    else:
        lead = f"Check-in time, fam! 💞 {mentions}"
    content = truncate(
        f"{lead}\nHow was your {unit}? Tap **Check in** below (only you see your answers).",
        2000,
    )
    return SendSpec(
        content=content,
        view=open_view(guild_id),
        allowed_mentions=discord.AllowedMentions(
            users=[discord.Object(u) for u in ids], roles=False, everyone=False
        ),
    )


async def summary_post(bot: MutualsBot, msg: OutboundMessage) -> SendSpec:
    summary = Summary.from_payload(msg.target_id, msg.payload)
    embed = summary_embed(summary)
    view: discord.ui.View = discord.ui.View(timeout=None)
    if summary.links:
        names = recap_names(summary, [u for u, _ in summary.links])
        view = nominate_view(summary, names)
    view.add_item(ReportButton.about_recap(summary.guild_id))
    return SendSpec(embeds=[embed], view=view, allowed_mentions=discord.AllowedMentions.none())


# ---------------------------------------------------------------- embeds


def summary_embed(summary: Summary) -> discord.Embed:
    unit = unit_of(summary.period)
    title = f"Check-in recap: {period_name(summary.period, summary.label)} 💞"
    embed = discord.Embed(title=title, color=BRAND)
    names = recap_names(summary, list(summary.names))
    more = summary.checked_in - len(names)
    who = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    if summary.checked_in:
        desc = (
            f"**{summary.checked_in}** of {plural(summary.opted_in, 'mutual')} checked in this "
            f"{unit}: {who}. Thank you fam! 🫶"
        )
    else:
        desc = f"Nobody checked in this {unit}. The algorithm hates us all sometimes: next one! 💪"
    embed.description = truncate(desc, 4000)
    if summary.wins:
        win_names = recap_names(summary, [u for u, _ in summary.wins])
        lines = [
            f"• **{name}**: {truncate(' '.join(text.split()), 200)}"
            for (_u, text), name in zip(summary.wins, win_names, strict=True)
        ]
        embed.add_field(name="Wins 🏆", value=truncate("\n".join(lines), 1024), inline=False)
    if summary.milestones:
        ms_names = recap_names(summary, [u for u, _ in summary.milestones])
        lines = [
            f"🔥 **{name}**: {plural(n, unit)} in a row!"
            for (_u, n), name in zip(summary.milestones, ms_names, strict=True)
        ]
        embed.add_field(
            name="Streak milestones", value=truncate("\n".join(lines), 1024), inline=False
        )
    if summary.collab_hint:
        embed.add_field(
            name="Stuck on ideas or collabs?",
            value="Some of you are. Try `/collab suggest` to find a mutual to stitch, duet or "
            "brainstorm with. 🤝",
            inline=False,
        )
    if summary.links:
        embed.add_field(
            name="Best TikToks",
            value=f"{plural(len(summary.links), 'TikTok')} shared. Mods can nominate one for a "
            "shoutout below. 🎬",
            inline=False,
        )
    embed.set_footer(text="respect the niche 💞")
    return embed


def streak_embed(report: StreakReport) -> discord.Embed:
    """The member's streak; the heatmap goes along as the attachment ``streak.png``."""
    unit = report.unit
    embed = discord.Embed(title="Your check-in streak 🔥", color=BRAND)
    embed.add_field(name="Current", value=plural(report.streak.current, unit))
    embed.add_field(name="Best", value=plural(report.streak.best, unit))
    embed.add_field(name="Mood trend", value=report.mood_trend, inline=False)
    row = "".join(STATUS_EMOJI.get(m.status, "▫️") for m in report.streak.last(12)) or "—"
    embed.add_field(name="Last 12", value=row, inline=False)
    embed.set_image(url="attachment://streak.png")
    embed.set_footer(
        text=f"💖 checked in · 🧊 frozen (away or monthly grace) · ▪️ missed · {report.timezone}"
    )
    return embed
