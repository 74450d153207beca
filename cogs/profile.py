"""/profile set|show|delete: the creator profile every capability shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, niche_choices, timezone_choices
from core.components import ConfirmView
from core.errors import DomainError
from core.i18n import _
from core.interactions import is_moderator, reply
from core.text import truncate
from services.container import Services
from services.profiles import FOLLOWER_BANDS, Profile
from services.safety import AGE_ANSWERS, AgeAnswer, AgeSettings

if TYPE_CHECKING:
    from core.bot import MutualsBot

BAND_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in FOLLOWER_BANDS.items()]
AGE_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in AGE_ANSWERS.items()]


def profile_embed(member: discord.abc.User, profile: Profile) -> discord.Embed:
    title = _("{name}'s creator profile", name=member.display_name)
    embed = discord.Embed(title=truncate(title, 256), color=BRAND)
    if profile.tiktok_handle:
        embed.add_field(name="TikTok", value=f"[@{profile.tiktok_handle}]({profile.tiktok_url})")
    embed.add_field(name=_("Niches"), value=", ".join(profile.niches) or "—")
    embed.add_field(name=_("Fam size"), value=_(profile.band_label) if profile.band_label else "—")
    embed.add_field(name=_("Time zone"), value=profile.timezone or "—")
    if profile.intro:
        embed.add_field(name=_("Intro"), value=profile.intro, inline=False)
    embed.set_thumbnail(url=member.display_avatar.url)
    embed.set_footer(text=_("Update yours with /profile set"))
    return embed


def age_for_moderators(cfg: AgeSettings, answer: AgeAnswer | None, member: discord.abc.User) -> str:
    """What a moderator reads about a member's age group: their answer, the 18+ role, and
    which group that puts them in under the server's settings."""
    said = (
        _(
            "said **{answer}** ({source})",
            answer=_(answer.label),
            source=_("onboarding") if answer.source == "onboarding" else _("profile"),
        )
        if answer
        else _("hasn't answered")
    )
    parts = [said]
    holds = False
    if cfg.adult_role_id is not None and isinstance(member, discord.Member):
        holds = member.get_role(cfg.adult_role_id) is not None
        parts.append(_("holds the 18+ role") if holds else _("doesn't hold the 18+ role"))
    if not cfg.separate:
        return " · ".join([*parts, _("age groups are off (18+ server)")])
    adult = cfg.counts_as_adult(answer.answer if answer else None, holds)
    parts.append(_("grouped with **adults**") if adult else _("grouped as **not confirmed adult**"))
    return " · ".join(parts)


@app_commands.guild_only()
class ProfileCog(commands.GroupCog, group_name="profile", group_description="Your creator profile"):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="set", description="Set your TikTok handle, niches, time zone and fam size"
    )
    @app_commands.describe(
        handle="Your TikTok handle, e.g. @plantladyjane",
        niche="Your main niche",
        niche2="A second niche (optional)",
        niche3="A third niche (optional)",
        timezone="Your time zone, e.g. Europe/London",
        followers="Roughly how big your fam is",
        intro="One line about you and your content",
        age="How old you are: only moderators can see it (it keeps collabs safe for under-18s)",
    )
    @app_commands.choices(followers=BAND_CHOICES, age=AGE_CHOICES)
    async def set_(
        self,
        interaction: discord.Interaction,
        handle: app_commands.Range[str, 1, 100] | None = None,
        niche: app_commands.Range[str, 1, 100] | None = None,
        niche2: app_commands.Range[str, 1, 100] | None = None,
        niche3: app_commands.Range[str, 1, 100] | None = None,
        timezone: app_commands.Range[str, 1, 100] | None = None,
        followers: app_commands.Choice[str] | None = None,
        intro: app_commands.Range[str, 1, 500] | None = None,
        age: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild is not None
        changes: dict[str, Any] = {}
        if handle is not None:
            changes["handle"] = handle
        niches = [n for n in (niche, niche2, niche3) if n]
        if niches:
            changes["niches"] = niches
        if timezone is not None:
            changes["timezone"] = timezone
        if followers is not None:
            changes["follower_band"] = followers.value
        if intro is not None:
            changes["intro"] = intro
        if age is not None:
            changes["age"] = age.value
        if not changes:
            raise DomainError(
                _("Tell me at least one thing to update, e.g. `/profile set handle:@you`.")
            )
        profile = await self.bot.need(Services).profiles.update(
            interaction.guild.id, interaction.user.id, **changes
        )
        text = _("Saved! Here's your profile. 💞")
        if age is not None:
            text += " " + _("Your age group is saved too: only moderators can see it.")
        await reply(interaction, text, embed=profile_embed(interaction.user, profile))

    @set_.autocomplete("niche")
    @set_.autocomplete("niche2")
    @set_.autocomplete("niche3")
    async def niche_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        guild_id = interaction.guild.id if interaction.guild else None
        return await niche_choices(self.bot.need(Services).niches, guild_id, current)

    @set_.autocomplete("timezone")
    async def timezone_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @app_commands.command(name="show", description="Show a creator profile (yours by default)")
    @app_commands.describe(member="Whose profile to show")
    async def show(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        assert interaction.guild is not None
        target = member or interaction.user
        profile = await self.bot.need(Services).profiles.get(interaction.guild.id, target.id)
        if profile is None:
            if target.id == interaction.user.id:
                raise DomainError(
                    _("You don't have a profile yet. Make one with `/profile set handle:@you`!")
                )
            raise DomainError(
                _("{name} hasn't set up a creator profile yet.", name=target.display_name)
            )
        embed = profile_embed(target, profile)
        ages = self.bot.need(Services).age_groups
        if is_moderator(interaction):
            cfg = await ages.settings(interaction.guild.id)
            answer = await ages.answer(interaction.guild.id, target.id)
            embed.add_field(
                name=_("Age group (moderators only)"),
                value=age_for_moderators(cfg, answer, target),
                inline=False,
            )
        elif target.id == interaction.user.id:
            # Their own answer stays off the screen too (creators stream and share screens):
            # they know whether they answered, and can change it.
            answered = await ages.answer(interaction.guild.id, target.id) is not None
            embed.add_field(
                name=_("Age group"),
                value=(
                    _("answered: only moderators can see it")
                    if answered
                    else _("not answered yet: `/profile set age:` (only moderators see it)")
                ),
                inline=False,
            )
        await reply(interaction, embed=embed)

    @app_commands.command(
        name="delete", description="Erase your profile and your Mutuals data here"
    )
    async def delete(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild_id, user_id = interaction.guild.id, interaction.user.id

        async def erase() -> str:
            if await self.bot.need(Services).profiles.delete(guild_id, user_id):
                return _("Done: your profile and Mutuals data here are erased. 💨")
            return _("There was nothing stored about you here.")

        await reply(
            interaction,
            _(
                "Erase your creator profile and everything Mutuals keeps about you in this "
                "server? This can't be undone."
            ),
            view=ConfirmView(
                user_id=user_id,
                on_confirm=erase,
                confirm_label=_("Yes, erase my data"),
                cancelled=_("Nothing erased. 💞"),
            ),
        )


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(ProfileCog(bot))
