"""How a report looks to moderators: the notice (rendered by the outbox at send time from the
payload stored when it was queued), its status after each decision, and the buttons left to
press; and what the member who reported is told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord
from discord.utils import escape_markdown

from cogs.safety.report_views import mod_view
from core.i18n import LANGUAGES, N_, _, use_locale
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import truncate
from services.safety import CATEGORIES, SOURCES, Report
from services.safety.reports import DISMISSED, OPEN

RED = 0xED4245
STATUS = N_("Status")
WAITING = N_("🕒 Waiting for a moderator")


def _status_names() -> set[str]:
    """The status field's name in every language: a moderator may press a button on a notice
    written in another language than theirs."""
    names = set()
    for language in LANGUAGES:
        with use_locale(language):
            names.add(_(STATUS))
    return names


def who(user_id: int, name: object) -> str:
    """A member as moderators read them: the stored name, then the mention (never pings)."""
    return f"**{escape_markdown(str(name))}** (<@{user_id}>)" if name else f"<@{user_id}>"


def where(p: dict[str, Any]) -> str:
    source = str(p.get("source") or "command")
    label = _(SOURCES[source]) if source in SOURCES else source
    if source == "collab":
        label = _("collab DM") if p.get("in_dm") else _("collab thread")
    if p.get("in_dm"):
        return _("A {place} in their DMs with me (only they can open it)", place=label)
    if p.get("jump_url"):
        return (
            _("[Jump to the {place}]({url})", place=label, url=p["jump_url"])
            if source != "command"
            else _("`/report` about [this message]({url})", url=p["jump_url"])
        )
    return _("`/report`, no message linked")


def notice_embed(p: dict[str, Any]) -> discord.Embed:
    report_id = int(p["report_id"])
    title = _("🚩 Report")
    if p.get("for_user"):  # a DM: say which server it is about
        title = _("🚩 Report in {server}", server=p.get("guild_name") or _("your server"))
    embed = discord.Embed(
        title=truncate(title, 256),
        description=truncate(
            _(
                "{reporter} reported {target}.",
                reporter=who(int(p["reporter_id"]), p.get("reporter_name")),
                target=who(int(p["target_id"]), p.get("target_name")),
            ),
            4096,
        ),
        color=RED,
    )
    category = p.get("category")
    if category:
        label = CATEGORIES.get(str(category))
        embed.add_field(
            name=_("What happened"), value=_(label) if label else truncate(str(category), 1024)
        )
    details = p.get("details")
    if details:
        quoted = "\n".join(f"> {line}" for line in str(details).splitlines())
        embed.add_field(name=_("In their words"), value=truncate(quoted, 1024), inline=False)
    embed.add_field(name=_("Where"), value=truncate(where(p), 1024), inline=False)
    if p.get("note"):
        embed.add_field(name=_("Note"), value=truncate(str(p["note"]), 1024), inline=False)
    embed.add_field(name=_(STATUS), value=_(WAITING), inline=False)
    embed.set_footer(
        text=_(
            "Report #{number} · the reported member isn't told, least of all who reported",
            number=report_id,
        )
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
        return _(WAITING)
    stamp = f"<@{report.handled_by}>" if report.handled_by else _("a moderator")
    if report.handled_at is not None:
        stamp += f" <t:{int(report.handled_at.timestamp())}:R>"
    if report.status == DISMISSED:
        return _("👍 Dismissed by {moderator}", moderator=stamp)
    lines = []
    if report.out_of_collabs:
        lines.append(_("🚫 Out of collab rounds and suggestions"))
    elif report.removed_from_collabs:
        lines.append(_("↩️ Let back into collab rounds and suggestions"))
    if report.post_removed:
        lines.append(_("🗑️ Post removed"))
    lines.append(_("Last handled by {moderator}", moderator=stamp))
    return "\n".join(lines)


def updated_notice(current: discord.Message | None, report: Report) -> discord.Embed:
    """The notice as it was, with its status brought up to date."""
    if current is not None and current.embeds:
        embed = current.embeds[0].copy()
    else:
        embed = discord.Embed(title=_("🚩 Report"), color=RED)
    names = _status_names()
    for i, field in reversed(list(enumerate(embed.fields))):
        if field.name in names:
            embed.remove_field(i)
    embed.add_field(name=_(STATUS), value=status_text(report), inline=False)
    embed.color = RED if report.status == OPEN else discord.Color.dark_grey()
    return embed


def thanks(name: str | None, source: str) -> str:
    """What the member who reported is told (only them, ephemerally)."""
    if name:
        text = _(
            "Thank you for telling us. 💞 Your report about **{name}** is with the moderators "
            "now, privately. Nobody will tell them it was you. You did the right thing.",
            name=escape_markdown(name),
        )
    else:
        text = _(
            "Thank you for telling us. 💞 Your report is with the moderators now, privately. "
            "Nobody will tell them it was you. You did the right thing."
        )
    if source == "collab":
        text += " " + _(
            "Don't want to be matched with them again? `/collab block` keeps them off your "
            "list, and only you can see it."
        )
    return text
