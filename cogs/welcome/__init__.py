"""/welcome …: newcomers onboarded by DM (or in the server when DMs are closed).

Thin Discord layer: events and components become ids and plain values for
services.onboarding; DMs and channel posts go through the outbox (rendered here at send time).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from cogs._common import niche_choices
from cogs.welcome.views import (
    BRAND,
    FlowButton,
    NichePicker,
    ProfileModal,
    flow_message,
    start_view,
)
from core.errors import Conflict, DomainError
from core.interactions import ModGroup, ModSubGroup, MutualsModal, reply
from core.outbox import OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from core.slots import RetryLater
from core.tasks import spawn
from core.text import clean_line, truncate
from services.container import Services
from services.niches import update_niche
from services.welcome import (
    PLACEHOLDERS,
    PURPOSE_BATCH,
    PURPOSE_DM,
    PURPOSE_INTRO,
    PURPOSE_PUBLIC,
    CardInfo,
    JoinInfo,
    JoinOutcome,
    OnboardingState,
    WelcomeSettings,
    copy_text,
    render_card,
    render_template,
)

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)

SWEEP_SECONDS = 10.0
EMOJI_MAX = 8
JOIN_BATCH = 250  # joins written per transaction during a raid
JOIN_RETRIES = 5
# Between two batches of a raid, leave the database to the DM queue and commands for a moment
# (on SQLite a writer that never pauses starves the outbox's claims).
JOIN_PAUSE = 0.05


def validate_emoji(raw: str | None) -> str | None:
    """A unicode emoji (or a custom one like <:name:id>) for a select option."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if value.startswith("<") and value.endswith(">"):
        if discord.PartialEmoji.from_str(value).id:
            return value
    elif len(value) <= EMOJI_MAX and not any(ch.isascii() and ch.isalnum() for ch in value):
        return value
    raise DomainError(
        f"`{value[:20]}` isn't an emoji I can put in a menu. "
        "Use one emoji like 🪴 (or leave it out)."
    )


def intro_message(
    state: OnboardingState, invitees: list[int]
) -> tuple[str, discord.Embed, discord.AllowedMentions]:
    """The public introduction: names the niche and pings only the invited members."""
    main = state.niches[0] if state.niches else "TikTok"
    lines = [f"Everyone say hi to <@{state.user_id}>, our newest **{main}** creator! 💞"]
    if invitees:
        who = ", ".join(f"<@{i}>" for i in invitees)
        lines.append(copy_text("intro_invite", invitees=who, niche=main))
    else:
        lines.append(copy_text("intro_no_invite"))
    embed = discord.Embed(
        title=truncate(f"Meet {escape_markdown(state.display_name)}", 256), color=BRAND
    )
    embed.add_field(name="Niche", value=truncate(", ".join(state.niches) or "—", 1024))
    if state.tiktok_handle:
        url = f"https://www.tiktok.com/@{state.tiktok_handle}"
        embed.add_field(name="TikTok", value=f"[@{state.tiktok_handle}]({url})")
    if state.intro:
        embed.add_field(name="In their words", value=truncate(state.intro, 1024), inline=False)
    mentions = discord.AllowedMentions.none()
    mentions.users = [discord.Object(i) for i in invitees]
    return "\n".join(lines), embed, mentions


