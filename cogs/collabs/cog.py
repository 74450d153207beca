"""/collab …: members' collab commands, and the Discord side of collab deliveries (core runs
them): the guild's members for a round, private threads for the intros."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.collabs.render import (
    render_followup,
    render_intro,
    settings_embed,
    status_embed,
    suggestions_embed,
    when,
)
from cogs.collabs.views import AnswerButton, NominateButton
from cogs.safety.age_role import adult_role_holders
from core.errors import DomainError
from core.i18n import SOURCE, _, use_locale
from core.interactions import reply
from core.outbox import DM, OutboundMessage
from core.outbox_worker import Renderer, SendSpec
from services.collabs import (
    FOLLOWUP_PURPOSE,
    FORMATS,
    INTRO_PURPOSE,
    Opened,
    collab_plans,
)
from services.container import Services
from services.directory import FALLBACK_MEMBER
from services.languages import member_language, server_language

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)


@app_commands.guild_only()
class CollabsCog(
    commands.GroupCog, group_name="collab", group_description="Collab matchmaking with the fam"
):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).collabs
        self.guild_config = bot.need(Services).guild_config
        self.plans = collab_plans(self.service, self)
        super().__init__()

    # ------------------------------------------------------------ lifecycle

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton, NominateButton)
        self.bot.outbox.register(INTRO_PURPOSE, render=self._in_language(render_intro))
        self.bot.outbox.register(FOLLOWUP_PURPOSE, render=self._in_language(render_followup))
        for plan in self.plans:
            self.bot.deliveries.add(plan)

    async def cog_unload(self) -> None:
        for plan in self.plans:
            self.bot.deliveries.remove(plan.kind)
        self.service.close()

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        await self.service.member_left(member.guild.id, member.id)

    def _in_language(self, render: Renderer) -> Renderer:
        """A renderer speaking its reader's language: a thread post the server's, a DM its
        member's."""

        async def rendered(message: OutboundMessage) -> SendSpec:
            with use_locale(await self._language_of(message)):
                return await render(message)

        return rendered

    async def _language_of(self, message: OutboundMessage) -> str:
        if message.guild_id is None:
            return SOURCE
        if message.kind == DM:
            return await member_language(self.bot.db, message.guild_id, message.target_id)
        return await server_language(self.bot.db, message.guild_id)

    # ------------------------------------------------------------ the deliveries' port

    def members_present(self, guild_id: int) -> Collection[int] | None:
        """Who is in the guild right now, when the cache knows everyone (members who left
        aren't matched)."""
        guild = self.bot.get_guild(guild_id)
        return {m.id for m in guild.members} if guild is not None and guild.chunked else None

    async def adult_role_holders(self, guild_id: int) -> Collection[int] | None:
        """Who holds the 18+ role (adults and members not confirmed adult are never grouped)."""
        return await adult_role_holders(self.bot, guild_id)

    async def open_thread(self, channel_id: int, name: str, members: Sequence[int]) -> Opened:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.HTTPException as exc:
                log.info("collab channel %s is gone (%s): DM intro", channel_id, exc)
                return Opened(None, channel_found=False)
        if not isinstance(channel, discord.TextChannel):
            return Opened(None, channel_found=False)
        try:
            thread = await channel.create_thread(
                name=name,
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=10080,
                reason="Mutuals collab round",
            )
        except discord.HTTPException as exc:
            log.info("collab thread in %s not possible (%s): DM intro", channel_id, exc)
            return Opened(None)
        for uid in members:
            try:
                await thread.add_user(discord.Object(uid))
            except discord.HTTPException as exc:  # left the server meanwhile: the rest go on
                log.info("could not add %s to collab thread %s: %s", uid, thread.id, exc)
        return Opened(thread.id)

    # ------------------------------------------------------------ shoutout nominations

    async def nominate(
        self, guild_id: int, user_id: int, *, url: str | None, blurb: str
    ) -> str | None:
        service = self.bot.need(Services).shoutouts
        nomination = await service.nominate(
            guild_id, user_id, url=url, blurb=blurb, nominated_by=user_id
        )
        self.bot.outbox.wake()
        return nomination.rotation_name

    # ------------------------------------------------------------ member commands

    @app_commands.command(name="optin", description="Join collab rounds (or update your settings)")
    @app_commands.describe(
        formats="Collab formats you like, comma-separated: " + ", ".join(FORMATS),
        languages="Languages you create in, comma-separated (default English)",
        availability="When you're usually free, e.g. weekday evenings",
    )
    async def optin(
        self,
        interaction: discord.Interaction,
        formats: app_commands.Range[str, 1, 200] | None = None,
        languages: app_commands.Range[str, 1, 200] | None = None,
        availability: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        assert interaction.guild is not None
        before = await self.service.get(interaction.guild.id, interaction.user.id)
        profile = await self.service.optin(
            interaction.guild.id,
            interaction.user.id,
            formats=formats,
            languages=languages,
            availability=availability,
        )
        first = before is None or not before.opted_in
        text = (
            _("You're in! 💞 I'll pair you with a creator who fits at the next round.")
            if first
            else _("Updated! Your collab settings are saved. 💞")
        )
        await reply(
            interaction,
            text + " " + _("See who fits you right now with `/collab suggest`."),
            embed=settings_embed(_("Your collab settings"), profile, self.bot.clock.now()),
        )

    @optin.autocomplete("formats")
    async def formats_autocomplete(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        done, _sep, partial = current.rpartition(",")
        prefix = f"{done}, " if done else ""
        picked = {p.strip().lower() for p in done.split(",") if p.strip()}
        options = [f for f in FORMATS if f not in picked and f.startswith(partial.strip().lower())]
        choices = [prefix + f for f in options] + ([current] if current and done else [])
        return [app_commands.Choice(name=c[:100], value=c[:100]) for c in choices[:25]]

    @app_commands.command(name="optout", description="Leave collab rounds (settings are kept)")
    async def optout(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.optout(interaction.guild.id, interaction.user.id)
        await reply(
            interaction,
            _("You're out of collab rounds. Come back any time with `/collab optin`! 💞"),
        )

    @app_commands.command(name="pause", description="Skip collab rounds until a date")
    @app_commands.describe(until="The date you're back, like 2026-03-01 (your time zone)")
    async def pause(
        self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 40]
    ) -> None:
        assert interaction.guild is not None
        profile = await self.service.pause(interaction.guild.id, interaction.user.id, until)
        assert profile.paused_until is not None
        await reply(
            interaction,
            _(
                "Paused: I'll skip you until {when}, then you're back by yourself. Rest up! 🌙 "
                "(Back early? `/collab resume`.)",
                when=when(profile.paused_until),
            ),
        )

    @app_commands.command(name="resume", description="End your collab pause now")
    async def resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.resume(interaction.guild.id, interaction.user.id)
        await reply(interaction, _("Welcome back! You're in the next collab round. 💞"))

    @app_commands.command(name="block", description="Never be paired with this member (private)")
    @app_commands.describe(member="Who you never want as a collab match")
    async def block(self, interaction: discord.Interaction, member: discord.Member) -> None:
        assert interaction.guild is not None
        added = await self.service.block(
            interaction.guild.id, interaction.user.id, member.id, other_is_bot=member.bot
        )
        text = (
            _(
                "Done. You'll never be paired with {name}. Nobody else can see this.",
                name=member.display_name,
            )
            if added
            else _("{name} is already on your never-pair list.", name=member.display_name)
        )
        await reply(interaction, text)

    @app_commands.command(name="unblock", description="Allow pairing with this member again")
    @app_commands.describe(member="Who to take off your never-pair list")
    async def unblock(self, interaction: discord.Interaction, member: discord.User) -> None:
        assert interaction.guild is not None
        await self.service.unblock(interaction.guild.id, interaction.user.id, member.id)
        await reply(
            interaction, _("{name} can be matched with you again.", name=member.display_name)
        )

    @app_commands.command(name="suggest", description="Your 5 best collab matches right now")
    async def suggest(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild = interaction.guild
        found = await self.service.suggest(
            guild.id,
            interaction.user.id,
            role_holders=await adult_role_holders(self.bot, guild.id),
        )
        if not found:
            raise DomainError(
                _("Nobody to suggest yet: invite the fam to `/collab optin` and try again soon!")
            )
        stored = await self.bot.need(Services).directory.names(guild.id, [s.user_id for s in found])

        def name_of(user_id: int) -> str:
            member = guild.get_member(user_id)
            return stored.get(user_id) or (member.display_name if member else FALLBACK_MEMBER)

        await reply(interaction, embed=suggestions_embed(found, name_of))

    @app_commands.command(name="status", description="Your collab settings and last partners")
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        st = await self.service.status(interaction.guild.id, interaction.user.id)
        if st.profile is None:
            raise DomainError(
                _("You haven't joined collab rounds yet. Try `/collab optin`!")
                if st.has_creator_profile
                else _(
                    "You haven't joined collab rounds yet. Try `/collab optin` (after "
                    "`/profile set`)!"
                )
            )
        embed = status_embed(st, st.profile, self.bot.clock.now())
        await reply(interaction, embed=embed)
