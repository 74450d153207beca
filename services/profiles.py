"""The creator profile: TikTok handle, niches, time zone and follower band."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from core.batcher import Statement
from core.cache import changed
from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import N_, _, ngettext
from core.lazy_import import lazy_module
from core.sql import Frozen
from core.text import clean_line
from models import load_all
from models.profile import CreatorProfile
from services.languages import MEMBER_CACHE as MEMBER_LANGUAGE_CACHE
from services.niches import Niche, NicheService, niche_key
from services.safety import hold_to_rules
from services.safety.age import save_answer_in, validate_age

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql
else:  # loaded by the first statement for PostgreSQL: a SQLite bot never needs its ~2 MB
    postgresql = lazy_module("sqlalchemy.dialects.postgresql")

HANDLE_RE = re.compile(r"^@?([A-Za-z0-9_.]{2,24})$")
MAX_PROFILE_NICHES = 3
#: labels are shown with ``_(label)`` (they are also the /profile set choices' names)
FOLLOWER_BANDS: dict[str, str] = {
    "under-1k": N_("under 1k"),
    "1k-10k": "1k–10k",
    "10k-50k": "10k–50k",
    "50k-100k": "50k–100k",
    "100k+": "100k+",
}


class _Unset:
    pass


UNSET = _Unset()

#: cache namespace of profiles, by (guild_id, user_id); every write of a profile names it
CACHE = "profile"


@dataclass(frozen=True, slots=True)
class Profile:
    guild_id: int
    user_id: int
    tiktok_handle: str | None
    niches: tuple[str, ...]
    timezone: str | None
    follower_band: str | None
    intro: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def tiktok_url(self) -> str | None:
        return f"https://www.tiktok.com/@{self.tiktok_handle}" if self.tiktok_handle else None

    @property
    def band_label(self) -> str | None:
        return FOLLOWER_BANDS.get(self.follower_band or "")


def _to_profile(row: CreatorProfile) -> Profile:
    return Profile(
        guild_id=row.guild_id,
        user_id=row.user_id,
        tiktok_handle=row.tiktok_handle,
        niches=tuple(row.niches or ()),
        timezone=row.timezone,
        follower_band=row.follower_band,
        intro=row.intro,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def validate_handle(raw: str) -> str:
    value = raw.strip()
    match = HANDLE_RE.match(value)
    if not match:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise DomainError(
            _(
                "`{handle}` isn't a TikTok handle. Use 2–24 letters, digits, `_` or `.` "
                "(the `@` is optional), e.g. `@plantladyjane`.",
                handle=shown,
            )
        )
    return match.group(1)


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def search_timezones(query: str, limit: int = 25) -> list[str]:
    """Autocomplete: prefix matches first, then fuzzy ones."""
    zones = _zones()
    q = query.strip().replace(" ", "_").casefold()
    if not q:
        popular = [
            "UTC",
            "America/New_York",
            "America/Los_Angeles",
            "Europe/London",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Asia/Tokyo",
            "Australia/Sydney",
        ]
        return popular[:limit]
    hits = [z for z in zones if q in z.casefold()]
    hits.sort(key=lambda z: (not z.casefold().startswith(q), "/" + q not in z.casefold(), z))
    if len(hits) < limit:
        # rapidfuzz (~2.6 MB resident) loads with the first fuzzy search, not at start-up
        from rapidfuzz import process

        fuzzy = process.extract(q, zones, limit=limit, processor=str.casefold)
        hits += [z for z, _score, _i in fuzzy if z not in hits]
    return hits[:limit]


def validate_timezone(raw: str) -> str:
    value = raw.strip().replace(" ", "_")
    if value and len(value) <= 64:
        for zone in _zones():
            if zone.casefold() == value.casefold():
                value = zone
                break
        try:
            ZoneInfo(value)
            if value in _zones():
                return value
        except (ZoneInfoNotFoundError, ValueError):
            pass
    suggestions = search_timezones(value, limit=3) if value else []
    text = _(
        "`{zone}` isn't a time zone I know. Pick one from the list, like `Europe/London` "
        "or `America/New_York`.",
        zone=value[:40],
    )
    if suggestions:
        shown = ", ".join(f"`{s}`" for s in suggestions)
        text += " " + _("Did you mean {suggestions}?", suggestions=shown)
    raise DomainError(text)


def validate_band(raw: str) -> str:
    value = raw.strip().lower().replace("–", "-").replace(" ", "")
    aliases = {"<1k": "under-1k", "under1k": "under-1k", "100k": "100k+"}
    value = aliases.get(value, value)
    if value not in FOLLOWER_BANDS:
        raise DomainError(
            _(
                "Pick a follower band from the list: {bands}.",
                bands=", ".join(_(label) for label in FOLLOWER_BANDS.values()),
            )
        )
    return value


def match_niches(raw: list[str], available: list[Niche]) -> tuple[str, ...]:
    """Map typed niche names to the guild's list; unknown ones get a did-you-mean."""
    by_key = {n.key: n for n in available}
    chosen: list[str] = []
    for item in raw:
        item = item.strip()
        if not item:
            continue
        niche = by_key.get(niche_key(item))
        if niche is None:
            from rapidfuzz import process  # on first use, as in search_timezones

            names = [n.name for n in available]
            guess = process.extractOne(item, names, processor=str.casefold, score_cutoff=60)
            text = _("`{niche}` isn't one of this server's niches.", niche=item[:40])
            if guess:
                text += " " + _("Did you mean **{niche}**?", niche=guess[0])
            text += " " + _(
                "Pick from the list (moderators can add niches with `/welcome niche add`)."
            )
            raise DomainError(text)
        if niche.name not in chosen:
            chosen.append(niche.name)
    if len(chosen) > MAX_PROFILE_NICHES:
        raise DomainError(
            ngettext(
                "Pick up to {n} niche: respect the niche!",
                "Pick up to {n} niches: respect the niche!",
                MAX_PROFILE_NICHES,
            )
        )
    return tuple(chosen)


