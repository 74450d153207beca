"""/checkin (members) and /checkin-mod (moderators): weekly check-ins in each member's time zone.

Thin on purpose: Discord objects become ids and strings, services.checkins decides, and this
module formats. Prompts and recaps are outbox messages rendered here at send time; the buttons
are DynamicItems, so a prompt sent last week still opens the form after a restart.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, timezone_choices
from core.errors import DomainError
from core.interactions import (
    ModGroup,
    MutualsModal,
    MutualsView,
    guarded,
    is_moderator,
    reply,
)
from core.outbox import OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from core.text import truncate
from services.checkins import (
    BLOCKER,
    MAX_QUESTIONS,
    PURPOSE_PROMPT_CHANNEL,
    PURPOSE_PROMPT_DM,
    PURPOSE_SUMMARY,
    QUESTION_MAX,
    TEXT,
    WEEKDAY_NAMES,
    WEEKDAYS,
    WIN,
    AnswerForm,
    CheckinSettings,
    Summary,
    render_heatmap,
)
from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)

TICK_SECONDS = 300  # safety net; exact wake-ups are scheduled for each zone's prompt time
STATUS_EMOJI = {"done": "💖", "open": "⏳", "away": "🧊", "grace": "🧊", "none": "▫️", "missed": "▪️"}


def _ts(when: datetime, style: str = "f") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def _period_name(period: str, label: date) -> str:
    if period == "weekly":
        return f"week of {label.strftime('%b %d').replace(' 0', ' ')}"
    return label.strftime("%a %b %d").replace(" 0", " ")


def _names(bot: MutualsBot, guild_id: int, user_ids: list[int]) -> list[str]:
    guild = bot.get_guild(guild_id)
    out = []
    for uid in user_ids:
        member = guild.get_member(uid) if guild else None
        name = member.display_name if member else "a mutual"
        out.append(discord.utils.escape_mentions(discord.utils.escape_markdown(name)))
    return out


# ---------------------------------------------------------------- components


class OpenCheckinButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mutuals:ci:open:(?P<gid>\d+)"
):
    """On every prompt (DM or channel): opens this period's form for whoever clicks it."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Check in",
                emoji="💞",
                style=discord.ButtonStyle.primary,
                custom_id=f"mutuals:ci:open:{guild_id}",
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> OpenCheckinButton:
        return cls(int(match["gid"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        cog = _cog(interaction)
        await cog.open_form(interaction, self.guild_id)


class NominateSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"mutuals:ci:nom:(?P<gid>\d+):(?P<label>\d{8})",
):
    """On the recap: a moderator picks one member's best TikTok for the shoutout rotation."""

    def __init__(self, guild_id: int, label: date, options: list[discord.SelectOption]) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder="Mods: nominate a best TikTok for shoutouts",
                options=options or [discord.SelectOption(label="nobody", value="0")],
                custom_id=f"mutuals:ci:nom:{guild_id}:{label.strftime('%Y%m%d')}",
            )
        )
        self.guild_id = guild_id
        self.label = label

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> NominateSelect:
        label = datetime.strptime(match["label"], "%Y%m%d").date()
        return cls(int(match["gid"]), label, [])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = [str(v) for v in data.get("values") or []]
        if not values or not values[0].isdigit():
            raise DomainError("Pick a creator from the list.")
        await _cog(interaction).nominate(interaction, self.guild_id, self.label, int(values[0]))


def _cog(interaction: discord.Interaction) -> CheckinCog:
    cog = interaction.client.get_cog("CheckinCog")  # type: ignore[attr-defined]
    if not isinstance(cog, CheckinCog):
        raise DomainError("Check-ins are restarting. Try again in a moment.")
    return cog


class CheckinModal(MutualsModal):
    def __init__(self, cog: CheckinCog, form: AnswerForm, title: str) -> None:
        super().__init__(title=title, custom_id=f"mutuals:ci:modal:{form.guild_id}", timeout=900)
        self.cog = cog
        self.form = form
        self.inputs: list[discord.ui.TextInput[CheckinModal]] = []
        for i, question in enumerate(form.questions[:MAX_QUESTIONS]):
            existing = form.existing[i] if form.existing and i < len(form.existing) else None
            long = question.kind in (TEXT, WIN, BLOCKER)
            field: discord.ui.TextInput[CheckinModal] = discord.ui.TextInput(
                label=question.text[:QUESTION_MAX],
                custom_id=f"q{i}",
                style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                placeholder=question.placeholder[:100],
                required=False,
                max_length=question.max_length,
                default=existing or None,
            )
            self.inputs.append(field)
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await self.cog.save_answers(interaction, self.form, [i.value for i in self.inputs])


