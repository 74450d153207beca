"""Display names for the people a table shows, from the directory the gateway keeps."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.directory import MemberName


async def names_of(session: AsyncSession, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(MemberName.user_id, MemberName.display_name).where(
            MemberName.guild_id == guild_id, MemberName.user_id.in_(wanted)
        )
    )
    found = {int(uid): str(name) for uid, name in rows.all()}
    # someone who left long ago may have no stored name: show something a moderator can search
    return {uid: found.get(uid, f"member {uid}") for uid in wanted}
