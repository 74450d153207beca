"""What the bot sees of a server, for the dashboard's pickers and checks: its text channels
(and whether the bot may post or open private threads there), its roles (and whether the bot
may give them), and its members by id or name. From this process's cache when the guild is one
of its shards'; otherwise over REST (another process runs that shard), kept for a minute."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from core.bot import AnyBot

REST_TTL = 60.0


@dataclass(frozen=True)
class ChannelOption:
    id: int
    name: str
    can_post: bool  # view, send, embed links: what every capability's posts need
    can_thread: bool  # private threads and sending in them: collab intros


@dataclass(frozen=True)
class RoleOption:
    id: int
    name: str
    assignable: bool  # below the bot's top role, not managed, not @everyone
    opt_in: bool  # a role members can choose (not @everyone, not a bot's role)


@dataclass(frozen=True)
class MemberOption:
    id: int
    name: str
    bot: bool


@dataclass(frozen=True)
class GuildSnapshot:
    id: int
    name: str
    member_count: int
    icon_url: str | None
    channels: tuple[ChannelOption, ...]
    roles: tuple[RoleOption, ...]
    #: the cached guild (members are looked up there); None when read over REST
    cached: discord.Guild | None = field(default=None, compare=False, repr=False)

    def find_member(self, query: str) -> MemberOption | None:
        """A member by id, <@mention> or name (display name, global name or username)."""
        text = query.strip().removeprefix("<@").removeprefix("!").removesuffix(">").lstrip("@")
        if self.cached is None or not text:
            return None
        member = self.cached.get_member(int(text)) if text.isdigit() else None
        if member is None:
            lowered = text.casefold()
            member = next(
                (
                    m
                    for m in self.cached.members
                    if lowered in (m.name.casefold(), m.display_name.casefold())
                ),
                None,
            )
        return None if member is None else MemberOption(member.id, member.display_name, member.bot)

    def member_name(self, user_id: int) -> str:
        member = self.cached.get_member(user_id) if self.cached is not None else None
        return member.display_name if member is not None else f"member {user_id}"

    def channel(self, channel_id: int | None) -> ChannelOption | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def role(self, role_id: int | None) -> RoleOption | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def channel_name(self, channel_id: int | None) -> str:
        found = self.channel(channel_id)
        return f"#{found.name}" if found else ("not set" if channel_id is None else "#deleted")

    def role_name(self, role_id: int | None) -> str:
        found = self.role(role_id)
        return f"@{found.name}" if found else ("none" if role_id is None else "@deleted-role")


def _channels(
    channels: list[discord.abc.GuildChannel], me: discord.Member | None
) -> tuple[ChannelOption, ...]:
    out = []
    for ch in sorted(channels, key=lambda c: (c.position, c.id)):
        if not isinstance(ch, discord.TextChannel):
            continue
        perms = ch.permissions_for(me) if me is not None else discord.Permissions.none()
        out.append(
            ChannelOption(
                id=ch.id,
                name=ch.name,
                can_post=perms.view_channel and perms.send_messages and perms.embed_links,
                can_thread=perms.create_private_threads and perms.send_messages_in_threads,
            )
        )
    return tuple(out)


def _roles(roles: list[discord.Role], me: discord.Member | None) -> tuple[RoleOption, ...]:
    top = me.top_role.position if me is not None else 0
    out = []
    for role in sorted(roles, key=lambda r: -r.position):
        if role.is_default():
            continue
        bot_role = role.managed or role.is_bot_managed() or role.is_integration()
        out.append(
            RoleOption(
                id=role.id,
                name=role.name,
                assignable=not bot_role and role.position < top,
                opt_in=not bot_role,
            )
        )
    return tuple(out)


def snapshot_of(guild: discord.Guild) -> GuildSnapshot:
    return GuildSnapshot(
        id=guild.id,
        name=guild.name,
        member_count=guild.member_count or len(guild.members),
        icon_url=guild.icon.url if guild.icon else None,
        channels=_channels(list(guild.channels), guild.me),
        roles=_roles(list(guild.roles), guild.me),
        cached=guild,
    )


class GuildLookup:
    """Where the bot is and what it sees there (cache first; REST for other shards' guilds)."""

    def __init__(self, bot: AnyBot) -> None:
        self.bot = bot
        self._rest: dict[int, tuple[float, GuildSnapshot | None]] = {}

    async def get(self, guild_id: int) -> GuildSnapshot | None:
        """None when the bot is not in that server."""
        cached = self.bot.get_guild(guild_id)
        if cached is not None:
            return snapshot_of(cached)
        if self.bot.owns_guild(guild_id):
            return None  # this process runs that shard: not in the cache means not there
        hit = self._rest.get(guild_id)
        if hit is not None and time.monotonic() - hit[0] < REST_TTL:
            return hit[1]
        snap = await self._fetch(guild_id)
        self._rest[guild_id] = (time.monotonic(), snap)
        return snap

    async def _fetch(self, guild_id: int) -> GuildSnapshot | None:
        try:
            guild = await self.bot.fetch_guild(guild_id, with_counts=True)
            channels = await guild.fetch_channels()
            assert self.bot.user is not None
            me = await guild.fetch_member(self.bot.user.id)
        except (discord.NotFound, discord.Forbidden):
            return None
        return GuildSnapshot(
            id=guild.id,
            name=guild.name,
            member_count=guild.approximate_member_count or 0,
            icon_url=guild.icon.url if guild.icon else None,
            channels=_channels(list(channels), me),
            roles=_roles(list(guild.roles), me),
        )

    def forget(self, guild_id: int) -> None:
        self._rest.pop(guild_id, None)
