"""A guild's collab pool, read as matching's input: who can be matched right now (their
features), who blocked whom, and who were partners in recent rounds."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
    return Candidate(
        user_id=user_id,
        niches=niches,
        families=_families(niches, family),
        band=BANDS.index(follower_band) if follower_band in BANDS else None,
        formats=frozenset(formats_raw) if formats_raw else frozenset(FORMATS),
        languages=frozenset(languages_raw or ()),
        utc_offset=offset_hours(timezone, now, offsets),
        age_group=ages.group_of(user_id),
    )


def _families(niches: tuple[str, ...], family: dict[str, str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for n in niches if (f := family.get(n.casefold())) is not None))


class _Decoded:
    """A round's JSON columns decoded once per distinct text: tens of thousands of members
    share a few hundred niche lists, format sets and language sets."""

    def __init__(self, family: dict[str, str | None]) -> None:
        self.family = family
        self.niches: dict[str | None, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.sets: dict[str | None, frozenset[str]] = {}

    def niches_of(self, raw: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        found = self.niches.get(raw)
        if found is None:
            niches = tuple(json.loads(raw) or ()) if raw else ()
            found = self.niches[raw] = (niches, _families(niches, self.family))
        return found

    def set_of(self, raw: str | None, empty: frozenset[str]) -> frozenset[str]:
        found = self.sets.get(raw)
        if found is None:
            values = json.loads(raw) if raw else None
            found = self.sets[raw] = frozenset(values) if values else empty
        return found


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
    """Everyone who can be matched now, in opt-in order (one query; the JSON columns are read
    as text and decoded once per distinct value, see ``_Decoded``)."""
    decoded = _Decoded({n.name.casefold(): n.family for n in niches})
    conn = await s.connection()  # plain rows: no ORM loading for 50k members
    result = await conn.execute(
        select(
            CollabMember.user_id,
            cast(CreatorProfile.niches, Text),
            CreatorProfile.timezone,
            CreatorProfile.follower_band,
            cast(CollabMember.formats, Text),
            cast(CollabMember.languages, Text),
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
    rows = result.all()  # one fetchall: iterating the result fetches row by row
    offsets: dict[str, float | None] = {}
    every_format = frozenset(FORMATS)
    none: frozenset[str] = frozenset()
    bands = {band: i for i, band in enumerate(BANDS)}
    out: list[Candidate] = []
    for user_id, niches_raw, timezone, band, formats_raw, languages_raw in rows:
        member_niches, families = decoded.niches_of(niches_raw)
        out.append(
            Candidate(
                user_id=user_id,
                niches=member_niches,
                families=families,
                band=bands.get(band),
                formats=decoded.set_of(formats_raw, every_format),
                languages=decoded.set_of(languages_raw, none),
                utc_offset=offset_hours(timezone, now, offsets),
                age_group=ages.group_of(user_id),
            )
        )
    return out


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
    """Every pair of members who were in one group in the last ``rounds`` rounds."""
    conn = await s.connection()  # plain rows: six rounds of 50k members is 300k of them
    round_ids = (
        await conn.scalars(
            select(CollabRound.id)
            .where(CollabRound.guild_id == guild_id)
            .order_by(CollabRound.slot_at.desc())
            .limit(rounds)
        )
    ).all()
    if not round_ids:
        return []
    other = aliased(CollabGroupMember)
    rows = await conn.execute(
        select(CollabGroupMember.user_id, other.user_id)
        .join(
            other,
            and_(
                other.group_id == CollabGroupMember.group_id,
                other.position > CollabGroupMember.position,
            ),
        )
        .join(CollabGroup, CollabGroup.id == CollabGroupMember.group_id)
        .where(CollabGroup.round_id.in_(round_ids))
    )
    return [(a, b) for a, b in rows.all()]  # one fetchall, not a fetch per row


async def history_settings(s: AsyncSession, guild_id: int) -> tuple[int, int]:
    """(past rounds whose partners aren't repeated, days until the follow-up); defaults
    before a moderator set rounds up."""
    row = await s.get(CollabSettings, guild_id)
    if row is None:
        return DEFAULT_HISTORY, DEFAULT_FOLLOWUP_DAYS
    return row.history_rounds, row.followup_days
