"""Care after a low check-in, on Discord: the five mood buttons before the form, the reply after
it (warm and private when the mood was low, with the moderators' support lines and the "I'd like
a moderator to reach out" buttons), the note the moderators get only when a member asks, and
the moderators' view of it all. Every message here is ephemeral or goes to the moderators."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

import discord

from cogs._common import BRAND
from cogs.checkins.render import period_name, safe_name, ts
from core.components import PersistentButton, cog_of
from core.interactions import MutualsModal, MutualsView, reply
from core.outbox import OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from core.text import plural, truncate
from services.checkins import (
    MAX_RESOURCES,
    MOODS,
    RESOURCE_MAX,
    AnswerForm,
    CareSettings,
    Outreach,
    Submitted,
    mood_of,
)
from services.directory import FALLBACK_GUILD, FALLBACK_MEMBER

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinCog

REACH_OUT = "I'd like a moderator to reach out"
NOT_SAFE = "-# If you're not safe right now, please call your local emergency number. 💛"


def _cog(interaction: discord.Interaction) -> CheckinCog:
    from cogs.checkins.cog import CheckinCog  # the cog module imports this one

    return cog_of(interaction.client, CheckinCog)


# ---------------------------------------------------------------- the mood, before the form


class MoodButton(PersistentButton, template=r"mutuals:ci:mood:(?P<gid>\d+):(?P<mood>[0-5])"):
    """One of the five moods (or 0: skip it); pressing it opens the answers form."""

    def __init__(self, guild_id: int, mood: int, *, picked: bool = False) -> None:
        if mood:
            step = mood_of(mood)
            label, emoji = step.label, step.emoji
        else:
            label, emoji = "Skip the mood", None
        style = discord.ButtonStyle.primary if picked else discord.ButtonStyle.secondary
        super().__init__(
            custom_id=f"mutuals:ci:mood:{guild_id}:{mood}", label=label, emoji=emoji, style=style
        )
        self.guild_id = guild_id
        self.mood = mood

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> MoodButton:
        return cls(int(match["gid"]), int(match["mood"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).pick_mood(interaction, self.guild_id, self.mood or None)


def mood_view(form: AnswerForm) -> MutualsView:
    """The five moods (the one saved this period highlighted), and a way to skip it when the
    form asks anything else (a check-in of only the mood has nothing to save without it)."""
    view = MutualsView(timeout=None)
    for step in MOODS:
        view.add_item(MoodButton(form.guild_id, step.value, picked=step.value == form.mood))
    if form.shown():
        skip = MoodButton(form.guild_id, 0)
        skip.row = 1
        view.add_item(skip)
    return view


def mood_question(form: AnswerForm, unit: str) -> str:
    lines = [
        f"How's your {unit} been, honestly? Pick the one that fits and your check-in opens. 💞"
    ]
    if form.mood:
        lines.append(f"Last time you picked **{mood_of(form.mood).text}**.")
    lines.append("-# Just between you and your streak: moods never show in the recap.")
    return "\n".join(lines)


# ---------------------------------------------------------------- after the form


class OutreachButton(
    PersistentButton, template=r"mutuals:ci:care:(?P<gid>\d+):(?P<label>\d{8}):(?P<share>[01])"
):
    """On the private reply to a low check-in: tell the moderators, privately, that this member
    would like one of them to reach out (``share``: with the answers they gave)."""

    def __init__(self, guild_id: int, label: date, share: bool) -> None:
        super().__init__(
            custom_id=f"mutuals:ci:care:{guild_id}:{label.strftime('%Y%m%d')}:{int(share)}",
            label=f"{REACH_OUT}, and show them my answers" if share else REACH_OUT,
            emoji="📝" if share else "💛",
            style=discord.ButtonStyle.secondary if share else discord.ButtonStyle.primary,
        )
        self.guild_id = guild_id
        self.label = label
        self.share = share

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> OutreachButton:
        day = datetime.strptime(match["label"], "%Y%m%d").date()
        return cls(int(match["gid"]), day, match["share"] == "1")

    async def pressed(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).reach_out(interaction, self.guild_id, self.label, self.share)


def support_lines(care: CareSettings) -> list[str]:
    lines = []
    if care.channel_id:
        lines.append(f"• Talk it through with the fam in <#{care.channel_id}>")
    lines += [f"• {line}" for line in care.shown_resources]
    return lines


def care_block(care: CareSettings) -> str:
    """What a member with a rough week is offered (also previewed to the moderators)."""
    return "\n".join(
        [
            "Weeks like this happen to every creator (and it's not always the algorithm). "
            "You don't have to carry it alone:",
            *support_lines(care),
            "If you'd like, a moderator can reach out to you privately. Only the mods get a "
            "note, and only if you tap a button below.",
            NOT_SAFE,
        ]
    )


def saved_reply(result: Submitted, unit: str) -> tuple[str, MutualsView | None]:
    """The private answer to a check-in: cheerful, or (a low mood) warm and quiet, with care."""
    lines = []
    if result.moved_to_current:
        lines.append(
            f"Heads up: that {unit} closed while you were typing, so I saved this for the "
            "new one (nothing lost!)."
        )
    if not result.low:
        if result.edited:
            lines.append(f"Updated! You can keep editing until {ts(result.period.closes_at)}. ✏️")
        else:
            lines.append("Checked in! Thanks for sharing with the fam. 💞")
        lines.append(f"🔥 Streak: **{plural(result.streak, unit)}** (best {result.best}).")
        if result.milestone:
            lines.append(f"🎉 **{plural(result.milestone, unit)} in a row!** That's a milestone!")
        return "\n".join(lines), None
    if result.edited:
        lines.append("Updated. 💛 Thanks for keeping it real with me.")
    else:
        how = mood_of(result.mood or 1).label.lower()  # "rough" or "meh"
        lines.append(
            f"Thank you for checking in, even on a {how} {unit}. 💛 Showing up anyway still "
            f"counts: your streak is **{plural(result.streak, unit)}**."
        )
    lines.append(f"Your answers stay out of this {unit}'s recap; only that you showed up counts.")
    if result.care is None:  # the moderators switched care off
        return "\n".join(lines), None
    lines.append("")
    lines.append(care_block(result.care))
    if result.outreach_at is not None:
        lines.append(
            f"You asked a moderator to reach out {ts(result.outreach_at, 'R')}: they know. 💛"
        )
        return truncate("\n".join(lines), 2000), None
    view = MutualsView(timeout=None)
    view.add_item(OutreachButton(result.guild_id, result.period.label, share=False))
    view.add_item(OutreachButton(result.guild_id, result.period.label, share=True))
    return truncate("\n".join(lines), 2000), view


def outreach_reply(outreach: Outreach, result: DeliveryResult | None) -> str:
    """What the member is told after asking, from what really happened to the note."""
    if outreach.asked_before is not None:
        return (
            f"You already asked {ts(outreach.asked_before, 'R')}, and the moderators know. 💛 "
            "If it's getting heavier, please don't wait for them:\n"
            + "\n".join(support_lines(outreach.care))
            + f"\n{NOT_SAFE}"
        )
    if result is not None and result.status != "sent":
        return (
            "I couldn't get your note to the moderators just now (I can't reach them), I'm "
            "so sorry. 💛 Please message one of them directly, or reach out here:\n"
            + "\n".join(support_lines(outreach.care))
            + f"\n{NOT_SAFE}"
        )
    sent = "I've let the moderators know" if result is not None else "Your note is on its way"
    return (
        f"{sent}, privately: one of them should reach out to you by DM soon. 💛 Nobody else "
        "was told, and nothing goes in the recap. Be gentle with yourself meanwhile."
    )


# ---------------------------------------------------------------- the moderators' note


async def care_note(_bot: object, msg: OutboundMessage) -> SendSpec:
    """The note to the moderators (log channel, or a DM), from the payload stored when the
    member asked: who, which check-in, and their answers only if they chose to share them."""
    p = msg.payload
    user_id = int(p["user_id"])
    name = safe_name(str(p.get("name") or FALLBACK_MEMBER))
    period = period_name(str(p.get("period") or "weekly"), date.fromisoformat(p["label"]))
    where = ""
    if p.get("to") == "dm":
        where = f" in **{safe_name(str(p.get('guild_name') or FALLBACK_GUILD))}**"
    lines = [
        f"💛 **{name}** (<@{user_id}>) asked for a moderator to reach out after their "
        f"check-in{where} ({period}).",
        "Please DM them gently and soon, and keep it out of public channels.",
    ]
    embeds = []
    if p.get("shared"):
        lines.append("They chose to share their check-in with you:")
        embed = discord.Embed(title="Their check-in (shared with you)", color=BRAND)
        if p.get("mood"):
            embed.add_field(name="Mood", value=str(p["mood"]), inline=False)
        for question, answer in (p.get("answers") or [])[:5]:
            embed.add_field(
                name=truncate(str(question), 256),
                value=truncate(str(answer), 1024),
                inline=False,
            )
        embeds.append(embed)
    else:
        lines.append("They didn't share their answers: let them tell you what they want to.")
    return SendSpec(
        content="\n".join(lines), embeds=embeds, allowed_mentions=discord.AllowedMentions.none()
    )


# ---------------------------------------------------------------- the moderators' side


def care_embed(care: CareSettings, log_channel_id: int | None) -> list[discord.Embed]:
    """How care is set up, and a preview of what a member with a rough week sees."""
    low = " or ".join(f"**{mood_of(m).text}**" for m in (1, 2))
    if care.enabled:
        state = (
            f"**On.** A member who picks {low} gets a private, warm reply with the support "
            "below and buttons to ask a moderator to reach out."
        )
    else:
        state = (
            f"**Off.** A member who picks {low} gets a quiet, private thank-you: no support "
            "lines, no way to ask a moderator to reach out. Switch it back with "
            "`/checkin-mod care on`."
        )
    embed = discord.Embed(
        title="Care after a low check-in 💛",
        description=state + "\nEither way, a low check-in's words and TikTok stay out of the "
        "recap, and no mood ever shows there.",
        color=BRAND,
    )
    embed.add_field(
        name="Support channel",
        value=f"<#{care.channel_id}>"
        if care.channel_id
        else "none (point members to one with `/checkin-mod care channel`)",
        inline=False,
    )
    resources = "\n".join(f"• {line}" for line in care.shown_resources)
    if not care.resources:
        resources += "\n(the default: add your own with `/checkin-mod care resources`)"
    embed.add_field(name="Resources", value=truncate(resources, 1024), inline=False)
    if log_channel_id:
        notes = f"<#{log_channel_id}>"
    elif care.set_by:
        notes = f"a DM to <@{care.set_by}> (set a log channel with `/config log-channel`)"
    else:
        notes = "a DM to whoever set check-ins up (set a log channel with `/config log-channel`)"
    embed.add_field(name="Notes to moderators go to", value=notes, inline=False)
    preview = discord.Embed(
        title="What a member with a rough week sees",
        description=truncate(care_block(care), 4096),
        color=BRAND,
    )
    return [embed, preview] if care.enabled else [embed]


class ResourcesModal(MutualsModal):
    def __init__(self, cog: CheckinCog, guild_id: int, care: CareSettings) -> None:
        super().__init__(title="Support resources", custom_id="mutuals:ci:care-res", timeout=900)
        self.cog = cog
        self.guild_id = guild_id
        self.lines: discord.ui.TextInput[ResourcesModal] = discord.ui.TextInput(
            label="One per line, by region (empty = default)",
            custom_id="lines",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_RESOURCES * (RESOURCE_MAX + 1),
            default="\n".join(care.resources) or None,
            placeholder="🇺🇸 US: call or text 988\n🇬🇧 UK: Samaritans, 116 123",
        )
        self.add_item(self.lines)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        care, log_channel = await self.cog.service.set_care_resources(
            self.guild_id, self.lines.value, by=interaction.user.id
        )
        head = "Saved! 💛" if care.resources else "Back to the default resources."
        await reply(interaction, head, embeds=care_embed(care, log_channel))
