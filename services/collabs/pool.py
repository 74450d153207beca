"""A guild's collab pool, read as matching's input: who can be matched right now (their
features), who blocked whom, and who were partners in recent rounds."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collabs import (
    CollabBlock,
    CollabGroup,
    CollabGroupMember,
    CollabMember,
    CollabRound,
    CollabSettings,
)
from models.profile import CreatorProfile
from services.collabs.inputs import DEFAULT_FOLLOWUP_DAYS, DEFAULT_HISTORY
from services.collabs.removals import not_removed
from services.collabs.scoring import BANDS, FORMATS, Candidate
from services.niches import Niche
from services.safety.age import NO_GROUPS, AgeRule


def candidate(
    user_id: int,
    niches_raw: list[str] | None,
    timezone: str | None,
    follower_band: str | None,
    formats_raw: list[str] | None,
    languages_raw: list[str] | None,
    *,
    family: dict[str, str | None],
    now: datetime,
    offsets: dict[str, float | None],
    ages: AgeRule = NO_GROUPS,
) -> Candidate:
    """One row of a profile joined with collab settings, as matching sees it (``ages``: the
    guild's age groups, never crossed)."""
    niches = tuple(niches_raw or ())
    families = tuple(
        dict.fromkeys(f for n in niches if (f := family.get(n.casefold())) is not None)
    )
    return Candidate(
        user_id=user_id,
        niches=niches,
        families=families,
        band=BANDS.index(follower_band) if follower_band in BANDS else None,
        formats=frozenset(formats_raw) if formats_raw else frozenset(FORMATS),
        languages=frozenset(languages_raw or ()),
        utc_offset=offset_hours(timezone, now, offsets),
        age_group=ages.group_of(user_id),
    )


def offset_hours(zone: str | None, now: datetime, cache: dict[str, float | None]) -> float | None:
    """A time zone's UTC offset in hours right now (None: unknown or unset); cached per round."""
    if not zone:
        return None
    if zone not in cache:
        try:
            offset = ZoneInfo(zone).utcoffset(now)
            cache[zone] = offset.total_seconds() / 3600 if offset is not None else None
        except (KeyError, ValueError):
            cache[zone] = None
    return cache[zone]


async def eligible(
    s: AsyncSession,
    guild_id: int,
    now: datetime,
    niches: list[Niche],
    ages: AgeRule = NO_GROUPS,
) -> list[Candidate]:
    family = {n.name.casefold(): n.family for n in niches}
    rows = (
        await s.execute(
            select(
                CreatorProfile.user_id,
                CreatorProfile.niches,
                CreatorProfile.timezone,
                CreatorProfile.follower_band,
                CollabMember.formats,
                CollabMember.languages,
            )
            .join(
                CreatorProfile,
                and_(
                    CreatorProfile.guild_id == CollabMember.guild_id,
                    CreatorProfile.user_id == CollabMember.user_id,
                ),
            )
            .where(
                CollabMember.guild_id == guild_id,
                CollabMember.opted_in.is_(True),
                or_(CollabMember.paused_until.is_(None), CollabMember.paused_until <= now),
                not_removed(),  # a moderator took them out (after a report)
            )
            .order_by(CollabMember.id)
        )
    ).all()
    offsets: dict[str, float | None] = {}
    return [candidate(*row, family=family, now=now, offsets=offsets, ages=ages) for row in rows]


async def blocked_pairs(s: AsyncSession, guild_id: int) -> list[tuple[int, int]]:
    rows = (
        await s.execute(
            select(CollabBlock.user_id, CollabBlock.blocked_id).where(
                CollabBlock.guild_id == guild_id
            )
        )
    ).all()
    return [(a, b) for a, b in rows]


async def recent_pairs(s: AsyncSession, guild_id: int, rounds: int) -> list[tuple[int, int]]:
    round_ids = (
        await s.scalars(
            select(CollabRound.id)
            .where(CollabRound.guild_id == guild_id)
            .order_by(CollabRound.slot_at.desc())
            .limit(rounds)
        )
    ).all()
    if not round_ids:
        return []
    rows = (
        await s.execute(
            select(CollabGroupMember.group_id, CollabGroupMember.user_id)
            .join(CollabGroup, CollabGroup.id == CollabGroupMember.group_id)
            .where(CollabGroup.round_id.in_(round_ids))
        )
    ).all()
    groups: dict[int, list[int]] = {}
    for gid, uid in rows:
        groups.setdefault(gid, []).append(uid)
    return [(a, b) for members in groups.values() for a, b in itertools.combinations(members, 2)]


async def history_settings(s: AsyncSession, guild_id: int) -> tuple[int, int]:
    """(past rounds whose partners aren't repeated, days until the follow-up); defaults
    before a moderator set rounds up."""
    row = await s.get(CollabSettings, guild_id)
    if row is None:
        return DEFAULT_HISTORY, DEFAULT_FOLLOWUP_DAYS
    return row.history_rounds, row.followup_days
