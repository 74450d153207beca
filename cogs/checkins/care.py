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
from core.i18n import N_, _, use_locale
from core.interactions import MutualsModal, MutualsView, reply
from core.outbox import DM, OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from core.text import truncate
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
from services.checkins.wording import count_of
from services.directory import FALLBACK_GUILD, FALLBACK_MEMBER
from services.languages import member_language, server_language

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinCog
    from core.bot import MutualsBot

NOT_SAFE = N_("-# If you're not safe right now, please call your local emergency number. 💛")


def _cog(interaction: discord.Interaction) -> CheckinCog:
    from cogs.checkins.cog import CheckinCog  # the cog module imports this one

    return cog_of(interaction.client, CheckinCog)


# ---------------------------------------------------------------- the mood, before the form


class MoodButton(PersistentButton, template=r"mutuals:ci:mood:(?P<gid>\d+):(?P<mood>[0-5])"):
    """One of the five moods (or 0: skip it); pressing it opens the answers form."""

    def __init__(self, guild_id: int, mood: int, *, picked: bool = False) -> None:
        if mood:
            step = mood_of(mood)
            label, emoji = step.name, step.emoji
        else:
            label, emoji = _("Skip the mood"), None
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
        _("How's your day been, honestly? Pick the one that fits and your check-in opens. 💞")
        if unit == "day"
        else _("How's your week been, honestly? Pick the one that fits and your check-in opens. 💞")
    ]
    if form.mood:
        lines.append(_("Last time you picked **{mood}**.", mood=mood_of(form.mood).text))
    lines.append(_("-# Just between you and your streak: moods never show in the recap."))
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
            label=truncate(
                _("I'd like a moderator to reach out, and show them my answers")
                if share
                else _("I'd like a moderator to reach out"),
                80,
            ),
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
        lines.append(
            _("• Talk it through with the fam in {channel}", channel=f"<#{care.channel_id}>")
        )
    lines += [f"• {line}" for line in care.shown_resources]
    return lines


def care_block(care: CareSettings) -> str:
    """What a member with a rough week is offered (also previewed to the moderators)."""
    return "\n".join(
        [
            _(
                "Weeks like this happen to every creator (and it's not always the algorithm). "
                "You don't have to carry it alone:"
            ),
            *support_lines(care),
            _(
                "If you'd like, a moderator can reach out to you privately. Only the mods get a "
                "note, and only if you tap a button below."
            ),
            _(NOT_SAFE),
        ]
    )


def saved_reply(result: Submitted, unit: str) -> tuple[str, MutualsView | None]:
    """The private answer to a check-in: cheerful, or (a low mood) warm and quiet, with care."""
    lines = []
    day = unit == "day"
    if result.moved_to_current:
        lines.append(
            _(
                "Heads up: that day closed while you were typing, so I saved this for the new "
                "one (nothing lost!)."
            )
            if day
            else _(
                "Heads up: that week closed while you were typing, so I saved this for the new "
                "one (nothing lost!)."
            )
        )
    streak = count_of(unit, result.streak)
    if not result.low:
        if result.edited:
            lines.append(
                _(
                    "Updated! You can keep editing until {closes}. ✏️",
                    closes=ts(result.period.closes_at),
                )
            )
        else:
            lines.append(_("Checked in! Thanks for sharing with the fam. 💞"))
        lines.append(_("🔥 Streak: **{streak}** (best {best}).", streak=streak, best=result.best))
        if result.milestone:
            lines.append(
                _(
                    "🎉 **{count} in a row!** That's a milestone!",
                    count=count_of(unit, result.milestone),
                )
            )
        return "\n".join(lines), None
    if result.edited:
        lines.append(_("Updated. 💛 Thanks for keeping it real with me."))
    else:
        lines.append(thanks_anyway(result.mood or 1, day, streak))
    lines.append(
        _("Your answers stay out of this day's recap; only that you showed up counts.")
        if day
        else _("Your answers stay out of this week's recap; only that you showed up counts.")
    )
    if result.care is None:  # the moderators switched care off
        return "\n".join(lines), None
    lines.append("")
    lines.append(care_block(result.care))
    if result.outreach_at is not None:
        lines.append(
            _(
                "You asked a moderator to reach out {when}: they know. 💛",
                when=ts(result.outreach_at, "R"),
            )
        )
        return truncate("\n".join(lines), 2000), None
    view = MutualsView(timeout=None)
    view.add_item(OutreachButton(result.guild_id, result.period.label, share=False))
    view.add_item(OutreachButton(result.guild_id, result.period.label, share=True))
    return truncate("\n".join(lines), 2000), view


