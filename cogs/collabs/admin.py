"""/collab-rounds …: moderators set up, pause, resume, run and measure collab rounds (core's
deliveries run them; a run-now is a manual run of the same plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import timezone_choices
from cogs.collabs.cog import CollabsCog
from cogs.collabs.render import stats_embed, when
from core.errors import DomainError
from core.i18n import _, ngettext
from core.interactions import ModGroup, reply
from services.collabs import SLOT_KIND
from services.safety import RoleHoldersUnknown

if TYPE_CHECKING:
    from core.bot import MutualsBot

WEEKDAYS = [
    app_commands.Choice(name=name, value=name[:3].lower())
    for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
]
FREQUENCY_CHOICES = [
    app_commands.Choice(name="weekly", value="weekly"),
    app_commands.Choice(name="every other week", value="biweekly"),
    app_commands.Choice(name="monthly (first chosen weekday)", value="monthly"),
]


@app_commands.guild_only()
class CollabRoundsCog(commands.Cog):
    """/collab-rounds: a top-level command, so Discord hides it from members (it can only hide
    whole top-level commands), on top of the run-time check every moderator group has."""

    rounds = ModGroup(name="collab-rounds", description="Collab rounds (moderators)")

    def __init__(self, bot: MutualsBot, main: CollabsCog) -> None:
        self.bot = bot
        self.main = main

    @rounds.command(name="setup", description="Where and when collab rounds run")
    @app_commands.describe(
        channel="Channel for the private collab threads",
        frequency="How often rounds run",
        day="Which weekday",
        time="Time of day, like 18:00 or 6pm",
        timezone="Time zone for the schedule (default: the server's)",
        history="Avoid repeating partners from this many past rounds (default 6)",
        followup_days="Days until I ask 'did you collab?' (default 7)",
    )
    @app_commands.choices(frequency=FREQUENCY_CHOICES, day=WEEKDAYS)
    async def setup_rounds(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        frequency: app_commands.Choice[str],
        day: app_commands.Choice[str],
        time: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 100] | None = None,
        history: app_commands.Range[int, 0, 52] | None = None,
        followup_days: app_commands.Range[int, 1, 60] | None = None,
    ) -> None:
        assert interaction.guild is not None
        zone = timezone or (await self.main.guild_config.get(interaction.guild.id)).timezone
        cfg = await self.main.service.setup(
            interaction.guild.id,
            interaction.user.id,
            channel_id=channel.id,
            frequency=frequency.value,
            day=day.value,
            at=time,
            timezone=zone,
            history_rounds=history,
            followup_days=followup_days,
        )
        nxt = (
            " " + _("Next round: {when}.", when=when(cfg.next_round_at))
            if cfg.next_round_at
            else ""
        )
        if cfg.paused:
            nxt = " " + _("Rounds are paused: `/collab-rounds resume` to start them.")
        perms = channel.permissions_for(interaction.guild.me)
        warning = ""
        if not (perms.create_private_threads and perms.send_messages_in_threads):
            warning = "\n" + _(
                "⚠️ I can't create private threads there (I need **Create Private Threads** "
                "and **Send Messages in Threads**), so I'll introduce pairs by DM until that's "
                "fixed."
            )
        await reply(
            interaction,
            _(
                "Collab rounds run {schedule} in {channel}.{next} Follow-ups after {days}; no "
                "repeat partners within {rounds}.",
                schedule=cfg.describe(),
                channel=channel.mention,
                next=nxt,
                days=ngettext("{n} day", "{n} days", cfg.followup_days),
                rounds=ngettext("{n} round", "{n} rounds", cfg.history_rounds),
            )
            + warning,
        )

    @setup_rounds.autocomplete("timezone")
    async def _tz(self, _i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @rounds.command(name="pause", description="Pause collab rounds")
    async def pause_rounds(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.main.service.set_paused(interaction.guild.id, True)
        await reply(
            interaction, _("Collab rounds paused. `/collab-rounds resume` brings them back.")
        )

    @rounds.command(name="resume", description="Resume collab rounds")
    async def resume_rounds(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        cfg = await self.main.service.set_paused(interaction.guild.id, False)
        nxt = (
            " " + _("Next round: {when}.", when=when(cfg.next_round_at))
            if cfg.next_round_at
            else ""
        )
        await reply(interaction, _("Collab rounds are back on! 💞") + nxt)

    @rounds.command(name="run-now", description="Run a collab round right now")
    async def run_now(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id
        await self.main.service.check_run_now(guild_id)
        if await self.main.adult_role_holders(guild_id) is None:
            raise RoleHoldersUnknown()  # the round would wait for the member list: say so now
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.bot.deliveries.run_manual(SLOT_KIND, str(guild_id), guild_id)
        if outcome.status == "taken":
            raise DomainError(_("A round for this moment is already running."))
        if outcome.status == "unavailable":
            raise DomainError(
                _(
                    "The database didn't answer just now, so no round was started. Try "
                    "`/collab-rounds run-now` again in a few seconds."
                )
            )
        if outcome.status == "retry":
            raise DomainError(
                _(
                    "The database didn't answer just now, so the round is on hold: I'll run it "
                    "by myself in a moment, no need to run it again."
                )
            )
        rnd = await self.main.service.round_at(guild_id, outcome.occurrence.at)
        if not outcome.delivered or rnd is None:
            raise DomainError(
                _(
                    "That round didn't go through (error id `{error_id}`, it's logged). Try "
                    "again in a minute.",
                    error_id=outcome.error_id,
                )
                if outcome.error_id
                else _("That round didn't go through (it's logged). Try again in a minute.")
            )
        text = _("Round done! {summary}", summary=rnd.summary())
        if rnd.groups:
            text += " " + _(
                "Intros are on their way: private threads, or DMs where threads can't go."
            )
        await reply(interaction, text)

    @rounds.command(name="stats", description="Collab rounds, pairs and follow-up answers")
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        st = await self.main.service.stats(interaction.guild.id)
        await reply(interaction, embed=stats_embed(st))
