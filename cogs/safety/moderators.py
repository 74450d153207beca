"""/safety …: the moderators' safety settings. Age groups: the 18+ role, who counts as an
adult, and keeping adults and members not confirmed adult apart (switched off only for a
server a moderator confirms is 18+ only)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND
from core.components import ConfirmView
from core.errors import DomainError
from core.i18n import _
from core.interactions import ModGroup, reply
from services.container import Services
from services.safety import ADULTS_BY, AGE_ANSWERS, AgeGroupService, AgeSettings

if TYPE_CHECKING:
    from core.bot import MutualsBot

ADULTS_BY_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in ADULTS_BY.items()]
MODE_CHOICES = [
    app_commands.Choice(name="on: adults and under-18s never matched together", value="on"),
    app_commands.Choice(name="off: this server is 18+ only", value="off"),
]
NONE = discord.AllowedMentions.none()


def _present(guild: discord.Guild) -> Collection[int] | None:
    """The guild's human members, when the cache knows all of them."""
    return {m.id for m in guild.members if not m.bot} if guild.chunked else None


def _role_text(cfg: AgeSettings) -> str:
    return f"<@&{cfg.adult_role_id}>" if cfg.adult_role_id is not None else _("none named")


def settings_embed(
    cfg: AgeSettings, answers: dict[str, int], unanswered: int | None
) -> discord.Embed:
    embed = discord.Embed(title=_("Safety: age groups"), color=BRAND)
    if cfg.separate:
        embed.description = _(
            "**On.** Adults and members not confirmed adult are never put together: collab "
            "rounds, trios, `/collab suggest` and the members a welcome intro invites."
        )
    else:
        if cfg.adults_only_by and cfg.adults_only_at:  # switched off together, by whom and when
            embed.description = _(
                "**Off.** A moderator confirmed this server is 18+ only by {moderator} on "
                "{date}: anyone may be matched with anyone. `/safety age-groups mode:on` brings "
                "age groups back.",
                moderator=f"<@{cfg.adults_only_by}>",
                date=discord.utils.format_dt(cfg.adults_only_at, "D"),
            )
        else:
            embed.description = _(
                "**Off.** A moderator confirmed this server is 18+ only: anyone may be matched "
                "with anyone. `/safety age-groups mode:on` brings age groups back."
            )
    embed.add_field(name=_("Who counts as an adult"), value=_(ADULTS_BY[cfg.adults_by]))
    embed.add_field(name=_("18+ role"), value=_role_text(cfg))
    counts = " · ".join(f"{_(AGE_ANSWERS[key])}: {n}" for key, n in answers.items())
    if unanswered is not None:
        counts += " · " + _("not answered: {count}", count=unanswered)
    embed.add_field(
        name=_("Members' answers (only moderators see these)"), value=counts, inline=False
    )
    embed.set_footer(text=_("One member's answer: /profile show member:… (moderators only)"))
    return embed


@app_commands.guild_only()
class SafetyModerationCog(commands.Cog):
    """/safety: a top-level moderator command, so Discord hides it from members, on top of the
    run-time check every ModGroup has."""

    safety = ModGroup(name="safety", description="Safety settings for a young community (mods)")

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot

    @property
    def ages(self) -> AgeGroupService:
        return self.bot.need(Services).age_groups

    @safety.command(name="show", description="Age groups: who counts as an adult, and answers")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild = interaction.guild
        present = _present(guild)
        cfg = await self.ages.settings(guild.id)
        counts = await self.ages.counts(guild.id, present)
        unanswered = len(present) - counts.answered if present is not None else None
        await reply(
            interaction,
            embed=settings_embed(cfg, counts.answers, unanswered),
            allowed_mentions=NONE,
        )

    @safety.command(name="age-groups", description="Keep adults and under-18s apart (default: on)")
    @app_commands.describe(mode="On for every server with teens; off only for an 18+ server")
    @app_commands.choices(mode=MODE_CHOICES)
    async def age_groups(
        self, interaction: discord.Interaction, mode: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild is not None
        guild, user_id = interaction.guild, interaction.user.id
        cfg = await self.ages.settings(guild.id)
        if mode.value == "on":
            if cfg.separate:
                await reply(interaction, _("Age groups are already on. 💞"))
                return
            await self.ages.keep_apart(guild.id, True, by=user_id)
            await reply(
                interaction,
                _(
                    "Age groups are back on: adults and members not confirmed adult are never "
                    "matched, suggested or introduced together. 💞"
                ),
            )
            return
        if not cfg.separate:
            await reply(interaction, _("Age groups are already off: this server is 18+ only."))
            return
        await self.ages.check_adults_only(guild.id, _present(guild))  # refused before asking

        async def switch_off() -> str:
            # checked again as it happens: someone may have said 13-17 since the question
            await self.ages.keep_apart(guild.id, False, by=user_id, present=_present(guild))
            return _(
                "Age groups are off: this server is 18+ only (you confirmed it). Onboarding "
                "stops asking ages. Switch them back on any time with "
                "`/safety age-groups mode:on`."
            )

        await reply(
            interaction,
            _(
                "Switch age groups off? Only do this if **{server}** is 18+ only: every member "
                "here is an adult. Collab rounds, trios, `/collab suggest` and welcome intros "
                "will then match anyone with anyone.",
                server=discord.utils.escape_markdown(guild.name),
            ),
            view=ConfirmView(
                user_id=user_id,
                on_confirm=switch_off,
                confirm_label=_("Yes, this server is 18+ only"),
                cancel_label=_("Keep them on"),
                cancelled=_("Age groups stay on. 💞"),
            ),
            allowed_mentions=NONE,
        )

    @safety.command(name="adult-role", description="Name the 18+ role (leave empty to clear it)")
    @app_commands.describe(role="Members holding this role count as adults")
    async def adult_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        assert interaction.guild is not None
        if role is not None and role.is_default():
            raise DomainError(
                _(
                    "@everyone can't be the 18+ role: it would count every member as an adult. "
                    "Pick the role your server gives to members who are 18 or older."
                )
            )
        if role is not None and role.managed:
            raise DomainError(
                _(
                    "**{role}** belongs to a bot or an integration, so members can't be given "
                    "it. Pick the role your server gives to members who are 18 or older.",
                    role=role.name,
                )
            )
        cfg = await self.ages.set_adult_role(interaction.guild.id, role.id if role else None)
        if role is None:
            text = _("The 18+ role is cleared: members' own answers decide who counts as an adult.")
        elif cfg.counts_role:
            text = _(
                "{role} is the 18+ role: members holding it count as adults (who counts: {who}).",
                role=role.mention,
                who=_(ADULTS_BY[cfg.adults_by]),
            )
        else:
            text = _(
                "{role} is the 18+ role, but right now only members' own answers count: choose "
                "`/safety adults-by` to count the role too.",
                role=role.mention,
            )
        await reply(interaction, text, allowed_mentions=NONE)

    @safety.command(name="adults-by", description="Who counts as an adult: the 18+ role, answers")
    @app_commands.describe(counted_by="What makes a member count as an adult")
    @app_commands.choices(counted_by=ADULTS_BY_CHOICES)
    async def adults_by(
        self, interaction: discord.Interaction, counted_by: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild is not None
        cfg = await self.ages.set_adults_by(interaction.guild.id, counted_by.value)
        await reply(
            interaction,
            _(
                "Adults are now counted by **{who}** (18+ role: {role}). Everyone else is *not "
                "confirmed adult* and is never matched with adults.",
                who=_(ADULTS_BY[cfg.adults_by]),
                role=_role_text(cfg),
            ),
            allowed_mentions=NONE,
        )
