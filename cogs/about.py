"""/about: version, uptime, latency, database backend, guild count."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND
from core.bot import VERSION
from core.interactions import reply

if TYPE_CHECKING:
    from core.bot import MutualsBot


class About(commands.Cog):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="What Mutuals is, and how it's doing")
    async def about(self, interaction: discord.Interaction) -> None:
        latency = self.bot.latency
        latency_text = (
            "—" if math.isnan(latency) or math.isinf(latency) else f"{latency * 1000:.0f} ms"
        )
        uptime = str(timedelta(seconds=int(self.bot.uptime())))
        embed = discord.Embed(
            title="Mutuals 💞",
            description=(
                "Hey mutual! I help this fam lift each other up: welcomes, shoutouts, collabs, "
                "slang quizzes and check-ins. Respect the niche!"
            ),
            color=BRAND,
        )
        embed.add_field(name="Version", value=VERSION)
        embed.add_field(name="Uptime", value=uptime)
        embed.add_field(name="Gateway latency", value=latency_text)
        embed.add_field(name="Database", value=self.bot.db.backend)
        embed.add_field(name="Servers", value=str(len(self.bot.guilds)))
        await reply(interaction, embed=embed, ephemeral=True)


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(About(bot))
