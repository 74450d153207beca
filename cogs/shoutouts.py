"""/rotation (moderators) and /shoutout (members): scheduled, fair creator spotlights.

Thin on purpose: Discord objects become ids and plain values, services.rotation decides, this
module formats. Scheduled posts go out through the outbox; the scheduler only wakes us up and
every decision about time is the service's, from the database.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, timezone_choices
from core.errors import DomainError
from core.interactions import ModGroup, MutualsView, guarded, reply
from core.outbox import OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from core.text import neutralise, truncate
from services.container import Services
from services.shoutouts import (
    FEATURE_PURPOSE,
    RECOVER_AFTER,
    REQUIRED_FIELDS,
    Feature,
    Membership,
    RotationInfo,
    SlotOutcome,
)

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)
JOB_PREFIX = "shoutouts:"
Name = app_commands.Range[str, 1, 40]


def when_text(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a %d %b %H:%M} ({tz}) · <t:{int(moment.timestamp())}:R>"


def rotation_summary(rot: RotationInfo, now: datetime, members: int | None = None) -> str:
    state = f"⏸️ paused ({rot.pause_reason})" if rot.paused else "▶️ running"
    lines = [
        f"**{rot.name}** in <#{rot.channel_id}> · `{rot.schedule}` ({rot.timezone}) · {state}",
    ]
    extras = []
    if members is not None:
        extras.append(f"{members} creator{'s' if members != 1 else ''}")
    extras.append(f"round {rot.current_round}")
    if rot.min_days_between:
        extras.append(f"≥{rot.min_days_between} days between features")
    extras.append("pings the creator" if rot.ping_featured else "no ping for the creator")
    if rot.ping_role_id:
        extras.append(f"pings <@&{rot.ping_role_id}>")
    if rot.exclude_role_ids:
        extras.append("excludes " + " ".join(f"<@&{r}>" for r in rot.exclude_role_ids))
    if rot.required_fields:
        extras.append("needs " + ", ".join(REQUIRED_FIELDS[f] for f in rot.required_fields))
    lines.append(" · ".join(extras))
    if not rot.paused:
        nxt = rot.next_slots(now, 1)
        if nxt:
            lines.append("Next: " + when_text(nxt[0], rot.timezone))
    return "\n".join(lines)


def next_slots_text(rot: RotationInfo, now: datetime) -> str:
    return "\n".join(f"• {when_text(t, rot.timezone)}" for t in rot.next_slots(now, 3))


def membership_line(m: Membership) -> str:
    if not m.active:
        why = {
            "opted_out": "you left",
            "left": "you left the server",
            "excluded": "your role is excluded from it",
            "profile": "your profile is missing something it needs",
            "removed": "a moderator took you out",
        }.get(m.inactive_reason or "", "inactive")
        return f"**{m.rotation_name}**: not in the queue ({why})"
    place = "up next! 🎉" if m.place == 1 else f"#{m.place} in the queue"
    featured = f", featured {m.times_featured}×" if m.times_featured else ""
    return f"**{m.rotation_name}**: {place} (round {m.round_no}{featured})"


class ConfirmDelete(MutualsView):
    def __init__(self, cog: ShoutoutsCog, guild_id: int, name: str, user_id: int) -> None:
        super().__init__(timeout=120)
        self.cog, self.guild_id, self.name, self.user_id = cog, guild_id, name, user_id

    @discord.ui.button(label="Yes, delete it", style=discord.ButtonStyle.danger)
    @guarded
    async def confirm(
        self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmDelete]
    ) -> None:
        if interaction.user.id != self.user_id:
            raise DomainError("This button isn't yours.")
        info = await self.cog.service.admin.delete(self.guild_id, self.name)
        self.cog.bot.scheduler.cancel(f"{JOB_PREFIX}{info.id}")
        self.stop()
        await interaction.response.edit_message(
            content=f"🗑️ Deleted **{info.name}** and its queue.", view=None
        )

    @discord.ui.button(label="Keep it", style=discord.ButtonStyle.secondary)
    @guarded
    async def cancel(
        self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmDelete]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content="Kept it. 💞", view=None)


class ShoutoutsCog(commands.Cog):
    rotation = ModGroup(name="rotation", description="Shoutout rotations (moderators)")
    shoutout = app_commands.Group(
        name="shoutout", description="Get featured in the shoutout rotation", guild_only=True
    )

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).shoutouts
        self.grace = timedelta(hours=bot.settings.slot_grace_hours)

    # ------------------------------------------------------------------ lifecycle

    async def cog_load(self) -> None:
        self.bot.outbox.register(
            FEATURE_PURPOSE, render=self.render_feature, on_result=self.on_feature_result
        )
        self.bot.background.spawn(self._start(), name="shoutouts-start")

    async def cog_unload(self) -> None:
        self.bot.scheduler.cancel_prefix(JOB_PREFIX)

    async def _start(self) -> None:
        """Once the guild cache is there: catch up what fell while we were down, rebuild jobs."""
        await self.bot.wait_until_ready()
        await self.tick_all()
        # claims a crash left behind are only taken over once they are clearly abandoned
        self.bot.scheduler.at(
            f"{JOB_PREFIX}recover",
            datetime.now(UTC) + RECOVER_AFTER + timedelta(seconds=5),
            self.tick_all,
        )

    async def tick_all(self) -> list[SlotOutcome]:
        outcomes: list[SlotOutcome] = []
        for rot in await self.service.rotations.list_rotations():
            if not self.bot.owns_guild(rot.guild_id):
                continue
            try:
                outcomes += await self.tick(rot.id)
            except Exception:
                log.exception("shoutout rotation %s could not run", rot.id)
        return outcomes

    async def tick(self, rotation_id: int) -> list[SlotOutcome]:
        """Run what is due for one rotation (the scheduler calls this), then re-arm its job."""
        rot = await self.service.rotations.get_by_id(rotation_id)
        if rot is None:
            self.bot.scheduler.cancel(f"{JOB_PREFIX}{rotation_id}")
            return []
        try:
            if not rot.paused:
                problem = self.channel_problem(rot)
                if problem and await self.service.delivery.pause_for_problem(rot.id, problem):
                    self.bot.outbox.wake()
            outcomes = await self.service.delivery.due(
                self.bot.clock.now(),
                check=self.member_check,
                grace=self.grace,
                guild_filter=self.bot.owns_guild,
                rotation_id=rotation_id,
            )
            if outcomes:
                self.bot.outbox.wake()
            return outcomes
        finally:
            # a failed run (say, the database blinked) must not leave the rotation without a job
            await self.reschedule(rotation_id)

    async def reschedule(self, rotation_id: int) -> None:
        job = f"{JOB_PREFIX}{rotation_id}"
        now = self.bot.clock.now()
        when = await self.service.delivery.next_wake(rotation_id, now)
        if when is None:
            self.bot.scheduler.cancel(job)
            return
        # The scheduler runs on wall time; the service decides from the injected clock what is
        # due when it wakes. With the system clock both agree; with a test clock it just wakes.
        delay = max(0.0, (when - now).total_seconds())
        self.bot.scheduler.at(
            job, datetime.now(UTC) + timedelta(seconds=delay), self.tick, rotation_id
        )

    # ------------------------------------------------------------------ what Discord knows

    def channel_problem(self, rot: RotationInfo) -> str | None:
        guild = self.bot.get_guild(rot.guild_id)
        if guild is None:
            return None  # not in the cache (yet): let the post itself tell us
        channel = guild.get_channel(rot.channel_id)
        if channel is None:
            return f"its channel (id {rot.channel_id}) was deleted"
        perms = channel.permissions_for(guild.me)
        if not (perms.view_channel and perms.send_messages and perms.embed_links):
            return f"I can't post in <#{rot.channel_id}> any more (missing permissions)"
        return None

    def member_check(self, rot: RotationInfo, user_id: int) -> str | None:
        guild = self.bot.get_guild(rot.guild_id)
        if guild is None:
            return None
        member = guild.get_member(user_id)
        if member is None:
            return "left"
        if rot.exclude_role_ids and any(r.id in rot.exclude_role_ids for r in member.roles):
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
                reason = f"its channel #{channel.name} was deleted"
                if await self.service.delivery.pause_for_problem(rot.id, reason):
                    self.bot.outbox.wake()
                await self.reschedule(rot.id)

    # ------------------------------------------------------------------ the post

    async def render_feature(self, message: OutboundMessage) -> SendSpec:
        p = message.payload
        user_id = int(p["user_id"])
        handle = str(p["handle"])
        profile_url = f"https://www.tiktok.com/@{handle}"
        blurb = neutralise(truncate(str(p.get("blurb") or ""), 300))
        description = (f"> {blurb}\n\n" if blurb else "") + str(p.get("line") or "")
        embed = discord.Embed(
            title=truncate(f"✨ Spotlight: @{handle}", 256),
            url=p.get("url") or profile_url,
            description=description,
            color=BRAND,
        )
        niches = [str(n) for n in p.get("niches") or []]
        if niches:
            embed.add_field(name="Niches", value=truncate(", ".join(niches), 1024))
        if p.get("url"):
            embed.add_field(name="Watch", value=f"[The TikTok they picked]({p['url']})")
        embed.set_footer(
            text=truncate(
                f"{p.get('rotation')} · round {p.get('round')} · /shoutout join to get featured",
                200,
            )
        )
        ping_user = bool(p.get("ping_user"))
        role_id = int(p["ping_role_id"]) if p.get("ping_role_id") else None
        who = f"<@{user_id}>" if ping_user else f"**@{handle}**"
        content = f"Hey mutuals! 💞 Today's spotlight is {who}"
        if role_id:
            content += f" · <@&{role_id}>"
        mentions = discord.AllowedMentions(
            everyone=False,
            users=[discord.Object(user_id)] if ping_user else False,
            roles=[discord.Object(role_id)] if role_id else False,
            replied_user=False,
        )
        view = discord.ui.View(timeout=None)
        view.add_item(
            discord.ui.Button(
                style=discord.ButtonStyle.link,
                label=truncate(f"Open @{handle} on TikTok", 80),
                url=profile_url,
            )
        )
        return SendSpec(content=content, embeds=[embed], view=view, allowed_mentions=mentions)

    async def on_feature_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        p = message.payload
        rotation_id, key = int(p["rotation_id"]), str(p["slot_key"])
        if result.status == "sent" and result.message_id:
            await self.service.delivery.posted(rotation_id, key, result.message_id)
        elif result.status == "failed":
            error = result.error or ""
            if error.startswith("404"):
                reason = f"its channel (id {message.target_id}) is gone"
            elif error.startswith("403"):
                reason = f"I can't post in <#{message.target_id}> any more (missing permissions)"
            else:
                reason = "its post failed"
            if await self.service.delivery.post_failed(rotation_id, key, reason):
                self.bot.outbox.wake()
                await self.reschedule(rotation_id)

    # ------------------------------------------------------------------ autocomplete

    async def _names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        names = await self.service.rotations.search(interaction.guild.id, current[:40])
        return [app_commands.Choice(name=n, value=n) for n in names]

    # ------------------------------------------------------------------ /rotation (moderators)

    @rotation.command(name="create", description="Create a shoutout rotation")
    @app_commands.describe(
        name="A short name, e.g. Daily Spotlight",
        channel="Where the shoutouts are posted",
        schedule="daily 18:00 · weekly mon,thu 18:00 · every 6h · or cron like 0 18 * * 1,4",
        timezone="Time zone of the schedule (default: the server's)",
        ping_featured="Ping the featured creator (default yes)",
        ping_role="An opt-in role to ping with each shoutout",
        exclude_role="A role that is never featured (e.g. moderators)",
        min_days="Minimum days between two features of the same creator",
        require="Profile fields creators need: niches, intro, followers, timezone",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: Name,
        channel: discord.TextChannel,
        schedule: app_commands.Range[str, 1, 100],
        timezone: app_commands.Range[str, 1, 64] | None = None,
        ping_featured: bool = True,
        ping_role: discord.Role | None = None,
        exclude_role: discord.Role | None = None,
        min_days: app_commands.Range[int, 0, 365] = 0,
        require: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild is not None
        self._check_role(interaction, ping_role)
        self._check_channel(channel)
        rot = await self.service.admin.create(
            interaction.guild.id,
            name=name,
            channel_id=channel.id,
            schedule=schedule,
            timezone=timezone,
            created_by=interaction.user.id,
            ping_featured=ping_featured,
            ping_role_id=ping_role.id if ping_role else None,
            exclude_role_ids=[exclude_role.id] if exclude_role else [],
            min_days_between=min_days,
            required_fields=_split(require),
        )
        await self.reschedule(rot.id)
        embed = discord.Embed(
            title=f"🎉 {rot.name} is live",
            description=rotation_summary(rot, self.bot.clock.now()),
            color=BRAND,
        )
        embed.add_field(
            name="Next three shoutouts", value=next_slots_text(rot, self.bot.clock.now()) or "—"
        )
        embed.set_footer(text="Creators join with /shoutout join · manage with /rotation")
        await reply(interaction, embed=embed)

    @rotation.command(name="edit", description="Change a rotation's settings")
    @app_commands.describe(
        name="Which rotation",
        new_name="Rename it",
        channel="Post in another channel",
        schedule="New schedule (daily 18:00, weekly mon,thu 18:00, every 6h, cron)",
        timezone="New time zone for the schedule",
        ping_featured="Ping the featured creator",
        ping_role="An opt-in role to ping with each shoutout",
        clear_ping_role="Stop pinging the opt-in role",
        exclude_role="Add a role that is never featured",
        include_role="Remove a role from the excluded list",
        min_days="Minimum days between two features of the same creator",
        require="Required profile fields (niches, intro, followers, timezone); 'none' clears",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        name: Name,
        new_name: Name | None = None,
        channel: discord.TextChannel | None = None,
        schedule: app_commands.Range[str, 1, 100] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        ping_featured: bool | None = None,
        ping_role: discord.Role | None = None,
        clear_ping_role: bool = False,
        exclude_role: discord.Role | None = None,
        include_role: discord.Role | None = None,
        min_days: app_commands.Range[int, 0, 365] | None = None,
        require: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild is not None
        self._check_role(interaction, ping_role)
        if channel is not None:
            self._check_channel(channel)
        current = await self.service.rotations.get(interaction.guild.id, name)
        changes: dict[str, Any] = {}
        if new_name is not None:
            changes["new_name"] = new_name
        if channel is not None:
            changes["channel_id"] = channel.id
        if schedule is not None:
            changes["schedule"] = schedule
        if timezone is not None:
            changes["timezone"] = timezone
        if ping_featured is not None:
            changes["ping_featured"] = ping_featured
        if ping_role is not None:
            changes["ping_role_id"] = ping_role.id
        elif clear_ping_role:
            changes["ping_role_id"] = None
        if exclude_role is not None or include_role is not None:
            roles = [
                r for r in current.exclude_role_ids if not include_role or r != include_role.id
            ]
            if exclude_role is not None and exclude_role.id not in roles:
                roles.append(exclude_role.id)
            changes["exclude_role_ids"] = roles
        if min_days is not None:
            changes["min_days_between"] = min_days
        if require is not None:
            changes["required_fields"] = (
                [] if require.strip().lower() == "none" else _split(require)
            )
        if not changes:
            raise DomainError("Tell me at least one thing to change, e.g. `schedule:daily 19:00`.")
        rot = await self.service.admin.edit(interaction.guild.id, name, **changes)
        await self.reschedule(rot.id)
        embed = discord.Embed(
            title=f"Saved {rot.name}",
            description=rotation_summary(rot, self.bot.clock.now()),
            color=BRAND,
        )
        if not rot.paused:
            embed.add_field(
                name="Next three shoutouts",
                value=next_slots_text(rot, self.bot.clock.now()) or "—",
            )
        await reply(interaction, embed=embed)

    @rotation.command(name="delete", description="Delete a rotation (asks to confirm)")
    @app_commands.describe(name="Which rotation")
    async def delete(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        members = await self.service.rotations.member_counts(rot.id)
        view = ConfirmDelete(self, interaction.guild.id, rot.name, interaction.user.id)
        await reply(
            interaction,
            f"Delete **{rot.name}**? Its queue of {members} creator"
            f"{'s' if members != 1 else ''} and its history go with it.",
            view=view,
        )

    @rotation.command(name="pause", description="Pause a rotation (nobody loses their place)")
    @app_commands.describe(name="Which rotation")
    async def pause(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.admin.set_paused(interaction.guild.id, name, True)
        await self.reschedule(rot.id)
        await reply(
            interaction,
            f"⏸️ **{rot.name}** is paused. Everyone keeps their place; "
            f"`/rotation resume name:{rot.name}` picks it back up.",
        )

    @rotation.command(name="resume", description="Resume a paused rotation")
    @app_commands.describe(name="Which rotation")
    async def resume(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.admin.set_paused(interaction.guild.id, name, False)
        problem = self.channel_problem(rot)
        if problem:
            await self.service.admin.set_paused(interaction.guild.id, name, True)
            raise DomainError(
                f"I can't resume **{rot.name}**: {problem}. Pick a channel I can post in with "
                f"`/rotation edit name:{rot.name} channel:`."
            )
        await self.reschedule(rot.id)
        await reply(
            interaction,
            f"▶️ **{rot.name}** is back on. Next shoutouts:\n"
            + next_slots_text(rot, self.bot.clock.now()),
        )

    @rotation.command(name="list", description="List this server's rotations")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        rotations = await self.service.rotations.list_rotations(interaction.guild.id)
        if not rotations:
            raise DomainError("No rotations yet. Create one with `/rotation create`.")
        now = self.bot.clock.now()
        parts = [
            rotation_summary(r, now, await self.service.rotations.member_counts(r.id))
            for r in rotations
        ]
        embed = discord.Embed(
            title="Shoutout rotations", description=truncate("\n\n".join(parts), 4096), color=BRAND
        )
        await reply(interaction, embed=embed)

    @rotation.command(name="queue", description="The next 10 creators, in order")
    @app_commands.describe(name="Which rotation")
    async def queue(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        entries = await self.service.admin.queue(interaction.guild.id, name, 10)
        if not entries:
            raise DomainError(
                f"Nobody is in **{rot.name}** yet. Creators join with `/shoutout join`."
            )
        lines = []
        for i, e in enumerate(entries, 1):
            later = " (next round)" if e.round_no > rot.current_round else ""
            lines.append(f"`{i:>2}.` <@{e.user_id}>{later}")
        embed = discord.Embed(
            title=f"Up next in {rot.name}", description="\n".join(lines), color=BRAND
        )
        embed.set_footer(text=f"Round {rot.current_round}")
        await reply(interaction, embed=embed)

    @rotation.command(name="skip", description="Skip the creator up next (they go to the end)")
    @app_commands.describe(name="Which rotation")
    async def skip(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        result = await self.service.admin.skip(interaction.guild.id, name)
        if result.moved:
            text = f"⏭️ Skipped <@{result.user_id}>: they go to the end of this round."
        else:
            text = f"<@{result.user_id}> is the last one left in this round, so they stay up next."
        await reply(interaction, text)

    @rotation.command(name="add", description="Add a creator to a rotation")
    @app_commands.describe(name="Which rotation", member="The creator to add")
    async def add(
        self, interaction: discord.Interaction, name: Name, member: discord.Member
    ) -> None:
        assert interaction.guild is not None
        if member.bot:
            raise DomainError("Bots don't get shoutouts. Pick a creator.")
        m = await self.service.admin.add_member(interaction.guild.id, name, member.id)
        await reply(interaction, f"Added {member.mention} to **{m.rotation_name}** (#{m.place}).")

    @rotation.command(name="remove", description="Take a creator out of a rotation")
    @app_commands.describe(name="Which rotation", member="The creator to remove")
    async def remove(
        self, interaction: discord.Interaction, name: Name, member: discord.Member
    ) -> None:
        assert interaction.guild is not None
        await self.service.admin.remove_member(interaction.guild.id, name, member.id)
        await reply(interaction, f"Took {member.mention} out of that rotation.")

    @rotation.command(name="run-now", description="Post the next shoutout right now")
    @app_commands.describe(name="Which rotation")
    async def run_now(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        problem = self.channel_problem(rot)
        if problem:
            raise DomainError(f"I can't post for **{rot.name}**: {problem}.")
        outcome = await self.service.delivery.run_now(interaction.guild.id, name, self.member_check)
        self.bot.outbox.wake()
        feature = outcome.feature
        if outcome.status == "featured" and feature and feature.user_id:
            text = f"📣 Featuring <@{feature.user_id}> in <#{rot.channel_id}> now!"
        else:
            detail = feature.detail if feature and feature.detail else outcome.status
            text = f"Nobody to feature right now: {detail}."
        await reply(interaction, text)

    @rotation.command(name="history", description="Who was featured when")
    @app_commands.describe(name="Which rotation")
    async def history(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        features = await self.service.admin.history(interaction.guild.id, name, 15)
        if not features:
            raise DomainError(f"**{rot.name}** hasn't had a slot yet.")
        embed = discord.Embed(
            title=f"{rot.name}: history",
            description="\n".join(_history_line(f) for f in features),
            color=BRAND,
        )
        await reply(interaction, embed=embed)

    for _cmd in (edit, delete, pause, resume, queue, skip, add, remove, run_now, history):
        _cmd.autocomplete("name")(_names)
    del _cmd

    def _check_channel(self, channel: discord.TextChannel) -> None:
        perms = channel.permissions_for(channel.guild.me)
        if not (perms.view_channel and perms.send_messages and perms.embed_links):
            raise DomainError(
                f"I can't post in {channel.mention}: give me View Channel, Send Messages and "
                "Embed Links there (or pick another channel), then try again."
            )

    @create.autocomplete("timezone")
    @edit.autocomplete("timezone")
    async def _timezones(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    def _check_role(self, interaction: discord.Interaction, role: discord.Role | None) -> None:
        if role is not None and (role.is_default() or role.managed):
            raise DomainError(
                "Pick an opt-in role members chose themselves, not @everyone or a bot's role."
            )

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
                    f"Your role isn't featured in **{rotations[0].name}** (moderators excluded "
                    "it). Ask a mod if that seems wrong."
                )
        m = await self.service.members.join(interaction.guild.id, interaction.user.id, rotation)
        await reply(
            interaction,
            f"Hey mutual! You're in **{m.rotation_name}** 🎉 You're #{m.place} in the queue. "
            "Tell me what to feature with `/shoutout pitch`.",
        )

    @shoutout.command(name="leave", description="Leave the shoutout rotation")
    @app_commands.describe(rotation="Which rotation (default: all of them)")
    async def leave(self, interaction: discord.Interaction, rotation: Name | None = None) -> None:
        assert interaction.guild is not None
        left = await self.service.members.leave(interaction.guild.id, interaction.user.id, rotation)
        if not left:
            raise DomainError("You're not in a rotation here. Join with `/shoutout join`.")
        await reply(
            interaction,
            f"You left {', '.join(f'**{n}**' for n in left)}. Come back anytime with "
            "`/shoutout join`. 💞",
        )

    @shoutout.command(name="status", description="Your place in the shoutout rotations")
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        memberships, pitch = await self.service.members.status(
            interaction.guild.id, interaction.user.id
        )
        if not memberships:
            raise DomainError(
                "You're not in a rotation yet. Join with `/shoutout join` (you need a TikTok "
                "handle on your profile: `/profile set handle:@you`)."
            )
        embed = discord.Embed(
            title="Your shoutouts",
            description="\n".join(membership_line(m) for m in memberships),
            color=BRAND,
        )
        if pitch is not None:
            text = f"“{pitch.blurb}”" + (f"\n{pitch.url}" if pitch.url else "")
            embed.add_field(name="Your next pitch", value=truncate(text, 1024), inline=False)
        else:
            embed.add_field(
                name="Your next pitch",
                value="None yet: tell me what to feature with `/shoutout pitch`.",
                inline=False,
            )
        await reply(interaction, embed=embed)

    @shoutout.command(name="pitch", description="What to feature next time: a TikTok and a blurb")
    @app_commands.describe(
        url="A TikTok video link (tiktok.com or vm.tiktok.com)",
        blurb="One line about it (150 characters max)",
    )
    async def pitch(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 400],
        blurb: app_commands.Range[str, 1, 400],
    ) -> None:
        assert interaction.guild is not None
        nom = await self.service.members.pitch(
            interaction.guild.id, interaction.user.id, url=url, blurb=blurb
        )
        where = (
            f" You're in **{nom.rotation_name}**."
            if nom.rotation_name
            else " Join a rotation with `/shoutout join` so it gets used."
        )
        await reply(interaction, f"Pitch saved! Next time you're featured I'll share it. ✨{where}")

    @join.autocomplete("rotation")
    @leave.autocomplete("rotation")
    async def _rotation_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._names(interaction, current)


def _split(raw: str | None) -> list[str]:
    return [p for p in (raw or "").replace(";", ",").split(",") if p.strip()]


def _history_line(f: Feature) -> str:
    stamp = f"<t:{int(f.slot_at.timestamp())}:f>"
    if f.status == "featured" and f.user_id:
        return f"{stamp} · <@{f.user_id}> (round {f.round_no})"
    if f.status == "missed":
        return f"{stamp} · missed (I was offline)"
    if f.status == "failed":
        return f"{stamp} · not posted: {f.detail or 'the post failed'}"
    return f"{stamp} · nobody featured: {f.detail or 'empty'}"


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(ShoutoutsCog(bot))
