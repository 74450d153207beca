"""Lookups every part of the shoutouts service shares, inside the caller's transaction: a
rotation by name (or the guild's default one), a creator's profile, their pitches."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.i18n import _
from models.profile import CreatorProfile
from models.shoutouts import Rotation, ShoutoutPitch
from services.shoutouts.inputs import rotation_key


async def by_name(s: AsyncSession, guild_id: int, name: str) -> Rotation:
    """The rotation called ``name`` (any case or spacing), or NotFound naming the ones there are."""
    row = await s.scalar(
        select(Rotation).where(Rotation.guild_id == guild_id, Rotation.key == rotation_key(name))
    )
    if row is None:
        names = await s.scalars(
            select(Rotation.name).where(Rotation.guild_id == guild_id).order_by(Rotation.id)
        )
        known = ", ".join(f"**{n}**" for n in names) or _("none yet")
        raise NotFound(
            _(
                "There's no rotation called `{name}` here. Rotations: {known}. "
                "Moderators create one with `/rotation create`.",
                name=name[:40],
                known=known,
            )
        )
    return row


async def named_or_first(s: AsyncSession, guild_id: int, name: str | None) -> Rotation | None:
    """The rotation a member means: the one named, else the guild's first (None: there is none)."""
    if name:
        return await by_name(s, guild_id, name)
    first: Rotation | None = await s.scalar(
        select(Rotation).where(Rotation.guild_id == guild_id).order_by(Rotation.id).limit(1)
    )
    return first


async def profile_of(s: AsyncSession, guild_id: int, user_id: int) -> CreatorProfile | None:
    profile: CreatorProfile | None = await s.scalar(
        select(CreatorProfile).where(
            CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
        )
    )
    return profile


def _for_rotation(rotation_id: int | None) -> ColumnElement[bool]:
    """Pitches a rotation may use: its own and those for no rotation in particular (nominations
    by other features). Without a rotation: every pitch."""
    if rotation_id is None:
        return true()
    return or_(ShoutoutPitch.rotation_id == rotation_id, ShoutoutPitch.rotation_id.is_(None))


async def next_pitch(
    s: AsyncSession, guild_id: int, user_id: int, rotation_id: int | None = None
) -> ShoutoutPitch | None:
    """The creator's newest unused pitch (for that rotation): what their next feature shows."""
    pitch: ShoutoutPitch | None = await s.scalar(
        select(ShoutoutPitch)
        .where(
            ShoutoutPitch.guild_id == guild_id,
            ShoutoutPitch.user_id == user_id,
            ShoutoutPitch.used_at.is_(None),
            _for_rotation(rotation_id),
        )
        .order_by(ShoutoutPitch.created_at.desc(), ShoutoutPitch.id.desc())
        .limit(1)
    )
    return pitch


async def latest_blurb(
    s: AsyncSession, guild_id: int, user_id: int, rotation_id: int | None = None
) -> tuple[str, str | None] | None:
    """The blurb of the creator's newest pitch (for that rotation), used or not, with its
    content warning (the two go together): a feature without a fresh pitch still says something
    they wrote."""
    row = (
        await s.execute(
            select(ShoutoutPitch.blurb, ShoutoutPitch.content_warning)
            .where(
                ShoutoutPitch.guild_id == guild_id,
                ShoutoutPitch.user_id == user_id,
                _for_rotation(rotation_id),
            )
            .order_by(ShoutoutPitch.created_at.desc(), ShoutoutPitch.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row.blurb, row.content_warning)
