"""Members a moderator took out of collab rounds and suggestions (after a report): they are
left out of every round and of everyone's ``/collab suggest``, can't opt back in or ask for
suggestions themselves, until a moderator lets them back."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.i18n import N_
from core.sql import insert_ignore
from models.collabs import CollabMember, CollabRemoval
from services.collabs.base import CollabPart

REMOVED = N_(
    "A moderator has taken you out of collab rounds and suggestions for now. If you think "
    "that's a mistake, have a word with a moderator. 💞"
)


def not_removed() -> ColumnElement[bool]:
    """For queries over CollabMember: only members no moderator took out of collabs."""
    return ~exists().where(
        CollabRemoval.guild_id == CollabMember.guild_id,
        CollabRemoval.user_id == CollabMember.user_id,
    )


async def is_removed(s: AsyncSession, guild_id: int, user_id: int) -> bool:
    found = await s.scalar(
        select(CollabRemoval.user_id).where(
            CollabRemoval.guild_id == guild_id, CollabRemoval.user_id == user_id
        )
    )
    return found is not None


class CollabRemovals(CollabPart):
    async def remove_member(
        self, guild_id: int, user_id: int, *, by: int, reason: str | None = None
    ) -> bool:
        """Take a member out of rounds and suggestions; False if they already were."""
        row = {
            "guild_id": guild_id,
            "user_id": user_id,
            "removed_by": by,
            "reason": (reason or "")[:100] or None,
            "created_at": self.clock.now(),
        }
        async with self.db.write() as s:
            return await insert_ignore(s, CollabRemoval, [row], ["guild_id", "user_id"]) == 1

    async def allow_member(self, guild_id: int, user_id: int) -> bool:
        """Let a removed member back (their own opt-in and settings are as they left them);
        False if they weren't removed."""
        async with self.db.write() as s:
            result = await s.execute(
                delete(CollabRemoval).where(
                    CollabRemoval.guild_id == guild_id, CollabRemoval.user_id == user_id
                )
            )
            return bool(getattr(result, "rowcount", 0))

    async def removed(self, guild_id: int, user_id: int) -> bool:
        async with self.db.read() as s:
            return await is_removed(s, guild_id, user_id)
