"""/config: the guild's settings, for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, timezone_choices
from core.i18n import LANGUAGES, _, language_name
from core.interactions import ModGroup, reply
from services import languages
from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot

#: the /config language choice that goes back to the server's own Discord locale
FOLLOW_DISCORD = "discord"


def display_name(code: str) -> str:
    """ "Español", "Português (Brasil)", "日本語": each language in itself, capitalised."""
    name = language_name(code)
    return name[:1].upper() + name[1:]


LANGUAGE_CHOICES = [
    app_commands.Choice(name=display_name(code), value=code) for code in LANGUAGES
] + [app_commands.Choice(name="follow the server's Discord locale", value=FOLLOW_DISCORD)]


def describe_language(setting: languages.ServerLanguage) -> str:
    """What /config show and /config language say about the server's language."""
    name = display_name(setting.language)
    if setting.chosen is not None:
        return _("{language} (chosen with /config language)", language=name)
    return _("{language} (following the server's Discord locale)", language=name)


class AdminCog(commands.Cog):
    config = ModGroup(name="config", description="Mutuals settings for this server (moderators)")

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).guild_config

    @config.command(name="show", description="Show this server's Mutuals settings")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        cfg = await self.service.get(interaction.guild.id)
        language = await languages.server_language_setting(self.bot.db, interaction.guild.id)
        counts = await self.bot.outbox_store.counts()
        embed = discord.Embed(title=_("Mutuals settings"), color=BRAND)
        embed.add_field(name=_("Server time zone"), value=cfg.timezone)
        embed.add_field(name=_("Language of public posts"), value=describe_language(language))
        embed.add_field(
            name=_("Mod log channel"),
            value=f"<#{cfg.log_channel_id}>"
            if cfg.log_channel_id
            else _("not set (I DM the mod who set things up)"),
        )
        embed.add_field(
            name=_("Delivery queue"),
            value=", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or _("empty"),
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
        await reply(interaction, _("Server time zone set to **{zone}**.", zone=cfg.timezone))

    @timezone.autocomplete("timezone")
    async def _tz(self, _i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @config.command(name="log-channel", description="Where I tell moderators about problems")
    @app_commands.describe(channel="The channel for moderator notices")
    async def log_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        assert interaction.guild is not None
        await self.service.update(interaction.guild.id, log_channel_id=channel.id)
        await reply(
            interaction, _("I'll post moderator notices in {channel}.", channel=channel.mention)
        )

    @config.command(name="language", description="The language of my public posts here")
    @app_commands.describe(language="Pick one, or follow the server's Discord locale")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(
        self, interaction: discord.Interaction, language: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild is not None
        chosen = None if language.value == FOLLOW_DISCORD else language.value
        await languages.choose_server_language(self.bot.db, interaction.guild.id, chosen)
        setting = await languages.server_language_setting(self.bot.db, interaction.guild.id)
        await reply(
            interaction,
            _(
                "Got it! My public posts here are now in {language}. Replies to each member "
                "still follow their own Discord language.",
                language=describe_language(setting),
            ),
        )


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(AdminCog(bot))
