"""/collab …: members' collab commands, and the rounds' life on Discord: each guild's round
run once per slot, private threads opened for the intros, follow-ups asked on time."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

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
from core.errors import DomainError
from core.interactions import reply
from core.text import truncate
from services.collabs import (
    FOLLOWUP_PURPOSE,
    FORMATS,
    INTRO_PURPOSE,
    SLOT_KIND,
    GroupInfo,
    RoundInfo,
    RoundSettings,
)
from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)

JOB_PREFIX = "collab:"
FOLLOWUP_JOB = "collab:followups"


@app_commands.guild_only()
class CollabsCog(
    commands.GroupCog, group_name="collab", group_description="Collab matchmaking with the fam"
):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).collabs
        self.guild_config = bot.need(Services).guild_config
        self._inflight: set[asyncio.Task[Any]] = set()
        super().__init__()

    def _track(self) -> None:
        """Remember the running background task, so ``idle()`` can wait for it."""
        task = asyncio.current_task()
        if task is not None and task not in self._inflight:
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def idle(self) -> None:
        """Wait for background work (start-up recovery, scheduled rounds, follow-ups) to end:
        nothing is cut off mid-transaction when the bot stops."""
        while pending := [t for t in self._inflight if t is not asyncio.current_task()]:
            await asyncio.gather(*pending, return_exceptions=True)

    # ------------------------------------------------------------ lifecycle

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnswerButton, NominateButton)
        self.bot.outbox.register(INTRO_PURPOSE, render=render_intro)
        self.bot.outbox.register(FOLLOWUP_PURPOSE, render=render_followup)
        self.bot.background.spawn(self._start(), name="collabs-start")

    async def cog_unload(self) -> None:
        self.bot.scheduler.cancel_prefix(JOB_PREFIX)

    async def _start(self) -> None:
        """After a restart: finish rounds a crash interrupted, catch up, rebuild the jobs."""
        self._track()
        await self.bot.wait_until_ready()
        for slot in await self.bot.slots.unfinished(SLOT_KIND):
            guild_id = int(slot.ref)
            if self.bot.owns_guild(guild_id):
                try:
                    await self.run_round(guild_id, slot.slot_at, reclaim=True)
                except Exception:
                    log.exception("collab round %s@%s could not be resumed", guild_id, slot)
        for cfg in await self.service.scheduled():
            if self.bot.owns_guild(cfg.guild_id):
                try:
                    await self.tick_guild(cfg.guild_id)
                except Exception:
                    log.exception("collab rounds of guild %s could not be scheduled", cfg.guild_id)
        await self.send_intros()
        await self.tick_followups()

    def _at(self, job: str, at: datetime, func: Any, *args: Any) -> None:
        # The scheduler runs on wall time; the service decides from the injected clock what is
        # due when it wakes. With the system clock both agree; with a test clock it just wakes.
        delay = max(0.0, (at - self.bot.clock.now()).total_seconds())
        self.bot.scheduler.at(job, datetime.now(UTC) + timedelta(seconds=delay), func, *args)

    async def reschedule(self, guild_id: int) -> None:
        cfg = await self.service.settings(guild_id)
        job = f"{JOB_PREFIX}round:{guild_id}"
        if cfg is None or cfg.paused or cfg.next_round_at is None:
            self.bot.scheduler.cancel(job)
            return
        self._at(job, cfg.next_round_at, self.tick_guild, guild_id)

    async def tick_guild(self, guild_id: int) -> RoundInfo | None:
        """Run the guild's round if it is due (the scheduler calls this), then re-arm."""
        self._track()
        ran: RoundInfo | None = None
        try:
            now = self.bot.clock.now()
            due = await self.service.due(guild_id, now)
            if due is not None:
                for slot in due.missed:
                    await self.bot.slots.record_missed(
                        SLOT_KIND, str(guild_id), slot, "the bot was offline past the grace window"
                    )
                if due.run is not None:
                    _status, ran = await self.run_round(guild_id, due.run)
                await self.service.advance(guild_id, now)
        finally:
            await self.reschedule(guild_id)
        return ran

    async def run_round(
        self, guild_id: int, slot_at: datetime, *, manual: bool = False, reclaim: bool = False
    ) -> tuple[str, RoundInfo | None]:
        """Exactly once per slot: claim it, store the round, introduce every group."""
        made: list[RoundInfo] = []

        async def deliver() -> str:
            guild = self.bot.get_guild(guild_id)
            present = {m.id for m in guild.members} if guild and guild.chunked else None
            rnd = await self.service.create_round(guild_id, slot_at, manual=manual, present=present)
            made.append(rnd)
            cfg = await self.service.settings(guild_id)
            if cfg is not None and await self.service.announce(rnd, cfg.channel_id):
                self.bot.outbox.wake()
            await self.send_intros(guild_id)
            return rnd.summary()[:500]

        status = await self.bot.slots.run(
            SLOT_KIND, str(guild_id), slot_at, deliver, reclaim=reclaim
        )
        if status == "taken":
            return status, await self.service.round_at(guild_id, slot_at)
        return status, made[0] if made else None

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        await self.service.member_left(member.guild.id, member.id)

    # ------------------------------------------------------------ intros

    async def _collab_channel(self, cfg: RoundSettings | None) -> discord.TextChannel | None:
        if cfg is None:
            return None
        channel = self.bot.get_channel(cfg.channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(cfg.channel_id)
            except discord.HTTPException:
                return None
        return channel if isinstance(channel, discord.TextChannel) else None

    def _name(self, guild_id: int, user_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        return member.display_name if member else "mutual"

    async def _open_thread(self, channel: discord.TextChannel, group: GroupInfo) -> int | None:
        names = " × ".join(self._name(group.guild_id, u) for u in group.members)
        try:
            thread = await channel.create_thread(
                name=truncate(f"💞 collab: {names}", 100),
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=10080,
                reason="Mutuals collab round",
            )
        except discord.HTTPException as exc:
            log.info("collab thread for group %s not possible (%s): DM intro", group.id, exc)
            return None
        for uid in group.members:
            try:
                await thread.add_user(discord.Object(uid))
            except discord.HTTPException as exc:  # left the server meanwhile: the rest go on
                log.info("could not add %s to collab thread %s: %s", uid, thread.id, exc)
        return thread.id

    async def send_intros(self, guild_id: int | None = None) -> int:
        """Introduce every group still waiting (a round, or what a crash left behind)."""
        pending = await self.service.pending_intros(guild_id)
        done = 0
        channels: dict[int, discord.TextChannel | None] = {}
        settings: dict[int, RoundSettings | None] = {}
        for group in pending:
            gid = group.guild_id
            if not self.bot.owns_guild(gid):
                continue  # another process runs this guild's rounds
            if gid not in settings:
                settings[gid] = await self.service.settings(gid)
                channels[gid] = await self._collab_channel(settings[gid])
            channel, cfg = channels[gid], settings[gid]
            thread_id = await self._open_thread(channel, group) if channel else None
            guild = self.bot.get_guild(gid)
            payload = {
                "members": list(group.members),
                "reason": group.reason,
                "prompts": list(group.prompts),
                "repeat": group.repeat,
                "followup_days": cfg.followup_days if cfg else 7,
                "guild_name": guild.name if guild else "the server",
            }
            if await self.service.queue_intro(
                group.id,
                thread_id=thread_id,
                channel_id=channel.id if channel else None,
                payload=payload,
            ):
                done += 1
        if done:
            self.bot.outbox.wake()
            await self._arm_followups()
        return done

    # ------------------------------------------------------------ follow-ups

    async def _arm_followups(self) -> None:
        due = await self.service.next_followup_at()
        if due is None:
            self.bot.scheduler.cancel(FOLLOWUP_JOB)
        else:
            self._at(FOLLOWUP_JOB, due, self.tick_followups)

    async def tick_followups(self) -> int:
        self._track()
        try:
            queued = await self.service.queue_followups(self.bot.clock.now())
            if queued:
                self.bot.outbox.wake()
            return queued
        finally:
            await self._arm_followups()

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
            "You're in! 💞 I'll pair you with a creator who fits at the next round."
            if first
            else "Updated! Your collab settings are saved. 💞"
        )
        await reply(
            interaction,
            text + " See who fits you right now with `/collab suggest`.",
            embed=settings_embed("Your collab settings", profile, self.bot.clock.now()),
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
            "You're out of collab rounds. Come back any time with `/collab optin`! 💞",
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
            f"Paused: I'll skip you until {when(profile.paused_until)}, then you're back "
            "by yourself. Rest up! 🌙 (Back early? `/collab resume`.)",
        )

    @app_commands.command(name="resume", description="End your collab pause now")
    async def resume(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.service.resume(interaction.guild.id, interaction.user.id)
        await reply(interaction, "Welcome back! You're in the next collab round. 💞")

    @app_commands.command(name="block", description="Never be paired with this member (private)")
    @app_commands.describe(member="Who you never want as a collab match")
    async def block(self, interaction: discord.Interaction, member: discord.Member) -> None:
        assert interaction.guild is not None
        added = await self.service.block(
            interaction.guild.id, interaction.user.id, member.id, other_is_bot=member.bot
        )
        text = (
            f"Done. You'll never be paired with {member.display_name}. Nobody else can see this."
            if added
            else f"{member.display_name} is already on your never-pair list."
        )
        await reply(interaction, text)

    @app_commands.command(name="unblock", description="Allow pairing with this member again")
    @app_commands.describe(member="Who to take off your never-pair list")
    async def unblock(self, interaction: discord.Interaction, member: discord.User) -> None:
        assert interaction.guild is not None
        await self.service.unblock(interaction.guild.id, interaction.user.id, member.id)
        await reply(interaction, f"{member.display_name} can be matched with you again.")

    @app_commands.command(name="suggest", description="Your 5 best collab matches right now")
    async def suggest(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        found = await self.service.suggest(interaction.guild.id, interaction.user.id)
        if not found:
            raise DomainError(
                "Nobody to suggest yet: invite the fam to `/collab optin` and try again soon!"
            )
        guild_id = interaction.guild.id
        embed = suggestions_embed(found, lambda user_id: self._name(guild_id, user_id))
        await reply(interaction, embed=embed)

    @app_commands.command(name="status", description="Your collab settings and last partners")
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        st = await self.service.status(interaction.guild.id, interaction.user.id)
        if st.profile is None:
            hint = "" if st.has_creator_profile else " (after `/profile set`)"
            raise DomainError(f"You haven't joined collab rounds yet. Try `/collab optin`{hint}!")
        embed = status_embed(st, st.profile, self.bot.clock.now())
        await reply(interaction, embed=embed)
