"""/about: version, uptime, latency, database backend, guild count."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from babel.dates import format_timedelta
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND
from core.bot import VERSION
from core.i18n import _, current, format_number
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
            "—"
            if math.isnan(latency) or math.isinf(latency)
            else _("{ms} ms", ms=format_number(round(latency * 1000)))
        )
        uptime = format_timedelta(
            timedelta(seconds=int(self.bot.uptime())), threshold=1, locale=current()
        )
        embed = discord.Embed(
            title="Mutuals 💞",
            description=_(
                "Hey mutual! I help this fam lift each other up: welcomes, shoutouts, collabs, "
                "slang quizzes and check-ins. Respect the niche!"
            ),
            color=BRAND,
        )
        embed.add_field(name=_("Version"), value=VERSION)
        embed.add_field(name=_("Uptime"), value=uptime)
        embed.add_field(name=_("Gateway latency"), value=latency_text)
        embed.add_field(name=_("Database"), value=self.bot.db.backend)
        embed.add_field(name=_("Servers"), value=format_number(len(self.bot.guilds)))
        await reply(interaction, embed=embed, ephemeral=True)


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(About(bot))
