"""/pulse for moderators (hidden from members at sync, refused at run time): the week's pulse
privately, and the weekly pulse post to the moderators' channel. The charts are drawn in the
pulse's worker process, so other commands don't wait on them."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.pulse.render import IMAGE, pulse_embed
from core.i18n import _, current, use_locale
from core.interactions import ModGroup, outcome_within, reply
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from services.container import Services
from services.pulse import Pulse
from services.pulse.post import PURPOSE, described

if TYPE_CHECKING:
    from core.bot import MutualsBot


class PulseCog(commands.Cog):
    pulse = ModGroup(name="pulse", description="The community's pulse (moderators)")

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).pulse

    async def cog_load(self) -> None:
        self.bot.outbox.register(PURPOSE, render=self.render_weekly_post)
        self.bot.deliveries.add(self.service.plan)

    async def cog_unload(self) -> None:
        self.bot.deliveries.remove(self.service.plan.kind)
        self.service.charts.close()

    async def _read(self, guild_id: int, week: str | None) -> tuple[Pulse, bytes]:
        pulse = await self.service.week(guild_id, week)
        return pulse, await self.service.charts.summary(pulse, current())

    def _file(self, image: bytes) -> discord.File:
        return discord.File(
            io.BytesIO(image), filename=IMAGE, description=_("The week's charts")[:1024]
        )

    @pulse.command(name="show", description="The community's pulse this week, or a past week")
    @app_commands.describe(week="A past week, like 2026-W14 (default: this week so far)")
    async def show(
        self, interaction: discord.Interaction, week: app_commands.Range[str, 1, 20] | None = None
    ) -> None:
        assert interaction.guild is not None
        pulse, image = await outcome_within(interaction, self._read(interaction.guild.id, week))
        await reply(interaction, embed=pulse_embed(pulse), file=self._file(image))

    @pulse.command(name="weekly-post", description="Post last week's pulse every Monday")
    @app_commands.describe(
        on="Post it every Monday at 09:00 server time, or stop",
        channel="Where (default: the moderators' log channel from /config log-channel)",
    )
    async def weekly_post(
        self,
        interaction: discord.Interaction,
        on: bool,
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild is not None
        setting = await self.service.posts.choose(
            interaction.guild.id, enabled=on, channel_id=channel.id if channel else None
        )
        await reply(interaction, described(setting))

    async def render_weekly_post(self, message: OutboundMessage) -> SendSpec:
        """The post, from what was stored when it was queued (the week and the language)."""
        assert message.guild_id is not None
        with use_locale(str(message.payload.get("language") or "en")) as language:
            pulse = await self.service.week(message.guild_id, str(message.payload["week"]))
            embed = pulse_embed(pulse)
            image = await self.service.charts.summary(pulse, language)
            return SendSpec(embeds=[embed], files=[self._file(image)])
