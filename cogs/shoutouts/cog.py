"""/shoutout for creators, and the Discord side of rotation slots: the checks a slot asks of
the guild cache (RotationPort), pausing when the channel is lost, the spotlight post's outcome."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.shoutouts.render import cw_line, render_feature, status_embed
from core.errors import DomainError
from core.i18n import _, use_locale
from core.interactions import reply
from core.outbox import OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from services.container import Services
from services.languages import server_language
from services.shoutouts import FEATURE_PURPOSE, SLOT_KIND, RotationInfo, ShoutoutService

if TYPE_CHECKING:
    from core.bot import MutualsBot

# Thin on purpose: Discord objects become ids and plain values, services.shoutouts decides,
# render formats. core.deliveries runs the slots (services.shoutouts.delivery says what is
# due); this cog only answers what the guild cache knows, through the RotationPort methods.
log = logging.getLogger(__name__)
Name = app_commands.Range[str, 1, 40]


async def rotation_choices(
    service: ShoutoutService, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for any option naming a rotation of this server."""
    if interaction.guild is None:
        return []
    names = await service.rotations.search(interaction.guild.id, current[:40])
    return [app_commands.Choice(name=n, value=n) for n in names]


def post_problem(error: str | None, channel_id: int) -> str:
    """Why a spotlight post failed, in words for the moderators (from the outbox's error)."""
    error = error or ""
    if error.startswith("404"):
        return _("its channel (id {channel_id}) is gone", channel_id=channel_id)
    if error.startswith("403"):
        return _(
            "I can't post in {channel} any more (missing permissions)", channel=f"<#{channel_id}>"
        )
    return _("its post failed")


