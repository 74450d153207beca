"""/config: the guild's settings, for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, timezone_choices
from core.interactions import ModGroup, reply
from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot


class AdminCog(commands.Cog):
    config = ModGroup(name="config", description="Mutuals settings for this server (moderators)")

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).guild_config

    @config.command(name="show", description="Show this server's Mutuals settings")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        cfg = await self.service.get(interaction.guild.id)
        counts = await self.bot.outbox_store.counts()
        embed = discord.Embed(title="Mutuals settings", color=BRAND)
        embed.add_field(name="Server time zone", value=cfg.timezone)
        embed.add_field(
            name="Mod log channel",
            value=f"<#{cfg.log_channel_id}>"
            if cfg.log_channel_id
            else "not set (I DM the mod who set things up)",
        )
        embed.add_field(
            name="Delivery queue",
            value=", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "empty",
            inline=False,
        )
        await reply(interaction, embed=embed)

    @config.command(name="timezone", description="Set the server's default time zone")
    @app_commands.describe(timezone="IANA time zone, e.g. America/New_York")
    async def timezone(
        self, interaction: discord.Interaction, timezone: app_commands.Range[str, 1, 100]
    ) -> None:
        assert interaction.guild is not None
        cfg = await self.service.update(interaction.guild.id, timezone=timezone)
        await reply(interaction, f"Server time zone set to **{cfg.timezone}**.")

    @timezone.autocomplete("timezone")
    async def _tz(self, _i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @config.command(name="log-channel", description="Where I tell moderators about problems")
    async def log_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        assert interaction.guild is not None
        await self.service.update(interaction.guild.id, log_channel_id=channel.id)
        await reply(interaction, f"I'll post moderator notices in {channel.mention}.")


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(AdminCog(bot))
