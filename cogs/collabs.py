"""/collab …: collab matchmaking for members, and /collab-rounds … for moderators.

Thin on purpose: Discord objects become ids and plain values, services.collabs does the work,
this module formats replies, opens the private threads and renders the queued messages.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, timezone_choices
from core.errors import DomainError
from core.interactions import ModGroup, MutualsModal, handle_error, reply
from core.outbox import DM, OutboundMessage
from core.outbox_worker import SendSpec
from core.text import neutralise, truncate
from services.collabs import (
    ANSWERS,
    FOLLOWUP_PURPOSE,
    FORMATS,
    INTRO_PURPOSE,
    SLOT_KIND,
    CollabProfile,
    GroupInfo,
    RoundInfo,
    RoundSettings,
    plural,
)
from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)

JOB_PREFIX = "collab:"
FOLLOWUP_JOB = "collab:followups"
WEEKDAYS = [
    app_commands.Choice(name=name, value=name[:3].lower())
    for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
]
FREQUENCY_CHOICES = [
    app_commands.Choice(name="weekly", value="weekly"),
    app_commands.Choice(name="every other week", value="biweekly"),
    app_commands.Choice(name="monthly (first chosen weekday)", value="monthly"),
]
ANSWER_BUTTONS = {
    "yes": ("Yes, we collabed! 💞", discord.ButtonStyle.success),
    "not_yet": ("Not yet", discord.ButtonStyle.secondary),
    "no": ("No", discord.ButtonStyle.secondary),
}


def _cog(interaction: discord.Interaction) -> CollabsCog:
    cog = interaction.client.get_cog("CollabsCog")  # type: ignore[attr-defined]
    if not isinstance(cog, CollabsCog):
        raise DomainError("Collabs are taking a nap right now. Try again in a moment.")
    return cog


def _when(value: datetime) -> str:
    return f"<t:{int(value.timestamp())}:F>"


# ---------------------------------------------------------------- persistent buttons


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mutuals:collab:fu:(?P<group>\d+):(?P<answer>yes|not_yet|no)",
):
    """ "Did you collab?" (works after a restart: the custom_id carries everything)."""

    def __init__(self, group_id: int, answer: str) -> None:
        label, style = ANSWER_BUTTONS[answer]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"mutuals:collab:fu:{group_id}:{answer}"
            )
        )
        self.group_id, self.answer = group_id, answer

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        return cls(int(match["group"]), match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await _cog(interaction).on_answer(interaction, self.group_id, self.answer)
        except Exception as exc:
            await handle_error(interaction, exc)


class NominateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mutuals:collab:nom:(?P<group>\d+)",
):
    def __init__(self, group_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Nominate our collab for a shoutout",
                emoji="✨",
                style=discord.ButtonStyle.primary,
                custom_id=f"mutuals:collab:nom:{group_id}",
            )
        )
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> NominateButton:
        return cls(int(match["group"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            group = await _cog(interaction).service.group(self.group_id)
            if group is None or interaction.user.id not in group.members:
                raise DomainError("This button is for the collab partners only. 💞")
            await interaction.response.send_modal(NominateModal(group))
        except Exception as exc:
            await handle_error(interaction, exc)


class NominateModal(MutualsModal):
    def __init__(self, group: GroupInfo) -> None:
        super().__init__(title="Nominate your collab", custom_id=f"mutuals:collab:nomm:{group.id}")
        self.group = group
        self.url: discord.ui.TextInput[NominateModal] = discord.ui.TextInput(
            label="Link to the collab TikTok (optional)",
            placeholder="https://www.tiktok.com/@you/video/…",
            required=False,
            max_length=300,
        )
        self.blurb: discord.ui.TextInput[NominateModal] = discord.ui.TextInput(
            label="One line for the shoutout",
            placeholder="Our PlantTok × BookTok duet: plants that match your TBR 🌿📚",
            max_length=150,
        )
        self.add_item(self.url)
        self.add_item(self.blurb)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        cog = _cog(interaction)
        nomination = await cog.nominate(
            self.group.guild_id,
            interaction.user.id,
            url=self.url.value or None,
            blurb=self.blurb.value,
        )
        where = (
            f" You're in the **{nomination}** rotation."
            if nomination
            else " A moderator will pick it up for the next shoutouts."
        )
        await reply(interaction, "Nominated! ✨ Your collab is up for a shoutout." + where)


# ---------------------------------------------------------------- embeds


def settings_embed(title: str, p: CollabProfile, now: datetime) -> discord.Embed:
    embed = discord.Embed(title=title, color=BRAND)
    state = "in" if p.opted_in else "out (join with `/collab optin`)"
    if p.opted_in and p.paused(now) and p.paused_until is not None:
        state = f"paused until {_when(p.paused_until)}, then back by itself"
    embed.add_field(name="Collab rounds", value=state, inline=False)
    embed.add_field(name="Formats", value=p.format_labels)
    embed.add_field(name="Languages", value=", ".join(p.languages) or "—")
    if p.availability:
        embed.add_field(name="Availability", value=neutralise(p.availability), inline=False)
    return embed


def intro_embed(payload: dict[str, Any]) -> discord.Embed:
    embed = discord.Embed(
        title="Why you were matched",
        description=truncate(str(payload.get("reason") or ""), 1000),
        color=BRAND,
    )
    prompts = [str(p) for p in payload.get("prompts", [])][:2]
    if prompts:
        embed.add_field(
            name="Two collab ideas to start",
            value=truncate("\n".join(f"{i}. {p}" for i, p in enumerate(prompts, 1)), 1024),
            inline=False,
        )
    if payload.get("repeat"):
        embed.add_field(
            name="Round two!",
            value="You've been matched before: nobody else fit this round. Level up the collab!",
            inline=False,
        )
    days = int(payload.get("followup_days") or 7)
    embed.set_footer(text=f"I'll check in in {days} days: did you collab? 🎬")
    return embed


# ---------------------------------------------------------------- the cog


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
        self.bot.outbox.register(INTRO_PURPOSE, render=self.render_intro)
        self.bot.outbox.register(FOLLOWUP_PURPOSE, render=self.render_followup)
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

    def _at(self, job: str, when: datetime, func: Any, *args: Any) -> None:
        # The scheduler runs on wall time; the service decides from the injected clock what is
        # due when it wakes. With the system clock both agree; with a test clock it just wakes.
        delay = max(0.0, (when - self.bot.clock.now()).total_seconds())
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

    async def render_intro(self, message: OutboundMessage) -> SendSpec:
        p = message.payload
        members = [int(u) for u in p.get("members", [])]
        embed = intro_embed(p)
        if message.kind == DM:
            me = int(p.get("for_user") or message.target_id)
            others = " and ".join(f"<@{u}>" for u in members if u != me)
            where = f" (collab channel: <#{p['channel_id']}>)" if p.get("channel_id") else ""
            content = (
                f"Hey mutual! 💞 Your collab match in **{neutralise(str(p.get('guild_name')))}** "
                f"this round: {others}. I couldn't open a private thread{where}, so say hi "
                "by DM and plan something fun together!"
            )
            return SendSpec(
                content=truncate(content, 2000),
                embeds=[embed],
                allowed_mentions=discord.AllowedMentions.none(),
            )
        tags = " × ".join(f"<@{u}>" for u in members)
        content = (
            f"Hey mutuals! {tags} 💞 you're this round's collab match. "
            "This thread is just for you: say hi, swap handles, pick an idea below!"
        )
        return SendSpec(
            content=truncate(content, 2000),
            embeds=[embed],
            allowed_mentions=discord.AllowedMentions(
                users=[discord.Object(u) for u in members], everyone=False, roles=False
            ),
        )

    # ------------------------------------------------------------ follow-ups

    async def _arm_followups(self) -> None:
        when = await self.service.next_followup_at()
        if when is None:
            self.bot.scheduler.cancel(FOLLOWUP_JOB)
        else:
            self._at(FOLLOWUP_JOB, when, self.tick_followups)

    async def tick_followups(self) -> int:
        self._track()
        try:
            queued = await self.service.queue_followups(self.bot.clock.now())
            if queued:
                self.bot.outbox.wake()
            return queued
        finally:
            await self._arm_followups()

    async def render_followup(self, message: OutboundMessage) -> SendSpec:
        p = message.payload
        group_id = int(p["group_id"])
        members = [int(u) for u in p.get("members", [])]
        view = discord.ui.View(timeout=None)
        for answer in ANSWERS:
            view.add_item(AnswerButton(group_id, answer))
        if message.kind == DM:
            return SendSpec(
                content="Hey mutual! It's check-in time: did your collab happen? 🎬",
                view=view,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        tags = " ".join(f"<@{u}>" for u in members)
        return SendSpec(
            content=f"{tags} it's check-in time: did you collab? 🎬 Each of you can answer.",
            view=view,
            allowed_mentions=discord.AllowedMentions(
                users=[discord.Object(u) for u in members], everyone=False, roles=False
            ),
        )

    async def on_answer(self, interaction: discord.Interaction, group_id: int, answer: str) -> None:
        result = await self.service.answer(group_id, interaction.user.id, answer)
        view: discord.ui.View | None = None
        if answer == "yes":
            text = "Love that for you! 💞 Thanks for telling me: it counts for the fam's stats."
            if self.rotation_available():
                text += " Want the collab in the shoutout rotation?"
                view = discord.ui.View(timeout=None)
                view.add_item(NominateButton(group_id))
        elif answer == "not_yet":
            text = "No stress, there's time! Pick one of the prompts when you're both free. 🌱"
        else:
            text = "Thanks for being honest! Next round brings a new match. 💞"
        if not result.changed:
            text = "Already noted! " + text
        await reply(interaction, text, view=view)

    # ------------------------------------------------------------ shoutout nominations

    @staticmethod
    def rotation_available() -> bool:
        try:
            import services.rotation  # noqa: F401
        except ImportError:
            return False
        return True

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
            f"Paused: I'll skip you until {_when(profile.paused_until)}, then you're back "
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
        embed = discord.Embed(title="Your best collab matches right now", color=BRAND)
        for i, s in enumerate(found, 1):
            name = self._name(interaction.guild.id, s.user_id)
            embed.add_field(
                name=truncate(f"{i}. {name}", 256),
                value=truncate(f"<@{s.user_id}>: {s.reason}", 1024),
                inline=False,
            )
        embed.set_footer(text="Blocked and recent partners are left out. Slide into their DMs!")
        await reply(interaction, embed=embed)

    @app_commands.command(name="status", description="Your collab settings and last partners")
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        st = await self.service.status(interaction.guild.id, interaction.user.id)
        if st.profile is None:
            hint = "" if st.has_creator_profile else " (after `/profile set`)"
            raise DomainError(f"You haven't joined collab rounds yet. Try `/collab optin`{hint}!")
        embed = settings_embed("Your collab status", st.profile, self.bot.clock.now())
        if st.last_partners:
            lines = [
                f"{_when(when)}: " + (", ".join(f"<@{u}>" for u in who) or "someone who left")
                for when, who in st.last_partners
            ]
            embed.add_field(
                name="Last partners", value=truncate("\n".join(lines), 1024), inline=False
            )
        else:
            embed.add_field(name="Last partners", value="none yet", inline=False)
        embed.add_field(
            name="Never-pair list", value=f"{plural(st.blocked, 'member')}, private to you"
        )
        await reply(interaction, embed=embed)


@app_commands.guild_only()
class CollabRoundsCog(commands.Cog):
    """/collab-rounds: a top-level command, so Discord hides it from members (it can only hide
    whole top-level commands), on top of the run-time check every moderator group has."""

    rounds = ModGroup(name="collab-rounds", description="Collab rounds (moderators)")

    def __init__(self, bot: MutualsBot, main: CollabsCog) -> None:
        self.bot = bot
        self.main = main

    @rounds.command(name="setup", description="Where and when collab rounds run")
    @app_commands.describe(
        channel="Channel for the private collab threads",
        frequency="How often rounds run",
        day="Which weekday",
        time="Time of day, like 18:00 or 6pm",
        timezone="Time zone for the schedule (default: the server's)",
        history="Avoid repeating partners from this many past rounds (default 6)",
        followup_days="Days until I ask 'did you collab?' (default 7)",
    )
    @app_commands.choices(frequency=FREQUENCY_CHOICES, day=WEEKDAYS)
    async def setup_rounds(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        frequency: app_commands.Choice[str],
        day: app_commands.Choice[str],
        time: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 100] | None = None,
        history: app_commands.Range[int, 0, 52] | None = None,
        followup_days: app_commands.Range[int, 1, 60] | None = None,
    ) -> None:
        assert interaction.guild is not None
        zone = timezone or (await self.main.guild_config.get(interaction.guild.id)).timezone
        cfg = await self.main.service.setup(
            interaction.guild.id,
            interaction.user.id,
            channel_id=channel.id,
            frequency=frequency.value,
            day=day.value,
            at=time,
            timezone=zone,
            history_rounds=history,
            followup_days=followup_days,
        )
        await self.main.reschedule(interaction.guild.id)
        nxt = f" Next round: {_when(cfg.next_round_at)}." if cfg.next_round_at else ""
        if cfg.paused:
            nxt = " Rounds are paused: `/collab-rounds resume` to start them."
        perms = channel.permissions_for(interaction.guild.me)
        warning = ""
        if not (perms.create_private_threads and perms.send_messages_in_threads):
            warning = (
                "\n⚠️ I can't create private threads there (I need **Create Private Threads** "
                "and **Send Messages in Threads**), so I'll introduce pairs by DM until that's "
                "fixed."
            )
        await reply(
            interaction,
            f"Collab rounds run {cfg.describe()} in {channel.mention}.{nxt} "
            f"Follow-ups after {cfg.followup_days} days; no repeat partners within "
            f"{cfg.history_rounds} rounds." + warning,
        )

    @setup_rounds.autocomplete("timezone")
    async def _tz(self, _i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @rounds.command(name="pause", description="Pause collab rounds")
    async def pause_rounds(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.main.service.set_paused(interaction.guild.id, True)
        await self.main.reschedule(interaction.guild.id)
        await reply(interaction, "Collab rounds paused. `/collab-rounds resume` brings them back.")

    @rounds.command(name="resume", description="Resume collab rounds")
    async def resume_rounds(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        cfg = await self.main.service.set_paused(interaction.guild.id, False)
        await self.main.reschedule(interaction.guild.id)
        nxt = f" Next round: {_when(cfg.next_round_at)}." if cfg.next_round_at else ""
        await reply(interaction, "Collab rounds are back on! 💞" + nxt)

    @rounds.command(name="run-now", description="Run a collab round right now")
    async def run_now(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.main.service.check_run_now(interaction.guild.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        slot = self.bot.clock.now().replace(microsecond=0)
        status, rnd = await self.main.run_round(interaction.guild.id, slot, manual=True)
        if rnd is None:
            raise DomainError(
                "That round didn't go through (it's logged). Try again in a minute."
                if status != "taken"
                else "A round for this moment is already running."
            )
        text = "Round done! " + rnd.summary()
        if rnd.groups:
            text += " Intros are on their way: private threads, or DMs where threads can't go."
        await reply(interaction, text)

    @rounds.command(name="stats", description="Collab rounds, pairs and follow-up answers")
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        st = await self.main.service.stats(interaction.guild.id)
        embed = discord.Embed(title="Collab rounds", color=BRAND)
        if st.settings is None:
            schedule = "not set up (`/collab-rounds setup`)"
        else:
            schedule = f"{st.settings.describe()} in <#{st.settings.channel_id}>"
            if st.settings.paused:
                schedule += " (paused)"
            elif st.settings.next_round_at:
                schedule += f"\nnext: {_when(st.settings.next_round_at)}"
        embed.add_field(name="Schedule", value=schedule, inline=False)
        embed.add_field(name="Members", value=f"{st.opted_in} opted in, {st.paused} paused")
        embed.add_field(
            name="Rounds",
            value=f"{plural(st.rounds, 'round')}, {plural(st.groups, 'group')} "
            f"({plural(st.trios, 'trio')}), {plural(st.matched, 'place')}",
        )
        embed.add_field(name="Repeat groups", value=str(st.repeats))
        a = st.answers
        embed.add_field(
            name="Did you collab?",
            value=f"collabed: {a['yes']} · not yet: {a['not_yet']} · no: {a['no']} · "
            f"no answer: {st.awaiting}",
            inline=False,
        )
        if st.last_round_at:
            embed.set_footer(text="Last round")
            embed.timestamp = st.last_round_at
        await reply(interaction, embed=embed)


async def setup(bot: MutualsBot) -> None:
    main = CollabsCog(bot)
    await bot.add_cog(main)
    await bot.add_cog(CollabRoundsCog(bot, main))
