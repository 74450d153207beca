"""How shoutouts look in Discord: the spotlight post (rendered by the outbox at send time), the
moderators' rotation summaries, queue and history, and a creator's status."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from cogs._common import BRAND
from cogs.safety.report_views import ReportButton
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import neutralise, plural, truncate
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
    return f"{local:%a %d %b %H:%M} ({tz}) · <t:{int(moment.timestamp())}:R>"


def rotation_summary(rot: RotationInfo, now: datetime, members: int | None = None) -> str:
    state = f"⏸️ paused ({rot.pause_reason})" if rot.paused else "▶️ running"
    lines = [
        f"**{rot.name}** in <#{rot.channel_id}> · `{rot.schedule}` ({rot.timezone}) · {state}",
    ]
    extras = []
    if members is not None:
        extras.append(plural(members, "creator"))
    extras.append(f"round {rot.current_round}")
    if rot.min_days_between:
        extras.append(f"≥{plural(rot.min_days_between, 'day')} between features")
    extras.append("pings the creator" if rot.ping_featured else "no ping for the creator")
    if rot.ping_role_id:
        extras.append(f"pings <@&{rot.ping_role_id}>")
    if rot.exclude_role_ids:
        extras.append("excludes " + " ".join(f"<@&{r}>" for r in rot.exclude_role_ids))
    if rot.required_fields:
        extras.append("needs " + ", ".join(REQUIRED_FIELDS[f] for f in rot.required_fields))
    lines.append(" · ".join(extras))
    if not rot.paused:
        nxt = rot.next_slots(now, 1)
        if nxt:
            lines.append("Next: " + when_text(nxt[0], rot.timezone))
    return "\n".join(lines)


def next_slots_text(rot: RotationInfo, now: datetime) -> str:
    return "\n".join(f"• {when_text(t, rot.timezone)}" for t in rot.next_slots(now, 3))


def membership_line(m: Membership) -> str:
    if not m.active:
        why = {
            "opted_out": "you left",
            "left": "you left the server",
            "excluded": "your role is excluded from it",
            "profile": "your profile is missing something it needs",
            "removed": "a moderator took you out",
        }.get(m.inactive_reason or "", "inactive")
        return f"**{m.rotation_name}**: not in the queue ({why})"
    place = "up next! 🎉" if m.place == 1 else f"#{m.place} in the queue"
    featured = f", featured {plural(m.times_featured, 'time')}" if m.times_featured else ""
    return f"**{m.rotation_name}**: {place} (round {m.round_no}{featured})"


def history_line(f: Feature) -> str:
    stamp = f"<t:{int(f.slot_at.timestamp())}:f>"
    if f.status == "featured" and f.user_id:
        return f"{stamp} · <@{f.user_id}> (round {f.round_no})"
    if f.status == "missed":
        return f"{stamp} · missed (I was offline)"
    if f.status == "failed":
        return f"{stamp} · not posted: {f.detail or 'the post failed'}"
    return f"{stamp} · nobody featured: {f.detail or 'empty'}"


# ---------------------------------------------------------------- moderators' embeds


def created_embed(rot: RotationInfo, now: datetime) -> discord.Embed:
    embed = discord.Embed(
        title=f"🎉 {rot.name} is live", description=rotation_summary(rot, now), color=BRAND
    )
    embed.add_field(name="Next three shoutouts", value=next_slots_text(rot, now) or "—")
    embed.set_footer(text="Creators join with /shoutout join · manage with /rotation")
    return embed


def saved_embed(rot: RotationInfo, now: datetime) -> discord.Embed:
    embed = discord.Embed(
        title=f"Saved {rot.name}", description=rotation_summary(rot, now), color=BRAND
    )
    if not rot.paused:
        embed.add_field(name="Next three shoutouts", value=next_slots_text(rot, now) or "—")
    return embed


def rotations_embed(summaries: list[str]) -> discord.Embed:
    return discord.Embed(
        title="Shoutout rotations", description=truncate("\n\n".join(summaries), 4096), color=BRAND
    )


def queue_embed(rot: RotationInfo, entries: list[QueueEntry]) -> discord.Embed:
    lines = []
    for i, e in enumerate(entries, 1):
        later = " (next round)" if e.round_no > rot.current_round else ""
        lines.append(f"`{i:>2}.` <@{e.user_id}>{later}")
    embed = discord.Embed(title=f"Up next in {rot.name}", description="\n".join(lines), color=BRAND)
    embed.set_footer(text=f"Round {rot.current_round}")
    return embed


def history_embed(rot: RotationInfo, features: list[Feature]) -> discord.Embed:
    return discord.Embed(
        title=f"{rot.name}: history",
        description="\n".join(history_line(f) for f in features),
        color=BRAND,
    )


# ---------------------------------------------------------------- members' embeds


def status_embed(memberships: list[Membership], pitch: Pitch | None) -> discord.Embed:
    embed = discord.Embed(
        title="Your shoutouts",
        description="\n".join(membership_line(m) for m in memberships),
        color=BRAND,
    )
    if pitch is not None:
        text = f"“{pitch.blurb}”"
        if pitch.content_warning:  # as the fam will see it
            text = f"{cw_line(pitch.content_warning)}\n“{spoiler(pitch.blurb)}”"
        text += f"\n{pitch.url}" if pitch.url else ""
        if pitch.rotation_name:
            text += f"\nFor **{pitch.rotation_name}**"
        embed.add_field(name="Your next pitch", value=truncate(text, 1024), inline=False)
    else:
        embed.add_field(
            name="Your next pitch",
            value="None yet: tell me what to feature with `/shoutout pitch`.",
            inline=False,
        )
    return embed


# ---------------------------------------------------------------- the spotlight post


def cw_line(content_warning: str) -> str:
    """ "CW: …", bold, safe to show: no pings, no markdown of its own."""
    return f"**CW: {discord.utils.escape_markdown(neutralise(content_warning))}**"


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
    description = quoted + str(p.get("line") or "")
    embed = discord.Embed(
        title=truncate(f"✨ Spotlight: @{handle}", 256),
        url=p.get("url") or profile_url,
        description=description,
        color=BRAND,
    )
    niches = [str(n) for n in p.get("niches") or []]
    if niches:
        embed.add_field(name="Niches", value=truncate(", ".join(niches), 1024))
    if p.get("url"):
        watch = f"[The TikTok they picked]({p['url']})"
        embed.add_field(name="Watch", value=f"{cw_line(warning)} · {watch}" if warning else watch)
    embed.set_footer(
        text=truncate(
            f"{p.get('rotation')} · round {p.get('round')} · /shoutout join to get featured",
            200,
        )
    )
    ping_user = bool(p.get("ping_user"))
    role_id = int(p["ping_role_id"]) if p.get("ping_role_id") else None
    who = f"<@{user_id}>" if ping_user else f"**@{handle}**"
    content = f"Hey mutuals! 💞 Today's spotlight is {who}"
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
            label=truncate(f"Open @{handle} on TikTok", 80),
            url=profile_url,
        )
    )
    if message.guild_id is not None:
        view.add_item(ReportButton.about_member("shoutout", message.guild_id, user_id))
    return SendSpec(content=content, embeds=[embed], view=view, allowed_mentions=mentions)