class QuestionsModal(MutualsModal):
    def __init__(self, cog: CheckinCog, settings: CheckinSettings) -> None:
        super().__init__(title="Check-in questions", custom_id="mutuals:ci:questions", timeout=900)
        self.cog = cog
        self.guild_id = settings.guild_id
        self.inputs: list[discord.ui.TextInput[QuestionsModal]] = []
        for i in range(MAX_QUESTIONS):
            current = settings.questions[i].text if i < len(settings.questions) else None
            field: discord.ui.TextInput[QuestionsModal] = discord.ui.TextInput(
                label=f"Question {i + 1}" + (" (empty = remove)" if i else ""),
                custom_id=f"q{i}",
                required=i == 0,
                max_length=QUESTION_MAX,
                default=current,
                placeholder="e.g. One win (big or small!)",
            )
            self.inputs.append(field)
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        settings = await self.cog.service.set_questions(
            self.guild_id, [i.value for i in self.inputs]
        )
        lines = "\n".join(f"{n}. {q.text}" for n, q in enumerate(settings.questions, start=1))
        await reply(
            interaction,
            f"Saved! Members will be asked:\n{lines}\n"
            "Tip: a question with *mood* takes 1–5, one with *link* takes a TikTok link.",
        )


# ---------------------------------------------------------------- the cog


