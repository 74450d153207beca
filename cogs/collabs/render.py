"""What collabs look like on Discord: the settings, status, suggestions and stats embeds, and
the queued intro and follow-up turned into messages at send time from what their payload
stored when they were queued (names, the server's name), never from this process's cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import discord

from cogs._common import BRAND
from cogs.collabs.views import AnswerButton
from cogs.safety.report_views import ReportButton
from core.i18n import _, ngettext
from core.outbox import DM, OutboundMessage
from core.outbox_worker import SendSpec
from core.text import neutralise, truncate
from services.collabs import ANSWERS, CollabProfile, MemberStatus, Stats, Suggestion


def when(value: datetime) -> str:
    """A moment in each reader's own time zone (Discord renders the timestamp)."""
    return f"<t:{int(value.timestamp())}:F>"


def _pings(members: list[int]) -> discord.AllowedMentions:
    return discord.AllowedMentions(
        users=[discord.Object(u) for u in members], everyone=False, roles=False
    )


def settings_embed(title: str, p: CollabProfile, now: datetime) -> discord.Embed:
    embed = discord.Embed(title=title, color=BRAND)
    state = _("in") if p.opted_in else _("out (join with `/collab optin`)")
    if p.opted_in and p.paused(now) and p.paused_until is not None:
        state = _("paused until {when}, then back by itself", when=when(p.paused_until))
    embed.add_field(name=_("Collab rounds"), value=state, inline=False)
    embed.add_field(name=_("Formats"), value=p.format_labels)
    embed.add_field(name=_("Languages"), value=", ".join(p.languages) or "—")
    if p.availability:
        embed.add_field(name=_("Availability"), value=neutralise(p.availability), inline=False)
    return embed


def status_embed(st: MemberStatus, profile: CollabProfile, now: datetime) -> discord.Embed:
    embed = settings_embed(_("Your collab status"), profile, now)
    if st.removed:
        embed.set_field_at(
            0,
            name=_("Collab rounds"),
            value=_("out for now: a moderator took you out of rounds and suggestions"),
            inline=False,
        )
    if st.last_partners:
        lines = [
            f"{when(at)}: " + (", ".join(f"<@{u}>" for u in who) or _("someone who left"))
            for at, who in st.last_partners
        ]
        embed.add_field(
            name=_("Last partners"), value=truncate("\n".join(lines), 1024), inline=False
        )
    else:
        embed.add_field(name=_("Last partners"), value=_("none yet"), inline=False)
    embed.add_field(
        name=_("Never-pair list"),
        value=ngettext("{n} member, private to you", "{n} members, private to you", st.blocked),
    )
    return embed


def suggestions_embed(found: Sequence[Suggestion], name_of: Callable[[int], str]) -> discord.Embed:
    embed = discord.Embed(title=_("Your best collab matches right now"), color=BRAND)
    for i, s in enumerate(found, 1):
        embed.add_field(
            name=truncate(f"{i}. {name_of(s.user_id)}", 256),
            value=truncate(f"<@{s.user_id}>: {s.reason}", 1024),
            inline=False,
        )
    embed.set_footer(text=_("Blocked and recent partners are left out. Slide into their DMs!"))
    return embed


def stats_embed(st: Stats) -> discord.Embed:
    embed = discord.Embed(title=_("Collab rounds"), color=BRAND)
    if st.settings is None:
        schedule = _("not set up (`/collab-rounds setup`)")
    else:
        schedule = _(
            "{schedule} in {channel}",
            schedule=st.settings.describe(),
            channel=f"<#{st.settings.channel_id}>",
        )
        if st.settings.paused:
            schedule += " " + _("(paused)")
        elif st.settings.next_round_at:
            schedule += "\n" + _("next: {when}", when=when(st.settings.next_round_at))
    embed.add_field(name=_("Schedule"), value=schedule, inline=False)
    embed.add_field(
        name=_("Members"),
        value=_("{opted_in} opted in, {paused} paused", opted_in=st.opted_in, paused=st.paused),
    )
    embed.add_field(
        name=_("Rounds"),
        value=_(
            "{rounds}, {groups} ({trios}), {places}",
            rounds=ngettext("{n} round", "{n} rounds", st.rounds),
            groups=ngettext("{n} group", "{n} groups", st.groups),
            trios=ngettext("{n} trio", "{n} trios", st.trios),
            places=ngettext("{n} place", "{n} places", st.matched),
        ),
    )
    embed.add_field(name=_("Repeat groups"), value=str(st.repeats))
    a = st.answers
    embed.add_field(
        name=_("Did you collab?"),
        value=_(
            "collabed: {yes} · not yet: {not_yet} · no: {no} · no answer: {awaiting}",
            yes=a["yes"],
            not_yet=a["not_yet"],
            no=a["no"],
            awaiting=st.awaiting,
        ),
        inline=False,
    )
    out = st.left_out
    if any(out.values()):
        embed.add_field(
            name=_("Left out of rounds"),
            value=_(
                "no shared language: {language} · blocks: {blocked} · no room left: {full} · "
                "alone: {alone} · nobody in their age group: {age}",
                language=out.get("language", 0),
                blocked=out.get("blocked", 0),
                full=out.get("full", 0),
                alone=out.get("alone", 0),
                age=out.get("age", 0),
            ),
            inline=False,
        )
    if st.last_round_at:
        embed.set_footer(text=_("Last round"))
        embed.timestamp = st.last_round_at
    return embed


