"""The welcome for members: joins (written in batches, so a raid loses none and commands stay
snappy), screening and leaves, and the newcomer flow's buttons, menu and modal. Events become
ids and plain values for services.welcome; raid batch posts are core.deliveries' to send (the
cog only hands the service's plan over)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from cogs.safety.age_role import adult_role_holders
from cogs.welcome.render import WelcomeOutbox, state_intro
from cogs.welcome.views import FlowButton, NichePicker, ProfileModal, flow_for
from core.errors import DomainError
from core.i18n import _
from core.interactions import reply
from core.tasks import spawn
from core.text import truncate
from services.container import Services
from services.welcome import BATCH_KIND, JoinInfo, JoinOutcome, OnboardingState, copy_text

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)

JOIN_BATCH = 250  # joins written per transaction during a raid
JOIN_RETRIES = 5
# Between two batches of a raid, leave the database to the DM queue and commands for a moment
# (on SQLite a writer that never pauses starves the outbox's claims).
JOIN_PAUSE = 0.05


class WelcomeCog(commands.Cog, name="Welcome"):
    """Joins, screening and leaves; the newcomer flow's buttons, menu and modal."""

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).welcome
        # Joins wait here for milliseconds at most: one writer records them in batches, so a
        # raid takes a few transactions instead of hundreds and the pool stays free for commands.
        self._joins: asyncio.Queue[JoinInfo] = asyncio.Queue()
        self._join_task: asyncio.Task[None] | None = None
        self.renderers = WelcomeOutbox(bot, self.service)

    async def cog_load(self) -> None:
        self._join_task = spawn(self._join_writer(), name="welcome-joins")
        self.bot.add_dynamic_items(FlowButton, NichePicker)
        self.renderers.register(self.bot.outbox)
        # Raid batches: core claims each closed window once, catches up, retries, re-arms.
        self.bot.deliveries.add(self.service.batch_plan)

    async def cog_unload(self) -> None:
        if self._join_task is not None:
            self._join_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._join_task
        try:
            await self._record_pending()  # joins received but not yet written
        except Exception:
            log.exception("could not record %s joins at shutdown", self._joins.qsize())
        self.bot.deliveries.remove(BATCH_KIND)
        self.bot.remove_dynamic_items(FlowButton, NichePicker)

    async def _join_writer(self) -> None:
        while True:
            first = await self._joins.get()
            await self._record_pending([first])

    async def _record_pending(self, batch: list[JoinInfo] | None = None) -> None:
        batch = batch or []
        pause = False
        while True:
            while len(batch) < JOIN_BATCH and not self._joins.empty():
                batch.append(self._joins.get_nowait())
            if not batch:
                return
            if pause:
                await asyncio.sleep(JOIN_PAUSE)
            pause = True
            outcomes = await self._write_joins(batch)
            self.bot.outbox.wake()
            for join, outcome in zip(batch, outcomes, strict=True):
                if outcome.restore_role_ids:
                    await self._give_roles(
                        join.guild_id, join.user_id, outcome.restore_role_ids, "Welcome back"
                    )
            batch = []

    async def _write_joins(self, batch: list[JoinInfo]) -> list[JoinOutcome]:
        for attempt in range(1, JOIN_RETRIES + 1):
            try:
                return await self.service.record_joins(batch)
            except Exception:
                if attempt == JOIN_RETRIES:
                    log.exception(
                        "could not record %s joins: %s",
                        len(batch),
                        [(j.guild_id, j.user_id) for j in batch],
                    )
                    return [JoinOutcome("ignored") for _ in batch]
                log.warning("recording %s joins failed (try %s); retrying", len(batch), attempt)
                await asyncio.sleep(0.2 * attempt)
        return []

    # ------------------------------------------------------------ gateway events

    @staticmethod
    def _fallback_channel(guild: discord.Guild) -> int | None:
        return guild.system_channel.id if guild.system_channel is not None else None

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        self._joins.put_nowait(
            JoinInfo(
                guild_id=member.guild.id,
                user_id=member.id,
                display_name=member.display_name,
                member_count=member.guild.member_count,
                pending=member.pending,
                fallback_channel_id=self._fallback_channel(member.guild),
                guild_name=member.guild.name,
                joined_at=member.joined_at,
            )
        )

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if after.bot or not (before.pending and not after.pending):
            return
        outcome = await self.service.screening_passed(
            after.guild.id,
            after.id,
            display_name=after.display_name,
            member_count=after.guild.member_count,
            fallback_channel_id=self._fallback_channel(after.guild),
            guild_name=after.guild.name,
        )
        await self._after_join(after.guild.id, after.id, outcome)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.user.bot:
            return
        outcome = await self.service.record_leave(payload.guild_id, payload.user.id)
        for channel_id, message_id in outcome.delete_messages:
            channel = self.bot.get_partial_messageable(channel_id)
            try:
                await channel.get_partial_message(message_id).delete()
            except discord.NotFound:
                pass
            except discord.HTTPException as exc:
                log.warning("could not remove welcome %s in %s: %s", message_id, channel_id, exc)

    async def _after_join(self, guild_id: int, user_id: int, outcome: JoinOutcome) -> None:
        if outcome.restore_role_ids:
            await self._give_roles(guild_id, user_id, outcome.restore_role_ids, "Welcome back")
        self.bot.outbox.wake()

    async def _give_roles(
        self, guild_id: int, user_id: int, role_ids: tuple[int, ...], reason: str
    ) -> list[int]:
        """Add roles; returns the ids that could not be given (deleted, above the bot…)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            # Another process's shard holds the guild (e.g. a DM button answered by shard 0):
            # roles can still be given over REST, without the cache.
            return await self._give_roles_uncached(guild_id, user_id, role_ids, reason)
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                return list(role_ids)
        failed = []
        for role_id in role_ids:
            role = guild.get_role(role_id)
            if role is None or role in member.roles:
                if role is None:
                    failed.append(role_id)
                continue
            try:
                await member.add_roles(role, reason=reason)
            except discord.HTTPException as exc:
                log.warning("could not give role %s to %s: %s", role_id, user_id, exc)
                failed.append(role_id)
        return failed

    async def _give_roles_uncached(
        self, guild_id: int, user_id: int, role_ids: tuple[int, ...], reason: str
    ) -> list[int]:
        failed = []
        for role_id in role_ids:
            try:
                await self.bot.http.add_role(guild_id, user_id, role_id, reason=reason)
            except discord.HTTPException as exc:
                log.warning("could not give role %s to %s: %s", role_id, user_id, exc)
                failed.append(role_id)
        return failed

    # ------------------------------------------------------------ the flow (components)

    async def _show(
        self, interaction: discord.Interaction, state: OnboardingState, mode: str
    ) -> None:
        embed, view = await flow_for(self.bot, state, mode)
        await interaction.response.edit_message(embed=embed, view=view)

    async def on_flow_button(
        self, interaction: discord.Interaction, action: str, guild_id: int, mode: str
    ) -> None:
        user, preview = interaction.user, mode == "p"
        if action == "start":
            message_id = interaction.message.id if interaction.message is not None else None
            check = await self.service.start_check(guild_id, user.id, message_id)
            if check.action == "not_yours":  # an old member on a newcomer's welcome
                who = f"<@{check.newcomer}>" if check.newcomer else _("the newcomers in that post")
                await reply(interaction, copy_text("not_your_welcome", newcomer=who))
                return
            state = await self.service.open_flow(guild_id, user.id, display_name=user.display_name)
            if state.completed:
                await reply(interaction, copy_text("already_done"))
                return
            embed, view = await flow_for(self.bot, state, "s")
            await reply(interaction, embed=embed, view=view)
        elif action == "prof":
            current = await self.service.state(guild_id, user.id, preview=preview)
            if current is None:
                raise DomainError(_("I don't have a welcome in progress for you there."))
            if current.completed:
                raise DomainError(copy_text("already_done"))
            ask_age = await self.service.asks_age(guild_id, user.id, preview=preview)
            await interaction.response.send_modal(
                ProfileModal(self, guild_id, mode, current, ask_age=ask_age)
            )
        elif action in ("niches", "norms"):
            state = await self.service.go_to(guild_id, user.id, action, preview=preview)
            await self._show(interaction, state, mode)
        elif action == "done":
            await self._complete(interaction, guild_id, mode)

    async def on_niches_picked(
        self, interaction: discord.Interaction, guild_id: int, mode: str, values: list[str]
    ) -> None:
        state = await self.service.choose_niches(
            guild_id, interaction.user.id, values, preview=mode == "p"
        )
        await self._show(interaction, state, mode)

    async def on_profile_submitted(
        self,
        interaction: discord.Interaction,
        guild_id: int,
        mode: str,
        handle: str,
        intro: str,
        age: str | None = None,
    ) -> None:
        state = await self.service.save_handle(
            guild_id, interaction.user.id, handle, intro or None, preview=mode == "p", age=age
        )
        await self._show(interaction, state, mode)

    async def _complete(self, interaction: discord.Interaction, guild_id: int, mode: str) -> None:
        preview = mode == "p"
        guild = self.bot.get_guild(guild_id)

        def is_member(uid: int) -> bool:
            return guild is None or guild.get_member(uid) is not None

        # Acknowledge first: finishing writes the profile, queues the intro and reads the flow
        # back, which on a busy moment can take longer than Discord's 3 s for an answer.
        await interaction.response.defer()
        done = await self.service.complete(
            guild_id,
            interaction.user.id,
            preview=preview,
            is_member=is_member,
            role_holders=await adult_role_holders(self.bot, guild_id),
        )
        embed, _view = await flow_for(self.bot, done.state, mode)
        await interaction.edit_original_response(embed=embed, view=None)
        if preview:
            content, intro, _mentions = state_intro(done.state, list(done.invitees))
            roles = " ".join(f"<@&{r}>" for r in done.role_ids) or _("none set up yet")
            where = f"<#{done.channel_id}>" if done.channel_id else _("no welcome channel set")
            note = _(
                "**Preview:** nothing was saved, no roles given, nobody pinged.\n"
                "Roles they'd get: {roles}\nIntro would go to {where}:\n\n{content}",
                roles=roles,
                where=where,
                content=content,
            )
            await interaction.followup.send(
                truncate(note, 2000),
                embed=intro,
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        failed = await self._give_roles(guild_id, interaction.user.id, done.role_ids, "Onboarded")
        self.bot.outbox.wake()
        if failed:
            await interaction.followup.send(
                _(
                    "I couldn't give you every role (a moderator may need to move my role up). "
                    "Your profile and intro are saved though! 💞"
                ),
                ephemeral=True,
            )