def thanks_anyway(mood: int, day: bool, streak: str) -> str:
    """The thank-you for a low check-in, one sentence per mood and period (word order differs
    by language)."""
    if mood <= 1:
        if day:
            return _(
                "Thank you for checking in, even on a rough day. 💛 Showing up anyway still "
                "counts: your streak is **{streak}**.",
                streak=streak,
            )
        return _(
            "Thank you for checking in, even on a rough week. 💛 Showing up anyway still "
            "counts: your streak is **{streak}**.",
            streak=streak,
        )
    if day:
        return _(
            "Thank you for checking in, even on a meh day. 💛 Showing up anyway still counts: "
            "your streak is **{streak}**.",
            streak=streak,
        )
    return _(
        "Thank you for checking in, even on a meh week. 💛 Showing up anyway still counts: "
        "your streak is **{streak}**.",
        streak=streak,
    )


def outreach_reply(outreach: Outreach, result: DeliveryResult | None) -> str:
    """What the member is told after asking, from what really happened to the note."""
    if outreach.asked_before is not None:
        return truncate(
            _(
                "You already asked {when}, and the moderators know. 💛 If it's getting heavier, "
                "please don't wait for them:",
                when=ts(outreach.asked_before, "R"),
            )
            + "\n"
            + "\n".join(support_lines(outreach.care))
            + f"\n{_(NOT_SAFE)}",
            2000,
        )
    if result is not None and result.status != "sent":
        return truncate(
            _(
                "I couldn't get your note to the moderators just now (I can't reach them), I'm "
                "so sorry. 💛 Please message one of them directly, or reach out here:"
            )
            + "\n"
            + "\n".join(support_lines(outreach.care))
            + f"\n{_(NOT_SAFE)}",
            2000,
        )
    if result is not None:
        return _(
            "I've let the moderators know, privately: one of them should reach out to you by DM "
            "soon. 💛 Nobody else was told, and nothing goes in the recap. Be gentle with "
            "yourself meanwhile."
        )
    return _(
        "Your note is on its way, privately: one of them should reach out to you by DM soon. 💛 "
        "Nobody else was told, and nothing goes in the recap. Be gentle with yourself meanwhile."
    )


# ---------------------------------------------------------------- the moderators' note


async def care_note(bot: MutualsBot, msg: OutboundMessage) -> SendSpec:
    """The note to the moderators: in the server's language in the log channel, in the
    moderator's own by DM."""
    guild_id = int(msg.payload["guild_id"])
    if msg.kind == DM:
        language = await member_language(bot.db, guild_id, msg.target_id)
    else:
        language = await server_language(bot.db, guild_id)
    with use_locale(language):
        return care_note_spec(msg)


def care_note_spec(msg: OutboundMessage) -> SendSpec:
    """The note to the moderators (log channel, or a DM), from the payload stored when the
    member asked: who, which check-in, and their answers only if they chose to share them."""
    p = msg.payload
    user_id = int(p["user_id"])
    name = safe_name(str(p.get("name") or _(FALLBACK_MEMBER)))
    period = period_name(str(p.get("period") or "weekly"), date.fromisoformat(p["label"]))
    if p.get("to") == "dm":
        server = safe_name(str(p.get("guild_name") or _(FALLBACK_GUILD)))
        head = _(
            "💛 **{name}** ({mention}) asked for a moderator to reach out after their check-in "
            "in **{server}** ({period}).",
            name=name,
            mention=f"<@{user_id}>",
            server=server,
            period=period,
        )
    else:
        head = _(
            "💛 **{name}** ({mention}) asked for a moderator to reach out after their check-in "
            "({period}).",
            name=name,
            mention=f"<@{user_id}>",
            period=period,
        )
    lines = [head, _("Please DM them gently and soon, and keep it out of public channels.")]
    embeds = []
    if p.get("shared"):
        lines.append(_("They chose to share their check-in with you:"))
        embed = discord.Embed(title=_("Their check-in (shared with you)"), color=BRAND)
        if p.get("mood_value"):
            embed.add_field(name=_("Mood"), value=mood_of(int(p["mood_value"])).text, inline=False)
        elif p.get("mood"):  # a note queued before moods were stored by value
            embed.add_field(name=_("Mood"), value=str(p["mood"]), inline=False)
        for question, answer in (p.get("answers") or [])[:5]:
            shown = _(str(question)) if question else ""
            embed.add_field(
                name=truncate(shown, 256) or "—",
                value=truncate(str(answer), 1024),
                inline=False,
            )
        embeds.append(embed)
    else:
        lines.append(_("They didn't share their answers: let them tell you what they want to."))
    return SendSpec(
        content=truncate("\n".join(lines), 2000),
        embeds=embeds,
        allowed_mentions=discord.AllowedMentions.none(),
    )


