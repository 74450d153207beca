"""Who holds a guild's 18+ role, read from this process's guild cache: what collab rounds,
suggestions and welcome intros hand to services.safety (which never sees Discord)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def adult_role_holders(bot: MutualsBot, guild_id: int) -> Collection[int] | None:
    """The member ids holding the guild's 18+ role. Empty when no role counts (none named,
    or the server counts members' own answers only) or the role is gone; None when this
    process can't know (the guild isn't in its cache, or its member list isn't loaded yet)."""
    cfg = await bot.need(Services).age_groups.settings(guild_id)
    if not cfg.separate or not cfg.counts_role or cfg.adult_role_id is None:
        return frozenset()
    guild = bot.get_guild(guild_id)
    if guild is None or not guild.chunked:
        return None
    role = guild.get_role(cfg.adult_role_id)
    return frozenset(m.id for m in role.members) if role is not None else frozenset()
