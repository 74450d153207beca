"""How check-ins look: the prompts (DM and channel) and the recap rendered from outbox rows at
send time, the recap and streak embeds, and the small formatting helpers the cog shares."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord

from cogs._common import BRAND
from cogs.checkins.views import nominate_view, open_view
from cogs.safety.report_views import ReportButton
from core.i18n import _, ngettext, use_locale
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import truncate
from services.checkins import MemberPeriod, StreakReport, Summary, unit_of
from services.checkins.wording import count_of
from services.checkins.wording import period_name as period_name
from services.directory import FALLBACK_GUILD
from services.languages import member_language, server_language

if TYPE_CHECKING:
    from core.bot import MutualsBot

STATUS_EMOJI = {"done": "💖", "open": "⏳", "away": "🧊", "grace": "🧊", "none": "▫️", "missed": "▪️"}


def ts(when: datetime, style: str = "f") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


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
        out.append(safe_name(member.display_name if member else _("a mutual")))
    return out


def recap_names(summary: Summary, user_ids: list[int]) -> list[str]:
    """Names as stored when the recap was queued (the sending process may not hold the guild)."""
    return [safe_name(summary.name_of(uid)) for uid in user_ids]


# ---------------------------------------------------------------- outbox renderers


async def dm_prompt(bot: MutualsBot, msg: OutboundMessage) -> SendSpec:
    """A scheduled DM: in the member's language."""
    guild_id = int(msg.payload["guild_id"])
    with use_locale(await member_language(bot.db, guild_id, msg.target_id)):
        return dm_prompt_spec(msg)


def dm_prompt_spec(msg: OutboundMessage) -> SendSpec:
    guild_id = int(msg.payload["guild_id"])
    unit = msg.payload.get("unit", "week")
    closes = ts(datetime.fromisoformat(msg.payload["closes_at"]), "R")
    server = safe_name(str(msg.payload.get("guild_name") or _(FALLBACK_GUILD)))
    if unit == "day":
        content = _(
            "Hey mutual! 💞 It's check-in time in **{server}**.\n"
            "How was your day? TikToks posted, your best one, a win, a blocker, your mood: "
            "tap **Check in**, it takes a minute.\n"
            "You can edit your answers until your day closes {closes}. "
            "Keep that streak going! 🔥",
            server=server,
            closes=closes,
        )
    else:
        content = _(
            "Hey mutual! 💞 It's check-in time in **{server}**.\n"
            "How was your week? TikToks posted, your best one, a win, a blocker, your mood: "
            "tap **Check in**, it takes a minute.\n"
            "You can edit your answers until your week closes {closes}. "
            "Keep that streak going! 🔥",
            server=server,
            closes=closes,
        )
    return SendSpec(content=truncate(content, 2000), view=open_view(guild_id))


async def channel_prompt(bot: MutualsBot, msg: OutboundMessage) -> SendSpec:
    """A public post: in the server's language."""
    guild_id = int(msg.payload["guild_id"])
    with use_locale(await server_language(bot.db, guild_id)):
        return channel_prompt_spec(msg)


def channel_prompt_spec(msg: OutboundMessage) -> SendSpec:
    guild_id = int(msg.payload["guild_id"])
    unit = msg.payload.get("unit", "week")
    ids = [int(u) for u in msg.payload["user_ids"]]
    mentions = " ".join(f"<@{u}>" for u in ids)
    if msg.payload.get("fallback"):
        lead = _(
            "Hey mutual! {mentions} your DMs are closed, so I'm asking here 💞", mentions=mentions
        )
    else:
        lead = _("Check-in time, fam! 💞 {mentions}", mentions=mentions)
    ask = (
        _("How was your day? Tap **Check in** below (only you see your answers).")
        if unit == "day"
        else _("How was your week? Tap **Check in** below (only you see your answers).")
    )
    # the mentions come first, so a long list cut short still pings the first ones
    content = truncate(f"{lead}\n{ask}", 2000)
    return SendSpec(
        content=content,
        view=open_view(guild_id),
        allowed_mentions=discord.AllowedMentions(
            users=[discord.Object(u) for u in ids], roles=False, everyone=False
        ),
    )


async def summary_post(bot: MutualsBot, msg: OutboundMessage) -> SendSpec:
    """The recap, a public post: in the server's language."""
    summary = Summary.from_payload(msg.target_id, msg.payload)
    with use_locale(await server_language(bot.db, summary.guild_id)):
        return summary_spec(summary)


def summary_spec(summary: Summary) -> SendSpec:
    embed = summary_embed(summary)
    view: discord.ui.View = discord.ui.View(timeout=None)
    if summary.links:
        names = recap_names(summary, [u for u, _link in summary.links])
        view = nominate_view(summary, names)
    view.add_item(ReportButton.about_recap(summary.guild_id))
    return SendSpec(embeds=[embed], view=view, allowed_mentions=discord.AllowedMentions.none())


