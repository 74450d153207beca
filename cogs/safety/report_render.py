"""How a report looks to moderators: the notice (rendered by the outbox at send time from the
payload stored when it was queued), its status after each decision, and the buttons left to
press; and what the member who reported is told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord
from discord.utils import escape_markdown

from cogs.safety.report_views import mod_view
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import truncate
from services.safety import CATEGORIES, SOURCES, Report
from services.safety.reports import DISMISSED, OPEN

RED = 0xED4245
STATUS = "Status"


def who(user_id: int, name: object) -> str:
    """A member as moderators read them: the stored name, then the mention (never pings)."""
    return f"**{escape_markdown(str(name))}** (<@{user_id}>)" if name else f"<@{user_id}>"


def where(p: dict[str, Any]) -> str:
    source = str(p.get("source") or "command")
    label = SOURCES.get(source, source)
    if source == "collab":
        label = "collab DM" if p.get("in_dm") else "collab thread"
    if p.get("in_dm"):
        return f"A {label} in their DMs with me (only they can open it)"
    if p.get("jump_url"):
        return (
            f"[Jump to the {label}]({p['jump_url']})"
            if source != "command"
            else (f"`/report` about [this message]({p['jump_url']})")
        )
    return "`/report`, no message linked"


def notice_embed(p: dict[str, Any]) -> discord.Embed:
    report_id = int(p["report_id"])
    title = "🚩 Report"
    if p.get("for_user"):  # a DM: say which server it is about
        title += f" in {p.get('guild_name') or 'your server'}"
    embed = discord.Embed(
        title=truncate(title, 256),
        description=f"{who(int(p['reporter_id']), p.get('reporter_name'))} reported "
        f"{who(int(p['target_id']), p.get('target_name'))}.",
        color=RED,
    )
    category = p.get("category")
    if category:
        embed.add_field(name="What happened", value=CATEGORIES.get(str(category), str(category)))
    details = p.get("details")
    if details:
        quoted = "\n".join(f"> {line}" for line in str(details).splitlines())
        embed.add_field(name="In their words", value=truncate(quoted, 1024), inline=False)
    embed.add_field(name="Where", value=truncate(where(p), 1024), inline=False)
    if p.get("note"):
        embed.add_field(name="Note", value=truncate(str(p["note"]), 1024), inline=False)
    embed.add_field(name=STATUS, value="🕒 Waiting for a moderator", inline=False)
    embed.set_footer(
        text=f"Report #{report_id} · the reported member isn't told, least of all who reported"
    )
    if p.get("created_at"):
        embed.timestamp = datetime.fromisoformat(str(p["created_at"]))
    return embed


def fresh_actions(has_post: bool) -> list[str]:
    return ["dismiss", "collabs"] + (["post"] if has_post else [])


def actions_left(report: Report) -> list[str]:
    """The buttons a report still shows: a dismissed one none; a handled one what's left."""
    if report.status == OPEN:
        return fresh_actions(report.has_post)
    if report.status == DISMISSED:
        return []
    left = ["back" if report.out_of_collabs else "collabs"]
    if report.has_post and not report.post_removed:
        left.append("post")
    return left


async def render_notice(message: OutboundMessage) -> SendSpec:
    p = message.payload
    return SendSpec(
        embeds=[notice_embed(p)],
        view=mod_view(fresh_actions(bool(p.get("has_post"))), int(p["report_id"])),
        allowed_mentions=discord.AllowedMentions.none(),
    )


def status_text(report: Report) -> str:
    if report.status == OPEN:
        return "🕒 Waiting for a moderator"
    stamp = f"<@{report.handled_by}>" if report.handled_by else "a moderator"
    if report.handled_at is not None:
        stamp += f" <t:{int(report.handled_at.timestamp())}:R>"
    if report.status == DISMISSED:
        return f"👍 Dismissed by {stamp}"
    lines = []
    if report.out_of_collabs:
        lines.append("🚫 Out of collab rounds and suggestions")
    elif report.removed_from_collabs:
        lines.append("↩️ Let back into collab rounds and suggestions")
    if report.post_removed:
        lines.append("🗑️ Post removed")
    lines.append(f"Last handled by {stamp}")
    return "\n".join(lines)


def updated_notice(current: discord.Message | None, report: Report) -> discord.Embed:
    """The notice as it was, with its status brought up to date."""
    if current is not None and current.embeds:
        embed = current.embeds[0].copy()
    else:
        embed = discord.Embed(title="🚩 Report", color=RED)
    for i, field in reversed(list(enumerate(embed.fields))):
        if field.name == STATUS:
            embed.remove_field(i)
    embed.add_field(name=STATUS, value=status_text(report), inline=False)
    embed.color = RED if report.status == OPEN else discord.Color.dark_grey()
    return embed


def thanks(name: str | None, source: str) -> str:
    """What the member who reported is told (only them, ephemerally)."""
    about = f" about **{escape_markdown(name)}**" if name else ""
    text = (
        f"Thank you for telling us. 💞 Your report{about} is with the moderators now, privately. "
        "Nobody will tell them it was you. You did the right thing."
    )
    if source == "collab":
        text += (
            " Don't want to be matched with them again? `/collab block` keeps them off your "
            "list, and only you can see it."
        )
    return text
