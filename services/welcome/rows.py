"""The welcome's rows as every part reads them, inside the caller's transaction: a guild's
config (created on first use), a member's onboarding row, the roles onboarding gives, and the
stored names a queued message shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.sql import insert_ignore
from models.guild import GuildNiche
from models.welcome import Onboarding, WelcomeConfig
from services.directory import guild_name_in, names_in
from services.niches import niche_key

NAMELESS = "new mutual"


def _locks_rows(session: AsyncSession) -> bool:
    # SQLite has no SELECT … FOR UPDATE: its writers are serialised by BEGIN IMMEDIATE instead.
    return session.bind is not None and session.bind.dialect.name != "sqlite"


async def config_row(
    session: AsyncSession, guild_id: int, now: datetime, *, lock: bool = False
) -> WelcomeConfig:
    """The guild's config row, created with the defaults if missing; ``lock`` holds it until
    commit so concurrent joins count each other for the raid threshold."""
    await insert_ignore(
        session,
        WelcomeConfig,
        [{"guild_id": guild_id, "created_at": now, "updated_at": now}],
        ["guild_id"],
    )
    stmt = select(WelcomeConfig).where(WelcomeConfig.guild_id == guild_id)
    if lock and _locks_rows(session):
        stmt = stmt.with_for_update()
    row = await session.scalar(stmt)
    assert row is not None
    return row


async def member_row(
    session: AsyncSession, guild_id: int, user_id: int, *, preview: bool
) -> Onboarding | None:
    """A member's onboarding row (``preview``: the moderator's own try of the flow)."""
    row: Onboarding | None = await session.scalar(
        select(Onboarding).where(
            Onboarding.guild_id == guild_id,
            Onboarding.user_id == user_id,
            Onboarding.preview.is_(preview),
        )
    )
    return row


def member_name(display_name: str) -> str:
    return display_name[:100] or NAMELESS


async def guild_label(session: AsyncSession, guild_id: int, given: str | None) -> str | None:
    """The server's name for a queued message: as the event told it, else as stored from the
    gateway (services.directory); None only if neither knows it."""
    return given or await guild_name_in(session, guild_id)


async def current_name(session: AsyncSession, row: Onboarding) -> str:
    """The member's display name as last stored from the gateway, else as it was at the join."""
    stored = await names_in(session, row.guild_id, [row.user_id])
    return member_name(stored.get(row.user_id) or row.display_name)


@dataclass(slots=True)
class NewOnboarding:
    """A member's first onboarding row while a raid batch is built: plain attributes (an ORM
    object costs several times more per member), inserted in bulk by ``record_joins``."""

    guild_id: int
    user_id: int
    display_name: str
    joined_at: datetime
    member_number: int | None = None
    discord_joined_at: datetime | None = None
    status: str = "screening"
    joins: int = 1
    dm_state: str = "none"
    public_state: str = "none"
    batch_window: datetime | None = None
    public_channel_id: int | None = None
    public_message_id: int | None = None
    intro_message_id: int | None = None
    left_at: datetime | None = None

    def values(self) -> dict[str, Any]:
        """The row as the values of a bulk insert (the rest as a new row starts)."""
        return {
            "guild_id": self.guild_id,
            "user_id": self.user_id,
            "preview": False,
            "status": self.status,
            "step": "niches",
            "niches": [],
            "display_name": self.display_name,
            "member_number": self.member_number,
            "joins": self.joins,
            "dm_state": self.dm_state,
            "public_state": self.public_state,
            "batch_window": self.batch_window,
            "public_channel_id": self.public_channel_id,
            "public_message_id": self.public_message_id,
            "intro_message_id": self.intro_message_id,
            "left_at": self.left_at,
            "joined_at": self.joined_at,
            "discord_joined_at": self.discord_joined_at,
        }


def new_member_row(
    guild_id: int,
    user_id: int,
    display_name: str,
    now: datetime,
    *,
    status: str,
    preview: bool = False,
    member_number: int | None = None,
) -> Onboarding:
    """A fresh onboarding row at the first step (the caller adds it to the session)."""
    return Onboarding(
        guild_id=guild_id,
        user_id=user_id,
        preview=preview,
        status=status,
        step="niches",
        niches=[],
        display_name=member_name(display_name),
        member_number=member_number,
        joins=1,
        dm_state="none",
        public_state="none",
        joined_at=now,
    )


async def role_ids(
    session: AsyncSession,
    guild_id: int,
    niches: Sequence[str],
    autorole_id: int | None,
) -> tuple[int, ...]:
    """The roles of the member's niches, then the autorole, each once."""
    keys = [niche_key(n) for n in niches]
    roles: list[int] = []
    if keys:
        found = (
            await session.scalars(
                select(GuildNiche.role_id).where(
                    GuildNiche.guild_id == guild_id,
                    GuildNiche.key.in_(keys),
                    GuildNiche.enabled.is_(True),
                    GuildNiche.role_id.is_not(None),
                )
            )
        ).all()
        roles += [int(r) for r in found if r is not None]
    if autorole_id is not None:
        roles.append(autorole_id)
    return tuple(dict.fromkeys(roles))