class ShoutoutsCog(commands.Cog):
    shoutout = app_commands.Group(
        name="shoutout", description="Get featured in the shoutout rotation", guild_only=True
    )

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).shoutouts

    # ------------------------------------------------------------------ lifecycle

    async def cog_load(self) -> None:
        self.bot.outbox.register(
            FEATURE_PURPOSE, render=self._render_feature, on_result=self.on_feature_result
        )
        self.service.plan.port = self
        self.bot.deliveries.add(self.service.plan)

    async def cog_unload(self) -> None:
        self.bot.deliveries.remove(SLOT_KIND)
        self.service.plan.port = None

    # ------------------------------------------------------------------ what Discord knows

    def channel_problem(self, rotation: RotationInfo) -> str | None:
        """RotationPort: why the bot can't post in the rotation's channel, from the cache."""
        guild = self.bot.get_guild(rotation.guild_id)
        if guild is None:
            return None  # not in the cache (yet): let the post itself tell us
        channel = guild.get_channel(rotation.channel_id)
        if channel is None:
            return _("its channel (id {channel_id}) was deleted", channel_id=rotation.channel_id)
        perms = channel.permissions_for(guild.me)
        if not (perms.view_channel and perms.send_messages and perms.embed_links):
            return _(
                "I can't post in {channel} any more (missing permissions)",
                channel=f"<#{rotation.channel_id}>",
            )
        return None

    def member_check(self, rotation: RotationInfo, user_id: int) -> str | None:
        """RotationPort: why this member can't be featured now, from the cache."""
        guild = self.bot.get_guild(rotation.guild_id)
        if guild is None:
            return None
        member = guild.get_member(user_id)
        if member is None:
            return "left"
        excluded = rotation.exclude_role_ids
        if excluded and any(r.id in excluded for r in member.roles):
            return "excluded"
        return None

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        await self.service.members.member_left_guild(member.guild.id, member.id)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if set(before.roles) - set(after.roles):
            await self.service.members.reactivate_excluded(
                after.guild.id, after.id, self.member_check
            )

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        for rot in await self.service.rotations.list_rotations(channel.guild.id):
            if rot.channel_id == channel.id and not rot.paused:
                # the reason and the moderators' notice are the server's to read
                with use_locale(await server_language(self.bot.db, channel.guild.id)):
                    reason = _("its channel #{channel} was deleted", channel=channel.name)
                    if await self.service.features.pause_for_problem(rot.id, reason):
                        self.bot.outbox.wake()

    # ------------------------------------------------------------------ the post's outcome

    async def _render_feature(self, message: OutboundMessage) -> SendSpec:
        """The spotlight is a public post: it speaks the server's language."""
        if message.guild_id is None:
            return await render_feature(message)
        with use_locale(await server_language(self.bot.db, message.guild_id)):
            return await render_feature(message)

    async def on_feature_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        p = message.payload
        rotation_id, key = int(p["rotation_id"]), str(p["slot_key"])
        if result.status == "sent" and result.message_id:
            await self.service.features.posted(rotation_id, key, result.message_id)
        elif result.status == "failed" and message.guild_id is not None:
            with use_locale(await server_language(self.bot.db, message.guild_id)):
                reason = post_problem(result.error, message.target_id)
                if await self.service.features.post_failed(rotation_id, key, reason):
                    self.bot.outbox.wake()
        elif result.status == "failed":
            reason = post_problem(result.error, message.target_id)
            if await self.service.features.post_failed(rotation_id, key, reason):
                self.bot.outbox.wake()

    # ------------------------------------------------------------------ /shoutout (members)

    @shoutout.command(name="join", description="Join the shoutout rotation to get featured")
    @app_commands.describe(rotation="Which rotation (default: the first one)")
    async def join(self, interaction: discord.Interaction, rotation: Name | None = None) -> None:
        assert interaction.guild is not None
        member = interaction.user
        if isinstance(member, discord.Member):
            rot_check = (
                await self.service.rotations.get(interaction.guild.id, rotation)
                if rotation
                else None
            )
            rotations = (
                [rot_check]
                if rot_check
                else await self.service.rotations.list_rotations(interaction.guild.id)
            )
            if rotations and self.member_check(rotations[0], member.id) == "excluded":
                raise DomainError(
                    _(
                        "Your role isn't featured in **{name}** (moderators excluded it). "
                        "Ask a mod if that seems wrong.",
                        name=rotations[0].name,
                    )
                )
        m = await self.service.members.join(interaction.guild.id, interaction.user.id, rotation)
        await reply(
            interaction,
            _(
                "Hey mutual! You're in **{name}** 🎉 You're #{place} in the queue. "
                "Tell me what to feature with `/shoutout pitch`.",
                name=m.rotation_name,
                place=m.place,
            ),
        )

    @shoutout.command(name="leave", description="Leave the shoutout rotation")
    @app_commands.describe(rotation="Which rotation (default: all of them)")
    async def leave(self, interaction: discord.Interaction, rotation: Name | None = None) -> None:
        assert interaction.guild is not None
        left = await self.service.members.leave(interaction.guild.id, interaction.user.id, rotation)
        if not left:
            raise DomainError(_("You're not in a rotation here. Join with `/shoutout join`."))
        await reply(
            interaction,
            _(
                "You left {rotations}. Come back anytime with `/shoutout join`. 💞",
                rotations=", ".join(f"**{n}**" for n in left),
            ),
        )

    @shoutout.command(name="status", description="Your place in the shoutout rotations")
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        memberships, pitch = await self.service.members.status(
            interaction.guild.id, interaction.user.id
        )
        if not memberships:
            raise DomainError(
                _(
                    "You're not in a rotation yet. Join with `/shoutout join` (you need a TikTok "
                    "handle on your profile: `/profile set handle:@you`)."
                )
            )
        await reply(interaction, embed=status_embed(memberships, pitch))

    @shoutout.command(name="pitch", description="What to feature next time: a TikTok and a blurb")
    @app_commands.describe(
        url="A TikTok video link (tiktok.com or vm.tiktok.com)",
        blurb="One line about it (150 characters max)",
        rotation="Which of your rotations it is for (needed when you're in several)",
        content_warning="Soft or heavy topic? e.g. grief, ED recovery: shown as CW, blurb hidden",
    )
    async def pitch(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 400],
        blurb: app_commands.Range[str, 1, 400],
        rotation: Name | None = None,
        content_warning: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        assert interaction.guild is not None
        nom = await self.service.members.pitch(
            interaction.guild.id,
            interaction.user.id,
            url=url,
            blurb=blurb,
            rotation=rotation,
            content_warning=content_warning,
        )
        text = _(
            "Pitch saved! Next time you're featured in **{name}** I'll share it. ✨",
            name=nom.rotation_name,
        )
        if nom.content_warning:
            text += "\n" + _(
                "It goes out with {warning} up front and your blurb behind a spoiler, so the "
                "fam can choose when they're ready. Soft content is always welcome here. 💞",
                warning=cw_line(nom.content_warning),
            )
        await reply(interaction, text)

    @pitch.autocomplete("rotation")
    async def _my_rotation_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Only the rotations the member is in: a pitch anywhere else would never be used."""
        if interaction.guild is None:
            return []
        names = await self.service.members.my_rotations(
            interaction.guild.id, interaction.user.id, current[:40]
        )
        return [app_commands.Choice(name=n, value=n) for n in names]

    @join.autocomplete("rotation")
    @leave.autocomplete("rotation")
    async def _rotation_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await rotation_choices(self.service, interaction, current)