def _who(payload: dict[str, Any], user_id: int) -> str:
    """A partner as a DM names them: the display name stored when the message was queued
    (a DM can't rely on the reader's client knowing the mention), then the mention."""
    name = (payload.get("names") or {}).get(str(user_id))
    return f"**{neutralise(str(name))}** (<@{user_id}>)" if name else f"<@{user_id}>"


def _guild(payload: dict[str, Any]) -> str:
    return neutralise(str(payload.get("guild_name") or _("the server")))


def intro_embed(payload: dict[str, Any]) -> discord.Embed:
    embed = discord.Embed(
        title=_("Why you were matched"),
        description=truncate(str(payload.get("reason") or ""), 1000),
        color=BRAND,
    )
    prompts = [str(p) for p in payload.get("prompts", [])][:2]
    if prompts:
        embed.add_field(
            name=_("Two collab ideas to start"),
            value=truncate("\n".join(f"{i}. {p}" for i, p in enumerate(prompts, 1)), 1024),
            inline=False,
        )
    if payload.get("repeat"):
        embed.add_field(
            name=_("Round two!"),
            value=_("You've been matched before: nobody else fit this round. Level up the collab!"),
            inline=False,
        )
    days = int(payload.get("followup_days") or 7)
    embed.set_footer(
        text=ngettext(
            "I'll check in in {n} day: did you collab? 🎬",
            "I'll check in in {n} days: did you collab? 🎬",
            days,
        )
    )
    return embed


def _report_view(p: dict[str, Any]) -> discord.ui.View | None:
    """The intro's "Report" button (intros queued before it existed have no group id)."""
    if not p.get("group_id"):
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(ReportButton.about_collab(int(p["group_id"])))
    return view


async def render_intro(message: OutboundMessage) -> SendSpec:
    p = message.payload
    members = [int(u) for u in p.get("members", [])]
    embed = intro_embed(p)
    view = _report_view(p)
    if message.kind == DM:
        me = int(p.get("for_user") or message.target_id)
        others = _(" and ").join(_who(p, u) for u in members if u != me)
        where = (
            " " + _("(collab channel: {channel})", channel=f"<#{p['channel_id']}>")
            if p.get("channel_id")
            else ""
        )
        content = _(
            "Hey mutual! 💞 Your collab match in **{server}** this round: {others}. I couldn't "
            "open a private thread{where}, so say hi by DM and plan something fun together!",
            server=_guild(p),
            others=others,
            where=where,
        )
        return SendSpec(
            content=truncate(content, 2000),
            embeds=[embed],
            view=view,
            allowed_mentions=discord.AllowedMentions.none(),
        )
    tags = " × ".join(f"<@{u}>" for u in members)
    content = _(
        "Hey mutuals! {tags} 💞 you're this round's collab match. This thread is just for you: "
        "say hi, swap handles, pick an idea below!",
        tags=tags,
    )
    return SendSpec(
        content=truncate(content, 2000),
        embeds=[embed],
        view=view,
        allowed_mentions=_pings(members),
    )


async def render_followup(message: OutboundMessage) -> SendSpec:
    p = message.payload
    group_id = int(p["group_id"])
    members = [int(u) for u in p.get("members", [])]
    view = discord.ui.View(timeout=None)
    for answer in ANSWERS:
        view.add_item(AnswerButton(group_id, answer))
    if message.kind == DM:
        me = int(p.get("for_user") or message.target_id)
        others = _(" and ").join(_who(p, u) for u in members if u != me)
        return SendSpec(
            content=truncate(
                _(
                    "Hey mutual! It's check-in time: did your collab with {others} from "
                    "**{server}** happen? 🎬",
                    others=others,
                    server=_guild(p),
                ),
                2000,
            ),
            view=view,
            allowed_mentions=discord.AllowedMentions.none(),
        )
    tags = " ".join(f"<@{u}>" for u in members)
    return SendSpec(
        content=_(
            "{tags} it's check-in time: did you collab? 🎬 Each of you can answer.", tags=tags
        ),
        view=view,
        allowed_mentions=_pings(members),
    )
