"""/rotation: moderators set up shoutout rotations and steer them (pause, skip, add, run now),
and see their queue and history. The scheduling side lives in ShoutoutsCog (cog.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import timezone_choices
from cogs.shoutouts.cog import Name, ShoutoutsCog, rotation_choices
from cogs.shoutouts.render import (
    created_embed,
    history_embed,
    next_slots_text,
    queue_embed,
    rotation_summary,
    rotations_embed,
    saved_embed,
)
from cogs.shoutouts.running import paused_already, run_now_report
from core.components import ConfirmView
from core.errors import DomainError
from core.i18n import _, ngettext
from core.interactions import ModGroup, reply

if TYPE_CHECKING:
    from core.bot import MutualsBot


class ShoutoutsModCog(commands.Cog):
    rotation = ModGroup(name="rotation", description="Shoutout rotations (moderators)")

    def __init__(self, bot: MutualsBot, shoutouts: ShoutoutsCog) -> None:
        self.bot = bot
        self.service = shoutouts.service
        # the running side: re-arming a rotation's job, what Discord says about its channel
        self.shoutouts = shoutouts

    async def _names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await rotation_choices(self.service, interaction, current)

    # ------------------------------------------------------------------ /rotation

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
        await reply(interaction, embed=created_embed(rot, self.bot.clock.now()))

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
            raise DomainError(
                _("Tell me at least one thing to change, e.g. `schedule:daily 19:00`.")
            )
        rot = await self.service.admin.edit(interaction.guild.id, name, **changes)
        await reply(interaction, embed=saved_embed(rot, self.bot.clock.now()))

    @rotation.command(name="delete", description="Delete a rotation (asks to confirm)")
    @app_commands.describe(name="Which rotation")
    async def delete(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        members = await self.service.rotations.member_counts(rot.id)
        guild_id = interaction.guild.id

        async def delete_it() -> str:
            info = await self.service.admin.delete(guild_id, rot.name)
            return _("🗑️ Deleted **{name}** and its queue.", name=info.name)

        view = ConfirmView(user_id=interaction.user.id, on_confirm=delete_it)
        await reply(
            interaction,
            ngettext(
                "Delete **{name}**? Its queue of {n} creator and its history go with it.",
                "Delete **{name}**? Its queue of {n} creators and its history go with it.",
                members,
                name=rot.name,
            ),
            view=view,
        )

    @rotation.command(name="pause", description="Pause a rotation (nobody loses their place)")
    @app_commands.describe(name="Which rotation")
    async def pause(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.admin.set_paused(interaction.guild.id, name, True)
        await reply(
            interaction,
            _(
                "⏸️ **{name}** is paused. Everyone keeps their place; "
                "`/rotation resume name:{name}` picks it back up.",
                name=rot.name,
            ),
        )

    @rotation.command(name="resume", description="Resume a paused rotation")
    @app_commands.describe(name="Which rotation")
    async def resume(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        current = await self.service.rotations.get(interaction.guild.id, name)
        problem = self.shoutouts.channel_problem(current) if current.paused else None
        if problem:
            raise DomainError(
                _(
                    "I can't resume **{name}**: {problem}. Pick a channel I can post in "
                    "with `/rotation edit name:{name} channel:`.",
                    name=current.name,
                    problem=problem,
                )
            )
        rot = await self.service.admin.set_paused(interaction.guild.id, name, False)
        await reply(
            interaction,
            _("▶️ **{name}** is back on. Next shoutouts:", name=rot.name)
            + "\n"
            + next_slots_text(rot, self.bot.clock.now()),
        )

    @rotation.command(name="list", description="List this server's rotations")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        rotations = await self.service.rotations.list_rotations(interaction.guild.id)
        if not rotations:
            raise DomainError(_("No rotations yet. Create one with `/rotation create`."))
        now = self.bot.clock.now()
        parts = [
            rotation_summary(r, now, await self.service.rotations.member_counts(r.id))
            for r in rotations
        ]
        await reply(interaction, embed=rotations_embed(parts))

    @rotation.command(name="queue", description="The next 10 creators, in order")
    @app_commands.describe(name="Which rotation")
    async def queue(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        entries = await self.service.admin.queue(interaction.guild.id, name, 10)
        if not entries:
            raise DomainError(
                _(
                    "Nobody is in **{name}** yet. Creators join with `/shoutout join`.",
                    name=rot.name,
                )
            )
        await reply(interaction, embed=queue_embed(rot, entries))

    @rotation.command(name="skip", description="Skip the creator up next (they go to the end)")
    @app_commands.describe(name="Which rotation")
    async def skip(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        result = await self.service.admin.skip(interaction.guild.id, name)
        if result.moved:
            text = _(
                "⏭️ Skipped {member}: they go to the end of this round.",
                member=f"<@{result.user_id}>",
            )
        else:
            text = _(
                "{member} is the last one left in this round, so they stay up next.",
                member=f"<@{result.user_id}>",
            )
        await reply(interaction, text)

    @rotation.command(name="add", description="Add a creator to a rotation")
    @app_commands.describe(name="Which rotation", member="The creator to add")
    async def add(
        self, interaction: discord.Interaction, name: Name, member: discord.Member
    ) -> None:
        assert interaction.guild is not None
        if member.bot:
            raise DomainError(_("Bots don't get shoutouts. Pick a creator."))
        m = await self.service.admin.add_member(interaction.guild.id, name, member.id)
        await reply(
            interaction,
            _(
                "Added {member} to **{name}** (#{place}).",
                member=member.mention,
                name=m.rotation_name,
                place=m.place,
            ),
        )

    @rotation.command(name="remove", description="Take a creator out of a rotation")
    @app_commands.describe(name="Which rotation", member="The creator to remove")
    async def remove(
        self, interaction: discord.Interaction, name: Name, member: discord.Member
    ) -> None:
        assert interaction.guild is not None
        await self.service.admin.remove_member(interaction.guild.id, name, member.id)
        await reply(interaction, _("Took {member} out of that rotation.", member=member.mention))

    @rotation.command(name="run-now", description="Post the next shoutout right now")
    @app_commands.describe(name="Which rotation")
    async def run_now(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        if rot.paused:
            raise DomainError(paused_already(rot))
        # the post really going out (or not) takes longer than Discord's 3 s to answer
        await interaction.response.defer(ephemeral=True, thinking=True)
        await reply(interaction, await run_now_report(self.bot, self.service, rot))

    @rotation.command(name="history", description="Who was featured when")
    @app_commands.describe(name="Which rotation")
    async def history(self, interaction: discord.Interaction, name: Name) -> None:
        assert interaction.guild is not None
        rot = await self.service.rotations.get(interaction.guild.id, name)
        features = await self.service.admin.history(interaction.guild.id, name, 15)
        if not features:
            raise DomainError(_("**{name}** hasn't had a slot yet.", name=rot.name))
        await reply(interaction, embed=history_embed(rot, features))

    for _cmd in (edit, delete, pause, resume, queue, skip, add, remove, run_now, history):
        _cmd.autocomplete("name")(_names)
    del _cmd

    def _check_channel(self, channel: discord.TextChannel) -> None:
        perms = channel.permissions_for(channel.guild.me)
        if not (perms.view_channel and perms.send_messages and perms.embed_links):
            raise DomainError(
                _(
                    "I can't post in {channel}: give me View Channel, Send Messages and "
                    "Embed Links there (or pick another channel), then try again.",
                    channel=channel.mention,
                )
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
                _("Pick an opt-in role members chose themselves, not @everyone or a bot's role.")
            )


def _split(raw: str | None) -> list[str]:
    return [p for p in (raw or "").replace(";", ",").split(",") if p.strip()]