async def upsert_profile(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime, **changes: object
) -> CreatorProfile:
    """The member's profile row with ``changes`` applied (created if missing), written in the
    caller's transaction so a capability saves a profile together with its own rows."""
    changed(session, CACHE, (guild_id, user_id))
    row = await session.scalar(
        select(CreatorProfile).where(
            CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
        )
    )
    if row is None:
        row = CreatorProfile(
            guild_id=guild_id, user_id=user_id, niches=[], created_at=now, updated_at=now
        )
        session.add(row)
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_at = now
    return row


_COLUMNS = ("tiktok_handle", "niches", "timezone", "follower_band", "intro")


@dataclass(frozen=True)
class ProfileChange:
    """One member's validated changes, saved by ``save_profiles`` in a batch."""

    guild_id: int
    user_id: int
    changes: tuple[tuple[str, Any], ...]
    now: datetime


_RETURNED = ("guild_id", "user_id", *_COLUMNS, "created_at", "updated_at")


@lru_cache(maxsize=64)
def _upsert(columns: frozenset[str]) -> Frozen:
    """INSERT … ON CONFLICT DO UPDATE of exactly ``columns``, compiled once per shape."""
    table: Any = CreatorProfile.__table__

    def build(dialect: str) -> Any:
        stmt: Any = (postgresql if dialect == "postgresql" else sqlite).insert(table)
        updates = {c: getattr(stmt.excluded, c) for c in sorted(columns)}
        updates["updated_at"] = stmt.excluded.updated_at
        return stmt.on_conflict_do_update(
            index_elements=["guild_id", "user_id"], set_=updates
        ).returning(*(table.c[f] for f in _RETURNED))

    return Frozen(
        build,
        keys=("guild_id", "user_id", *_COLUMNS, "created_at", "updated_at"),
        returning=[table.c[f] for f in _RETURNED],
    )


class _SaveProfiles:
    """Batched write (``core.batcher``): each member's row created or changed in one statement
    (saving the same changes twice gives the same profile)."""

    __name__ = "save_profiles"

    def __call__(self, conn: Connection, items: Sequence[ProfileChange]) -> list[Profile]:
        saved: list[Profile] = []
        for item in items:
            one = self.statement(conn, item)
            row = conn.execute(one.frozen.on(conn), one.params).one()
            for namespace, key in one.keys:
                changed(conn, namespace, key)
            saved.append(one.outcome(row))
        return saved

    def statement(self, conn: Connection, item: ProfileChange) -> Statement:
        """One member's save alone: the batcher runs it as one statement on PostgreSQL."""
        values: dict[str, Any] = {c: None for c in _COLUMNS} | {"niches": []}
        values.update(item.changes)
        values |= {
            "guild_id": item.guild_id,
            "user_id": item.user_id,
            "created_at": item.now,
            "updated_at": item.now,
        }
        return Statement(
            frozen=_upsert(frozenset(k for k, _ in item.changes)),
            params=values,
            keys=[(CACHE, (item.guild_id, item.user_id))],
            outcome=_saved,
        )


