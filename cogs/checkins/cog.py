"""/checkin (members) and /checkin-mod (moderators): weekly check-ins in each member's time zone.

Thin on purpose: Discord objects become ids and strings, services.checkins decides, render.py
formats. Prompts and recaps are delivery plans core runs (services/checkins/delivery.py) and
outbox messages rendered at send time from their stored payload; the buttons are persistent
(views.py), so a prompt sent last week still opens the form after a restart.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import timezone_choices
from cogs.checkins import care, render
from cogs.checkins.render import member_names, period_name, streak_embed, ts
from cogs.checkins.views import (
    CheckinModal,
    EditAnswersView,
    NominateSelect,
    OpenCheckinButton,
    QuestionsModal,
)
from core.components import ConfirmView
from core.errors import DomainError
from core.i18n import _, format_number, ngettext
from core.interactions import ModGroup, ModSubGroup, is_moderator, outcome_within, reply
from core.outbox import OutboundMessage
from core.outbox_worker import DeliveryResult
from core.text import truncate
from services.checkins import (
    PURPOSE_CARE_NOTE,
    PURPOSE_PROMPT_CHANNEL,
    PURPOSE_PROMPT_DM,
    PURPOSE_SUMMARY,
    WEEKDAY_NAMES,
    WEEKDAYS,
    AnswerForm,
    render_heatmap,
)
from services.checkins.wording import count_of
from services.container import Services
from services.safety import TextNotAllowed

if TYPE_CHECKING:
    from core.bot import MutualsBot

#: how long a member who asked for a moderator waits to hear that the note really went out
NOTE_WAIT = 8.0


class CheckinCog(commands.Cog):
    checkin = app_commands.Group(
        name="checkin", description="Weekly check-ins with the fam, with streaks", guild_only=True
    )
    mod = ModGroup(name="checkin-mod", description="Set up and run check-ins (moderators)")
    care = ModSubGroup(
        name="care", description="Care after a low check-in (moderators)", parent=mod
    )

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).checkins
        self.plans = self.service.plans()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(
            OpenCheckinButton, NominateSelect, care.MoodButton, care.OutreachButton
        )
        self.bot.outbox.register(
            PURPOSE_PROMPT_DM,
            render=partial(render.dm_prompt, self.bot),
            on_result=self.on_dm_result,
        )
        self.bot.outbox.register(
            PURPOSE_PROMPT_CHANNEL, render=partial(render.channel_prompt, self.bot)
        )
        self.bot.outbox.register(PURPOSE_SUMMARY, render=partial(render.summary_post, self.bot))
        self.bot.outbox.register(PURPOSE_CARE_NOTE, render=partial(care.care_note, self.bot))
        for plan in self.plans:
            self.bot.deliveries.add(plan)

    async def cog_unload(self) -> None:
        for plan in self.plans:
            self.bot.deliveries.remove(plan.kind)

    # ------------------------------------------------------------ outbox results

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
        """The "Check in" button and `/checkin now`: the five mood buttons first (when the mood
        is asked), else straight to the form."""
        if interaction.guild is not None and interaction.guild.id != guild_id:
            raise DomainError(_("This check-in button belongs to another server."))
        form = await self.service.form(guild_id, interaction.user.id)
        if form.asks_mood:
            await reply(
                interaction,
                care.mood_question(form, render.unit_name(form.period)),
                view=care.mood_view(form),
            )
            return
        await self.show_form(interaction, form, None)

    async def pick_mood(
        self, interaction: discord.Interaction, guild_id: int, mood: int | None
    ) -> None:
        if interaction.guild is not None and interaction.guild.id != guild_id:
            raise DomainError(_("This check-in button belongs to another server."))
        form = await self.service.form(guild_id, interaction.user.id)
        if not form.shown():  # the mood is all this check-in asks
            await self.save_answers(interaction, form, [], [], mood)
            return
        await self.show_form(interaction, form, mood)

    async def show_form(
        self, interaction: discord.Interaction, form: AnswerForm, mood: int | None
    ) -> None:
        await interaction.response.send_modal(
            CheckinModal(self, form, await self.title(form), mood)
        )

    async def title(self, form: AnswerForm) -> str:
        settings = await self.service.get_settings(form.guild_id)
        period = settings.period if settings else "weekly"
        return truncate(_("Check-in: {period}", period=period_name(period, form.period.label)), 45)

    async def save_answers(
        self,
        interaction: discord.Interaction,
        form: AnswerForm,
        values: list[str],
        asked: list[str],
        mood: int | None,
    ) -> None:
        try:
            # a write that may wait on a busy database: acknowledged in time, answered when saved
            result = await outcome_within(
                interaction,
                self.service.submit(
                    form.guild_id,
                    interaction.user.id,
                    values,
                    questions=asked,
                    label=form.period.label,
                    mood=mood,
                ),
            )
        except TextNotAllowed as exc:  # nothing lost: one tap reopens the form as they typed it
            typed = list(form.existing or ("",) * len(form.questions))
            for (index, _question), value in zip(form.shown(), values, strict=False):
                typed[index] = value
            retry = replace(form, existing=tuple(typed))
            await reply(
                interaction,
                exc.message,
                view=EditAnswersView(self, retry, await self.title(form), mood),
            )
            return
        text, view = care.saved_reply(result, render.unit_name(result.period))
        await reply(interaction, text, view=view)

    async def reach_out(
        self, interaction: discord.Interaction, guild_id: int, label: date, share: bool
    ) -> None:
        """A member with a rough week asked for a moderator: one private note, and the truth
        about whether it reached them."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        outreach = await self.service.reach_out(guild_id, interaction.user.id, label, share=share)
        result = None
        if outreach.dedupe_key is not None:
            result = await self.bot.outbox.wait_for(outreach.dedupe_key, NOTE_WAIT)
        await reply(interaction, care.outreach_reply(outreach, result))

    async def nominate(
        self, interaction: discord.Interaction, guild_id: int, label: date, user_id: int
    ) -> None:
        if interaction.guild is None or interaction.guild.id != guild_id:
            raise DomainError(_("Use this inside the server."))
        if not is_moderator(interaction):
            raise DomainError(
                _(
                    "Only moderators can nominate for the shoutout rotation. "
                    "Hype your mutuals in the comments instead! 💞"
                )
            )
        link = await self.service.best_link(guild_id, user_id, label)
        if not link:
            raise DomainError(_("That member didn't share a TikTok link that week."))
        names = member_names(self.bot, guild_id, [user_id])
        nomination = await self.bot.need(Services).shoutouts.nominate(
            guild_id,
            user_id,
            url=link,
            blurb=_(
                "Their best TikTok from the {period} check-in",
                period=period_name("weekly", label),
            ),
            nominated_by=interaction.user.id,
        )
        await reply(interaction, render.nominated(names[0], nomination.rotation_name))

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
        where = (
            _("by DM") if mode == "dm" else _("in {channel}", channel=f"<#{settings.channel_id}>")
        )
        text = (
            _(
                "You're in! 💞 I'll ask {where} {when}: for you that's {next} next ({timezone}).",
                where=where,
                when=settings.describe(),
                next=ts(member.next_prompt_at, "F"),
                timezone=member.timezone,
            )
            if member.next_prompt_at
            else _("You're in! 💞 I'll ask {where} once check-ins resume.", where=where)
        )
        if member.timezone == settings.timezone:
            text += "\n" + _("Not your time zone? Set yours with `/checkin timezone`.")
        await reply(interaction, text)

    @checkin.command(name="optout", description="Stop check-in prompts (your streak history stays)")
    async def optout(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.opt_out(interaction.guild.id, interaction.user.id)
        await reply(
            interaction,
            _("Done, no more check-in prompts. Come back any time with `/checkin optin`. 💞"),
        )

    @checkin.command(name="now", description="Open this period's check-in (or edit your answers)")
    async def now(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.open_form(interaction, interaction.guild.id)

    @checkin.command(name="streak", description="Your check-in streak, last 12 periods and mood")
    async def streak(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        report = await self.service.streak(interaction.guild.id, interaction.user.id)
        title = _(
            "{name}: last {count}",
            name=interaction.user.display_name,
            count=count_of(report.unit, 12),
        )
        png = await asyncio.to_thread(render_heatmap, report.streak.last(12), title=title)
        await reply(
            interaction,
            embed=streak_embed(report),
            file=discord.File(io.BytesIO(png), filename="streak.png"),
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
            _(
                "Enjoy the break! 🌴 No prompts until after **{date}**, and your streak is frozen "
                "meanwhile. Back early? `/checkin back`.",
                date=day.isoformat(),
            ),
        )

    @checkin.command(name="back", description="Back from vacation early: prompts resume")
    async def back(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.end_away(interaction.guild.id, interaction.user.id)
        await reply(interaction, _("Welcome back, mutual! 💞 Prompts are back on."))

    @checkin.command(name="timezone", description="Set your time zone (the one on your profile)")
    @app_commands.describe(timezone="Your time zone, e.g. Asia/Kolkata")
    async def timezone(
        self, interaction: discord.Interaction, timezone: app_commands.Range[str, 1, 100]
    ) -> None:
        assert interaction.guild is not None
        profile = await self.bot.need(Services).profiles.update(
            interaction.guild.id, interaction.user.id, timezone=timezone
        )
        member = await self.service.zone_changed(interaction.guild.id, interaction.user.id)
        text = _(
            "Time zone set to **{timezone}** (on your profile too).", timezone=profile.timezone
        )
        if member and member.next_prompt_at:
            text += " " + _("Your next check-in: {when}.", when=ts(member.next_prompt_at, "F"))
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
            _(
                "Check-ins are on! 💞 Members who `/checkin optin` are asked {when} (server zone "
                "**{timezone}** for anyone without one). The recap posts in {channel} at {time} "
                "server time after each period; change it with `/checkin-mod summary-time`.",
                when=settings.describe(),
                timezone=settings.timezone,
                channel=channel.mention,
                time=settings.summary_time.strftime("%H:%M"),
            ),
        )

    @mod.command(name="questions", description="Edit the check-in questions (up to 5)")
    async def questions(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        settings = await self.service.get_settings(interaction.guild.id)
        if settings is None:
            raise DomainError(_("Set check-ins up first with `/checkin-mod setup`."))
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
            _(
                "The recap now posts at **{time}** ({timezone}) the day after each period.",
                time=settings.summary_time.strftime("%H:%M"),
                timezone=settings.timezone,
            ),
        )

    @mod.command(name="pause", description="Pause prompts and recaps (streaks stay frozen)")
    async def pause(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.set_paused(interaction.guild.id, True)
        await reply(interaction, _("Check-ins paused. 💤 Nobody's streak breaks meanwhile."))

    @mod.command(name="resume", description="Resume check-in prompts and recaps")
    async def resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        settings = await self.service.set_paused(interaction.guild.id, False)
        await reply(
            interaction,
            _("Check-ins are back! Members are asked {when}.", when=settings.describe()),
        )

    @mod.command(name="report", description="Post the current period's recap now")
    async def report(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        label = await self.service.guild_label(interaction.guild.id)
        summary = await self.service.queue_summary(interaction.guild.id, label, manual=True)
        self.bot.outbox.wake()
        await reply(
            interaction,
            ngettext(
                "Posting the recap in {channel}: {checked} of {n} mutual checked in so far.",
                "Posting the recap in {channel}: {checked} of {n} mutuals checked in so far.",
                summary.opted_in,
                channel=f"<#{summary.channel_id}>",
                checked=format_number(summary.checked_in),
            ),
        )

    # ------------------------------------------------------------ care after a low check-in

    async def _care_reply(self, interaction: discord.Interaction, head: str) -> None:
        assert interaction.guild is not None
        settings, log_channel = await self.service.care_settings(interaction.guild.id)
        await reply(interaction, head, embeds=care.care_embed(settings, log_channel))

    @care.command(name="show", description="How care works here, and what a member sees")
    async def care_show(self, interaction: discord.Interaction) -> None:
        await self._care_reply(interaction, _("Here's how care after a low check-in is set up."))

    @care.command(name="on", description="Offer support and a moderator reach-out after a low mood")
    async def care_on(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        settings, log_channel = await self.service.set_care_enabled(
            interaction.guild.id, True, by=interaction.user.id
        )
        await reply(interaction, _("Care is on. 💛"), embeds=care.care_embed(settings, log_channel))

    @care.command(name="off", description="Stop offering support after a low mood (asks first)")
    async def care_off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild_id, user_id = interaction.guild.id, interaction.user.id

        async def switch_off() -> str:
            await self.service.set_care_enabled(guild_id, False, by=user_id)
            return care.care_off_done()

        await reply(
            interaction,
            care.care_off_question(),
            view=ConfirmView(
                user_id=user_id,
                on_confirm=switch_off,
                confirm_label=_("Switch care off"),
                cancel_label=_("Keep it on"),
                cancelled=_("Care stays on. 💛"),
            ),
        )

    @care.command(name="channel", description="The support channel members are pointed to")
    @app_commands.describe(channel="Where members can find support (leave empty for none)")
    async def care_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        assert interaction.guild is not None
        settings, log_channel = await self.service.set_care_channel(
            interaction.guild.id, channel.id if channel else None, by=interaction.user.id
        )
        head = (
            _("Members with a rough week are pointed to {channel}. 💛", channel=channel.mention)
            if channel
            else _("No support channel now: members see the resources only.")
        )
        await reply(interaction, head, embeds=care.care_embed(settings, log_channel))

    @care.command(name="resources", description="Edit the support resources (one per line)")
    async def care_resources(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        settings, _log_channel = await self.service.care_settings(interaction.guild.id)
        await interaction.response.send_modal(
            care.ResourcesModal(self, interaction.guild.id, settings)
        )
