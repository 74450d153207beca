"""FakeDiscord: a local Discord (REST + gateway) that the *unmodified* discord.py 2.7.1 accepts.

Pointing the client at it (process-wide, before ``login()``)::

    discord.http.Route.BASE = fake.rest_base          # http://127.0.0.1:PORT/api/v10
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

Those two are all that is needed. Interaction callbacks and webhook routes (followups,
``@original`` edits) are built by ``discord.webhook.async_`` with ``discord.http.Route`` too,
so they read ``Route.BASE`` at request time; there is no separate webhook base in 2.7.1.
``AutoShardedClient`` asks ``GET /gateway/bot``, which answers ``fake.gateway_url``.
``FakeDiscord.patch_client()`` sets both and returns a callable restoring the old values.

Why a fake rather than mocks: the bot's tests then exercise discord.py's real parsing, rate-limit
handling, view dispatch and reconnect logic, and a payload shape the library would reject in
production fails loudly here too. See /work/shared/docs/discord-facts.md for what must be right.

Design notes
------------
* JSON answers carry ``Content-Type: application/json`` exactly (no charset), otherwise
  discord.py treats the body as text.
* Every REST call is appended to ``fake.requests``; unknown routes answer 404 and are appended
  to ``fake.unhandled``.
* Message-ish payloads are checked against Discord's limits; a violation answers 400/50035
  and is appended to ``fake.limit_violations``.
* The gateway honours the IDENTIFY intents: without GUILD_MEMBERS, GUILD_CREATE carries only
  the bot's member and member events are not sent (recorded in ``fake.filtered_events``),
  exactly like Discord, so a missing intent shows up in tests.
* Events pushed while no client is connected are dropped (Discord does not replay them) and
  recorded in ``fake.dropped_events``.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from . import limits
from .automod import KEYWORD, apply_changes, rule_object
from .gateway import (
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE_UPDATE,
    OP_REQUEST_GUILD_MEMBERS,
    OP_RESUME,
    Connection,
    Session,
)
from .handles import EPHEMERAL, InteractionHandle, LimitViolation, RecordedRequest
from .oauth import FakeOAuth
from .state import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    INTENT_AUTO_MODERATION_CONFIGURATION,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    MANAGE_GUILD,
    MANAGE_ROLES,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    SnowflakeGen,
    iso_now,
)

API_PREFIX = "/api/v10"
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_MESSAGE_CONTENT | (1 << 8)  # + PRESENCES
LOADING = 1 << 7
COMPONENTS_V2 = 1 << 15
#: Keys kept on stored messages for tests but never sent to the client.
INTERNAL_KEYS = ("allowed_mentions", "pinged_user_ids", "pinged_role_ids", "pinged_everyone")
SELECT_TYPES = (3, 5, 6, 7, 8)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BODY_KEY: web.RequestKey[Any] = web.RequestKey("fakediscord_body", object)
FILES_KEY: web.RequestKey[list[tuple[str, int, str | None, bytes]]] = web.RequestKey(
    "fakediscord_files", list
)
REL_KEY = web.RequestKey("fakediscord_rel", str)


def json_response(
    obj: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """JSON with ``Content-Type: application/json`` and *no* charset (discord.py needs that)."""
    return web.Response(
        body=json.dumps(obj).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    return json_response({"message": message, "code": code, **extra}, status=status)


@dataclass
class OptionRef:
    """A user/role/channel/attachment option value; the fake adds it to ``data.resolved``."""

    type: int  # 6 user, 7 channel, 8 role, 9 mentionable, 11 attachment
    id: int
    attachment: dict[str, Any] | None = None


@dataclass
class _FailRule:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: Any
    count: int
    retry_after: float
    is_global: bool


def _peer(request: web.Request) -> tuple[str, int] | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) else None


def _overflow(items: list[Any], keep: int) -> list[Any]:
    """Cut the oldest entries once ``items`` holds twice ``keep`` (amortised): the cut ones."""
    if len(items) < 2 * keep:
        return []
    cut = items[:-keep]
    del items[:-keep]
    return cut


def _public(msg: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in msg.items() if k not in INTERNAL_KEYS}


def _walk_components(components: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for c in components or ():
        if not isinstance(c, dict):
            continue
        yield c
        yield from _walk_components(c.get("components") or ())
        for key in ("accessory", "component"):
            inner = c.get(key)
            if isinstance(inner, dict):
                yield from _walk_components([inner])


class FakeDiscord:
    """The fake. See the module docstring; the public API is documented per method."""

    def __init__(
        self,
        app_id: int = 1300000000000000001,
        bot_user_id: int | None = None,
        bot_name: str = "Mutuals",
        *,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        interaction_deadline: float | None = 3.0,
        privileged_intents: int = PRIVILEGED_INTENTS,
        heartbeat_interval: int = 41250,
        echo_messages: bool = True,
        host: str = "127.0.0.1",
        keep_files: bool = False,
        remember: int | None = None,
    ) -> None:
        self.app_id = app_id
        self.bot_user = FakeUser(bot_user_id or app_id, bot_name, bot=True)
        self.bot_permissions = bot_permissions
        #: seconds within which the first callback must arrive (Discord: 3 s); None disables
        self.interaction_deadline = interaction_deadline
        #: privileged intents "enabled in the developer portal"; others close with 4014
        self.privileged_intents = privileged_intents
        self.heartbeat_interval = heartbeat_interval
        #: send MESSAGE_CREATE/UPDATE/DELETE for the bot's own channel messages, as Discord does
        self.echo_messages = echo_messages
        self.host = host
        #: keep the bytes of files the bot uploads (images) and serve them at /cdn/ (the demo
        #: shows them; tests and benchmarks needn't hold them)
        self.keep_files = keep_files
        #: how many of the newest messages, requests and interactions the fake remembers (None:
        #: all, as tests read them). Benchmarks cap it: Discord's history isn't in a real bot's
        #: heap, and a fake sharing the bot's process would otherwise make every full
        #: collection of the bot's garbage collector rescan a growing store of JSON
        self.remember = remember
        self._message_order: list[int] = []
        self._interaction_order: list[int] = []
        self.snowflake = SnowflakeGen()

        self.guilds: dict[int, FakeGuild] = {}
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.channels: dict[int, FakeChannel] = {}
        self._messages: dict[int, dict[str, Any]] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self._interaction_messages: dict[int, list[int]] = {}
        #: what members typed (user_message), per channel: not the bot's, so not in messages()
        self._user_messages: dict[int, list[dict[str, Any]]] = {}
        self.deleted_messages: list[dict[str, Any]] = []
        #: (channel_id, message_id, emoji) for each reaction the bot added
        self.reactions: list[tuple[int, int, str]] = []
        #: bytes of attachments made with ``attachment_option(content=...)``, served at /cdn/
        self.attachment_files: dict[int, bytes] = {}
        self._nonces: dict[tuple[int, str], int] = {}
        self._dm_channels: dict[int, int] = {}
        self._closed_dms: set[int] = set()
        #: "Log in with Discord" (OAuth2 code flow) for web dashboards: see oauth.py
        self.oauth = FakeOAuth(self)

        self.commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.command_syncs = 0

        self.requests: list[RecordedRequest] = []
        self.unhandled: list[tuple[str, str]] = []
        self.limit_violations: list[LimitViolation] = []
        self.role_assignments: list[tuple[str, int, int, int]] = []
        self.dropped_events: list[tuple[str, dict[str, Any]]] = []
        self.filtered_events: list[tuple[str, dict[str, Any]]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.identifies = 0
        self.resumes = 0
        self._fail_rules: list[_FailRule] = []

        self.interactions: dict[int, InteractionHandle] = {}
        self._by_token: dict[str, InteractionHandle] = {}  # webhook routes find them by token
        #: interactions whose first callback came after ``interaction_deadline`` (got 10062)
        self.late_interactions: list[InteractionHandle] = []
        self._modals: list[tuple[str, dict[str, Any], InteractionHandle]] = []

        self._conns: set[Connection] = set()
        self._sessions: dict[str, Session] = {}
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    @property
    def rest_base(self) -> str:
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        """Serve on 127.0.0.1 with an OS-chosen port."""
        self._loop = asyncio.get_running_loop()
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024**2)
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        for conn in list(self._conns):
            await conn.close(1001)
        self._conns.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def patch_client(self) -> Callable[[], None]:
        """Point discord.py (process-wide) at this fake; returns an undo callable."""
        import discord
        import yarl

        old_base = discord.http.Route.BASE
        old_gw = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.rest_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

        def undo() -> None:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gw

        return undo

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5,  # noqa: ASYNC109 (public API name)
        *,
        message: str | None = None,
    ) -> Any:
        """Poll ``predicate`` (every 5 ms) until truthy; returns its value.

        TimeoutError says what was awaited and lists the last REST calls, which is usually the
        quickest way to see what the bot did instead.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() >= deadline:
                recent = "\n".join(
                    f"  {r.method} {r.path} -> {r.status}" for r in self.requests[-10:]
                )
                what = message or getattr(predicate, "__name__", repr(predicate))
                raise TimeoutError(
                    f"condition {what} not met within {timeout}s; last requests:\n{recent}"
                )
            await asyncio.sleep(0.005)

    async def wait_ready(self, timeout: float = 10) -> None:  # noqa: ASYNC109 (public API name)
        """Until a client IDENTIFYed and its READY + GUILD_CREATEs were written to the socket."""
        await self.wait_for(
            lambda: any(c.live and c.ready_flushed.is_set() for c in self._conns),
            timeout,
            message="client connected and READY sent",
        )

    async def wait_connected(self, timeout: float = 10) -> None:  # noqa: ASYNC109 (public API name)
        """Until some connection is live (after IDENTIFY or RESUME)."""
        await self.wait_for(
            lambda: any(c.live for c in self._conns), timeout, message="a live gateway connection"
        )

    @property
    def connected(self) -> bool:
        return any(c.live for c in self._conns)

    # ------------------------------------------------------------------ world building
    def add_user(self, user_id: int, name: str, *, bot: bool = False) -> FakeUser:
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = FakeUser(user_id, name, bot=bot)
        return user

    def add_guild(
        self, guild_id: int | None = None, name: str = "Guild", owner_id: int | None = None
    ) -> FakeGuild:
        """Create a guild with @everyone (id == guild id) and the bot as a member.

        The bot gets a managed role named after it (position 1000, so roles added later sit
        below it unless given a higher position). After ``start()`` with a client connected
        this sends GUILD_CREATE (the bot "joins").
        """
        gid = guild_id or self.snowflake()
        owner = owner_id or self.snowflake()
        self.add_user(owner, f"owner{owner % 10000}")
        guild = FakeGuild(id=gid, name=name, owner_id=owner)
        guild.roles[gid] = FakeRole(
            gid, gid, "@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS, position=0
        )
        bot_role = FakeRole(
            self.snowflake(),
            gid,
            self.bot_user.name,
            permissions=self.bot_permissions,
            position=1000,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot_user.id] = FakeMember(self.bot_user, gid, roles=[bot_role.id])
        if owner != self.bot_user.id:
            guild.members[owner] = FakeMember(self.users[owner], gid)
        self.guilds[gid] = guild
        for conn in self._live_conns(intent=None, guild_id=gid):
            assert conn.session is not None
            self._send_guild_create(conn, guild, joined=True)
        return guild

    def _guild(self, guild_id: int) -> FakeGuild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise KeyError(f"unknown guild {guild_id}; call fake.add_guild first") from None

    def add_channel(
        self,
        guild_id: int,
        channel_id: int | None = None,
        name: str = "general",
        type: int = 0,
        *,
        parent_id: int | None = None,
        topic: str | None = None,
    ) -> int:
        guild = self._guild(guild_id)
        cid = channel_id or self.snowflake()
        position = sum(1 for c in guild.channels.values() if not c.is_thread)
        ch = FakeChannel(
            cid, type, name, guild_id=guild_id, position=position, parent_id=parent_id, topic=topic
        )
        guild.channels[cid] = ch
        self.channels[cid] = ch
        self._dispatch("CHANNEL_CREATE", ch.payload(), intent=INTENT_GUILDS, guild_id=guild_id)
        return cid

    def add_role(
        self,
        guild_id: int,
        role_id: int | None = None,
        name: str = "role",
        permissions: int = 0,
        *,
        position: int | None = None,
        mentionable: bool = False,
        hoist: bool = False,
        color: int = 0,
    ) -> int:
        guild = self._guild(guild_id)
        rid = role_id or self.snowflake()
        if position is None:
            position = 1 + sum(1 for r in guild.roles.values() if 0 < r.position < 1000)
        role = FakeRole(
            rid,
            guild_id,
            name,
            permissions,
            position,
            mentionable=mentionable,
            hoist=hoist,
            color=color,
        )
        guild.roles[rid] = role
        self._dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild_id), "role": role.payload()},
            intent=INTENT_GUILDS,
            guild_id=guild_id,
        )
        return rid

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        name: str | None = None,
        *,
        bot: bool = False,
        pending: bool = False,
        roles: Sequence[int] = (),
        permissions: int | None = None,
        dispatch: bool = True,
        nick: str | None = None,
    ) -> FakeMember:
        """Add a member; with ``dispatch`` and a client connected, send GUILD_MEMBER_ADD.

        ``permissions`` is a convenience: the member gets an extra role carrying those bits
        (e.g. ``1 << 5`` Manage Guild, ``1 << 3`` Administrator).
        """
        guild = self._guild(guild_id)
        user = self.add_user(user_id, name or f"user{user_id % 100000}", bot=bot)
        role_ids = list(roles)
        for rid in role_ids:
            if rid not in guild.roles:
                raise KeyError(f"role {rid} not in guild {guild_id}; fake.add_role first")
        if permissions is not None:
            role_ids.append(
                self.add_role(guild_id, name=f"perms-{user.name}", permissions=permissions)
            )
        member = FakeMember(user, guild_id, roles=role_ids, pending=pending, nick=nick)
        guild.members[user_id] = member
        if dispatch:
            self._dispatch(
                "GUILD_MEMBER_ADD",
                {**member.payload(), "guild_id": str(guild_id)},
                intent=INTENT_GUILD_MEMBERS,
                guild_id=guild_id,
            )
        return member

    def update_member(self, guild_id: int, user_id: int, **changes: Any) -> FakeMember:
        """Change ``pending``/``roles``/``nick``/``name`` and send GUILD_MEMBER_UPDATE."""
        guild = self._guild(guild_id)
        member = guild.members[user_id]
        for key, value in changes.items():
            if key == "roles":
                member.roles = [int(r) for r in value]
            elif key == "pending":
                member.pending = bool(value)
            elif key == "nick":
                member.nick = value
            elif key == "name":
                member.user.name = value
            else:
                raise TypeError(f"update_member does not know {key!r}")
        self._send_member_update(guild, member)
        return member

    def remove_member(self, guild_id: int, user_id: int) -> None:
        guild = self._guild(guild_id)
        member = guild.members.pop(user_id)
        self._dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild_id), "user": member.user.payload()},
            intent=INTENT_GUILD_MEMBERS,
            guild_id=guild_id,
        )

    def _send_member_update(self, guild: FakeGuild, member: FakeMember) -> None:
        self._dispatch(
            "GUILD_MEMBER_UPDATE",
            {**member.payload(), "guild_id": str(guild.id)},
            intent=INTENT_GUILD_MEMBERS,
            guild_id=guild.id,
        )

    def member(self, guild_id: int, user_id: int) -> FakeMember | None:
        return self.guilds[guild_id].members.get(user_id)

    def member_roles(self, guild_id: int, user_id: int) -> list[int]:
        return list(self.guilds[guild_id].members[user_id].roles)

    def set_bot_permissions(self, guild_id: int, permissions: int) -> None:
        """Change what the bot's managed role allows in one guild (a moderator editing it), and
        send GUILD_ROLE_UPDATE as Discord does."""
        guild = self._guild(guild_id)
        role = next(r for r in guild.roles.values() if r.bot_id == self.bot_user.id)
        role.permissions = permissions
        self._dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(guild_id), "role": role.payload()},
            intent=INTENT_GUILDS,
            guild_id=guild_id,
        )

    # ------------------------------------------------------------------ AutoMod rules
    def add_automod_rule(
        self,
        guild_id: int,
        name: str = "Keyword filter",
        *,
        keywords: Sequence[str] = (),
        regex_patterns: Sequence[str] = (),
        allow_list: Sequence[str] = (),
        presets: Sequence[int] = (),
        trigger_type: int = KEYWORD,
        enabled: bool = True,
        actions: list[dict[str, Any]] | None = None,
        exempt_roles: Sequence[int] = (),
        exempt_channels: Sequence[int] = (),
        creator_id: int | None = None,
    ) -> int:
        """A moderator creates an AutoMod rule: stored as Discord's rule object and, with a
        client connected, AUTO_MODERATION_RULE_CREATE (only to a bot with Manage Server and
        the AUTO_MODERATION_CONFIGURATION intent, as Discord does). Returns the rule id."""
        guild = self._guild(guild_id)
        rule_id = self.snowflake()
        guild.automod.rules[rule_id] = rule_object(
            rule_id,
            guild_id,
            creator_id or guild.owner_id,
            name=name,
            trigger_type=trigger_type,
            enabled=enabled,
            keywords=list(keywords),
            regex_patterns=list(regex_patterns),
            allow_list=list(allow_list),
            presets=list(presets),
            actions=actions,
            exempt_roles=list(exempt_roles),
            exempt_channels=list(exempt_channels),
        )
        self._dispatch_automod("AUTO_MODERATION_RULE_CREATE", guild, rule_id)
        return rule_id

    def update_automod_rule(self, guild_id: int, rule_id: int, **changes: Any) -> None:
        """Edit a rule (``name``, ``enabled``, ``keywords``, ``regex_patterns``, ``allow_list``,
        ``presets``, ``actions``, ``exempt_roles``, ``exempt_channels``) and send
        AUTO_MODERATION_RULE_UPDATE with the whole rule."""
        guild = self._guild(guild_id)
        apply_changes(guild.automod.rules[rule_id], changes)
        self._dispatch_automod("AUTO_MODERATION_RULE_UPDATE", guild, rule_id)

    def delete_automod_rule(self, guild_id: int, rule_id: int) -> None:
        """Delete a rule; AUTO_MODERATION_RULE_DELETE carries the rule as it was."""
        guild = self._guild(guild_id)
        self._dispatch_automod("AUTO_MODERATION_RULE_DELETE", guild, rule_id)
        del guild.automod.rules[rule_id]

    def automod_rules(self, guild_id: int) -> list[dict[str, Any]]:
        return self._guild(guild_id).automod.listing()

    def _dispatch_automod(self, event: str, guild: FakeGuild, rule_id: int) -> None:
        data = dict(guild.automod.rules[rule_id])
        if not guild.permissions_of(self.bot_user.id) & MANAGE_GUILD:
            self.filtered_events.append((event, data))  # Discord sends them to Manage Server only
            return
        self._dispatch(event, data, intent=INTENT_AUTO_MODERATION_CONFIGURATION, guild_id=guild.id)

    # option helpers
    def user_option(self, user_id: int) -> OptionRef:
        return OptionRef(6, user_id)

    def member_option(self, user_id: int) -> OptionRef:
        return OptionRef(6, user_id)

    def role_option(self, role_id: int) -> OptionRef:
        return OptionRef(8, role_id)

    def channel_option(self, channel_id: int) -> OptionRef:
        return OptionRef(7, channel_id)

    def attachment_option(
        self,
        filename: str = "file.png",
        size: int = 1024,
        content_type: str = "image/png",
        *,
        content: bytes | None = None,
    ) -> OptionRef:
        """An attachment option; with ``content`` its url is served by the fake (``/cdn/…``),
        so ``Attachment.read()`` works, and ``size`` defaults to the content's length."""
        aid = self.snowflake()
        url = f"https://cdn.discordapp.com/attachments/0/{aid}/{filename}"
        if content is not None:
            self.attachment_files[aid] = content
            size = len(content) if size == 1024 else size
            url = f"http://{self.host}:{self.port}/cdn/attachments/{aid}/{filename}"
        att = {
            "id": str(aid),
            "filename": filename,
            "size": size,
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
            "ephemeral": True,
        }
        return OptionRef(11, aid, attachment=att)

    # ------------------------------------------------------------------ messages & DMs
    def get_message(self, message_id: int) -> dict[str, Any] | None:
        return self._messages.get(message_id)

    def messages(
        self, channel_id: int, *, include_interactions: bool = False
    ) -> list[dict[str, Any]]:
        """Messages the bot created in a channel via POST /channels/{id}/messages (edits applied).

        ``include_interactions`` adds non-ephemeral interaction responses and followups in that
        channel, in creation order.
        """
        ids = list(self._channel_messages.get(channel_id, ()))
        if include_interactions:
            ids += [
                i
                for i in self._interaction_messages.get(channel_id, ())
                if not int(self._messages[i].get("flags") or 0) & EPHEMERAL
            ]
            ids.sort()
        return [self._messages[i] for i in ids if i in self._messages]

    def history(self, channel_id: int, *, viewer: int | None = None) -> list[dict[str, Any]]:
        """What a person in the channel sees, oldest first: the bot's posts, interaction
        responses (an ephemeral one only when ``viewer`` is whom it answered) and what members
        typed (``user_message``)."""
        ids = list(self._channel_messages.get(channel_id, ()))
        ids += self._interaction_messages.get(channel_id, ())
        out: list[dict[str, Any]] = []
        for i in ids:
            msg = self._messages.get(i)
            if msg is None:
                continue
            if int(msg.get("flags") or 0) & EPHEMERAL:
                user = (msg.get("interaction_metadata") or {}).get("user") or {}
                if viewer is None or str(user.get("id")) != str(viewer):
                    continue
            out.append(msg)
        out += self._user_messages.get(channel_id, ())
        out.sort(key=lambda m: int(m["id"]))
        return out

    def dm_channel_of(self, user_id: int) -> int | None:
        return self._dm_channels.get(user_id)

    def dms(self, user_id: int) -> list[dict[str, Any]]:
        cid = self._dm_channels.get(user_id)
        return [] if cid is None else self.messages(cid)

    def close_dms(self, user_id: int) -> None:
        """Sends to this user's DM channel now answer 403 / 50007, like a user with DMs off."""
        self._closed_dms.add(user_id)

    def open_dms(self, user_id: int) -> None:
        self._closed_dms.discard(user_id)

    # ------------------------------------------------------------------ failure injection
    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        body: Any = None,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` matching calls with ``status``.

        ``path_regex`` is searched in the path relative to /api/v10 (e.g.
        ``r"/channels/\\d+/messages$"``). A 429 carries what discord.py needs to retry it:
        ``Via`` header, JSON ``retry_after``/``global``, and X-RateLimit-* headers.
        """
        self._fail_rules.append(
            _FailRule(
                method.upper(), re.compile(path_regex), status, body, count, retry_after, is_global
            )
        )

    def _take_failure(self, method: str, path: str) -> web.Response | None:
        for rule in self._fail_rules:
            if rule.method not in (method, "*") or not rule.pattern.search(path):
                continue
            rule.count -= 1
            if rule.count <= 0:
                self._fail_rules.remove(rule)
            if rule.status == 429:
                body = rule.body or {
                    "message": "You are being rate limited.",
                    "retry_after": rule.retry_after,
                    "global": rule.is_global,
                    "code": 0,
                }
                headers = {
                    "Via": "1.1 google",
                    "Retry-After": str(max(1, round(rule.retry_after))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
                    "X-RateLimit-Bucket": "fakebucket" + secrets.token_hex(4),
                    "X-RateLimit-Scope": "global" if rule.is_global else "user",
                }
                if rule.is_global:
                    headers["X-RateLimit-Global"] = "true"
                return json_response(body, 429, headers)
            default = {
                400: {"message": "400: Bad Request", "code": 0},
                401: {"message": "401: Unauthorized", "code": 0},
                403: {"message": "Missing Permissions", "code": 50013},
                404: {"message": "404: Not Found", "code": 0},
            }.get(rule.status, {"message": f"{rule.status}: Server Error", "code": 0})
            return json_response(rule.body if rule.body is not None else default, rule.status)
        return None

    def assert_no_unhandled(self) -> None:
        assert not self.unhandled, (
            f"routes the fake does not implement were called: {self.unhandled}"
        )

    def assert_no_limit_violations(self) -> None:
        assert not self.limit_violations, f"Discord limits violated: {self.limit_violations}"

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        pat = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and pat.search(r.path)]

    # ------------------------------------------------------------------ gateway
    def _live_conns(self, intent: int | None, guild_id: int | None) -> list[Connection]:
        out = []
        for c in self._conns:
            if not c.live or c.session is None:
                continue
            if intent is not None and not c.session.intents & intent:
                continue
            if not c.session.wants_guild(guild_id):
                continue
            out.append(c)
        return out

    def _dispatch(
        self, event: str, data: dict[str, Any], *, intent: int | None, guild_id: int | None
    ) -> int:
        """Send a DISPATCH to every live connection that asked for ``intent``."""
        if not self.connected:
            self.dropped_events.append((event, data))
            return 0
        conns = self._live_conns(intent, guild_id)
        if not conns:
            self.filtered_events.append((event, data))
            return 0
        encoded = json.dumps(data)
        for c in conns:
            c.send_dispatch(event, encoded)
        return len(conns)

    def dispatch_raw(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> int:
        """Escape hatch: push any gateway event (e.g. one the fake has no helper for)."""
        return self._dispatch(event, data, intent=None, guild_id=guild_id)

    async def drop_gateway(self, code: int = 4000, *, invalidate: bool = False) -> None:
        """Close every client websocket with ``code``.

        4000 (and most codes): discord.py RESUMEs and the fake answers RESUMED.
        ``invalidate=True`` (implied by 4007/4009): the RESUME is answered with
        INVALID_SESSION(false), so the client re-IDENTIFYs and gets a fresh READY.
        4004/4010-4014 make discord.py give up, as with the real gateway.
        """
        force_identify = invalidate or code in (4007, 4009)
        conns = [c for c in self._conns if c.live]
        for c in conns:
            if force_identify and c.session is not None:
                c.session.invalid = True
            c.live = False
        await asyncio.gather(*(c.close(code) for c in conns))

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session."""
        for c in self._conns:
            if c.live:
                c.send_op(7, None)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws)
        self._conns.add(conn)
        conn.send_op(OP_HELLO, {"heartbeat_interval": self.heartbeat_interval, "_trace": ["fake"]})
        try:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    await self._on_gateway_message(conn, json.loads(msg.data))
                elif msg.type is aiohttp.WSMsgType.ERROR:
                    break
        finally:
            conn.live = False
            self._conns.discard(conn)
            await conn.shutdown()
        return ws

    async def _on_gateway_message(self, conn: Connection, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        d = msg.get("d")
        if op == OP_HEARTBEAT:
            conn.heartbeats += 1
            conn.send_op(OP_HEARTBEAT_ACK, None)
        elif op == OP_IDENTIFY:
            await self._identify(conn, d or {})
        elif op == OP_RESUME:
            await self._resume(conn, d or {})
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self._guild_members_chunk(conn, d or {})
        elif op == OP_PRESENCE_UPDATE:
            self.presence_updates.append(d or {})

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> None:
        if not d.get("token"):
            await conn.close(4004)  # Authentication failed
            return
        if conn.session is not None:
            await conn.close(4005)  # Already authenticated
            return
        if int(d.get("intents", 0)) & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await conn.close(4014)  # Disallowed intent(s)
            return
        self.identifies += 1
        shard = tuple(d["shard"]) if d.get("shard") else None
        session = Session(
            id=secrets.token_hex(16),
            intents=int(d.get("intents", 0)),
            shard=shard,
            identify_payload=d,
        )
        self._sessions[session.id] = session
        conn.session = session
        guilds = [g for g in self.guilds.values() if session.wants_guild(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
            },
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": self._app_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "_trace": ["fake"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        conn.send_dispatch("READY", json.dumps(ready))
        for g in guilds:
            self._send_guild_create(conn, g)
        conn.live = True
        await conn.flush()
        conn.ready_flushed.set()

    def _send_guild_create(
        self, conn: Connection, guild: FakeGuild, *, joined: bool = False
    ) -> None:
        """GUILD_CREATE; ``joined`` (bot added later) omits ``unavailable`` so discord.py fires
        on_guild_join rather than on_guild_available, matching Discord."""
        assert conn.session is not None
        # Like Discord: members only with the GUILD_MEMBERS intent, and for a "large" guild
        # (more than IDENTIFY's large_threshold) not even then: the client must chunk (op 8).
        threshold = int(conn.session.identify_payload.get("large_threshold") or 50)
        full = bool(conn.session.intents & INTENT_GUILD_MEMBERS) and len(guild.members) <= threshold
        payload = guild.payload(bot_user_id=self.bot_user.id, include_all_members=full)
        if joined:
            del payload["unavailable"]
        conn.send_dispatch("GUILD_CREATE", json.dumps(payload))

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or session.invalid:
            conn.send_op(OP_INVALID_SESSION, False)
            return
        self.resumes += 1
        conn.session = session
        conn.send_dispatch("RESUMED", json.dumps({"_trace": ["fake"]}))
        conn.live = True
        conn.ready_flushed.set()

    def _guild_members_chunk(self, conn: Connection, d: dict[str, Any]) -> None:
        guild = self.guilds.get(int(d.get("guild_id", 0)))
        if guild is None or conn.session is None:
            return
        members = list(guild.members.values())
        wanted = d.get("user_ids")
        if wanted:
            ids = {int(x) for x in (wanted if isinstance(wanted, list) else [wanted])}
            members = [m for m in members if m.user.id in ids]
        elif d.get("query"):
            q = str(d["query"]).lower()
            members = [m for m in members if m.user.name.lower().startswith(q)]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        # Discord sends at most 1,000 members per chunk; at least one chunk even if empty.
        parts = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
        for index, part in enumerate(parts):
            chunk: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [m.payload() for m in part],
                "chunk_index": index,
                "chunk_count": len(parts),
            }
            if wanted and index == len(parts) - 1:
                found = {m.user.id for m in members}
                chunk["not_found"] = [str(x) for x in ids if x not in found]
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            conn.send_dispatch("GUILD_MEMBERS_CHUNK", json.dumps(chunk))

    def _app_flags(self) -> int:
        # GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED: intents are enabled.
        return (1 << 15) | (1 << 19)

    # ------------------------------------------------------------------ interactions
    def _member_payload_for(self, guild: FakeGuild, user_id: int) -> dict[str, Any]:
        member = guild.members.get(user_id)
        if member is None:
            raise LookupError(
                f"user {user_id} is not a member of guild {guild.id}; fake.add_member first"
            )
        return {**member.payload(), "permissions": str(guild.permissions_of(user_id))}

    def _default_channel(self, guild: FakeGuild) -> FakeChannel:
        for ch in guild.channels.values():
            if ch.type == 0:
                return ch
        return self.channels[self.add_channel(guild.id, name="general")]

    def _dm_channel(self, user_id: int) -> FakeChannel:
        cid = self._dm_channels.get(user_id)
        if cid is None:
            cid = self.snowflake()
            self._dm_channels[user_id] = cid
            self.channels[cid] = FakeChannel(cid, 1, "", recipients=[user_id])
        return self.channels[cid]

    def _channel_payload(self, ch: FakeChannel) -> dict[str, Any]:
        data = ch.payload()
        if ch.type == 1:
            data["recipients"] = [self.users[u].payload() for u in ch.recipients if u in self.users]
        return data

    def _user_locale(self, user_id: int) -> str:
        user = self.users.get(user_id)
        return user.locale if user is not None else "en-US"

    def _base_interaction(
        self,
        type_: int,
        user_id: int,
        guild_id: int | None,
        channel_id: int | None,
        data: dict[str, Any] | None,
        *,
        locale: str | None = None,
    ) -> dict[str, Any]:
        iid = self.snowflake()
        token = f"aW50ZXJhY3Rpb246{iid}:{secrets.token_urlsafe(24)}"
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": type_,
            "token": token,
            "version": 1,
            "locale": locale or self._user_locale(user_id),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if guild_id is not None:
            guild = self._guild(guild_id)
            ch = self.channels[channel_id] if channel_id else self._default_channel(guild)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {
                        "id": str(guild.id),
                        "locale": guild.preferred_locale,
                        "features": [],
                    },
                    "guild_locale": guild.preferred_locale,
                    "channel_id": str(ch.id),
                    "channel": {
                        **ch.payload(),
                        "permissions": str(guild.permissions_of(user_id)),
                    },
                    "member": self._member_payload_for(guild, user_id),
                    "app_permissions": str(guild.permissions_of(self.bot_user.id)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            user = self.users.get(user_id) or self.add_user(user_id, f"user{user_id % 100000}")
            ch = self.channels[channel_id] if channel_id else self._dm_channel(user_id)
            payload.update(
                {
                    "channel_id": str(ch.id),
                    "channel": self._channel_payload(ch),
                    "user": user.payload(),
                    "app_permissions": str(DEFAULT_EVERYONE_PERMISSIONS),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        return payload

    async def _push(self, payload: dict[str, Any], guild_id: int | None) -> InteractionHandle:
        if not self.connected:
            await self.wait_connected(10)
        loop = asyncio.get_running_loop()
        iid = int(payload["id"])
        handle = InteractionHandle(
            interaction_id=iid, token=payload["token"], payload=payload, loop=loop
        )
        handle._fake = self
        self.interactions[iid] = handle
        self._by_token[handle.token] = handle
        if self.remember is not None:
            self._interaction_order.append(iid)
            for old in _overflow(self._interaction_order, self.remember):
                forgotten = self.interactions.pop(old, None)
                if forgotten is not None:
                    self._by_token.pop(forgotten.token, None)
        handle.sent_at = loop.time()
        self._dispatch("INTERACTION_CREATE", payload, intent=None, guild_id=guild_id)
        return handle

    def _find_command(
        self, guild_id: int | None, name: str, ctype: int = 1
    ) -> tuple[dict[str, Any] | None, bool]:
        if guild_id is not None:
            for c in self.guild_commands.get(guild_id, ()):
                if c["name"] == name and c.get("type", 1) == ctype:
                    return c, True
        for c in self.commands:
            if c["name"] == name and c.get("type", 1) == ctype:
                return c, False
        return None, False

    def _build_options(
        self,
        defs: list[dict[str, Any]] | None,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None,
        guild_id: int | None,
        resolved: dict[str, Any],
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        if options is None:
            options = {}
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]
        by_name = {d["name"]: d for d in defs or ()}
        out: list[dict[str, Any]] = []
        items = dict(options)
        if focused is not None and focused not in items:
            items[focused] = ""
        for name, value in items.items():
            declared = by_name.get(name, {}).get("type")
            opt: dict[str, Any] = {"name": name}
            if isinstance(value, OptionRef):
                opt["type"] = declared or value.type
                opt["value"] = str(value.id)
                self._resolve(value, guild_id, resolved)
            else:
                if declared is not None:
                    typ = declared
                elif isinstance(value, bool):
                    typ = 5
                elif isinstance(value, int):
                    typ = 4
                elif isinstance(value, float):
                    typ = 10
                else:
                    typ = 3
                opt["type"] = typ
                opt["value"] = value
                if typ == 10 and isinstance(value, int) and not isinstance(value, bool):
                    opt["value"] = value
            if name == focused:
                opt["focused"] = True
                opt["value"] = str(value)
            out.append(opt)
        return out

    def _resolve(self, ref: OptionRef, guild_id: int | None, resolved: dict[str, Any]) -> None:
        key = str(ref.id)
        if ref.type in (6, 9) and ref.id in self.users:
            resolved.setdefault("users", {})[key] = self.users[ref.id].payload()
            guild = self.guilds.get(guild_id) if guild_id else None
            if guild is not None and ref.id in guild.members:
                m = guild.members[ref.id].payload(with_user=False)
                m["permissions"] = str(guild.permissions_of(ref.id))
                resolved.setdefault("members", {})[key] = m
            return
        if ref.type in (8, 9) and guild_id is not None:
            role = self.guilds[guild_id].roles.get(ref.id)
            if role is not None:
                resolved.setdefault("roles", {})[key] = role.payload()
                return
        if ref.type == 7:
            ch = self.channels[ref.id]
            data = {
                "id": key,
                "type": ch.type,
                "name": ch.name,
                "parent_id": str(ch.parent_id) if ch.parent_id else None,
                "permissions": str(
                    self.guilds[ch.guild_id].permissions_of(self.bot_user.id) if ch.guild_id else 0
                ),
            }
            if ch.is_thread:
                data["thread_metadata"] = ch.payload()["thread_metadata"]
            resolved.setdefault("channels", {})[key] = data
            return
        if ref.type == 11 and ref.attachment is not None:
            resolved.setdefault("attachments", {})[key] = ref.attachment
            return
        raise LookupError(f"cannot resolve option value {ref}")

    def _command_data(
        self,
        guild_id: int | None,
        path: str,
        subcommand: str | None,
        options: Any,
        focused: str | None,
        resolved: dict[str, Any] | None,
    ) -> dict[str, Any]:
        tokens = path.split() + (subcommand.split() if subcommand else [])
        if not 1 <= len(tokens) <= 3:
            raise ValueError(f"bad command path {path!r}")
        cmd, is_guild_cmd = self._find_command(guild_id, tokens[0])
        if cmd is None and (self.commands or any(self.guild_commands.values())):
            known = sorted({c["name"] for c in self.commands})
            raise LookupError(
                f"/{tokens[0]} is not synced (global commands: {known}); Discord would not send it"
            )
        res: dict[str, Any] = dict(resolved or {})
        defs: list[dict[str, Any]] | None = cmd.get("options") if cmd else None
        # walk groups/subcommands in the definition to type the leaf options
        for tok in tokens[1:]:
            node = next((o for o in defs or () if o.get("name") == tok), None)
            defs = node.get("options") if node else None
        leaf = self._build_options(defs, options, guild_id, res, focused)
        if len(tokens) == 3:
            top = [
                {
                    "type": 2,
                    "name": tokens[1],
                    "options": [{"type": 1, "name": tokens[2], "options": leaf}],
                }
            ]
        elif len(tokens) == 2:
            top = [{"type": 1, "name": tokens[1], "options": leaf}]
        else:
            top = leaf
        data: dict[str, Any] = {
            "id": str(cmd["id"]) if cmd else str(self.snowflake()),
            "name": tokens[0],
            "type": 1,
        }
        if top:
            data["options"] = top
        if res:
            data["resolved"] = res
        if is_guild_cmd and guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data

    async def slash(
        self,
        guild_id: int | None,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        subcommand: str | None = None,
        *,
        channel_id: int | None = None,
        resolved: dict[str, Any] | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Push an APPLICATION_COMMAND interaction (``name`` may be ``"profile set"``).

        ``options`` is ``{name: value}`` (types from the synced definition, else inferred:
        str 3, int 4, bool 5, float 10; ``fake.user_option(uid)`` etc. for 6/7/8/11 with
        ``data.resolved`` filled) or a raw list of option dicts. ``guild_id=None`` sends it
        from the user's DM with the bot (``user`` instead of ``member``).
        """
        data = self._command_data(guild_id, name, subcommand, options, None, resolved)
        payload = self._base_interaction(2, user_id, guild_id, channel_id, data, locale=locale)
        return await self._push(payload, guild_id)

    async def autocomplete(
        self,
        guild_id: int | None,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        focused: str,
        subcommand: str | None = None,
        channel_id: int | None = None,
    ) -> InteractionHandle:
        """Push an APPLICATION_COMMAND_AUTOCOMPLETE (type 4) with ``focused`` marked."""
        data = self._command_data(guild_id, name, subcommand, options, focused, None)
        payload = self._base_interaction(4, user_id, guild_id, channel_id, data)
        return await self._push(payload, guild_id)

    def _find_component_message(
        self, custom_id: str, message_id: int | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if message_id is not None:
            msg = self._messages.get(message_id)
            if msg is None:
                raise LookupError(f"message {message_id} was never sent by the bot")
            candidates = [msg]
        else:
            candidates = sorted(self._messages.values(), key=lambda m: int(m["id"]), reverse=True)
        for msg in candidates:
            for comp in _walk_components(msg.get("components") or ()):
                if comp.get("custom_id") == custom_id:
                    return msg, comp
        seen = sorted(
            {
                str(c.get("custom_id"))
                for m in self._messages.values()
                for c in _walk_components(m.get("components") or ())
                if c.get("custom_id")
            }
        )
        where = f"message {message_id}" if message_id else "any recorded message"
        raise LookupError(f"no component {custom_id!r} on {where}; known custom_ids: {seen}")

    def _select_values(
        self, ctype: int, values: Sequence[Any], guild_id: int | None, res: dict[str, Any]
    ) -> list[str]:
        """Values as Discord sends them; entity selects (5-8, 19) also fill ``resolved``."""
        out: list[str] = []
        for v in values:
            if isinstance(v, OptionRef):
                self._resolve(v, guild_id, res)
                out.append(str(v.id))
                continue
            out.append(str(v))
            if ctype in (3, 19):
                continue
            vid = int(v)
            if ctype == 8:
                self._resolve(OptionRef(7, vid), guild_id, res)
            elif ctype == 6 or (ctype == 7 and guild_id and vid in self.guilds[guild_id].roles):
                self._resolve(OptionRef(8, vid), guild_id, res)
            else:
                self._resolve(OptionRef(6, vid), guild_id, res)
        return out

    async def click(
        self,
        user_id: int,
        custom_id: str,
        *,
        message_id: int | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        values: Sequence[Any] | None = None,
    ) -> InteractionHandle:
        """Push a MESSAGE_COMPONENT interaction for a button/select on a recorded message.

        The message is found by ``message_id`` or as the latest message carrying ``custom_id``;
        its guild/channel are used unless given. ``values`` for select menus (ids for
        user/role/channel selects, which the fake resolves).
        """
        msg, comp = self._find_component_message(custom_id, message_id)
        if comp.get("disabled"):
            raise RuntimeError(f"component {custom_id!r} is disabled; Discord would not send it")
        ctype = int(comp.get("type", 2))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype in SELECT_TYPES:
            gid = int(msg["guild_id"]) if msg.get("guild_id") else guild_id
            res: dict[str, Any] = {}
            data["values"] = self._select_values(ctype, values or [], gid, res)
            if res:
                data["resolved"] = res
        elif values:
            raise ValueError(f"{custom_id!r} is not a select menu (type {ctype})")
        gid = int(msg["guild_id"]) if msg.get("guild_id") else guild_id
        cid = channel_id or int(msg["channel_id"])
        payload = self._base_interaction(3, user_id, gid, cid, data)
        payload["message"] = _public(msg)
        return await self._push(payload, gid)

    async def submit_modal(
        self,
        user_id: int,
        custom_id: str,
        values: Mapping[str, Any],
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> InteractionHandle:
        """Push a MODAL_SUBMIT for the latest modal the bot opened with ``custom_id``.

        The submitted components mirror the modal's layout: action rows of text inputs, or
        2.6+ ``Label`` (type 18) wrappers with ``component``. Fields not in ``values`` are
        submitted empty; unknown field ids raise. Guild/channel default to the opener's.
        """

        def opened_for(h: InteractionHandle) -> int:
            who = (h.payload.get("member") or {}).get("user") or h.payload.get("user") or {}
            return int(who.get("id") or 0)

        # the form this person has open (Discord shows each person their own), else any
        opened = [(d, h) for cid, d, h in reversed(self._modals) if cid == custom_id]
        found = next(((d, h) for d, h in opened if opened_for(h) == user_id), None)
        found = found or next(iter(opened), None)
        if found is None:
            names = [c for c, _, _ in self._modals]
            raise LookupError(f"the bot never opened modal {custom_id!r}; opened: {names}")
        modal, opener = found
        known: set[str] = set()

        op = opener.payload
        gid = (
            guild_id
            if guild_id is not None
            else (int(op["guild_id"]) if op.get("guild_id") else None)
        )
        resolved: dict[str, Any] = {}

        def submitted(c: dict[str, Any]) -> dict[str, Any]:
            cid = str(c.get("custom_id"))
            known.add(cid)
            ctype = int(c["type"])
            out: dict[str, Any] = {"type": ctype, "id": c.get("id", 0), "custom_id": cid}
            if ctype == 4:  # text input
                out["value"] = str(values.get(cid, ""))
            elif ctype == 23:  # checkbox
                out["value"] = bool(values.get(cid, False))
            elif ctype == 21:  # radio group
                out["value"] = values.get(cid)
            else:  # selects (3, 5-8), file upload (19), checkbox group (22)
                raw = values.get(cid, [])
                raw_list = list(raw) if isinstance(raw, list | tuple) else [raw]
                out["values"] = self._select_values(ctype, raw_list, gid, resolved)
            return out

        comps: list[dict[str, Any]] = []
        for c in modal.get("components") or []:
            if c.get("type") == 1:
                comps.append(
                    {
                        "type": 1,
                        "id": c.get("id", 0),
                        "components": [submitted(x) for x in c.get("components") or []],
                    }
                )
            elif c.get("type") == 18 and isinstance(c.get("component"), dict):
                comps.append(
                    {"type": 18, "id": c.get("id", 0), "component": submitted(c["component"])}
                )
            elif c.get("type") == 10:
                comps.append({"type": 10, "id": c.get("id", 0)})
        unknown = set(values) - known
        if unknown:
            raise KeyError(
                f"modal {custom_id!r} has no fields {sorted(unknown)}; fields: {sorted(known)}"
            )
        op = opener.payload
        gid = (
            guild_id
            if guild_id is not None
            else (int(op["guild_id"]) if op.get("guild_id") else None)
        )
        cid = channel_id or int(op["channel_id"])
        data: dict[str, Any] = {"custom_id": custom_id, "components": comps}
        if resolved:  # entity selects in a form: Discord resolves them, as for a message's
            data["resolved"] = resolved
        payload = self._base_interaction(5, user_id, gid, cid, data)
        if op.get("message"):
            payload["message"] = op["message"]
        return await self._push(payload, gid)

    # ------------------------------------------------------------------ message storage
    def _mentions(
        self, content: str, guild_id: int | None, allowed: dict[str, Any] | None
    ) -> dict[str, Any]:
        user_ids = [int(x) for x in re.findall(r"<@!?(\d+)>", content)]
        role_ids = [int(x) for x in re.findall(r"<@&(\d+)>", content)]
        everyone = "@everyone" in content or "@here" in content
        if allowed is None:
            parse = {"users", "roles", "everyone"}
            allow_users: list[int] = []
            allow_roles: list[int] = []
        else:
            parse = set(allowed.get("parse") or [])
            allow_users = [int(x) for x in allowed.get("users") or []]
            allow_roles = [int(x) for x in allowed.get("roles") or []]
        pinged_users = [u for u in user_ids if "users" in parse or u in allow_users]
        pinged_roles = [r for r in role_ids if "roles" in parse or r in allow_roles]
        guild = self.guilds.get(guild_id) if guild_id else None
        mentions = []
        for u in dict.fromkeys(user_ids):
            if u in self.users:
                entry = self.users[u].payload()
                if guild is not None and u in guild.members:
                    entry["member"] = guild.members[u].payload(with_user=False)
                mentions.append(entry)
        return {
            "mentions": mentions,
            "mention_roles": [str(r) for r in dict.fromkeys(role_ids)],
            "mention_everyone": everyone and "everyone" in parse,
            "allowed_mentions": allowed,
            "pinged_user_ids": pinged_users,
            "pinged_role_ids": pinged_roles,
            "pinged_everyone": everyone and "everyone" in parse,
        }

    def _attachments(
        self, data: dict[str, Any], files: list[tuple[str, int, str | None, bytes]]
    ) -> list[dict[str, Any]]:
        out = []
        declared = {
            str(a.get("id")): a for a in data.get("attachments") or [] if isinstance(a, dict)
        }
        for index, (filename, size, ctype, raw) in enumerate(files):
            meta = declared.get(str(index), {})
            aid = self.snowflake()
            name = meta.get("filename") or filename
            url = f"https://cdn.discordapp.com/attachments/0/{aid}/{name}"
            if self.keep_files:  # served at /cdn/ like attachment_option(content=...)
                self.attachment_files[aid] = raw
                url = f"http://{self.host}:{self.port}/cdn/attachments/{aid}/{name}"
            out.append(
                {
                    "id": str(aid),
                    "filename": name,
                    "size": size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": ctype,
                    "description": meta.get("description"),
                }
            )
        return out

    def _create_message(
        self,
        channel: FakeChannel,
        data: dict[str, Any],
        *,
        files: list[tuple[str, int, str | None, bytes]] = (),  # type: ignore[assignment]
        interaction: InteractionHandle | None = None,
        msg_type: int = 0,
        flags: int | None = None,
    ) -> dict[str, Any]:
        mid = self.snowflake()
        guild_id = channel.guild_id
        content = str(data.get("content") or "")
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "type": msg_type,
            "content": content,
            "author": self.bot_user.payload(),
            "embeds": [{"type": "rich", **e} for e in data.get("embeds") or []],
            "components": list(data.get("components") or []),
            "attachments": self._attachments(data, list(files)),
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(data.get("tts")),
            "pinned": False,
            "flags": int(data.get("flags") or 0) if flags is None else flags,
            "sticker_items": [],
            "reactions": [],
        }
        if data.get("poll"):
            msg["poll"] = data["poll"]
        msg.update(self._mentions(content, guild_id, data.get("allowed_mentions")))
        if guild_id is not None:
            msg["guild_id"] = str(guild_id)
        if data.get("nonce") is not None:
            msg["nonce"] = data["nonce"]
        if data.get("message_reference"):
            ref = dict(data["message_reference"])
            ref.setdefault("channel_id", str(channel.id))
            msg["message_reference"] = ref
            msg["type"] = 19
        if interaction is not None:
            ip = interaction.payload
            user = ip.get("member", {}).get("user") or ip.get("user")
            msg["webhook_id"] = str(self.app_id)
            msg["application_id"] = str(self.app_id)
            msg["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": ip["type"],
                "user": user,
                "authorizing_integration_owners": ip.get("authorizing_integration_owners", {}),
            }
            if ip["type"] == 2:
                msg["interaction_metadata"]["name"] = ip["data"]["name"]
        self._messages[mid] = msg
        if self.remember is not None:
            self._message_order.append(mid)
            forgotten = set(_overflow(self._message_order, self.remember))
            if forgotten:
                for old in forgotten:
                    self._messages.pop(old, None)
                for store in (self._channel_messages, self._interaction_messages):
                    for ids in store.values():
                        ids[:] = [i for i in ids if i not in forgotten]
        channel.last_message_id = mid
        if channel.is_thread:
            channel.message_count += 1
        return msg

    def _apply_edit(
        self,
        msg: dict[str, Any],
        data: dict[str, Any],
        files: list[tuple[str, int, str | None, bytes]],
    ) -> dict[str, Any]:
        for key in ("content", "components"):
            if key in data:
                msg[key] = (
                    data[key] if data[key] is not None else ([] if key == "components" else "")
                )
        if "embeds" in data:
            msg["embeds"] = [{"type": "rich", **e} for e in data["embeds"] or []]
        if "flags" in data and data["flags"] is not None:
            keep = int(msg.get("flags") or 0) & (EPHEMERAL | COMPONENTS_V2)
            msg["flags"] = keep | int(data["flags"])
        else:
            msg["flags"] = int(msg.get("flags") or 0) & ~LOADING
        if "attachments" in data or files:
            kept_ids = {str(a.get("id")) for a in data.get("attachments") or []}
            kept = [a for a in msg.get("attachments") or [] if str(a["id"]) in kept_ids]
            msg["attachments"] = kept + self._attachments(data, files)
        if "content" in data or "allowed_mentions" in data:
            guild_id = int(msg["guild_id"]) if msg.get("guild_id") else None
            msg.update(
                self._mentions(
                    str(msg.get("content") or ""),
                    guild_id,
                    data.get("allowed_mentions", msg.get("allowed_mentions")),
                )
            )
        msg["edited_timestamp"] = iso_now()
        return msg

    def _echo(self, event: str, msg: dict[str, Any]) -> None:
        if not self.echo_messages:
            return
        guild_id = int(msg["guild_id"]) if msg.get("guild_id") else None
        intent = INTENT_GUILD_MESSAGES if guild_id else INTENT_DIRECT_MESSAGES
        if event == "MESSAGE_DELETE":
            body: dict[str, Any] = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if guild_id:
                body["guild_id"] = str(guild_id)
        else:
            body = _public(msg)
            if guild_id:
                member = self.guilds[guild_id].members.get(self.bot_user.id)
                if member is not None:
                    body["member"] = member.payload(with_user=False)
        self._dispatch(event, body, intent=intent, guild_id=guild_id)

    async def user_message(
        self, channel_id: int, user_id: int, content: str, **extra: Any
    ) -> dict[str, Any]:
        """Push a MESSAGE_CREATE from a user (content blanked without MESSAGE_CONTENT intent,
        unless it is a DM or mentions the bot, as Discord does)."""
        ch = self.channels[channel_id]
        user = self.users[user_id]
        mid = self.snowflake()
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "type": 0,
            "content": content,
            "author": user.payload(),
            "embeds": [],
            "components": [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "pinned": False,
            "flags": 0,
            **extra,
        }
        guild_id = ch.guild_id
        self._user_messages.setdefault(channel_id, []).append(msg)
        if guild_id is not None:
            msg["guild_id"] = str(guild_id)
            member = self.guilds[guild_id].members.get(user_id)
            if member is not None:
                msg["member"] = member.payload(with_user=False)
        intent = INTENT_GUILD_MESSAGES if guild_id else INTENT_DIRECT_MESSAGES
        for c in self._live_conns(intent, guild_id):
            assert c.session is not None
            body = msg
            privileged = bool(c.session.intents & INTENT_MESSAGE_CONTENT)
            mentioned = f"<@{self.bot_user.id}>" in content
            if guild_id is not None and not privileged and not mentioned:
                body = {**msg, "content": "", "embeds": [], "attachments": [], "components": []}
            c.send_dispatch("MESSAGE_CREATE", json.dumps(body))
        if not self.connected:
            self.dropped_events.append(("MESSAGE_CREATE", msg))
        return msg

    # ------------------------------------------------------------------ HTTP plumbing
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not path.startswith(API_PREFIX):
            if path in ("/gateway", "/oauth2/authorize") or path.startswith("/cdn/"):
                return await handler(request)
            self.unhandled.append((request.method, path))
            return error(404, 0, "404: Not Found")
        rel = path[len(API_PREFIX) :]
        body: Any = None
        files: list[tuple[str, int, str | None, bytes]] = []
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    raw = await part.read()
                    files.append(
                        (
                            part.filename or part.name or "file",
                            len(raw),
                            part.headers.get("Content-Type"),
                            raw,
                        )
                    )
        elif request.can_read_body and not ctype.startswith("application/x-www-form-urlencoded"):
            text = await request.text()
            if text:
                try:
                    body = json.loads(text)
                except ValueError:
                    return error(400, 50109, "The request body contains invalid JSON.")
        rec = RecordedRequest(
            method=request.method,
            path=rel,
            query=dict(request.query),
            json=body,
            headers=dict(request.headers),
            time=time.monotonic(),
            files=[(f[0], f[1]) for f in files],
            peer=_peer(request),
        )
        self.requests.append(rec)
        if self.remember is not None:
            _overflow(self.requests, self.remember)
        request[BODY_KEY] = body
        request[FILES_KEY] = files
        request[REL_KEY] = rel
        failure = self._take_failure(request.method, rel)
        if failure is not None:
            rec.status = failure.status
            return failure
        if request.headers.get("Authorization", "").startswith("Bearer "):
            personal = await self._bearer(request, rel)
            rec.status = personal.status
            return personal
        needs_auth = not rel.startswith(("/interactions/", "/webhooks/", "/oauth2/token"))
        if needs_auth and not request.headers.get("Authorization", "").startswith("Bot "):
            rec.status = 401
            return error(401, 0, "401: Unauthorized")
        try:
            resp = await handler(request)
        except web.HTTPNotFound:
            self.unhandled.append((request.method, rel))
            resp = error(404, 0, "404: Not Found")
        except web.HTTPMethodNotAllowed:
            self.unhandled.append((request.method, rel))
            resp = error(405, 0, "405: Method Not Allowed")
        rec.status = resp.status
        return resp

    async def _bearer(self, request: web.Request, rel: str) -> web.Response:
        """A person's OAuth2 token (a web dashboard's login) reaches only their own routes."""
        grant = self.oauth.grant_of(request)
        if grant is None:
            return error(401, 0, "401: Unauthorized")
        if request.method == "GET" and rel == "/users/@me":
            return await self.oauth.me(request, grant)
        if request.method == "GET" and rel == "/users/@me/guilds":
            return await self.oauth.guilds(request, grant)
        self.unhandled.append((request.method, rel))
        return error(401, 0, "401: Unauthorized")

    def _add_routes(self, r: web.UrlDispatcher) -> None:
        p = API_PREFIX
        r.add_get("/gateway", self._gateway)
        r.add_get("/oauth2/authorize", self.oauth.authorize_page)
        r.add_post("/oauth2/authorize", self.oauth.authorize_decision)
        r.add_get("/cdn/attachments/{aid}/{name}", self._cdn_attachment)
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("POST", "/oauth2/token", self.oauth.token),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/interactions/{iid}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("GET", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("GET", "/channels/{cid}", self._get_channel),
            ("GET", "/channels/{cid}/messages", self._list_messages),
            ("POST", "/channels/{cid}/messages", self._post_message),
            ("GET", "/channels/{cid}/messages/{mid}", self._channel_message),
            ("PATCH", "/channels/{cid}/messages/{mid}", self._channel_message),
            ("PUT", "/channels/{cid}/messages/{mid}/reactions/{emoji}/@me", self._add_reaction),
            ("DELETE", "/channels/{cid}/messages/{mid}", self._channel_message),
            ("POST", "/channels/{cid}/threads", self._create_thread),
            ("POST", "/channels/{cid}/messages/{mid}/threads", self._create_thread),
            ("PUT", "/channels/{cid}/thread-members/{uid}", self._add_thread_member),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles),
            ("GET", "/guilds/{guild_id}/channels", self._get_channels),
            ("GET", "/guilds/{guild_id}/members", self._list_members),
            ("GET", "/guilds/{guild_id}/members/{uid}", self._get_member),
            ("PATCH", "/guilds/{guild_id}/members/{uid}", self._patch_member),
            ("PUT", "/guilds/{guild_id}/members/{uid}/roles/{rid}", self._member_role),
            ("DELETE", "/guilds/{guild_id}/members/{uid}/roles/{rid}", self._member_role),
            ("GET", "/guilds/{guild_id}/auto-moderation/rules", self._automod_rules),
            ("GET", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", self._automod_rule),
        ]
        for method, path, handler in routes:
            r.add_route(method, p + path, handler)
        r.add_route("*", "/{tail:.*}", self._unhandled)

    async def _unhandled(self, request: web.Request) -> web.StreamResponse:
        self.unhandled.append((request.method, request.get(REL_KEY, request.path)))
        return error(404, 0, "404: Not Found")

    def _violation(self, request: web.Request, problems: list[limits.Problem]) -> web.Response:
        self.limit_violations.append(
            LimitViolation(request.method, request[REL_KEY], problems, request[BODY_KEY])
        )
        return json_response(limits.error_body(problems), 400)

    # ------------------------------------------------------------------ REST: app & gateway
    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "locale": "en-US",
                "email": None,
            }
        )

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        user = self.users.get(int(request.match_info["user_id"]))
        if user is None:
            return error(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        owner = {
            "id": "1000000000000000001",
            "username": "owner",
            "discriminator": "0",
            "global_name": "owner",
            "avatar": None,
            "public_flags": 0,
        }
        return json_response(
            {
                "id": str(self.app_id),
                "name": self.bot_user.name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": owner,
                "team": None,
                "flags": self._app_flags(),
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "redirect_uris": [],
                "rpc_origins": [],
                "tags": [],
                "approximate_guild_count": len(self.guilds),
                "bot": self.bot_user.payload(),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": max(0, 1000 - self.identifies),
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    # ------------------------------------------------------------------ REST: commands
    def _echo_command(
        self, c: dict[str, Any], guild_id: int | None, existing: list[dict[str, Any]]
    ) -> dict[str, Any]:
        prev = next(
            (
                e
                for e in existing
                if e["name"] == c.get("name") and e.get("type", 1) == c.get("type", 1)
            ),
            None,
        )
        out = dict(c)
        out["id"] = prev["id"] if prev else str(self.snowflake())
        out["application_id"] = str(self.app_id)
        out["version"] = str(self.snowflake())
        out.setdefault("type", 1)
        out.setdefault("description", "")
        out.setdefault("options", [])
        out.setdefault("default_member_permissions", None)
        out.setdefault("dm_permission", True)
        out.setdefault("nsfw", False)
        if guild_id is not None:
            out["guild_id"] = str(guild_id)
        return out

    @staticmethod
    def _wire_command(c: dict[str, Any]) -> dict[str, Any]:
        out = dict(c)
        perms = out.get("default_member_permissions")
        if perms is not None:
            out["default_member_permissions"] = str(perms)
        return out

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        if int(request.match_info["app"]) != self.app_id:
            return error(403, 50001, "Missing Access")
        body = request[BODY_KEY]
        if not isinstance(body, list):
            return self._violation(request, [("", "BASE_TYPE_ARRAY", "Must be an array.")])
        gid_raw = request.match_info.get("guild_id")
        guild_id = int(gid_raw) if gid_raw else None
        problems = limits.check_commands(body, is_global=guild_id is None)
        if problems:
            return self._violation(request, problems)
        existing = self.guild_commands.get(guild_id, []) if guild_id else self.commands
        stored = [self._echo_command(c, guild_id, existing) for c in body]
        if guild_id is None:
            self.commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self.command_syncs += 1
        return json_response([self._wire_command(c) for c in stored])

    async def _get_commands(self, request: web.Request) -> web.StreamResponse:
        gid_raw = request.match_info.get("guild_id")
        cmds = self.guild_commands.get(int(gid_raw), []) if gid_raw else self.commands
        return json_response([self._wire_command(c) for c in cmds])

    def command_visible_to(self, guild_id: int, user_id: int, name: str) -> bool:
        """Whether Discord would show /name to this member (default_member_permissions)."""
        cmd, _ = self._find_command(guild_id, name)
        if cmd is None:
            return False
        needed = cmd.get("default_member_permissions")
        if needed is None:
            return True
        needed_i = int(needed)
        return (
            needed_i != 0 and self.guilds[guild_id].permissions_of(user_id) & needed_i == needed_i
        )

    # ------------------------------------------------------------------ REST: interactions
    def _interaction_for(self, request: web.Request) -> InteractionHandle | None:
        iid = int(request.match_info["iid"])
        handle = self.interactions.get(iid)
        if handle is None or handle.token != request.match_info["token"]:
            return None
        return handle

    def _handle_by_token(self, token: str) -> InteractionHandle | None:
        return self._by_token.get(token)

    def _interaction_channel(self, handle: InteractionHandle) -> FakeChannel:
        return self.channels[int(handle.payload["channel_id"])]

    async def _interaction_callback(self, request: web.Request) -> web.StreamResponse:
        handle = self._interaction_for(request)
        loop = asyncio.get_running_loop()
        if handle is None:
            return error(404, 10062, "Unknown interaction")
        if handle.responded:
            return error(400, 40060, "Interaction has already been acknowledged.")
        if (
            self.interaction_deadline is not None
            and loop.time() - handle.sent_at > self.interaction_deadline
        ):
            handle.late_callback = request[BODY_KEY]
            self.late_interactions.append(handle)
            return error(404, 10062, "Unknown interaction")
        body = request[BODY_KEY] or {}
        files = request[FILES_KEY]
        rtype = int(body.get("type", 0))
        data = body.get("data") or {}
        itype = handle.payload["type"]
        allowed = {
            2: {4, 5, 9},
            3: {4, 5, 6, 7, 9},
            4: {8},
            5: {4, 5, 6, 7},
        }.get(itype, set())
        if rtype not in allowed:
            return error(
                400,
                40043,
                f"Interaction callback type {rtype} invalid for interaction type {itype}",
            )
        if rtype == 7 and itype == 5 and "message" not in handle.payload:
            return error(400, 40043, "Cannot update message: modal was not opened from a message")
        problems: list[limits.Problem] = []
        if rtype == 4:
            problems = limits.check_message(data, has_files=bool(files))
        elif rtype == 7:
            problems = limits.check_message(data, has_files=bool(files), creating=False)
        elif rtype == 8:
            problems = limits.check_autocomplete(data)
        elif rtype == 9:
            problems = limits.check_modal(data)
        if problems:
            return self._violation(
                request, [(f"data.{p}".rstrip("."), c, m) for p, c, m in problems]
            )
        msg: dict[str, Any] | None = None
        channel = self._interaction_channel(handle)
        if rtype == 4:
            msg = self._create_message(
                channel, data, files=files, interaction=handle, msg_type=20 if itype == 2 else 0
            )
            self._interaction_messages.setdefault(channel.id, []).append(int(msg["id"]))
        elif rtype == 5:
            flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
            msg = self._create_message(
                channel, {}, interaction=handle, msg_type=20 if itype == 2 else 0, flags=flags
            )
            self._interaction_messages.setdefault(channel.id, []).append(int(msg["id"]))
        elif rtype in (6, 7):
            target_id = (
                int(handle.payload["message"]["id"]) if handle.payload.get("message") else None
            )
            target = self._messages.get(target_id) if target_id else None
            if target is not None:
                handle.original_message_id = int(target["id"])
                if rtype == 7:
                    msg = self._apply_edit(target, data, files)
        elif rtype == 9:
            self._modals.append((str(data.get("custom_id")), data, handle))
        if msg is not None:
            handle.original_message_id = int(msg["id"])
        handle._set_response(body, loop.time())
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        flags = int((msg or {}).get("flags") or 0)
        inter: dict[str, Any] = {
            "id": str(handle.id),
            "type": itype,
            "response_message_loading": rtype == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        if handle.original_message_id is not None:
            inter["response_message_id"] = str(handle.original_message_id)
        result: dict[str, Any] = {"interaction": inter}
        if msg is not None and rtype in (4, 5, 7):
            result["resource"] = {"type": rtype, "message": _public(msg)}
        return json_response(result)

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        handle = self._handle_by_token(request.match_info["token"])
        if handle is None or int(request.match_info["app"]) != self.app_id:
            return error(404, 10015, "Unknown Webhook")
        if not handle.responded:
            return error(404, 10015, "Unknown Webhook")
        data = request[BODY_KEY] or {}
        files = request[FILES_KEY]
        problems = limits.check_message(data, has_files=bool(files))
        if problems:
            return self._violation(request, problems)
        channel = self._interaction_channel(handle)
        msg = self._create_message(channel, data, files=files, interaction=handle)
        self._interaction_messages.setdefault(channel.id, []).append(int(msg["id"]))
        handle.followups.append(msg)
        handle._notify()
        if request.query.get("wait") in ("0", "false", "False"):
            return web.Response(status=204)
        return json_response(_public(msg))

    async def _webhook_message(self, request: web.Request) -> web.StreamResponse:
        handle = self._handle_by_token(request.match_info["token"])
        if handle is None or int(request.match_info["app"]) != self.app_id:
            return error(404, 10015, "Unknown Webhook")
        raw_mid = request.match_info["mid"]
        if raw_mid == "@original":
            mid = handle.original_message_id
            if mid is None or handle.original_deleted:
                return error(404, 10008, "Unknown Message")
        else:
            mid = int(raw_mid)
            ids = {int(m["id"]) for m in handle.followups} | {handle.original_message_id}
            if mid not in ids:
                return error(404, 10008, "Unknown Message")
        msg = self._messages.get(mid)
        if msg is None:
            return error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return json_response(_public(msg))
        if request.method == "DELETE":
            self._delete_message(msg)
            if raw_mid == "@original":
                handle.original_deleted = True
            handle._notify()
            return web.Response(status=204)
        data = request[BODY_KEY] or {}
        problems = limits.check_message(data, has_files=bool(request[FILES_KEY]), creating=False)
        if problems:
            return self._violation(request, problems)
        self._apply_edit(msg, data, request[FILES_KEY])
        if raw_mid == "@original":
            handle.edits.append(data)
        handle._notify()
        return json_response(_public(msg))

    # ------------------------------------------------------------------ REST: channels/messages
    def _channel_or_404(self, request: web.Request) -> FakeChannel | web.Response:
        ch = self.channels.get(int(request.match_info["cid"]))
        if ch is None:
            return error(404, 10003, "Unknown Channel")
        return ch

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        ch = self._channel_or_404(request)
        if isinstance(ch, web.Response):
            return ch
        return json_response(self._channel_payload(ch))

    async def _open_dm(self, request: web.Request) -> web.StreamResponse:
        body = request[BODY_KEY] or {}
        try:
            uid = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            return self._violation(
                request, [("recipient_id", "BASE_TYPE_REQUIRED", "This field is required")]
            )
        self.add_user(uid, f"user{uid % 100000}")
        return json_response(self._channel_payload(self._dm_channel(uid)))

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        ch = self._channel_or_404(request)
        if isinstance(ch, web.Response):
            return ch
        data = request[BODY_KEY] or {}
        files = request[FILES_KEY]
        if ch.type == 1 and any(u in self._closed_dms for u in ch.recipients):
            return error(403, 50007, "Cannot send messages to this user")
        problems = limits.check_message(data, has_files=bool(files))
        if problems:
            return self._violation(request, problems)
        nonce = data.get("nonce")
        if nonce is not None and data.get("enforce_nonce"):
            existing = self._nonces.get((ch.id, str(nonce)))
            if existing is not None and existing in self._messages:
                return json_response(_public(self._messages[existing]))
        msg = self._create_message(ch, data, files=files)
        if nonce is not None:
            self._nonces[(ch.id, str(nonce))] = int(msg["id"])
        self._channel_messages.setdefault(ch.id, []).append(int(msg["id"]))
        self._echo("MESSAGE_CREATE", msg)
        return json_response(_public(msg))

    async def _list_messages(self, request: web.Request) -> web.StreamResponse:
        ch = self._channel_or_404(request)
        if isinstance(ch, web.Response):
            return ch
        limit = int(request.query.get("limit", 50))
        msgs = self.messages(ch.id, include_interactions=True)
        return json_response([_public(m) for m in reversed(msgs)][:limit])

    def _delete_message(self, msg: dict[str, Any]) -> None:
        mid = int(msg["id"])
        self._messages.pop(mid, None)
        cid = int(msg["channel_id"])
        for store in (self._channel_messages, self._interaction_messages):
            if mid in store.get(cid, ()):
                store[cid].remove(mid)
        self.deleted_messages.append(msg)
        self._echo("MESSAGE_DELETE", msg)

    async def _channel_message(self, request: web.Request) -> web.StreamResponse:
        ch = self._channel_or_404(request)
        if isinstance(ch, web.Response):
            return ch
        msg = self._messages.get(int(request.match_info["mid"]))
        if msg is None or int(msg["channel_id"]) != ch.id:
            return error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return json_response(_public(msg))
        if request.method == "DELETE":
            self._delete_message(msg)
            return web.Response(status=204)
        data = request[BODY_KEY] or {}
        problems = limits.check_message(data, has_files=bool(request[FILES_KEY]), creating=False)
        if problems:
            return self._violation(request, problems)
        self._apply_edit(msg, data, request[FILES_KEY])
        self._echo("MESSAGE_UPDATE", msg)
        return json_response(_public(msg))

    async def _add_reaction(self, request: web.Request) -> web.StreamResponse:
        ch = self._channel_or_404(request)
        if isinstance(ch, web.Response):
            return ch
        mid = int(request.match_info["mid"])
        known = self._messages.get(mid)
        if known is not None and int(known["channel_id"]) != ch.id:
            return error(404, 10008, "Unknown Message")
        self.reactions.append((ch.id, mid, request.match_info["emoji"]))
        return web.Response(status=204)

    async def _cdn_attachment(self, request: web.Request) -> web.StreamResponse:
        data = self.attachment_files.get(int(request.match_info["aid"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _create_thread(self, request: web.Request) -> web.StreamResponse:
        parent = self._channel_or_404(request)
        if isinstance(parent, web.Response):
            return parent
        if parent.guild_id is None:
            return error(400, 50024, "Cannot execute action on this channel type")
        body = request[BODY_KEY] or {}
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return self._violation(
                request, [("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")]
            )
        mid_raw = request.match_info.get("mid")
        if mid_raw is not None:
            if int(mid_raw) not in self._messages:
                return error(404, 10008, "Unknown Message")
            tid, ttype = int(mid_raw), 11
        else:
            tid, ttype = self.snowflake(), int(body.get("type") or 12)
        if tid in self.channels:
            return error(400, 160004, "A thread has already been created for this message")
        thread = FakeChannel(
            tid,
            ttype,
            name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            invitable=bool(body.get("invitable", True)),
            thread_members=[self.bot_user.id],
        )
        self.channels[tid] = thread
        self.guilds[parent.guild_id].channels[tid] = thread
        if mid_raw is not None:
            self._messages[int(mid_raw)]["thread"] = thread.payload()
        payload = thread.payload()
        payload["member"] = {
            "id": str(tid),
            "user_id": str(self.bot_user.id),
            "join_timestamp": iso_now(),
            "flags": 0,
        }
        self._dispatch(
            "THREAD_CREATE",
            {**payload, "newly_created": True},
            intent=INTENT_GUILDS,
            guild_id=parent.guild_id,
        )
        return json_response(payload, 201)

    async def _add_thread_member(self, request: web.Request) -> web.StreamResponse:
        ch = self._channel_or_404(request)
        if isinstance(ch, web.Response):
            return ch
        if not ch.is_thread:
            return error(400, 50024, "Cannot execute action on this channel type")
        raw = request.match_info["uid"]
        uid = self.bot_user.id if raw == "@me" else int(raw)
        if uid not in ch.thread_members:
            ch.thread_members.append(uid)
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST: guilds
    def _guild_or_404(self, request: web.Request) -> FakeGuild | web.Response:
        guild = self.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return error(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        data = guild.payload(bot_user_id=self.bot_user.id, include_all_members=False)
        for key in (
            "members",
            "channels",
            "threads",
            "voice_states",
            "presences",
            "joined_at",
            "large",
            "lazy",
            "member_count",
            "unavailable",
        ):
            data.pop(key, None)
        data["approximate_member_count"] = len(guild.members)
        return json_response(data)

    async def _get_roles(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        return json_response([r.payload() for r in guild.roles.values()])

    async def _get_channels(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        return json_response([c.payload() for c in guild.channels.values() if not c.is_thread])

    async def _list_members(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        limit = int(request.query.get("limit", 1))
        after = int(request.query.get("after", 0))
        members = sorted(guild.members.values(), key=lambda m: m.user.id)
        return json_response([m.payload() for m in members if m.user.id > after][:limit])

    async def _get_member(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        member = guild.members.get(int(request.match_info["uid"]))
        if member is None:
            return error(404, 10007, "Unknown Member")
        return json_response(member.payload())

    # ------------------------------------------------------------------ REST: AutoMod
    def _automod_guild(self, request: web.Request) -> FakeGuild | web.Response:
        """The guild, if the bot may read its AutoMod rules (Manage Server), else 403 50013."""
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        if not guild.permissions_of(self.bot_user.id) & MANAGE_GUILD:
            return error(403, 50013, "Missing Permissions")
        return guild

    async def _automod_rules(self, request: web.Request) -> web.StreamResponse:
        guild = self._automod_guild(request)
        if isinstance(guild, web.Response):
            return guild
        return json_response(guild.automod.listing())

    async def _automod_rule(self, request: web.Request) -> web.StreamResponse:
        guild = self._automod_guild(request)
        if isinstance(guild, web.Response):
            return guild
        rule = guild.automod.rules.get(int(request.match_info["rule_id"]))
        if rule is None:
            return error(404, 10066, "Unknown Auto Moderation Rule")
        return json_response(rule)

    def _can_manage_role(self, guild: FakeGuild, role: FakeRole) -> bool:
        perms = guild.permissions_of(self.bot_user.id)
        if not perms & MANAGE_ROLES:
            return False
        return role.position < guild.top_role_position(self.bot_user.id) and not role.managed

    async def _patch_member(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        member = guild.members.get(int(request.match_info["uid"]))
        if member is None:
            return error(404, 10007, "Unknown Member")
        body = request[BODY_KEY] or {}
        if "roles" in body:
            new = [int(r) for r in body["roles"] or []]
            changed = set(new) ^ set(member.roles)
            for rid in changed:
                role = guild.roles.get(rid)
                if role is None:
                    return error(404, 10011, "Unknown Role")
                if not self._can_manage_role(guild, role):
                    return error(403, 50013, "Missing Permissions")
            member.roles = new
        if "nick" in body:
            member.nick = body["nick"]
        self._send_member_update(guild, member)
        return json_response(member.payload())

    async def _member_role(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild_or_404(request)
        if isinstance(guild, web.Response):
            return guild
        uid = int(request.match_info["uid"])
        rid = int(request.match_info["rid"])
        member = guild.members.get(uid)
        if member is None:
            return error(404, 10007, "Unknown Member")
        role = guild.roles.get(rid)
        if role is None:
            return error(404, 10011, "Unknown Role")
        if not self._can_manage_role(guild, role):
            return error(403, 50013, "Missing Permissions")
        adding = request.method == "PUT"
        self.role_assignments.append(("add" if adding else "remove", guild.id, uid, rid))
        if adding and rid not in member.roles:
            member.roles.append(rid)
            self._send_member_update(guild, member)
        elif not adding and rid in member.roles:
            member.roles.remove(rid)
            self._send_member_update(guild, member)
        return web.Response(status=204)
