"""In-memory model of the Discord world the fake serves, and the payload builders.

Everything here is plain data: the server module mutates it and turns it into the exact JSON
shapes discord.py 2.7.1 parses. Payload shapes follow the v10 API documentation and the
fields discord.py reads as *required* (``data['x']``); optional fields are filled the way
Discord fills them so ``Member``/``Role``/``Channel`` objects look like production ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from .automod import GuildAutomod

DISCORD_EPOCH_MS = 1420070400000

# Permission bits used by the fake (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

#: What Discord gives @everyone in a new guild (roughly; enough for the bot's checks).
DEFAULT_EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
#: Permissions of the bot's managed role unless FakeDiscord(bot_permissions=...) says otherwise.
#: Manage Server lets it read the server's AutoMod rules (and receive their events).
DEFAULT_BOT_PERMISSIONS = (
    DEFAULT_EVERYONE_PERMISSIONS
    | MANAGE_GUILD
    | MANAGE_ROLES
    | MANAGE_MESSAGES
    | MANAGE_THREADS
    | CREATE_PRIVATE_THREADS
)

# Gateway intents the fake honours when deciding what to dispatch.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_AUTO_MODERATION_CONFIGURATION = 1 << 20


class SnowflakeGen:
    """Monotonic snowflakes with a real timestamp part.

    discord.py derives ``created_at`` from ids and sorts by them, so ids must be increasing and
    decode to "now" rather than being small counters.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._inc = itertools.count()

    def __call__(self) -> int:
        with self._lock:
            now_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
            candidate = ((now_ms - DISCORD_EPOCH_MS) << 22) | (next(self._inc) & 0xFFF)
            if candidate <= self._last:
                candidate = self._last + 1
            self._last = candidate
            return candidate


def iso_now() -> str:
    """Timestamp in the format Discord uses (ISO 8601 with offset)."""
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass
class FakeUser:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    #: the Discord client language this user's interactions carry
    locale: str = "en-US"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name if self.global_name is not None else self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }


@dataclass
class FakeRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    managed: bool = False
    hoist: bool = False
    mentionable: bool = False
    color: int = 0
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class FakeChannel:
    id: int
    type: int
    name: str
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    recipients: list[int] = field(default_factory=list)
    # thread-only fields
    owner_id: int | None = None
    auto_archive_duration: int = 1440
    invitable: bool = True
    thread_members: list[int] = field(default_factory=list)
    message_count: int = 0
    created_at: str = field(default_factory=iso_now)
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def payload(self, *, with_guild_id: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "flags": 0}
        last = str(self.last_message_id) if self.last_message_id else None
        if self.type == 1:
            data.update({"last_message_id": last, "recipients": [], "name": None})
            return data
        if with_guild_id and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        data["name"] = self.name
        data["parent_id"] = str(self.parent_id) if self.parent_id else None
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id),
                    "last_message_id": last,
                    "rate_limit_per_user": 0,
                    "message_count": self.message_count,
                    "member_count": len(self.thread_members),
                    "total_message_sent": self.message_count,
                    "thread_metadata": {
                        "archived": False,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": self.created_at,
                        "locked": False,
                        "invitable": self.invitable,
                        "create_timestamp": self.created_at,
                    },
                }
            )
            return data
        data.update(
            {
                "position": self.position,
                "permission_overwrites": [],
                "nsfw": False,
            }
        )
        if self.type in (0, 5, 15):
            data.update({"topic": self.topic, "last_message_id": last, "rate_limit_per_user": 0})
        if self.type in (2, 13):
            data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
        return data


@dataclass
class FakeMember:
    user: FakeUser
    guild_id: int
    roles: list[int] = field(default_factory=list)
    pending: bool = False
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)
    flags: int = 0

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "flags": self.flags,
            "pending": self.pending,
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    joined_at: str = field(default_factory=iso_now)
    automod: GuildAutomod = field(default_factory=GuildAutomod)
    preferred_locale: str = "en-US"

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions (no channel overwrites: the fake sends none)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        member = self.members.get(user_id)
        if member is not None:
            for rid in member.roles:
                role = self.roles.get(rid)
                if role is not None:
                    perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def top_role_position(self, user_id: int) -> int:
        member = self.members.get(user_id)
        if member is None:
            return 0
        positions = [self.roles[r].position for r in member.roles if r in self.roles]
        return max(positions, default=0)

    def payload(self, *, bot_user_id: int, include_all_members: bool) -> dict[str, Any]:
        """GUILD_CREATE body.

        ``member_count`` always counts everyone; ``members`` holds everyone only when the
        client asked for the GUILD_MEMBERS intent (as Discord does), otherwise just the bot.
        With the intent, ``member_count == len(members)`` so discord.py does not chunk.
        """
        if include_all_members:
            members = [m.payload() for m in self.members.values()]
        else:
            members = [m.payload() for uid, m in self.members.items() if uid == bot_user_id]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "features": [],
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "application_id": None,
            "incidents_data": None,
            "large": len(self.members) > 250,
            "lazy": True,
            "unavailable": False,
            "member_count": len(self.members),
            "joined_at": self.joined_at,
            "voice_states": [],
            "members": members,
            "channels": [
                c.payload(with_guild_id=False) for c in self.channels.values() if not c.is_thread
            ],
            "threads": [c.payload() for c in self.channels.values() if c.is_thread],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
