"""Per-guild settings shared by every capability (time zone, moderator log channel), read from
memory (``core.cache``) and dropped from it by every write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.cache import changed
from core.clock import Clock
from core.db import Database
from models.guild import GuildSettings
from services.profiles import validate_timezone


@dataclass(frozen=True)
class GuildConfig:
    guild_id: int
    timezone: str
    log_channel_id: int | None


#: cache namespace of guild settings, by guild_id
CACHE = "guild_config"


async def guild_config(db: Database, guild_id: int) -> GuildConfig:
    """The server's settings (defaults until a moderator sets any), from memory when it can."""

    async def load() -> GuildConfig:
        async with db.read() as session:
            row = await session.get(GuildSettings, guild_id)
            if row is None:
                return GuildConfig(guild_id, "UTC", None)
            return GuildConfig(row.guild_id, row.timezone, row.log_channel_id)

    return await db.cache.fetch(CACHE, guild_id, load)


class _Unset:
    pass


_UNSET = _Unset()


class GuildConfigService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        #: told (after the commit) when the server's time zone changed
        self.zone_listeners: list[Callable[[], None]] = []

    async def get(self, guild_id: int) -> GuildConfig:
        return await guild_config(self.db, guild_id)

    async def update(
        self,
        guild_id: int,
        *,
        timezone: str | _Unset = _UNSET,
        log_channel_id: int | _Unset | None = _UNSET,
    ) -> GuildConfig:
        tz = validate_timezone(timezone) if isinstance(timezone, str) else None
        now = self.clock.now()
        async with self.db.write() as session:
            changed(session, CACHE, guild_id)
            row = await session.get(GuildSettings, guild_id)
            if row is None:
                row = GuildSettings(
                    guild_id=guild_id, timezone="UTC", created_at=now, updated_at=now
                )
                session.add(row)
            if tz is not None:
                row.timezone = tz
            if not isinstance(log_channel_id, _Unset):
                row.log_channel_id = log_channel_id
            row.updated_at = now
            config = GuildConfig(row.guild_id, row.timezone, row.log_channel_id)
        if tz is not None:
            for listener in self.zone_listeners:
                listener()
        return config
