"""/pulse for moderators: the week's pulse, privately (hidden from members at sync, refused at
run time). The chart is drawn in a worker thread, so other commands don't wait on it."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.pulse.render import IMAGE, pulse_embed
from core.interactions import MOD_PERMISSIONS, is_moderator, outcome_within, reply
from services.container import Services
from services.pulse import Pulse
from services.pulse.charts import render_summary

if TYPE_CHECKING:
    from core.bot import MutualsBot


def moderators_only(interaction: discord.Interaction) -> bool:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    if not is_moderator(interaction):
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


class PulseCog(commands.Cog):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).pulse

    async def _read(self, guild_id: int, week: str | None) -> tuple[Pulse, bytes]:
        pulse = await self.service.week(guild_id, week)
        return pulse, await asyncio.to_thread(render_summary, pulse)

    @app_commands.command(name="pulse", description="The community's pulse this week (moderators)")
    @app_commands.describe(week="A past week, like 2026-W14 (default: this week so far)")
    @app_commands.default_permissions(MOD_PERMISSIONS)
    @app_commands.guild_only()
    @app_commands.check(moderators_only)
    async def pulse(
        self, interaction: discord.Interaction, week: app_commands.Range[str, 1, 20] | None = None
    ) -> None:
        assert interaction.guild is not None
        pulse, image = await outcome_within(interaction, self._read(interaction.guild.id, week))
        await reply(
            interaction,
            embed=pulse_embed(pulse),
            file=discord.File(io.BytesIO(image), filename=IMAGE, description="The week's charts"),
        )