# ---------------------------------------------------------------- the moderators' side


def care_embed(care: CareSettings, log_channel_id: int | None) -> list[discord.Embed]:
    """How care is set up, and a preview of what a member with a rough week sees."""
    rough, meh = (f"**{mood_of(m).text}**" for m in (1, 2))
    if care.enabled:
        state = _(
            "**On.** A member who picks {rough} or {meh} gets a private, warm reply with the "
            "support below and buttons to ask a moderator to reach out.",
            rough=rough,
            meh=meh,
        )
    else:
        state = _(
            "**Off.** A member who picks {rough} or {meh} gets a quiet, private thank-you: no "
            "support lines, no way to ask a moderator to reach out. Switch it back with "
            "`/checkin-mod care on`.",
            rough=rough,
            meh=meh,
        )
    embed = discord.Embed(
        title=_("Care after a low check-in 💛"),
        description=state
        + "\n"
        + _(
            "Either way, a low check-in's words and TikTok stay out of the recap, and no mood "
            "ever shows there."
        ),
        color=BRAND,
    )
    embed.add_field(
        name=_("Support channel"),
        value=f"<#{care.channel_id}>"
        if care.channel_id
        else _("none (point members to one with `/checkin-mod care channel`)"),
        inline=False,
    )
    resources = "\n".join(f"• {line}" for line in care.shown_resources)
    if not care.resources:
        resources += "\n" + _("(the default: add your own with `/checkin-mod care resources`)")
    embed.add_field(name=_("Resources"), value=truncate(resources, 1024), inline=False)
    if log_channel_id:
        notes = f"<#{log_channel_id}>"
    elif care.set_by:
        notes = _(
            "a DM to {moderator} (set a log channel with `/config log-channel`)",
            moderator=f"<@{care.set_by}>",
        )
    else:
        notes = _("a DM to whoever set check-ins up (set a log channel with `/config log-channel`)")
    embed.add_field(name=_("Notes to moderators go to"), value=notes, inline=False)
    preview = discord.Embed(
        title=_("What a member with a rough week sees"),
        description=truncate(care_block(care), 4096),
        color=BRAND,
    )
    return [embed, preview] if care.enabled else [embed]


class ResourcesModal(MutualsModal):
    def __init__(self, cog: CheckinCog, guild_id: int, care: CareSettings) -> None:
        super().__init__(
            title=truncate(_("Support resources"), 45), custom_id="mutuals:ci:care-res", timeout=900
        )
        self.cog = cog
        self.guild_id = guild_id
        self.lines: discord.ui.TextInput[ResourcesModal] = discord.ui.TextInput(
            label=truncate(_("One per line, by region (empty = default)"), 45),
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
        head = _("Saved! 💛") if care.resources else _("Back to the default resources.")
        await reply(interaction, head, embeds=care_embed(care, log_channel))


def care_off_question() -> str:
    return _(
        "Switch care off? Members who pick a low mood would no longer see your support "
        "lines, nor be able to ask a moderator to reach out."
    )


def care_off_done() -> str:
    return _(
        "Care is off. A member with a rough week now gets a quiet thank-you only "
        "(their words still stay out of the recap). `/checkin-mod care on` brings it back."
    )
