"""How shoutouts look in Discord: the spotlight post (rendered by the outbox at send time), the
moderators' rotation summaries, queue and history, and a creator's status."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import discord
from babel.dates import format_skeleton

from cogs._common import BRAND
from cogs.safety.report_views import ReportButton
from core.i18n import SOURCE, _, current, ngettext
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import neutralise, truncate
from services.shoutouts import (
    REQUIRED_FIELDS,
    Feature,
    Membership,
    Pitch,
    QueueEntry,
    RotationInfo,
)


def when_text(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    language = current()
    shown = (
        f"{local:%a %d %b %H:%M}"
        if language == SOURCE
        else f"{format_skeleton('MMMEd', local, locale=language)} {local:%H:%M}"
    )
    return f"{shown} ({tz}) · <t:{int(moment.timestamp())}:R>"


def rotation_summary(rot: RotationInfo, now: datetime, members: int | None = None) -> str:
    state = (
        _(
            "⏸️ paused ({reason})",
            reason=_(rot.pause_reason) if rot.pause_reason else str(rot.pause_reason),
        )
        if rot.paused
        else _("▶️ running")
    )
    lines = [
        _(
            "**{name}** in {channel} · `{schedule}` ({timezone}) · {state}",
            name=rot.name,
            channel=f"<#{rot.channel_id}>",
            schedule=rot.schedule,
            timezone=rot.timezone,
            state=state,
        ),
    ]
    extras = []
    if members is not None:
        extras.append(ngettext("{n} creator", "{n} creators", members))
    extras.append(_("round {round}", round=rot.current_round))
    if rot.min_days_between:
        extras.append(
            ngettext(
                "≥{n} day between features", "≥{n} days between features", rot.min_days_between
            )
        )
    extras.append(_("pings the creator") if rot.ping_featured else _("no ping for the creator"))
    if rot.ping_role_id:
        extras.append(_("pings {role}", role=f"<@&{rot.ping_role_id}>"))
    if rot.exclude_role_ids:
        extras.append(
            _("excludes {roles}", roles=" ".join(f"<@&{r}>" for r in rot.exclude_role_ids))
        )
    if rot.required_fields:
        extras.append(
            _(
                "needs {fields}",
                fields=", ".join(_(REQUIRED_FIELDS[f]) for f in rot.required_fields),
            )
        )
    lines.append(" · ".join(extras))
    if not rot.paused:
        nxt = rot.next_slots(now, 1)
        if nxt:
            lines.append(_("Next: {when}", when=when_text(nxt[0], rot.timezone)))
    return "\n".join(lines)


def next_slots_text(rot: RotationInfo, now: datetime) -> str:
    return "\n".join(f"• {when_text(t, rot.timezone)}" for t in rot.next_slots(now, 3))


def membership_line(m: Membership) -> str:
    if not m.active:
        why = {
            "opted_out": _("you left"),
            "left": _("you left the server"),
            "excluded": _("your role is excluded from it"),
            "profile": _("your profile is missing something it needs"),
            "removed": _("a moderator took you out"),
        }.get(m.inactive_reason or "", _("inactive"))
        return _("**{name}**: not in the queue ({why})", name=m.rotation_name, why=why)
    place = _("up next! 🎉") if m.place == 1 else _("#{place} in the queue", place=m.place)
    if m.times_featured:
        return ngettext(
            "**{name}**: {place} (round {round}, featured {n} time)",
            "**{name}**: {place} (round {round}, featured {n} times)",
            m.times_featured,
            name=m.rotation_name,
            place=place,
            round=m.round_no,
        )
    return _(
        "**{name}**: {place} (round {round})", name=m.rotation_name, place=place, round=m.round_no
    )


def history_line(f: Feature) -> str:
    stamp = f"<t:{int(f.slot_at.timestamp())}:f>"
    if f.status == "featured" and f.user_id:
        return _(
            "{stamp} · {member} (round {round})",
            stamp=stamp,
            member=f"<@{f.user_id}>",
            round=f.round_no,
        )
    if f.status == "missed":
        return _("{stamp} · missed (I was offline)", stamp=stamp)
    if f.status == "failed":
        return _("{stamp} · not posted: {why}", stamp=stamp, why=f.detail or _("the post failed"))
    return _("{stamp} · nobody featured: {why}", stamp=stamp, why=f.detail or _("empty"))


# ---------------------------------------------------------------- moderators' embeds


def created_embed(rot: RotationInfo, now: datetime) -> discord.Embed:
    embed = discord.Embed(
        title=truncate(_("🎉 {name} is live", name=rot.name), 256),
        description=rotation_summary(rot, now),
        color=BRAND,
    )
    embed.add_field(name=_("Next three shoutouts"), value=next_slots_text(rot, now) or "—")
    embed.set_footer(text=_("Creators join with /shoutout join · manage with /rotation"))
    return embed


def saved_embed(rot: RotationInfo, now: datetime) -> discord.Embed:
    embed = discord.Embed(
        title=truncate(_("Saved {name}", name=rot.name), 256),
        description=rotation_summary(rot, now),
        color=BRAND,
    )
    if not rot.paused:
        embed.add_field(name=_("Next three shoutouts"), value=next_slots_text(rot, now) or "—")
    return embed


def rotations_embed(summaries: list[str]) -> discord.Embed:
    return discord.Embed(
        title=_("Shoutout rotations"),
        description=truncate("\n\n".join(summaries), 4096),
        color=BRAND,
    )


def queue_embed(rot: RotationInfo, entries: list[QueueEntry]) -> discord.Embed:
    lines = []
    for i, e in enumerate(entries, 1):
        later = " " + _("(next round)") if e.round_no > rot.current_round else ""
        lines.append(f"`{i:>2}.` <@{e.user_id}>{later}")
    embed = discord.Embed(
        title=truncate(_("Up next in {name}", name=rot.name), 256),
        description="\n".join(lines),
        color=BRAND,
    )
    embed.set_footer(text=_("Round {round}", round=rot.current_round))
    return embed


def history_embed(rot: RotationInfo, features: list[Feature]) -> discord.Embed:
    return discord.Embed(
        title=truncate(_("{name}: history", name=rot.name), 256),
        description="\n".join(history_line(f) for f in features),
        color=BRAND,
    )


# ---------------------------------------------------------------- members' embeds


def status_embed(memberships: list[Membership], pitch: Pitch | None) -> discord.Embed:
    embed = discord.Embed(
        title=_("Your shoutouts"),
        description="\n".join(membership_line(m) for m in memberships),
        color=BRAND,
    )
    if pitch is not None:
        text = f"“{pitch.blurb}”"
        if pitch.content_warning:  # as the fam will see it
            text = f"{cw_line(pitch.content_warning)}\n“{spoiler(pitch.blurb)}”"
        text += f"\n{pitch.url}" if pitch.url else ""
        if pitch.rotation_name:
            text += "\n" + _("For **{name}**", name=pitch.rotation_name)
        embed.add_field(name=_("Your next pitch"), value=truncate(text, 1024), inline=False)
    else:
        embed.add_field(
            name=_("Your next pitch"),
            value=_("None yet: tell me what to feature with `/shoutout pitch`."),
            inline=False,
        )
    return embed


# ---------------------------------------------------------------- the spotlight post


def cw_line(content_warning: str) -> str:
    """ "CW: …", bold, safe to show: no pings, no markdown of its own."""
    warning = discord.utils.escape_markdown(neutralise(content_warning))
    return "**" + _("CW: {warning}", warning=warning) + "**"


def spoiler(text: str) -> str:
    """Text behind a spoiler that no ``|`` inside it can end early."""
    return "||" + text.replace("|", "\\|") + "||"


async def render_feature(message: OutboundMessage) -> SendSpec:
    """The spotlight as posted, from the payload the service queued (async: the outbox's
    renderer contract)."""
    p = message.payload
    user_id = int(p["user_id"])
    handle = str(p["handle"])
    profile_url = f"https://www.tiktok.com/@{handle}"
    blurb = neutralise(truncate(str(p.get("blurb") or ""), 300))
    warning = str(p.get("content_warning") or "")
    quoted = f"> {blurb}\n\n" if blurb else ""
    if warning:  # the creator asked: the warning up front, their words behind a spoiler
        quoted = cw_line(warning) + "\n" + (f"> {spoiler(blurb)}\n\n" if blurb else "\n")
    line = str(p.get("line") or "")  # stored in English: one of VOICE_LINES
    description = quoted + (_(line) if line else "")
    embed = discord.Embed(
        title=truncate(_("✨ Spotlight: @{handle}", handle=handle), 256),
        url=p.get("url") or profile_url,
        description=description,
        color=BRAND,
    )
    niches = [str(n) for n in p.get("niches") or []]
    if niches:
        embed.add_field(name=_("Niches"), value=truncate(", ".join(niches), 1024))
    if p.get("url"):
        watch = "[{label}]({url})".format(label=_("The TikTok they picked"), url=p["url"])
        embed.add_field(
            name=_("Watch"), value=f"{cw_line(warning)} · {watch}" if warning else watch
        )
    embed.set_footer(
        text=truncate(
            _(
                "{rotation} · round {round} · /shoutout join to get featured",
                rotation=p.get("rotation"),
                round=p.get("round"),
            ),
            200,
        )
    )
    ping_user = bool(p.get("ping_user"))
    role_id = int(p["ping_role_id"]) if p.get("ping_role_id") else None
    who = f"<@{user_id}>" if ping_user else f"**@{handle}**"
    content = _("Hey mutuals! 💞 Today's spotlight is {who}", who=who)
    if role_id:
        content += f" · <@&{role_id}>"
    mentions = discord.AllowedMentions(
        everyone=False,
        users=[discord.Object(user_id)] if ping_user else False,
        roles=[discord.Object(role_id)] if role_id else False,
        replied_user=False,
    )
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            style=discord.ButtonStyle.link,
            label=truncate(_("Open @{handle} on TikTok", handle=handle), 80),
            url=profile_url,
        )
    )
    if message.guild_id is not None:
        view.add_item(ReportButton.about_member("shoutout", message.guild_id, user_id))
    return SendSpec(content=content, embeds=[embed], view=view, allowed_mentions=mentions)
