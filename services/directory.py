"""The names the gateway told us (guilds, members), stored so that a message is rendered from
stored data when it is queued, whichever process queues or sends it."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.i18n import N_
from core.sql import upsert_many
from models.directory import GuildName, MemberName

CHUNK = 1000
#: shown with ``_(FALLBACK_MEMBER)`` / ``_(FALLBACK_GUILD)`` where a stored name is missing
FALLBACK_MEMBER = N_("a mutual")
FALLBACK_GUILD = N_("the server")


async def names_in(session: AsyncSession, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """Display names of these members (inside the caller's transaction); missing ones absent."""
    wanted = sorted(set(user_ids))
    found: dict[int, str] = {}
    for i in range(0, len(wanted), CHUNK):
        rows = await session.execute(
            select(MemberName.user_id, MemberName.display_name).where(
                MemberName.guild_id == guild_id, MemberName.user_id.in_(wanted[i : i + CHUNK])
            )
        )
        found.update({int(uid): str(name) for uid, name in rows.all()})
    return found


async def guild_name_in(session: AsyncSession, guild_id: int) -> str | None:
    name: str | None = await session.scalar(
        select(GuildName.name).where(GuildName.guild_id == guild_id)
    )
    return name


class DirectoryService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def remember_guild(self, guild_id: int, name: str) -> None:
        row = {"guild_id": guild_id, "name": name[:100], "updated_at": self.clock.now()}
        async with self.db.write() as session:
            await upsert_many(session, GuildName, [row], ["guild_id"], ["name", "updated_at"])

    async def remember_members(self, members: Iterable[tuple[int, int, str]]) -> None:
        """(guild id, user id, display name) for many members, in chunked transactions, taken
        from ``members`` a chunk at a time (a big server's 100k rows never all exist at once:
        their peak stayed resident as fragmented heap); a later name for a member wins."""
        now = self.clock.now()
        it = iter(members)
        while chunk := list(islice(it, CHUNK)):
            latest = {(g, u): n for g, u, n in chunk}  # one statement can't change a row twice
            rows = [
                {"guild_id": g, "user_id": u, "display_name": n[:100], "updated_at": now}
                for (g, u), n in latest.items()
            ]
            async with self.db.write() as session:
                await upsert_many(
                    session,
                    MemberName,
                    rows,
                    ["guild_id", "user_id"],
                    ["display_name", "updated_at"],
                )

    async def guild_name(self, guild_id: int) -> str | None:
        async with self.db.read() as session:
            return await guild_name_in(session, guild_id)

    async def names(self, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
        async with self.db.read() as session:
            return await names_in(session, guild_id, user_ids)