class RulesModal(MutualsModal):
    def __init__(self, cog: WelcomeCog, rules: tuple[str, ...]) -> None:
        super().__init__(
            title="House norms for newcomers", custom_id="mutuals:wel:rules", timeout=900
        )
        self.cog = cog
        self.text: discord.ui.TextInput[RulesModal] = discord.ui.TextInput(
            label="One norm per line (up to 10)",
            custom_id="rules",
            style=discord.TextStyle.paragraph,
            default="\n".join(rules)[:4000],
            max_length=4000,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        assert interaction.guild is not None
        settings = await self.cog.service.configure(interaction.guild.id, rules=self.text.value)
        await reply(interaction, embed=self.cog.rules_embed(settings, "Norms saved 💞"))


class WelcomeCog(commands.Cog, name="Welcome"):
    welcome = ModGroup(name="welcome", description="Welcome and onboard newcomers (moderators)")
    niche = ModSubGroup(name="niche", description="The server's niche list", parent=welcome)

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).welcome
        # Joins wait here for milliseconds at most: one writer records them in batches, so a
        # raid takes a few transactions instead of hundreds and the pool stays free for commands.
        self._joins: asyncio.Queue[JoinInfo] = asyncio.Queue()
        self._join_task: asyncio.Task[None] | None = None
        self._noted: dict[int, bool] = {}  # outbox id -> public welcome rendered with DM note

    async def cog_load(self) -> None:
        self._join_task = spawn(self._join_writer(), name="welcome-joins")
        self.bot.add_dynamic_items(FlowButton, NichePicker)
        ob = self.bot.outbox
        ob.register(PURPOSE_DM, render=self._render_dm, on_result=self._dm_result)
        ob.register(PURPOSE_PUBLIC, render=self._render_public, on_result=self._public_result)
        ob.register(PURPOSE_BATCH, render=self._render_batch)
        ob.register(PURPOSE_INTRO, render=self._render_intro, on_result=self._intro_result)
        # Raid batches are in the database; the sweep posts any that came due while offline.
        self.bot.scheduler.every("welcome:sweep", SWEEP_SECONDS, self.flush_due)

    async def cog_unload(self) -> None:
        if self._join_task is not None:
            self._join_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._join_task
        try:
            await self._record_pending()  # joins received but not yet written
        except Exception:
            log.exception("could not record %s joins at shutdown", self._joins.qsize())
        with contextlib.suppress(Exception):
            self.bot.scheduler.cancel_prefix("welcome:")
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
            self._schedule_batches(
                {(j.guild_id, o.batch_due) for j, o in zip(batch, outcomes, strict=True)}
            )
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
        self._schedule_batches({(guild_id, outcome.batch_due)})
        self.bot.outbox.wake()

    def _schedule_batches(self, due: set[tuple[int, datetime | None]]) -> None:
        """Wake up when a raid window closes (the periodic sweep is the safety net)."""
        for guild_id, when in due:
            if when is not None:
                job = f"welcome:batch:{guild_id}:{int(when.timestamp())}"
                self.bot.scheduler.at(job, when, self.flush_due)

    async def flush_due(self) -> int:
        """Post every raid batch whose window has closed (each window exactly once)."""
        posted = 0
        for ref in await self.service.due_batches(self.bot.clock.now()):
            if not self.bot.owns_guild(ref.guild_id):
                continue  # another process runs that guild's schedules

            async def deliver(g: int = ref.guild_id, start: Any = ref.window_start) -> str:
                try:
                    return f"{await self.service.flush_batch(g, start)} members"
                except Exception as exc:  # nothing was queued: the next sweep tries again
                    raise RetryLater(f"{type(exc).__name__}: {exc}") from exc

            status = await self.bot.slots.run(
                "welcome_batch", str(ref.guild_id), ref.window_start, deliver
            )
            posted += status == "done"
        if posted:
            self.bot.outbox.wake()
        return posted

    async def _give_roles(
        self, guild_id: int, user_id: int, role_ids: tuple[int, ...], reason: str
    ) -> list[int]:
        """Add roles; returns the ids that could not be given (deleted, above the bot…)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return list(role_ids)
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

    # ------------------------------------------------------------ the flow (components)

    def _server_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild is not None else "the server"

    async def _flow(
        self, state: OnboardingState, mode: str
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        settings = await self.service.settings(state.guild_id)
        niches = await self.bot.need(Services).niches.list_niches(state.guild_id)
        return flow_message(
            server=self._server_name(state.guild_id),
            state=state,
            settings=settings,
            niches=niches,
            mode=mode,
        )

    async def _show(
        self, interaction: discord.Interaction, state: OnboardingState, mode: str
    ) -> None:
        embed, view = await self._flow(state, mode)
        await interaction.response.edit_message(embed=embed, view=view)

    async def on_flow_button(
        self, interaction: discord.Interaction, action: str, guild_id: int, mode: str
    ) -> None:
        user, preview = interaction.user, mode == "p"
        if action == "start":
            state = await self.service.open_flow(guild_id, user.id, display_name=user.display_name)
            if state.completed:
                await reply(interaction, copy_text("already_done"))
                return
            embed, view = await self._flow(state, "s")
            await reply(interaction, embed=embed, view=view)
        elif action == "prof":
            current = await self.service.state(guild_id, user.id, preview=preview)
            if current is None:
                raise DomainError("I don't have a welcome in progress for you there.")
            if current.completed:
                raise DomainError(copy_text("already_done"))
            await interaction.response.send_modal(ProfileModal(self, guild_id, mode, current))
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
        self, interaction: discord.Interaction, guild_id: int, mode: str, handle: str, intro: str
    ) -> None:
        state = await self.service.save_handle(
            guild_id, interaction.user.id, handle, intro or None, preview=mode == "p"
        )
        await self._show(interaction, state, mode)

    async def _complete(self, interaction: discord.Interaction, guild_id: int, mode: str) -> None:
        preview = mode == "p"
        guild = self.bot.get_guild(guild_id)

        def is_member(uid: int) -> bool:
            return guild is None or guild.get_member(uid) is not None

        done = await self.service.complete(
            guild_id, interaction.user.id, preview=preview, is_member=is_member
        )
        embed, _ = await self._flow(done.state, mode)
        await interaction.response.edit_message(embed=embed, view=None)
        if preview:
            content, intro, _mentions = intro_message(done.state, list(done.invitees))
            roles = " ".join(f"<@&{r}>" for r in done.role_ids) or "none set up yet"
            where = f"<#{done.channel_id}>" if done.channel_id else "no welcome channel set"
            note = (
                f"**Preview:** nothing was saved, no roles given, nobody pinged.\n"
                f"Roles they'd get: {roles}\nIntro would go to {where}:\n\n{content}"
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
                "I couldn't give you every role (a moderator may need to move my role up). "
                "Your profile and intro are saved though! 💞",
                ephemeral=True,
            )

    # ------------------------------------------------------------ outbox renderers

    @staticmethod
    def _ids(message: OutboundMessage) -> tuple[int, int]:
        return int(message.payload["guild_id"]), int(message.payload["user_id"])

    async def _render_dm(self, message: OutboundMessage) -> SendSpec:
        guild_id, user_id = self._ids(message)
        state = await self.service.state(guild_id, user_id)
        if state is None:
            raise LookupError(f"no onboarding for {user_id} in {guild_id}")
        embed, view = await self._flow(state, "d")
        return SendSpec(embeds=[embed], view=view)

    async def _dm_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        guild_id, user_id = self._ids(message)
        if not await self.service.dm_result(guild_id, user_id, result.status):
            return
        # DMs are closed: if their welcome is already up, point them at the in-server button.
        post = await self.service.public_post(guild_id, user_id)
        if post is not None:  # not posted yet: _public_result adds the note once it is
            await self._add_dm_note(guild_id, user_id, *post)

    async def _add_dm_note(
        self, guild_id: int, user_id: int, channel_id: int, message_id: int
    ) -> None:
        content = await self._public_content(guild_id, user_id)
        if content is None:
            return
        try:
            partial = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
            await partial.edit(content=content, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("could not add the DMs-closed note to %s: %s", message_id, exc)

    async def _card(self, guild_id: int, state: OnboardingState) -> bytes:
        avatar: bytes | None = None
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(state.user_id) if guild is not None else None
        if member is not None and member.avatar is not None:
            with contextlib.suppress(Exception):
                avatar = await asyncio.wait_for(
                    member.avatar.replace(size=256, format="png").read(), timeout=3
                )
        info = CardInfo(
            name=state.display_name,
            niche=state.niches[0] if state.niches else None,
            member_number=state.member_number,
            server=self._server_name(guild_id),
            avatar_png=avatar,
        )
        return await asyncio.to_thread(render_card, info)

    async def _public_content(
        self, guild_id: int, user_id: int, state: OnboardingState | None = None
    ) -> str | None:
        """The public welcome's text, with a pointer to the button when DMs can't be used."""
        state = state or await self.service.state(guild_id, user_id)
        if state is None:
            return None
        settings = await self.service.settings(guild_id)
        content = render_template(
            settings.template,
            member=f"<@{user_id}>",
            server=escape_markdown(self._server_name(guild_id)),
            count=f"{state.member_number:,}" if state.member_number else "new",
            niche=state.niches[0] if state.niches else "TikTok",
        )
        if state.dm_state in ("closed", "off"):
            note = copy_text("dms_closed_note" if state.dm_state == "closed" else "dm_off_note")
            content = truncate(content + "\n" + note, 2000)
        return content

    @staticmethod
    def _has_dm_note(content: str | None) -> bool:
        return bool(content) and copy_text("dms_closed_note") in (content or "")

    async def _render_public(self, message: OutboundMessage) -> SendSpec:
        guild_id, user_id = self._ids(message)
        state = await self.service.state(guild_id, user_id)
        if state is None:
            raise LookupError(f"no onboarding for {user_id} in {guild_id}")
        content = await self._public_content(guild_id, user_id, state)
        assert content is not None
        card = await self._card(guild_id, state)
        mentions = discord.AllowedMentions.none()
        mentions.users = [discord.Object(user_id)]
        self._noted[message.id] = self._has_dm_note(content)
        return SendSpec(
            content=content,
            files=[discord.File(io.BytesIO(card), filename="welcome.png")],
            view=start_view(guild_id),
            allowed_mentions=mentions,
        )

    async def _public_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        noted = self._noted.pop(message.id, False)
        if result.status == "sent" and result.message_id and result.channel_id:
            guild_id, user_id = self._ids(message)
            await self.service.posted(
                guild_id, user_id, "public", result.channel_id, result.message_id
            )
            state = await self.service.state(guild_id, user_id)
            if not noted and state is not None and state.dm_state == "closed":
                # the DM bounced while this post was on its way
                await self._add_dm_note(guild_id, user_id, result.channel_id, result.message_id)

    async def _render_batch(self, message: OutboundMessage) -> SendSpec:
        payload = message.payload
        guild_id = int(payload["guild_id"])
        names = ", ".join(f"<@{int(u)}>" for u in payload["user_ids"])
        server = escape_markdown(self._server_name(guild_id))
        embed = discord.Embed(
            title=copy_text("batch_title"),
            description=truncate(copy_text("batch_body", server=server, names=names), 4096),
            color=BRAND,
        )
        total, part, parts = int(payload["total"]), int(payload["part"]), int(payload["parts"])
        footer = f"{total} new mutuals in this wave"
        if parts > 1:
            footer += f" · part {part} of {parts}"
        embed.set_footer(text=footer)
        return SendSpec(
            embeds=[embed],
            view=start_view(guild_id),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _render_intro(self, message: OutboundMessage) -> SendSpec:
        guild_id, user_id = self._ids(message)
        state = await self.service.state(guild_id, user_id)
        if state is None:
            raise LookupError(f"no onboarding for {user_id} in {guild_id}")
        invitees = [int(i) for i in message.payload.get("invitees", [])]
        content, embed, mentions = intro_message(state, invitees)
        return SendSpec(content=content, embeds=[embed], allowed_mentions=mentions)

    async def _intro_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        if result.status == "sent" and result.message_id and result.channel_id:
            guild_id, user_id = self._ids(message)
            await self.service.posted(
                guild_id, user_id, "intro", result.channel_id, result.message_id
            )

    # ------------------------------------------------------------ moderator commands

    def rules_embed(self, settings: WelcomeSettings, title: str) -> discord.Embed:
        rules = "\n".join(f"**{i}.** {r}" for i, r in enumerate(settings.rules, start=1))
        embed = discord.Embed(title=title, description=truncate(rules, 4096), color=BRAND)
        source = "custom" if settings.custom_rules else "the community defaults"
        embed.set_footer(text=f"Using {source}. Edit with /welcome rules.")
        return embed

    @welcome.command(name="channel", description="Where public welcomes and introductions go")
    @app_commands.describe(channel="The welcome channel")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild is not None
        me = interaction.guild.me
        if me is not None and not channel.permissions_for(me).send_messages:
            raise DomainError(
                f"I can't post in {channel.mention}. Give me **Send Messages** there, or pick "
                "another channel."
            )
        await self.service.configure(interaction.guild.id, channel_id=channel.id)
        await reply(interaction, f"Welcomes and introductions will go to {channel.mention}. 💞")

    @welcome.command(name="message", description="The public welcome (placeholders in braces)")
    @app_commands.describe(
        text="e.g. Hey mutual {member}! Welcome to {server}, member #{count}",
        reset="Go back to the default welcome",
    )
    async def message(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 1500] | None = None,
        reset: bool = False,
    ) -> None:
        assert interaction.guild is not None
        gid = interaction.guild.id
        valid = ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
        if reset:
            settings = await self.service.configure(gid, template=None)
            head = "Back to the default welcome."
        elif text is not None:
            settings = await self.service.configure(gid, template=text)
            head = "Welcome message saved."
        else:
            settings = await self.service.settings(gid)
            head = "Current welcome message."
        sample = render_template(
            settings.template,
            member=interaction.user.mention,
            server=escape_markdown(interaction.guild.name),
            count=f"{interaction.guild.member_count or 1:,}",
            niche="PlantTok",
        )
        embed = discord.Embed(title="How it looks", description=truncate(sample, 4096), color=BRAND)
        embed.set_footer(text="Placeholders: {member} {server} {count} {niche}")
        await reply(interaction, f"{head} Placeholders: {valid}.", embed=embed)

    @welcome.command(name="dm", description="Turn the onboarding DM on or off")
    @app_commands.describe(state="on: DM newcomers; off: onboarding only in the server")
    @app_commands.choices(
        state=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def dm(self, interaction: discord.Interaction, state: app_commands.Choice[str]) -> None:
        assert interaction.guild is not None
        await self.service.configure(interaction.guild.id, dm_enabled=state.value == "on")
        text = (
            "Newcomers get the onboarding DM. 📬"
            if state.value == "on"
            else "No DMs: newcomers use **Start onboarding** on their welcome post."
        )
        await reply(interaction, text)

    @welcome.command(name="autorole", description="A role given when onboarding is complete")
    @app_commands.describe(role="The role (leave empty to stop giving one)")
    async def autorole(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        assert interaction.guild is not None
        if role is not None and not role.is_assignable():
            raise DomainError(
                f"I can't give {role.mention}: it must be below my highest role and not managed "
                "by an integration. Move my role up or pick another."
            )
        await self.service.configure(
            interaction.guild.id, autorole_id=role.id if role is not None else None
        )
        text = (
            f"Onboarded members get {role.mention}. 💞"
            if role
            else "No role is given on completing onboarding."
        )
        await reply(interaction, text)

    @welcome.command(name="rules", description="Edit the norms shown to newcomers")
    @app_commands.describe(reset="Go back to the community's default norms")
    async def rules(self, interaction: discord.Interaction, reset: bool = False) -> None:
        assert interaction.guild is not None
        if reset:
            settings = await self.service.configure(interaction.guild.id, rules=None)
            await reply(interaction, embed=self.rules_embed(settings, "Default norms restored"))
            return
        settings = await self.service.settings(interaction.guild.id)
        await interaction.response.send_modal(RulesModal(self, settings.rules))

    @welcome.command(name="tuning", description="Raid batching and the leave clean-up window")
    @app_commands.describe(
        raid_joins="Joins within the raid window that switch to one batched welcome",
        raid_seconds="Length of the raid window in seconds",
        leave_minutes="Remove the welcome of members leaving within this many minutes (0: off)",
    )
    async def tuning(
        self,
        interaction: discord.Interaction,
        raid_joins: app_commands.Range[int, 2, 1000] | None = None,
        raid_seconds: app_commands.Range[int, 5, 3600] | None = None,
        leave_minutes: app_commands.Range[int, 0, 10080] | None = None,
    ) -> None:
        assert interaction.guild is not None
        changes: dict[str, Any] = {}
        if raid_joins is not None:
            changes["raid_joins"] = raid_joins
        if raid_seconds is not None:
            changes["raid_window_seconds"] = raid_seconds
        if leave_minutes is not None:
            changes["leave_window_minutes"] = leave_minutes
        settings = await self.service.configure(interaction.guild.id, **changes)
        await reply(
            interaction,
            f"More than **{settings.raid_joins}** joins in **{settings.raid_window_seconds}s** "
            "turn into one batched welcome per window; members leaving within "
            f"**{settings.leave_window_minutes} min** have their welcome removed.",
        )

    @welcome.command(name="show", description="Show the welcome settings")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        s = await self.service.settings(interaction.guild.id)
        embed = discord.Embed(title="Welcome settings", color=BRAND)
        embed.add_field(
            name="Channel",
            value=f"<#{s.channel_id}>" if s.channel_id else "not set (`/welcome channel`)",
        )
        embed.add_field(name="DM", value="on" if s.dm_enabled else "off")
        embed.add_field(name="Autorole", value=f"<@&{s.autorole_id}>" if s.autorole_id else "none")
        embed.add_field(
            name="Raids",
            value=f"> {s.raid_joins} joins / {s.raid_window_seconds}s → batched",
        )
        embed.add_field(name="Leave clean-up", value=f"{s.leave_window_minutes} min")
        embed.add_field(name="Message", value=truncate(s.template, 1024), inline=False)
        embed.add_field(name="Norms", value=f"{len(s.rules)} (`/welcome rules`)")
        await reply(interaction, embed=embed)

    @welcome.command(name="preview", description="Run the whole newcomer flow on yourself")
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        state = await self.service.open_flow(
            interaction.guild.id,
            interaction.user.id,
            display_name=interaction.user.display_name,
            preview=True,
        )
        embed, view = await self._flow(state, "p")
        await reply(interaction, embed=embed, view=view)

    @welcome.command(name="stats", description="Joins and onboarding over 7 and 30 days")
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        periods = await self.service.stats(interaction.guild.id)
        embed = discord.Embed(title="Welcome stats", color=BRAND)
        for p in periods:
            rate = f"{p.completion_rate:.0%}" if p.completion_rate is not None else "—"
            embed.add_field(
                name=f"Last {p.days} days",
                value=(
                    f"Joins: **{p.joins}**\nStarted onboarding: **{p.started}**\n"
                    f"Completed: **{p.completed}** ({rate} of those who started)\n"
                    f"DMs closed: **{p.dms_closed}**"
                ),
            )
        await reply(interaction, embed=embed)

    # ------------------------------------------------------------ /welcome niche …

    @niche.command(name="add", description="Add a niche newcomers can pick")
    @app_commands.describe(
        name="e.g. CozyGamerTok",
        emoji="One emoji for the menu",
        role="A role given to members of this niche",
        description="One line shown in the menu",
    )
    async def niche_add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 40],
        emoji: app_commands.Range[str, 1, 64] | None = None,
        role: discord.Role | None = None,
        description: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild is not None
        if role is not None and not role.is_assignable():
            raise DomainError(
                f"I can't give {role.mention}: move my role above it (or pick another role)."
            )
        clean_emoji = validate_emoji(emoji)
        role_id = role.id if role is not None else None
        extra = f" (gives {role.mention})" if role is not None else ""
        try:
            added = await self.bot.need(Services).niches.add(
                interaction.guild.id,
                name,
                emoji=clean_emoji,
                role_id=role_id,
                description=description,
            )
        except Conflict as exc:
            if clean_emoji is None and role_id is None and description is None:
                raise Conflict(
                    f"{exc.message} To change it, run this again with an emoji, role or "
                    "description."
                ) from None
            updated = await update_niche(
                self.bot.need(Services).niches,
                interaction.guild.id,
                name,
                emoji=clean_emoji,
                role_id=role_id,
                description=description,
            )
            await reply(interaction, f"Updated **{escape_markdown(updated.label)}**{extra}. 💞")
            return
        await reply(interaction, f"Added **{escape_markdown(added.label)}**{extra}. 💞")

    @niche.command(name="remove", description="Remove a niche from the list")
    @app_commands.describe(name="The niche to remove")
    async def niche_remove(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 40]
    ) -> None:
        assert interaction.guild is not None
        removed = await self.bot.need(Services).niches.remove(
            interaction.guild.id, clean_line(name, field="niche name", max_len=40)
        )
        await reply(interaction, f"Removed **{escape_markdown(removed.name)}** from the list.")

    @niche_remove.autocomplete("name")
    async def _niche_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        guild_id = interaction.guild.id if interaction.guild else None
        return await niche_choices(self.bot.need(Services).niches, guild_id, current)

    @niche.command(name="list", description="Show the niche list")
    async def niche_list(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        niches = await self.bot.need(Services).niches.list_niches(interaction.guild.id)
        lines = [
            f"{n.emoji or '•'} **{escape_markdown(n.name)}**"
            + (f" <@&{n.role_id}>" if n.role_id else "")
            + (f": {escape_markdown(n.description)}" if n.description else "")
            for n in niches
        ]
        embed = discord.Embed(
            title=f"Niches ({len(niches)}/25)",
            description=truncate("\n".join(lines) or "No niches yet: `/welcome niche add`.", 4096),
            color=BRAND,
        )
        await reply(interaction, embed=embed)


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(WelcomeCog(bot))