class CheckinCog(commands.Cog):
    checkin = app_commands.Group(
        name="checkin", description="Weekly check-ins with the fam, with streaks", guild_only=True
    )
    mod = ModGroup(name="checkin-mod", description="Set up and run check-ins (moderators)")

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).checkins
        self._lock = asyncio.Lock()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(OpenCheckinButton, NominateSelect)
        self.bot.outbox.register(
            PURPOSE_PROMPT_DM, render=self.render_dm_prompt, on_result=self.on_dm_result
        )
        self.bot.outbox.register(PURPOSE_PROMPT_CHANNEL, render=self.render_channel_prompt)
        self.bot.outbox.register(PURPOSE_SUMMARY, render=self.render_summary)
        self.bot.scheduler.every("checkin:tick", TICK_SECONDS, self.tick)
        self.bot.background.spawn(self._startup(), name="checkin-startup")

    async def cog_unload(self) -> None:
        self.bot.scheduler.cancel_prefix("checkin:")

    async def _startup(self) -> None:
        """Catch up after a restart: prompts due while down (within their period), recaps."""
        await self.bot.wait_until_ready()
        if await self.service.resume_summaries():
            self.bot.outbox.wake()
        await self.tick()

    # ------------------------------------------------------------ scheduling

    async def tick(self) -> None:
        """Queue what is due now (idempotent), then wake up again at the next due moment."""
        async with self._lock:
            now = self.bot.clock.now()
            guilds = [g for g in await self.service.guild_ids() if self.bot.owns_guild(g)]
            if not guilds:
                return
            result = await self.service.queue_due(now, guilds)
            if result.prompted:
                log.info(
                    "check-ins: %s prompts queued (%s DMs, %s channel posts)",
                    result.prompted,
                    result.dms,
                    result.channel_posts,
                )
            for guild_id in guilds:
                if await self.service.post_due_summaries(guild_id, now):
                    self.bot.outbox.wake()
                nxt = await self.service.next_wake(guild_id, now)
                # The scheduler runs on the wall clock; never ask it for a moment already past.
                if nxt is not None and nxt > datetime.now(UTC):
                    self.bot.scheduler.at(f"checkin:wake:{guild_id}", nxt, self.tick)
            self.bot.outbox.wake()

    # ------------------------------------------------------------ rendering (outbox)

    def _guild_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return discord.utils.escape_markdown(guild.name) if guild else "the server"

    def _open_view(self, guild_id: int) -> MutualsView:
        view = MutualsView(timeout=None)
        view.add_item(OpenCheckinButton(guild_id))
        return view

    async def render_dm_prompt(self, msg: OutboundMessage) -> SendSpec:
        guild_id = int(msg.payload["guild_id"])
        unit = msg.payload.get("unit", "week")
        closes = datetime.fromisoformat(msg.payload["closes_at"])
        content = (
            f"Hey mutual! 💞 It's check-in time in **{self._guild_name(guild_id)}**.\n"
            f"How was your {unit}? TikToks posted, your best one, a win, a blocker, your mood: "
            "tap **Check in**, it takes a minute.\n"
            f"You can edit your answers until your {unit} closes {_ts(closes, 'R')}. "
            "Keep that streak going! 🔥"
        )
        return SendSpec(content=content, view=self._open_view(guild_id))

    async def render_channel_prompt(self, msg: OutboundMessage) -> SendSpec:
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
            view=self._open_view(guild_id),
            allowed_mentions=discord.AllowedMentions(
                users=[discord.Object(u) for u in ids], roles=False, everyone=False
            ),
        )

    async def render_summary(self, msg: OutboundMessage) -> SendSpec:
        summary = Summary.from_payload(msg.target_id, msg.payload)
        embed = summary_embed(self.bot, summary)
        view: MutualsView | None = None
        if summary.links:
            names = _names(self.bot, summary.guild_id, [u for u, _ in summary.links])
            options = [
                discord.SelectOption(
                    label=truncate(f"{name}'s best TikTok", 100),
                    value=str(uid),
                    description=truncate(link, 100),
                    emoji="🎬",
                )
                for (uid, link), name in zip(summary.links, names, strict=True)
            ]
            view = MutualsView(timeout=None)
            view.add_item(NominateSelect(summary.guild_id, summary.label, options))
        return SendSpec(embeds=[embed], view=view, allowed_mentions=discord.AllowedMentions.none())

    async def on_dm_result(self, msg: OutboundMessage, result: DeliveryResult) -> None:
        if result.status != "dms_closed":
            return
        label = date.fromisoformat(msg.payload["period"])
        if await self.service.fallback_to_channel(
            int(msg.payload["guild_id"]), msg.target_id, label
        ):
            self.bot.outbox.wake()

    # ------------------------------------------------------------ interactions

    async def open_form(self, interaction: discord.Interaction, guild_id: int) -> None:
        if interaction.guild is not None and interaction.guild.id != guild_id:
            raise DomainError("This check-in button belongs to another server.")
        form = await self.service.form(guild_id, interaction.user.id)
        settings = await self.service.get_settings(guild_id)
        period = settings.period if settings else "weekly"
        title = f"Check-in: {_period_name(period, form.period.label)}"
        await interaction.response.send_modal(CheckinModal(self, form, truncate(title, 45)))

    async def save_answers(
        self, interaction: discord.Interaction, form: AnswerForm, values: list[str]
    ) -> None:
        result = await self.service.submit(
            form.guild_id,
            interaction.user.id,
            values,
            questions=[q.text for q in form.questions],
            label=form.period.label,
        )
        unit = "week" if (result.period.closes_at - result.period.opens_at).days >= 6 else "day"
        lines = []
        if result.moved_to_current:
            lines.append(
                f"Heads up: that {unit} closed while you were typing, so I saved this for the "
                "new one (nothing lost!)."
            )
        if result.edited:
            lines.append(f"Updated! You can keep editing until {_ts(result.period.closes_at)}. ✏️")
        else:
            lines.append("Checked in! Thanks for sharing with the fam. 💞")
        plural = "s" if result.streak != 1 else ""
        lines.append(f"🔥 Streak: **{result.streak}** {unit}{plural} (best {result.best}).")
        if result.milestone:
            lines.append(f"🎉 **{result.milestone} {unit}s in a row!** That's a milestone!")
        await reply(interaction, "\n".join(lines))

    async def nominate(
        self, interaction: discord.Interaction, guild_id: int, label: date, user_id: int
    ) -> None:
        if interaction.guild is None or interaction.guild.id != guild_id:
            raise DomainError("Use this inside the server.")
        if not is_moderator(interaction):
            raise DomainError(
                "Only moderators can nominate for the shoutout rotation. "
                "Hype your mutuals in the comments instead! 💞"
            )
        link = await self.service.best_link(guild_id, user_id, label)
        if not link:
            raise DomainError("That member didn't share a TikTok link that week.")
        names = _names(self.bot, guild_id, [user_id])
        nomination = await self.bot.need(Services).shoutouts.nominate(
            guild_id,
            user_id,
            url=link,
            blurb=f"Their best TikTok from the {_period_name('weekly', label)} check-in",
            nominated_by=interaction.user.id,
        )
        where = (
            f" They're in the **{nomination.rotation_name}** rotation."
            if nomination.rotation_name
            else " (No shoutout rotation is running yet: it's saved for when one starts.)"
        )
        await reply(
            interaction, f"Nominated **{names[0]}**'s best TikTok for a shoutout! 🎬{where}"
        )

    # ------------------------------------------------------------ member commands

    @checkin.command(name="optin", description="Get asked how your week went, at your local time")
    @app_commands.describe(how="A DM (default) or a mention in the check-in channel")
    @app_commands.choices(
        how=[
            app_commands.Choice(name="DM me", value="dm"),
            app_commands.Choice(name="Mention me in the channel", value="channel"),
        ]
    )
    async def optin(
        self, interaction: discord.Interaction, how: app_commands.Choice[str] | None = None
    ) -> None:
        assert interaction.guild is not None
        mode = how.value if how else "dm"
        member = await self.service.opt_in(interaction.guild.id, interaction.user.id, mode)
        settings = await self.service.get_settings(interaction.guild.id)
        assert settings is not None
        where = "by DM" if mode == "dm" else f"in <#{settings.channel_id}>"
        text = (
            f"You're in! 💞 I'll ask {where} {settings.describe()}: for you that's "
            f"{_ts(member.next_prompt_at, 'F')} next ({member.timezone})."
            if member.next_prompt_at
            else f"You're in! 💞 I'll ask {where} once check-ins resume."
        )
        if member.timezone == settings.timezone:
            text += "\nNot your time zone? Set yours with `/checkin timezone`."
        await reply(interaction, text)

    @checkin.command(name="optout", description="Stop check-in prompts (your streak history stays)")
    async def optout(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.opt_out(interaction.guild.id, interaction.user.id)
        await reply(
            interaction,
            "Done, no more check-in prompts. Come back any time with `/checkin optin`. 💞",
        )

    @checkin.command(name="now", description="Open this period's check-in (or edit your answers)")
    async def now(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.open_form(interaction, interaction.guild.id)

    @checkin.command(name="streak", description="Your check-in streak, last 12 periods and mood")
    async def streak(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        report = await self.service.streak(interaction.guild.id, interaction.user.id)
        unit = report.unit
        title = f"{interaction.user.display_name}: last 12 {unit}s"
        png = await asyncio.to_thread(render_heatmap, report.streak.last(12), title=title)
        embed = discord.Embed(title="Your check-in streak 🔥", color=BRAND)
        embed.add_field(name="Current", value=f"{report.streak.current} {unit}s")
        embed.add_field(name="Best", value=f"{report.streak.best} {unit}s")
        embed.add_field(name="Mood trend", value=report.mood_trend, inline=False)
        row = "".join(STATUS_EMOJI.get(m.status, "▫️") for m in report.streak.last(12)) or "—"
        embed.add_field(name="Last 12", value=row, inline=False)
        embed.set_image(url="attachment://streak.png")
        embed.set_footer(
            text=f"💖 checked in · 🧊 frozen (away or monthly grace) · ▪️ missed · {report.timezone}"
        )
        await reply(
            interaction, embed=embed, file=discord.File(io.BytesIO(png), filename="streak.png")
        )

    @checkin.command(name="away", description="Going on vacation? No prompts, streak frozen")
    @app_commands.describe(until="Last day you're away, as year-month-day, e.g. 2026-08-31")
    async def away(
        self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 30]
    ) -> None:
        assert interaction.guild is not None
        day = await self.service.set_away(interaction.guild.id, interaction.user.id, until)
        await reply(
            interaction,
            f"Enjoy the break! 🌴 No prompts until after **{day.isoformat()}**, and your streak "
            "is frozen meanwhile. Back early? `/checkin back`.",
        )

    @checkin.command(name="back", description="Back from vacation early: prompts resume")
    async def back(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.end_away(interaction.guild.id, interaction.user.id)
        await reply(interaction, "Welcome back, mutual! 💞 Prompts are back on.")

    @checkin.command(name="timezone", description="Set your time zone (the one on your profile)")
    @app_commands.describe(timezone="Your time zone, e.g. Asia/Kolkata")
    async def timezone(
        self, interaction: discord.Interaction, timezone: app_commands.Range[str, 1, 100]
    ) -> None:
        assert interaction.guild is not None
        profile = await self.bot.need(Services).profiles.update(
            interaction.guild.id, interaction.user.id, timezone=timezone
        )
        member = await self.service.membership(interaction.guild.id, interaction.user.id)
        text = f"Time zone set to **{profile.timezone}** (on your profile too)."
        if member and member.next_prompt_at:
            text += f" Your next check-in: {_ts(member.next_prompt_at, 'F')}."
        await reply(interaction, text)

    @timezone.autocomplete("timezone")
    async def _tz(self, _i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    # ------------------------------------------------------------ moderator commands

    @mod.command(name="setup", description="Start check-ins: channel, day and local time")
    @app_commands.describe(
        channel="Where the recap (and channel prompts) go",
        day="Which day members are asked (weekly)",
        time="Local time, e.g. 18:00: each member gets it at that time in their own zone",
        period="How often: weekly (default) or daily",
    )
    @app_commands.choices(
        day=[
            app_commands.Choice(name=n, value=v)
            for n, v in zip(WEEKDAY_NAMES, WEEKDAYS, strict=True)
        ],
        period=[
            app_commands.Choice(name="weekly", value="weekly"),
            app_commands.Choice(name="daily", value="daily"),
        ],
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        day: app_commands.Choice[str],
        time: app_commands.Range[str, 1, 10],
        period: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild is not None
        settings = await self.service.setup(
            interaction.guild.id,
            channel_id=channel.id,
            day=day.value,
            at=time,
            period=period.value if period else "weekly",
            by=interaction.user.id,
        )
        await reply(
            interaction,
            f"Check-ins are on! 💞 Members who `/checkin optin` are asked {settings.describe()} "
            f"(server zone **{settings.timezone}** for anyone without one). The recap posts in "
            f"{channel.mention} at {settings.summary_time.strftime('%H:%M')} server time after "
            "each period; change it with `/checkin-mod summary-time`.",
        )
        await self.tick()

    @mod.command(name="questions", description="Edit the check-in questions (up to 5)")
    async def questions(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        settings = await self.service.get_settings(interaction.guild.id)
        if settings is None:
            raise DomainError("Set check-ins up first with `/checkin-mod setup`.")
        await interaction.response.send_modal(QuestionsModal(self, settings))

    @mod.command(name="summary-time", description="When the recap posts (server time, day after)")
    @app_commands.describe(time="Server-local time, e.g. 09:00")
    async def summary_time(
        self, interaction: discord.Interaction, time: app_commands.Range[str, 1, 10]
    ) -> None:
        assert interaction.guild is not None
        settings = await self.service.set_summary_time(interaction.guild.id, time)
        await reply(
            interaction,
            f"The recap now posts at **{settings.summary_time.strftime('%H:%M')}** "
            f"({settings.timezone}) the day after each period.",
        )

    @mod.command(name="pause", description="Pause prompts and recaps (streaks stay frozen)")
    async def pause(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.set_paused(interaction.guild.id, True)
        await reply(interaction, "Check-ins paused. 💤 Nobody's streak breaks meanwhile.")

    @mod.command(name="resume", description="Resume check-in prompts and recaps")
    async def resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        settings = await self.service.set_paused(interaction.guild.id, False)
        await reply(interaction, f"Check-ins are back! Members are asked {settings.describe()}.")
        await self.tick()

    @mod.command(name="report", description="Post the current period's recap now")
    async def report(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        label = await self.service.guild_label(interaction.guild.id)
        summary = await self.service.queue_summary(interaction.guild.id, label, manual=True)
        self.bot.outbox.wake()
        await reply(
            interaction,
            f"Posting the recap in <#{summary.channel_id}>: {summary.checked_in} of "
            f"{summary.opted_in} checked in so far.",
        )


def summary_embed(bot: MutualsBot, summary: Summary) -> discord.Embed:
    unit = "week" if summary.period == "weekly" else "day"
    title = f"Check-in recap: {_period_name(summary.period, summary.label)} 💞"
    embed = discord.Embed(title=title, color=BRAND)
    names = _names(bot, summary.guild_id, list(summary.names))
    more = summary.checked_in - len(names)
    who = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    if summary.checked_in:
        desc = (
            f"**{summary.checked_in}** of {summary.opted_in} mutuals checked in this {unit}: "
            f"{who}. Thank you fam! 🫶"
        )
    else:
        desc = f"Nobody checked in this {unit}. The algorithm hates us all sometimes: next one! 💪"
    embed.description = truncate(desc, 4000)
    if summary.wins:
        win_names = _names(bot, summary.guild_id, [u for u, _ in summary.wins])
        lines = [
            f"• **{name}**: {truncate(' '.join(text.split()), 200)}"
            for (_u, text), name in zip(summary.wins, win_names, strict=True)
        ]
        embed.add_field(name="Wins 🏆", value=truncate("\n".join(lines), 1024), inline=False)
    if summary.milestones:
        ms_names = _names(bot, summary.guild_id, [u for u, _ in summary.milestones])
        lines = [
            f"🔥 **{name}**: {n} {unit}s in a row!"
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
            value=f"{len(summary.links)} shared. Mods can nominate one for a shoutout below. 🎬",
            inline=False,
        )
    if summary.mood_avg is not None:
        embed.set_footer(text=f"Average mood {summary.mood_avg}/5 · respect the niche 💞")
    return embed


__all__ = ["CheckinCog"]


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(CheckinCog(bot))