# ---------------------------------------------------------------- embeds


def summary_embed(summary: Summary) -> discord.Embed:
    unit = unit_of(summary.period)
    title = _("Check-in recap: {period} 💞", period=period_name(summary.period, summary.label))
    embed = discord.Embed(title=truncate(title, 256), color=BRAND)
    names = recap_names(summary, list(summary.names))
    more = summary.checked_in - len(names)
    who = ", ".join(names)
    if more > 0:
        who = ngettext("{names} and {n} more", "{names} and {n} more", more, names=who)
    if summary.checked_in:
        desc = (
            ngettext(
                "**{checked}** of {n} mutual checked in this day: {who}. Thank you fam! 🫶",
                "**{checked}** of {n} mutuals checked in this day: {who}. Thank you fam! 🫶",
                summary.opted_in,
                checked=summary.checked_in,
                who=who,
            )
            if unit == "day"
            else ngettext(
                "**{checked}** of {n} mutual checked in this week: {who}. Thank you fam! 🫶",
                "**{checked}** of {n} mutuals checked in this week: {who}. Thank you fam! 🫶",
                summary.opted_in,
                checked=summary.checked_in,
                who=who,
            )
        )
    else:
        desc = (
            _("Nobody checked in this day. The algorithm hates us all sometimes: next one! 💪")
            if unit == "day"
            else _(
                "Nobody checked in this week. The algorithm hates us all sometimes: next one! 💪"
            )
        )
    embed.description = truncate(desc, 4000)
    if summary.wins:
        win_names = recap_names(summary, [u for u, _text in summary.wins])
        lines = [
            f"• **{name}**: {truncate(' '.join(text.split()), 200)}"
            for (_u, text), name in zip(summary.wins, win_names, strict=True)
        ]
        embed.add_field(name=_("Wins 🏆"), value=truncate("\n".join(lines), 1024), inline=False)
    if summary.milestones:
        ms_names = recap_names(summary, [u for u, _n in summary.milestones])
        lines = [
            _("🔥 **{name}**: {count} in a row!", name=name, count=count_of(unit, n))
            for (_u, n), name in zip(summary.milestones, ms_names, strict=True)
        ]
        embed.add_field(
            name=_("Streak milestones"), value=truncate("\n".join(lines), 1024), inline=False
        )
    if summary.collab_hint:
        embed.add_field(
            name=_("Stuck on ideas or collabs?"),
            value=_(
                "Some of you are. Try `/collab suggest` to find a mutual to stitch, duet or "
                "brainstorm with. 🤝"
            ),
            inline=False,
        )
    if summary.links:
        embed.add_field(
            name=_("Best TikToks"),
            value=ngettext(
                "{n} TikTok shared. Mods can nominate one for a shoutout below. 🎬",
                "{n} TikToks shared. Mods can nominate one for a shoutout below. 🎬",
                len(summary.links),
            ),
            inline=False,
        )
    embed.set_footer(text=_("respect the niche 💞"))
    return embed


def streak_embed(report: StreakReport) -> discord.Embed:
    """The member's streak; the heatmap goes along as the attachment ``streak.png``."""
    unit = report.unit
    embed = discord.Embed(title=_("Your check-in streak 🔥"), color=BRAND)
    embed.add_field(name=_("Current"), value=count_of(unit, report.streak.current))
    embed.add_field(name=_("Best"), value=count_of(unit, report.streak.best))
    embed.add_field(name=_("Mood trend"), value=report.mood_trend, inline=False)
    row = "".join(STATUS_EMOJI.get(m.status, "▫️") for m in report.streak.last(12)) or "—"
    embed.add_field(name=_("Last 12"), value=row, inline=False)
    embed.set_image(url="attachment://streak.png")
    embed.set_footer(
        text=_(
            "💖 checked in · 🧊 frozen (away or monthly grace) · ▪️ missed · {timezone}",
            timezone=report.timezone,
        )
    )
    return embed


def nominated(name: str, rotation: str | None) -> str:
    """A moderator nominated a member's best TikTok from the recap."""
    if rotation:
        return _(
            "Nominated **{name}**'s best TikTok for a shoutout! 🎬 They're in the "
            "**{rotation}** rotation.",
            name=name,
            rotation=rotation,
        )
    return _(
        "Nominated **{name}**'s best TikTok for a shoutout! 🎬 (No shoutout rotation is "
        "running yet: it's saved for when one starts.)",
        name=name,
    )


def unit_name(period: MemberPeriod) -> str:
    """ "week" or "day", from how long a member's period is open."""
    return "week" if (period.closes_at - period.opens_at).days >= 6 else "day"
