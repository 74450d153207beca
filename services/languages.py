"""Which language to speak to whom, when no interaction says it.

Replies to a member follow the interaction's locale (``core.interactions.speak_to``); these
answer for what the bot writes on its own: public posts in the server's language, and DMs a
schedule sends in the member's last known language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cache import changed
from core.db import Database
from core.errors import DomainError
from core.i18n import LANGUAGES, SOURCE, _, language_of
from core.sql import upsert_many
from models.guild import GuildLanguage, MemberLanguage

#: cache namespace of server languages, by guild_id
CACHE = "guild_language"
#: cache namespace of members' last seen languages, by (guild_id, user_id)
MEMBER_CACHE = "member_language"
CHUNK = 1000


@dataclass(frozen=True)
class ServerLanguage:
    chosen: str | None
    discord_locale: str | None

    @property
    def language(self) -> str:
        if self.chosen is not None:
            return self.chosen
        return language_of(self.discord_locale) if self.discord_locale else SOURCE


async def server_language_setting(db: Database, guild_id: int) -> ServerLanguage:
    async def load() -> ServerLanguage:
        async with db.read() as session:
            row = await session.get(GuildLanguage, guild_id)
            if row is None:
                return ServerLanguage(None, None)
            return ServerLanguage(row.chosen, row.discord_locale)

    return await db.cache.fetch(CACHE, guild_id, load)


async def server_language(db: Database, guild_id: int) -> str:
    """The language of the server's public posts (``/config language``, else the server's own
    Discord locale, else English)."""
    return (await server_language_setting(db, guild_id)).language


async def member_language(db: Database, guild_id: int, user_id: int) -> str:
    """The language of a DM the bot sends unasked: the member's Discord locale as last seen in
    an interaction, else the server's language."""

    async def load() -> str | None:
        async with db.read() as session:
            language: str | None = await session.scalar(
                select(MemberLanguage.language).where(
                    MemberLanguage.guild_id == guild_id, MemberLanguage.user_id == user_id
                )
            )
            return language

    seen = await db.cache.fetch(MEMBER_CACHE, (guild_id, user_id), load)
    if seen in LANGUAGES:
        return str(seen)
    return await server_language(db, guild_id)


async def remember_member_languages(db: Database, seen: Sequence[tuple[int, int, str]]) -> None:
    """(guild id, user id, bot language) as interactions showed them, in chunked upserts: the
    caller only hands over changes (it remembers what it last wrote), so this stays rare."""
    latest = {(g, u): lang for g, u, lang in seen if lang in LANGUAGES}
    rows = [{"guild_id": g, "user_id": u, "language": lang} for (g, u), lang in latest.items()]
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        async with db.write() as session:
            for row in chunk:
                changed(session, MEMBER_CACHE, (row["guild_id"], row["user_id"]))
            await upsert_many(session, MemberLanguage, chunk, ["guild_id", "user_id"], ["language"])


async def choose_server_language(db: Database, guild_id: int, language: str | None) -> str:
    """``/config language``: ``None`` goes back to following the server's Discord locale."""
    if language is not None and language not in LANGUAGES:
        raise DomainError(
            _(
                "I don't speak {language} yet. Pick one of: {choices}.",
                language=language,
                choices=", ".join(LANGUAGES),
            )
        )
    async with db.write() as session:
        row = await _setting_row(session, guild_id)
        row.chosen = language
        setting = ServerLanguage(row.chosen, row.discord_locale)
    return setting.language


async def record_discord_locale(db: Database, guild_id: int, discord_locale: str) -> None:
    """The server's own locale, as the gateway tells it (GUILD_CREATE / GUILD_UPDATE)."""
    current = await server_language_setting(db, guild_id)
    if current.discord_locale == discord_locale:
        return
    async with db.write() as session:
        row = await _setting_row(session, guild_id)
        row.discord_locale = discord_locale


async def _setting_row(session: AsyncSession, guild_id: int) -> GuildLanguage:
    """The server's row inside a write (made if missing); its cached value goes at commit."""
    changed(session, CACHE, guild_id)
    row = await session.get(GuildLanguage, guild_id)
    if row is None:
        row = GuildLanguage(guild_id=guild_id)
        session.add(row)
    return row