def _saved(row: Any) -> Profile:
    fields = dict(row._mapping)
    return Profile(**{**fields, "niches": tuple(fields["niches"] or ())})


save_profiles = _SaveProfiles()


class ProfileService:
    def __init__(self, db: Database, clock: Clock, niches: NicheService) -> None:
        self.db = db
        self.clock = clock
        self.niches = niches
        #: told (after the commit) when a member's time zone changed: schedules that run in
        #: members' own zones (check-ins) re-plan their next wake-up
        self.zone_listeners: list[Callable[[], None]] = []

    async def get(self, guild_id: int, user_id: int) -> Profile | None:
        """From memory when it can be (``core.cache``: never a second staler than the
        database)."""
        return await self.db.cache.fetch(
            CACHE, (guild_id, user_id), lambda: self._load(guild_id, user_id)
        )

    async def _load(self, guild_id: int, user_id: int) -> Profile | None:
        async with self.db.read() as session:
            row = await session.scalar(
                select(CreatorProfile).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            return _to_profile(row) if row else None

    async def update(
        self,
        guild_id: int,
        user_id: int,
        *,
        handle: str | _Unset | None = UNSET,
        niches: list[str] | _Unset = UNSET,
        timezone: str | _Unset | None = UNSET,
        follower_band: str | _Unset | None = UNSET,
        intro: str | _Unset | None = UNSET,
        age: str | _Unset = UNSET,
    ) -> Profile:
        """Validate everything first, then write once: bad input leaves the row untouched.

        ``age`` is the member's own answer (services.safety): stored apart from the profile,
        in the same transaction, and never part of what ``Profile`` shows."""
        changes: dict[str, object] = {}
        if not isinstance(handle, _Unset):
            changes["tiktok_handle"] = validate_handle(handle) if handle else None
        if not isinstance(niches, _Unset):
            available = await self.niches.list_niches(guild_id)
            changes["niches"] = list(match_niches(niches, available))
        if not isinstance(timezone, _Unset):
            changes["timezone"] = validate_timezone(timezone) if timezone else None
        if not isinstance(follower_band, _Unset):
            changes["follower_band"] = validate_band(follower_band) if follower_band else None
        if not isinstance(intro, _Unset):
            changes["intro"] = clean_line(intro, field=_("intro"), max_len=200) if intro else None
        answer = validate_age(age) if not isinstance(age, _Unset) else None
        if answer is None and not changes.get("intro"):
            # the hot path (handle, niches, zone, fam size): one statement in a shared batch
            change = ProfileChange(guild_id, user_id, tuple(changes.items()), self.clock.now())
            profile = await self.db.writes.submit(save_profiles, change)
        else:
            # an intro (re-posted publicly: held to the server's rules) or the age answer
            now = self.clock.now()
            async with self.db.write() as session:
                if changes.get("intro"):
                    await hold_to_rules(session, guild_id, {"intro": str(changes["intro"])})
                row = await upsert_profile(session, guild_id, user_id, now, **changes)
                if answer is not None:
                    await save_answer_in(
                        session, guild_id, user_id, answer, source="profile", now=now
                    )
                await session.flush()
                profile = _to_profile(row)
        if "timezone" in changes:
            for listener in self.zone_listeners:
                listener()
        return profile

    async def delete(self, guild_id: int, user_id: int) -> int:
        """Erase the member's data in every capability (models that declare __member_data__)."""
        removed = 0
        async with self.db.write() as session:
            changed(session, CACHE, (guild_id, user_id))
            changed(session, MEMBER_LANGUAGE_CACHE, (guild_id, user_id))
            for mapper in load_all().registry.mappers:
                model = mapper.class_
                columns = getattr(model, "__member_data__", None)
                if model is CreatorProfile or columns is None:
                    continue
                guild_col, user_col = columns
                namespace = getattr(model, "__member_cache__", None)
                if namespace is not None:
                    changed(session, namespace, (guild_id, user_id))
                result = await session.execute(
                    delete(model).where(
                        getattr(model, guild_col) == guild_id, getattr(model, user_col) == user_id
                    )
                )
                removed += int(getattr(result, "rowcount", 0) or 0)
            result = await session.execute(
                delete(CreatorProfile).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
        return removed


__all__ = ["Profile", "ProfileService", "upsert_profile"]
