"""Shoutout rotations: fair, scheduled creator spotlights.

Fairness is by rounds. Every member of a rotation has a ``round_no`` (the round in which they
are next due) and a ``position`` (their place in it). When a creator enters a round they draw a
random position: sorting by those keys is the round's shuffle, drawn once and stored. The head
of the queue is therefore one index seek on (rotation_id, active, round_no, position), whatever
the size of the rotation. A creator featured in round R moves to round R+1; the rotation moves
on to the next round once nobody active is left in the current one. Joining mid-round appends
the creator to the end of the current round.

Exactly once per slot: a slot is claimed in ``scheduled_slot`` (core.slots) before anything
else; the feature row (unique per rotation and slot) and the outbox post (unique dedupe key)
are written in one transaction, so re-running a slot after a crash finds what was done.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import and_, delete, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, as_utc
from core.db import Database
from core.errors import Conflict, DomainError, NotFound
from core.outbox import CHANNEL, DM, add_message
from core.slots import CLAIMED, DONE, MISSED, SlotStore
from core.text import clean_line
from models.delivery import ScheduledSlot
from models.guild import GuildSettings
from models.profile import CreatorProfile
from models.shoutouts import Rotation, RotationFeature, RotationMember, ShoutoutPitch
from services.schedules import (
    Schedule,
    fire_times_between,
    next_fire_times,
    parse_schedule,
    split_catch_up,
)

SLOT_KIND = "rotation"
RUN_NOW_KIND = "rotation_now"
FEATURE_PURPOSE = "shoutouts_feature"
NOTICE_PURPOSE = "shoutouts_notice"
DEFAULT_GRACE = timedelta(hours=6)
# a claim left unfinished this long belongs to a process that died (a live one takes ms)
RECOVER_AFTER = timedelta(minutes=2)
MAX_ROTATIONS = 10
MAX_NAME = 40
MAX_BLURB = 150
MAX_URL = 300
MAX_EXCLUDED_ROLES = 10
MAX_MIN_DAYS = 365
POSITION_SPACE = 1 << 40
MAX_SKIPS_PER_PICK = 500
MAX_CATCH_UP_WINDOW = timedelta(days=31)
TIKTOK_HOSTS = {"tiktok.com", "www.tiktok.com", "vm.tiktok.com", "m.tiktok.com"}
REQUIRED_FIELDS: dict[str, str] = {
    "niches": "niches",
    "intro": "intro",
    "followers": "fam size",
    "timezone": "time zone",
}
VOICE_LINES = (
    "Go leave some hearts 💖",
    "Stitch this and say hey mutual! 🧵",
    "Drop a comment, the fam shows up for the fam 💬",
    "Follow if it's your niche (respect the niche) ✨",
    "Show the algorithm who's boss: hearts, comments, shares 📈",
    "Duet it, stitch it, share the sound 🎶",
)

# A member check: given the rotation and a user id, why they can't be featured right now
# ("left", "excluded") or None. Implemented by the cog from the guild cache; never slow.
MemberCheck = Callable[["RotationInfo", int], str | None]


def _no_check(_rotation: RotationInfo, _user_id: int) -> str | None:
    return None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RotationInfo:
    id: int
    guild_id: int
    name: str
    channel_id: int
    schedule: str
    timezone: str
    paused: bool
    pause_reason: str | None
    created_by: int
    exclude_role_ids: tuple[int, ...]
    min_days_between: int
    ping_featured: bool
    ping_role_id: int | None
    required_fields: tuple[str, ...]
    current_round: int
    schedule_anchor: datetime
    active_from: datetime

    def parsed(self) -> Schedule:
        return parse_schedule(self.schedule, self.timezone, anchor=self.schedule_anchor)

    def next_slots(self, after: datetime, count: int = 3) -> list[datetime]:
        return self.parsed().next_times(max(after, self.active_from), count)


@dataclass(frozen=True)
class Nomination:
    pitch_id: int
    guild_id: int
    user_id: int
    url: str | None
    blurb: str
    nominated_by: int | None
    rotation_id: int | None  # the rotation they are in after this (None: none / opted out)
    rotation_name: str | None
    newly_joined: bool


@dataclass(frozen=True)
class Membership:
    rotation_id: int
    rotation_name: str
    user_id: int
    active: bool
    inactive_reason: str | None
    round_no: int
    current_round: int
    place: int | None  # 1 = up next, within the whole queue (None when inactive)
    times_featured: int
    last_featured_at: datetime | None


@dataclass(frozen=True)
class QueueEntry:
    user_id: int
    round_no: int


@dataclass(frozen=True)
class Pitch:
    id: int
    user_id: int
    url: str | None
    blurb: str
    nominated_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class Feature:
    rotation_id: int
    guild_id: int
    slot_key: str
    slot_at: datetime
    status: str  # featured | missed | empty | failed
    user_id: int | None
    round_no: int | None
    url: str | None
    blurb: str | None
    detail: str | None


@dataclass(frozen=True)
class SlotOutcome:
    rotation_id: int
    slot_at: datetime
    status: str  # featured | empty | paused | missed | taken | retry | failed
    feature: Feature | None = None


@dataclass(frozen=True)
class SkipResult:
    user_id: int
    moved: bool  # False when they were the last one left in the round


# --------------------------------------------------------------------------- validation


def validate_name(raw: str) -> str:
    name = clean_line(raw, field="rotation name", max_len=MAX_NAME)
    if "`" in name or "*" in name:
        raise DomainError("Keep the rotation name to letters, numbers and spaces.")
    return name


def rotation_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def validate_tiktok_url(raw: str) -> str:
    """Only tiktok.com and vm.tiktok.com links, normalised to https."""
    value = raw.strip()
    if len(value) > MAX_URL:
        raise DomainError(f"That link is over {MAX_URL} characters. Paste the short TikTok link.")
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        host, port, parts = "", None, urlsplit("")
    if (
        parts.scheme.lower() not in ("http", "https")
        or host not in TIKTOK_HOSTS
        or port is not None
        or parts.username
        or parts.password
        or any(c.isspace() for c in value)
    ):
        shown = raw.strip()[:60]
        raise DomainError(
            f"`{shown}` isn't a TikTok link. Paste a video link from tiktok.com or vm.tiktok.com "
            "(Share → Copy link in the app), e.g. `https://www.tiktok.com/@you/video/123…`."
        )
    return urlunsplit(("https", host, parts.path, parts.query, ""))


def validate_blurb(raw: str) -> str:
    return clean_line(raw, field="blurb", max_len=MAX_BLURB)


def validate_required_fields(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for item in raw:
        key = item.strip().lower()
        if not key:
            continue
        if key not in REQUIRED_FIELDS:
            raise DomainError(
                f"`{key[:20]}` isn't a profile field I can require. Use any of: "
                + ", ".join(REQUIRED_FIELDS)
                + "."
            )
        if key not in out:
            out.append(key)
    return tuple(out)


def missing_fields(profile: CreatorProfile, required: tuple[str, ...] | list[str]) -> list[str]:
    missing = []
    for key in required:
        value: Any = {
            "niches": profile.niches,
            "intro": profile.intro,
            "followers": profile.follower_band,
            "timezone": profile.timezone,
        }.get(key)
        if not value:
            missing.append(REQUIRED_FIELDS[key])
    return missing


def voice_line(slot_key: str) -> str:
    """A line in the community's voice, stable for a slot (a retry renders the same post)."""
    return VOICE_LINES[zlib.crc32(slot_key.encode()) % len(VOICE_LINES)]


def slot_key(kind: str, slot_at: datetime) -> str:
    return f"{'now' if kind == RUN_NOW_KIND else 'slot'}:{as_utc(slot_at).isoformat()}"


NO_HANDLE = (
    "You need a creator profile with your TikTok handle first: run `/profile set "
    "handle:@yourhandle`, then try again. 💞"
)


def _info(row: Rotation) -> RotationInfo:
    return RotationInfo(
        id=row.id,
        guild_id=row.guild_id,
        name=row.name,
        channel_id=row.channel_id,
        schedule=row.schedule,
        timezone=row.timezone,
        paused=row.paused,
        pause_reason=row.pause_reason,
        created_by=row.created_by,
        exclude_role_ids=tuple(int(r) for r in row.exclude_role_ids or ()),
        min_days_between=row.min_days_between,
        ping_featured=row.ping_featured,
        ping_role_id=row.ping_role_id,
        required_fields=tuple(row.required_fields or ()),
        current_round=row.current_round,
        schedule_anchor=row.schedule_anchor,
        active_from=row.active_from,
    )


def _feature(row: RotationFeature) -> Feature:
    return Feature(
        rotation_id=row.rotation_id,
        guild_id=row.guild_id,
        slot_key=row.slot_key,
        slot_at=row.slot_at,
        status=row.status,
        user_id=row.user_id,
        round_no=row.round_no,
        url=row.url,
        blurb=row.blurb,
        detail=row.detail,
    )


class _Unset:
    pass


UNSET: Any = _Unset()


# --------------------------------------------------------------------------- the service


class RotationService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        slots: SlotStore | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.slots = slots or SlotStore(db, clock)
        self.rng = rng or random.SystemRandom()
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, rotation_id: int) -> asyncio.Lock:
        return self._locks.setdefault(rotation_id, asyncio.Lock())

    # ------------------------------------------------------------------ lookups

    async def _by_name(self, session: AsyncSession, guild_id: int, name: str) -> Rotation:
        row = await session.scalar(
            select(Rotation).where(
                Rotation.guild_id == guild_id, Rotation.key == rotation_key(name)
            )
        )
        if row is None:
            names = await session.scalars(
                select(Rotation.name).where(Rotation.guild_id == guild_id).order_by(Rotation.id)
            )
            known = ", ".join(f"**{n}**" for n in names) or "none yet"
            raise NotFound(
                f"There's no rotation called `{name[:40]}` here. Rotations: {known}. "
                "Moderators create one with `/rotation create`."
            )
        return row

    async def _default(
        self, session: AsyncSession, guild_id: int, name: str | None
    ) -> Rotation | None:
        if name:
            return await self._by_name(session, guild_id, name)
        return await session.scalar(
            select(Rotation).where(Rotation.guild_id == guild_id).order_by(Rotation.id).limit(1)
        )

    async def get(self, guild_id: int, name: str) -> RotationInfo:
        async with self.db.read() as s:
            return _info(await self._by_name(s, guild_id, name))

    async def get_by_id(self, rotation_id: int) -> RotationInfo | None:
        async with self.db.read() as s:
            row = await s.get(Rotation, rotation_id)
            return _info(row) if row else None

    async def list_rotations(self, guild_id: int | None = None) -> list[RotationInfo]:
        async with self.db.read() as s:
            stmt = select(Rotation).order_by(Rotation.id)
            if guild_id is not None:
                stmt = stmt.where(Rotation.guild_id == guild_id)
            return [_info(r) for r in await s.scalars(stmt)]

    async def member_counts(self, rotation_id: int) -> int:
        async with self.db.read() as s:
            return int(
                await s.scalar(
                    select(func.count()).where(
                        RotationMember.rotation_id == rotation_id, RotationMember.active == true()
                    )
                )
                or 0
            )

    async def search(self, guild_id: int, query: str) -> list[str]:
        async with self.db.read() as s:
            names = list(
                await s.scalars(
                    select(Rotation.name).where(Rotation.guild_id == guild_id).order_by(Rotation.id)
                )
            )
        q = query.casefold().strip()
        return [n for n in names if q in n.casefold()][:25]

    # ------------------------------------------------------------------ moderators

    async def create(
        self,
        guild_id: int,
        *,
        name: str,
        channel_id: int,
        schedule: str,
        created_by: int,
        timezone: str | None = None,
        exclude_role_ids: list[int] | tuple[int, ...] = (),
        min_days_between: int = 0,
        ping_featured: bool = True,
        ping_role_id: int | None = None,
        required_fields: list[str] | tuple[str, ...] = (),
    ) -> RotationInfo:
        now = self.clock.now()
        clean = validate_name(name)
        _check_min_days(min_days_between)
        required = validate_required_fields(required_fields)
        if len(exclude_role_ids) > MAX_EXCLUDED_ROLES:
            raise DomainError(f"Exclude up to {MAX_EXCLUDED_ROLES} roles.")
        async with self.db.write() as s:
            tz = timezone
            if not tz:
                settings = await s.get(GuildSettings, guild_id)
                tz = settings.timezone if settings else "UTC"
            parsed = parse_schedule(schedule, tz, anchor=now)
            count = await s.scalar(select(func.count()).where(Rotation.guild_id == guild_id))
            if (count or 0) >= MAX_ROTATIONS:
                raise Conflict(
                    f"This server already has {MAX_ROTATIONS} rotations. Delete one first."
                )
            exists = await s.scalar(
                select(Rotation.id).where(
                    Rotation.guild_id == guild_id, Rotation.key == rotation_key(clean)
                )
            )
            if exists is not None:
                raise Conflict(
                    f"There's already a rotation called **{clean}**. Pick another name, or "
                    "change that one with `/rotation edit`."
                )
            row = Rotation(
                guild_id=guild_id,
                key=rotation_key(clean),
                name=clean,
                channel_id=channel_id,
                schedule=parsed.text,
                timezone=parsed.timezone,
                schedule_anchor=now,
                active_from=now,
                paused=False,
                created_by=created_by,
                exclude_role_ids=[int(r) for r in dict.fromkeys(exclude_role_ids)],
                min_days_between=min_days_between,
                ping_featured=ping_featured,
                ping_role_id=ping_role_id,
                required_fields=list(required),
                current_round=1,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            await s.flush()
            return _info(row)

    async def edit(
        self,
        guild_id: int,
        name: str,
        *,
        new_name: str | None = None,
        channel_id: int | None = None,
        schedule: str | None = None,
        timezone: str | None = None,
        exclude_role_ids: list[int] | tuple[int, ...] | _Unset = UNSET,
        min_days_between: int | None = None,
        ping_featured: bool | None = None,
        ping_role_id: int | _Unset | None = UNSET,
        required_fields: list[str] | tuple[str, ...] | _Unset = UNSET,
    ) -> RotationInfo:
        now = self.clock.now()
        clean = validate_name(new_name) if new_name is not None else None
        if min_days_between is not None:
            _check_min_days(min_days_between)
        required = (
            validate_required_fields(required_fields)
            if not isinstance(required_fields, _Unset)
            else None
        )
        async with self.db.write() as s:
            row = await self._by_name(s, guild_id, name)
            if clean is not None and rotation_key(clean) != row.key:
                taken = await s.scalar(
                    select(Rotation.id).where(
                        Rotation.guild_id == guild_id, Rotation.key == rotation_key(clean)
                    )
                )
                if taken is not None:
                    raise Conflict(f"There's already a rotation called **{clean}**.")
            if schedule is not None or timezone is not None:
                parsed = parse_schedule(
                    schedule or row.schedule, timezone or row.timezone, anchor=now
                )
                row.schedule, row.timezone = parsed.text, parsed.timezone
                row.schedule_anchor = now
                # a new schedule starts now: old slots are neither caught up nor "missed"
                row.active_from = now
            if clean is not None:
                row.name, row.key = clean, rotation_key(clean)
            if channel_id is not None:
                row.channel_id = channel_id
            if not isinstance(exclude_role_ids, _Unset):
                if len(exclude_role_ids) > MAX_EXCLUDED_ROLES:
                    raise DomainError(f"Exclude up to {MAX_EXCLUDED_ROLES} roles.")
                row.exclude_role_ids = [int(r) for r in dict.fromkeys(exclude_role_ids)]
            if min_days_between is not None:
                row.min_days_between = min_days_between
            if ping_featured is not None:
                row.ping_featured = ping_featured
            if not isinstance(ping_role_id, _Unset):
                row.ping_role_id = ping_role_id
            if required is not None:
                row.required_fields = list(required)
            row.updated_at = now
            return _info(row)

    async def delete(self, guild_id: int, name: str) -> RotationInfo:
        async with self.db.write() as s:
            row = await self._by_name(s, guild_id, name)
            info = _info(row)
            await s.execute(delete(RotationMember).where(RotationMember.rotation_id == row.id))
            await s.execute(delete(RotationFeature).where(RotationFeature.rotation_id == row.id))
            # its claimed slots go too: a later rotation reusing the id starts clean
            await s.execute(
                delete(ScheduledSlot).where(
                    ScheduledSlot.kind.in_((SLOT_KIND, RUN_NOW_KIND)),
                    ScheduledSlot.ref == str(row.id),
                )
            )
            await s.delete(row)
            return info

    async def set_paused(self, guild_id: int, name: str, paused: bool) -> RotationInfo:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await self._by_name(s, guild_id, name)
            if row.paused == paused:
                state = "paused" if paused else "running"
                raise Conflict(f"**{row.name}** is already {state}.")
            row.paused = paused
            row.pause_reason = "paused by a moderator" if paused else None
            if not paused:
                # slots that fell while paused are neither posted late nor recorded as missed
                row.active_from = now
            row.updated_at = now
            return _info(row)

    async def pause_for_problem(self, rotation_id: int, reason: str) -> bool:
        """The channel is gone or the bot lost access: pause and tell the moderators once."""
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(Rotation, rotation_id)
            if row is None or row.paused:
                return False
            row.paused = True
            row.pause_reason = reason[:200]
            row.updated_at = now
            await self._notify_mods(s, row, now, reason)
            return True

    async def _notify_mods(
        self, s: AsyncSession, row: Rotation, now: datetime, reason: str
    ) -> None:
        settings = await s.get(GuildSettings, row.guild_id)
        text = (
            f"⏸️ The **{row.name}** shoutout rotation paused itself: {reason}. "
            "Nobody lost their place. Fix the channel (or pick another with "
            f"`/rotation edit name:{row.name} channel:`), then `/rotation resume name:{row.name}`."
        )
        payload = {"content": text}
        key = f"shoutout-notice:{row.id}:{now.isoformat()}"
        if settings is not None and settings.log_channel_id:
            await add_message(
                s,
                kind=CHANNEL,
                target_id=settings.log_channel_id,
                payload=payload,
                now=now,
                purpose=NOTICE_PURPOSE,
                guild_id=row.guild_id,
                dedupe_key=key,
            )
        else:
            await add_message(
                s,
                kind=DM,
                target_id=row.created_by,
                payload=payload,
                now=now,
                purpose=NOTICE_PURPOSE,
                guild_id=row.guild_id,
                dedupe_key=key,
            )

    async def queue(self, guild_id: int, name: str, limit: int = 10) -> list[QueueEntry]:
        """The next creators in order: the rest of this round, then the next round's shuffle."""
        async with self.db.read() as s:
            row = await self._by_name(s, guild_id, name)
            out: list[QueueEntry] = []
            for round_filter in (
                RotationMember.round_no <= row.current_round,
                RotationMember.round_no > row.current_round,
            ):
                if len(out) >= limit:
                    break
                rows = await s.execute(
                    select(RotationMember.user_id, RotationMember.round_no)
                    .where(
                        RotationMember.rotation_id == row.id,
                        RotationMember.active == true(),
                        round_filter,
                    )
                    .order_by(RotationMember.round_no, RotationMember.position, RotationMember.id)
                    .limit(limit - len(out))
                )
                out += [QueueEntry(int(u), int(r)) for u, r in rows]
            return out

    async def skip(self, guild_id: int, name: str) -> SkipResult:
        """The creator at the head goes to the end of the current round."""
        async with self.db.write() as s:
            row = await self._by_name(s, guild_id, name)
            await self._advance_round_if_done(s, row)
            head = await self._head(s, row, None)
            if head is None:
                raise DomainError(f"Nobody is waiting in **{row.name}** right now.")
            last = await s.scalar(
                select(func.max(RotationMember.position)).where(
                    RotationMember.rotation_id == row.id,
                    RotationMember.active == true(),
                    RotationMember.round_no == row.current_round,
                )
            )
            moved = last is not None and last != head.position
            if moved:
                head.position = int(last or 0) + 1
            return SkipResult(head.user_id, moved)

    async def history(self, guild_id: int, name: str, limit: int = 15) -> list[Feature]:
        async with self.db.read() as s:
            row = await self._by_name(s, guild_id, name)
            rows = await s.scalars(
                select(RotationFeature)
                .where(RotationFeature.rotation_id == row.id)
                .order_by(RotationFeature.slot_at.desc(), RotationFeature.id.desc())
                .limit(limit)
            )
            return [_feature(r) for r in rows]

    # ------------------------------------------------------------------ members

    async def _profile(self, s: AsyncSession, guild_id: int, user_id: int) -> CreatorProfile | None:
        return await s.scalar(
            select(CreatorProfile).where(
                CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
            )
        )

    async def _append_position(self, s: AsyncSession, rotation: Rotation) -> int:
        last = await s.scalar(
            select(func.max(RotationMember.position)).where(
                RotationMember.rotation_id == rotation.id,
                RotationMember.active == true(),
                RotationMember.round_no == rotation.current_round,
            )
        )
        return int(last) + 1 if last is not None else self.rng.randrange(POSITION_SPACE)

    async def _enrol(
        self, s: AsyncSession, rotation: Rotation, user_id: int, *, force: bool
    ) -> tuple[RotationMember | None, bool]:
        """Put a creator in a rotation. (row, newly active). ``force`` overrides an opt-out."""
        now = self.clock.now()
        member = await s.scalar(
            select(RotationMember).where(
                RotationMember.rotation_id == rotation.id, RotationMember.user_id == user_id
            )
        )
        if member is not None and member.active:
            return member, False
        if member is not None and member.inactive_reason in ("opted_out", "removed") and not force:
            return None, False
        if member is None:
            member = RotationMember(
                rotation_id=rotation.id,
                guild_id=rotation.guild_id,
                user_id=user_id,
                active=True,
                round_no=rotation.current_round,
                position=await self._append_position(s, rotation),
                times_featured=0,
                joined_at=now,
            )
            s.add(member)
        else:
            if member.round_no < rotation.current_round:
                # back after a break: later in this round, nobody else's place changes
                member.position = await self._append_position(s, rotation)
                member.round_no = rotation.current_round
            member.active = True
            member.inactive_reason = None
            member.joined_at = now
        await s.flush()
        return member, True

    async def _check_profile(
        self, s: AsyncSession, rotation: Rotation, user_id: int, *, you: bool
    ) -> None:
        profile = await self._profile(s, rotation.guild_id, user_id)
        if profile is None or not profile.tiktok_handle:
            if you:
                raise DomainError(NO_HANDLE)
            raise DomainError(
                "They need a creator profile with a TikTok handle first (`/profile set "
                "handle:@theirhandle`)."
            )
        missing = missing_fields(profile, rotation.required_fields or [])
        if missing:
            who = "your" if you else "their"
            raise DomainError(
                f"**{rotation.name}** needs {who} profile to have: {', '.join(missing)}. "
                "Add it with `/profile set`, then try again."
            )

    async def join(self, guild_id: int, user_id: int, name: str | None = None) -> Membership:
        async with self.db.write() as s:
            rotation = await self._default(s, guild_id, name)
            if rotation is None:
                raise NotFound(
                    "There's no shoutout rotation in this server yet. Ask a moderator to set one "
                    "up with `/rotation create`!"
                )
            await self._check_profile(s, rotation, user_id, you=True)
            member, fresh = await self._enrol(s, rotation, user_id, force=True)
            assert member is not None
            if not fresh:
                raise Conflict(
                    f"You're already in **{rotation.name}**! Check your place with "
                    "`/shoutout status`."
                )
            return await self._membership(s, rotation, member)

    async def add_member(self, guild_id: int, name: str, user_id: int) -> Membership:
        async with self.db.write() as s:
            rotation = await self._by_name(s, guild_id, name)
            await self._check_profile(s, rotation, user_id, you=False)
            member, fresh = await self._enrol(s, rotation, user_id, force=True)
            assert member is not None
            if not fresh:
                raise Conflict(f"They're already in **{rotation.name}**.")
            return await self._membership(s, rotation, member)

    async def leave(self, guild_id: int, user_id: int, name: str | None = None) -> list[str]:
        """Opt out of one rotation (or all of them); returns the rotation names left."""
        return await self._deactivate(guild_id, user_id, name, "opted_out")

    async def remove_member(self, guild_id: int, name: str, user_id: int) -> None:
        left = await self._deactivate(guild_id, user_id, name, "removed")
        if not left:
            raise NotFound("They aren't in that rotation.")

    async def member_left_guild(self, guild_id: int, user_id: int) -> list[str]:
        return await self._deactivate(guild_id, user_id, None, "left")

    async def _deactivate(
        self, guild_id: int, user_id: int, name: str | None, reason: str
    ) -> list[str]:
        async with self.db.write() as s:
            stmt = (
                select(RotationMember, Rotation.name)
                .join(Rotation, Rotation.id == RotationMember.rotation_id)
                .where(
                    RotationMember.guild_id == guild_id,
                    RotationMember.user_id == user_id,
                    RotationMember.active == true(),
                )
            )
            if name:
                rotation = await self._by_name(s, guild_id, name)
                stmt = stmt.where(RotationMember.rotation_id == rotation.id)
            left = []
            for member, rot_name in (await s.execute(stmt)).all():
                member.active = False
                member.inactive_reason = reason
                left.append(rot_name)
            return left

    async def reactivate_excluded(
        self, guild_id: int, user_id: int, check: MemberCheck = _no_check
    ) -> list[str]:
        """A member lost the role that excluded them: back in, without losing their place
        (unless ``check`` says they are still excluded, e.g. by another role)."""
        async with self.db.write() as s:
            rows = (
                await s.execute(
                    select(RotationMember, Rotation)
                    .join(Rotation, Rotation.id == RotationMember.rotation_id)
                    .where(
                        RotationMember.guild_id == guild_id,
                        RotationMember.user_id == user_id,
                        RotationMember.active == false(),
                        RotationMember.inactive_reason == "excluded",
                    )
                )
            ).all()
            back = []
            for _member, rotation in rows:
                if check(_info(rotation), user_id) is not None:
                    continue
                await self._enrol(s, rotation, user_id, force=True)
                back.append(rotation.name)
            return back

    async def _membership(
        self, s: AsyncSession, rotation: Rotation, member: RotationMember
    ) -> Membership:
        place: int | None = None
        if member.active:
            ahead = await s.scalar(
                select(func.count()).where(
                    RotationMember.rotation_id == rotation.id,
                    RotationMember.active == true(),
                    or_(
                        RotationMember.round_no < member.round_no,
                        and_(
                            RotationMember.round_no == member.round_no,
                            or_(
                                RotationMember.position < member.position,
                                and_(
                                    RotationMember.position == member.position,
                                    RotationMember.id < member.id,
                                ),
                            ),
                        ),
                    ),
                )
            )
            place = int(ahead or 0) + 1
        return Membership(
            rotation_id=rotation.id,
            rotation_name=rotation.name,
            user_id=member.user_id,
            active=member.active,
            inactive_reason=member.inactive_reason,
            round_no=member.round_no,
            current_round=rotation.current_round,
            place=place,
            times_featured=member.times_featured,
            last_featured_at=member.last_featured_at,
        )

    async def status(self, guild_id: int, user_id: int) -> tuple[list[Membership], Pitch | None]:
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(RotationMember, Rotation)
                    .join(Rotation, Rotation.id == RotationMember.rotation_id)
                    .where(RotationMember.guild_id == guild_id, RotationMember.user_id == user_id)
                    .order_by(Rotation.id)
                )
            ).all()
            out = [await self._membership(s, rotation, member) for member, rotation in rows]
            pitch = await self._next_pitch(s, guild_id, user_id)
            return out, _pitch(pitch) if pitch else None

    # ------------------------------------------------------------------ pitches

    async def nominate(
        self,
        guild_id: int,
        user_id: int,
        *,
        url: str | None,
        blurb: str,
        nominated_by: int | None,
    ) -> Nomination:
        """Record a pitch for a creator and put them in the guild's first rotation.

        Other features (collab follow-ups, check-ins) call this. A creator without a TikTok
        handle can't be featured: DomainError. Someone who opted out of the rotation is not
        put back (the pitch is kept for when they rejoin).
        """
        clean_url = validate_tiktok_url(url) if url else None
        clean_blurb = validate_blurb(blurb)
        now = self.clock.now()
        async with self.db.write() as s:
            profile = await self._profile(s, guild_id, user_id)
            if profile is None or not profile.tiktok_handle:
                if nominated_by is None or nominated_by == user_id:
                    raise DomainError(NO_HANDLE)
                raise DomainError(
                    "That creator has no TikTok handle on their profile yet, so they can't be "
                    "featured. Ask them to run `/profile set handle:@theirhandle`."
                )
            pitch = ShoutoutPitch(
                guild_id=guild_id,
                user_id=user_id,
                url=clean_url,
                blurb=clean_blurb,
                nominated_by=nominated_by,
                created_at=now,
            )
            s.add(pitch)
            rotation = await self._default(s, guild_id, None)
            member: RotationMember | None = None
            fresh = False
            if rotation is not None:
                member, fresh = await self._enrol(s, rotation, user_id, force=False)
            await s.flush()
            return Nomination(
                pitch_id=pitch.id,
                guild_id=guild_id,
                user_id=user_id,
                url=clean_url,
                blurb=clean_blurb,
                nominated_by=nominated_by,
                rotation_id=rotation.id if rotation and member else None,
                rotation_name=rotation.name if rotation and member else None,
                newly_joined=fresh,
            )

    async def pitch(
        self, guild_id: int, user_id: int, *, url: str | None, blurb: str
    ) -> Nomination:
        return await self.nominate(guild_id, user_id, url=url, blurb=blurb, nominated_by=user_id)

    async def _next_pitch(
        self, s: AsyncSession, guild_id: int, user_id: int
    ) -> ShoutoutPitch | None:
        return await s.scalar(
            select(ShoutoutPitch)
            .where(
                ShoutoutPitch.guild_id == guild_id,
                ShoutoutPitch.user_id == user_id,
                ShoutoutPitch.used_at.is_(None),
            )
            .order_by(ShoutoutPitch.created_at.desc(), ShoutoutPitch.id.desc())
            .limit(1)
        )

    # ------------------------------------------------------------------ picking

    async def _head(
        self, s: AsyncSession, rotation: Rotation, recent_cutoff: datetime | None
    ) -> RotationMember | None:
        stmt = (
            select(RotationMember)
            .where(
                RotationMember.rotation_id == rotation.id,
                RotationMember.active == true(),
                RotationMember.round_no == rotation.current_round,
            )
            .order_by(RotationMember.position, RotationMember.id)
            .limit(1)
        )
        if recent_cutoff is not None:
            stmt = stmt.where(
                or_(
                    RotationMember.last_featured_at.is_(None),
                    RotationMember.last_featured_at <= recent_cutoff,
                )
            )
        return await s.scalar(stmt)

    async def _advance_round_if_done(self, s: AsyncSession, rotation: Rotation) -> None:
        """Nobody active left in the current round: move to the next round that has someone."""
        remaining = await s.scalar(
            select(RotationMember.id)
            .where(
                RotationMember.rotation_id == rotation.id,
                RotationMember.active == true(),
                RotationMember.round_no == rotation.current_round,
            )
            .limit(1)
        )
        if remaining is not None:
            return
        nxt = await s.scalar(
            select(func.min(RotationMember.round_no)).where(
                RotationMember.rotation_id == rotation.id,
                RotationMember.active == true(),
                RotationMember.round_no > rotation.current_round,
            )
        )
        if nxt is not None:
            rotation.current_round = int(nxt)

    async def pick_next(
        self, s: AsyncSession, rotation: Rotation, check: MemberCheck
    ) -> tuple[RotationMember, CreatorProfile] | str:
        """The next creator to feature, or why nobody can be. Ineligible creators met on the
        way are taken out of the queue (with the reason) without moving anyone else."""
        info = _info(rotation)
        cutoff = (
            self.clock.now() - timedelta(days=rotation.min_days_between)
            if rotation.min_days_between
            else None
        )
        for _ in range(MAX_SKIPS_PER_PICK):
            await self._advance_round_if_done(s, rotation)
            head = await self._head(s, rotation, cutoff)
            if head is None:
                if cutoff is not None and await self._head(s, rotation, None) is not None:
                    return (
                        f"everyone left in this round was featured less than "
                        f"{rotation.min_days_between} days ago"
                    )
                return "nobody has joined this rotation yet"
            reason = check(info, head.user_id)
            profile = await self._profile(s, rotation.guild_id, head.user_id)
            if reason is None and (profile is None or not profile.tiktok_handle):
                reason = "profile"
            if (
                reason is None
                and profile is not None
                and missing_fields(profile, rotation.required_fields or [])
            ):
                reason = "profile"
            if reason is None and profile is not None:
                return head, profile
            head.active = False
            head.inactive_reason = reason
            await s.flush()
        return "too many creators in a row could not be featured"

    async def _feature_slot(
        self, rotation_id: int, kind: str, slot_at: datetime, check: MemberCheck
    ) -> SlotOutcome:
        """One transaction: pick, move the creator to the next round, use their pitch, queue
        the post, write the feature row. Re-running it for the same slot returns what was done."""
        key = slot_key(kind, slot_at)
        now = self.clock.now()
        async with self.db.write() as s:
            stmt = select(Rotation).where(Rotation.id == rotation_id)
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update()
            rotation = await s.scalar(stmt)
            if rotation is None:
                return SlotOutcome(rotation_id, slot_at, "empty")
            done = await s.scalar(
                select(RotationFeature).where(
                    RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key
                )
            )
            if done is not None:
                return SlotOutcome(rotation_id, slot_at, done.status, _feature(done))
            if rotation.paused:
                return SlotOutcome(rotation_id, slot_at, "paused")
            picked = await self.pick_next(s, rotation, check)
            row = RotationFeature(
                rotation_id=rotation.id,
                guild_id=rotation.guild_id,
                slot_key=key,
                slot_at=slot_at,
                created_at=now,
            )
            if isinstance(picked, str):
                row.status, row.detail = "empty", picked[:200]
                s.add(row)
                await s.flush()
                return SlotOutcome(rotation_id, slot_at, "empty", _feature(row))
            member, profile = picked
            pitch = await self._next_pitch(s, rotation.guild_id, member.user_id)
            latest_blurb = None
            if pitch is None:
                latest_blurb = await s.scalar(
                    select(ShoutoutPitch.blurb)
                    .where(
                        ShoutoutPitch.guild_id == rotation.guild_id,
                        ShoutoutPitch.user_id == member.user_id,
                    )
                    .order_by(ShoutoutPitch.created_at.desc(), ShoutoutPitch.id.desc())
                    .limit(1)
                )
            row.status = "featured"
            row.user_id = member.user_id
            row.round_no = rotation.current_round
            row.prev_round_no = member.round_no
            row.prev_position = member.position
            row.prev_last_featured_at = member.last_featured_at
            row.pitch_id = pitch.id if pitch else None
            row.url = pitch.url if pitch else None
            row.blurb = pitch.blurb if pitch else (latest_blurb or profile.intro)
            if pitch is not None:
                pitch.used_at = now
            member.round_no = rotation.current_round + 1
            member.position = self.rng.randrange(POSITION_SPACE)
            member.times_featured += 1
            member.last_featured_at = now
            s.add(row)
            await add_message(
                s,
                kind=CHANNEL,
                target_id=rotation.channel_id,
                payload={
                    "rotation_id": rotation.id,
                    "rotation": rotation.name,
                    "slot_key": key,
                    "user_id": member.user_id,
                    "handle": profile.tiktok_handle,
                    "niches": list(profile.niches or []),
                    "url": row.url,
                    "blurb": row.blurb,
                    "line": voice_line(f"{rotation.id}:{key}"),
                    "round": rotation.current_round,
                    "ping_user": rotation.ping_featured,
                    "ping_role_id": rotation.ping_role_id,
                },
                now=now,
                purpose=FEATURE_PURPOSE,
                guild_id=rotation.guild_id,
                dedupe_key=f"shoutout:{rotation.id}:{key}",
            )
            await s.flush()
            return SlotOutcome(rotation_id, slot_at, "featured", _feature(row))

    async def run_slot(
        self,
        rotation_id: int,
        slot_at: datetime,
        check: MemberCheck = _no_check,
        *,
        kind: str = SLOT_KIND,
        reclaim: bool = False,
    ) -> SlotOutcome:
        """Claim the slot, then feature: a slot somebody already claimed is "taken"."""
        holder: list[SlotOutcome] = []

        async def deliver() -> str | None:
            outcome = await self._feature_slot(rotation_id, kind, slot_at, check)
            holder.append(outcome)
            return outcome.status

        async with self._lock(rotation_id):
            result = await self.slots.run(kind, str(rotation_id), slot_at, deliver, reclaim=reclaim)
        if holder:
            return holder[0]
        return SlotOutcome(rotation_id, slot_at, result)

    async def run_now(
        self, guild_id: int, name: str, check: MemberCheck = _no_check
    ) -> SlotOutcome:
        rotation = await self.get(guild_id, name)
        if rotation.paused:
            raise Conflict(
                f"**{rotation.name}** is paused. Resume it with `/rotation resume` first."
            )
        return await self.run_slot(rotation.id, self.clock.now(), check, kind=RUN_NOW_KIND)

    # ------------------------------------------------------------------ the clock's side

    async def _record_missed(self, rotation: RotationInfo, kind: str, slot_at: datetime) -> None:
        await self.slots.record_missed(kind, str(rotation.id), slot_at, "bot was offline")
        now = self.clock.now()
        async with self.db.write() as s:
            exists = await s.scalar(
                select(RotationFeature.id).where(
                    RotationFeature.rotation_id == rotation.id,
                    RotationFeature.slot_key == slot_key(kind, slot_at),
                )
            )
            if exists is None:
                s.add(
                    RotationFeature(
                        rotation_id=rotation.id,
                        guild_id=rotation.guild_id,
                        slot_key=slot_key(kind, slot_at),
                        slot_at=slot_at,
                        status="missed",
                        detail="the bot was offline past the grace window",
                        created_at=now,
                    )
                )

    async def _has_feature(self, rotation_id: int, key: str) -> bool:
        async with self.db.read() as s:
            return (
                await s.scalar(
                    select(RotationFeature.id).where(
                        RotationFeature.rotation_id == rotation_id,
                        RotationFeature.slot_key == key,
                    )
                )
                is not None
            )

    async def due(
        self,
        now: datetime,
        *,
        check: MemberCheck = _no_check,
        grace: timedelta = DEFAULT_GRACE,
        guild_filter: Callable[[int], bool] | None = None,
        rotation_id: int | None = None,
    ) -> list[SlotOutcome]:
        """Everything the clock says is due at ``now``: claims a crash left unfinished (older
        than RECOVER_AFTER, so another live process's claim is never taken over), slots
        that fell while the bot was down (posted within ``grace``, else recorded missed), and
        the slot that is due right now."""
        rotations = {
            r.id: r
            for r in await self.list_rotations()
            if (guild_filter is None or guild_filter(r.guild_id))
            and (rotation_id is None or r.id == rotation_id)
        }
        outcomes: list[SlotOutcome] = []
        for kind in (SLOT_KIND, RUN_NOW_KIND):
            for claim in await self.slots.unfinished(kind, older_than=RECOVER_AFTER):
                rotation = rotations.get(int(claim.ref))
                if rotation is None:
                    continue
                key = slot_key(kind, claim.slot_at)
                if await self._has_feature(rotation.id, key):
                    # picked and queued before the crash: the outbox posts it (once)
                    await self.slots.finish(kind, claim.ref, claim.slot_at, DONE, "recovered")
                    outcomes.append(SlotOutcome(rotation.id, claim.slot_at, "recovered"))
                elif now - claim.slot_at <= grace and not rotation.paused:
                    outcomes.append(
                        await self.run_slot(
                            rotation.id, claim.slot_at, check, kind=kind, reclaim=True
                        )
                    )
                else:
                    await self.slots.finish(kind, claim.ref, claim.slot_at, MISSED, "interrupted")
                    await self._record_missed(rotation, kind, claim.slot_at)
                    outcomes.append(SlotOutcome(rotation.id, claim.slot_at, "missed"))
        for rotation in rotations.values():
            if rotation.paused:
                continue
            start = max(rotation.active_from, now - MAX_CATCH_UP_WINDOW)
            last = await self.slots.last_slot(SLOT_KIND, str(rotation.id))
            if last is not None:
                start = max(start, last)
            slots = fire_times_between(rotation.parsed().trigger, start, now)
            late, missed = split_catch_up(slots, now, grace)
            for slot_at in missed:
                await self._record_missed(rotation, SLOT_KIND, slot_at)
                outcomes.append(SlotOutcome(rotation.id, slot_at, "missed"))
            for slot_at in late:
                outcome = await self.run_slot(rotation.id, slot_at, check)
                outcomes.append(outcome)
                if outcome.status == "paused":
                    break
        return outcomes

    async def next_wake(self, rotation_id: int, now: datetime) -> datetime | None:
        rotation = await self.get_by_id(rotation_id)
        if rotation is None or rotation.paused:
            return None
        times = next_fire_times(rotation.parsed().trigger, max(now, rotation.active_from), 1)
        return times[0] if times else None

    # ------------------------------------------------------------------ delivery results

    async def post_failed(self, rotation_id: int, key: str, reason: str) -> bool:
        """The post could not be made (channel gone, access lost): give the creator their place
        back, restore their pitch, pause the rotation and tell the moderators."""
        now = self.clock.now()
        async with self.db.write() as s:
            rotation = await s.get(Rotation, rotation_id)
            row = await s.scalar(
                select(RotationFeature).where(
                    RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key
                )
            )
            if rotation is None or row is None or row.status != "featured":
                return False
            row.status = "failed"
            row.detail = reason[:200]
            if row.user_id is not None and row.prev_round_no is not None:
                member = await s.scalar(
                    select(RotationMember).where(
                        RotationMember.rotation_id == rotation_id,
                        RotationMember.user_id == row.user_id,
                    )
                )
                if member is not None:
                    member.round_no = row.prev_round_no
                    member.position = row.prev_position or 0
                    member.last_featured_at = row.prev_last_featured_at
                    member.times_featured = max(0, member.times_featured - 1)
                if (row.round_no or 0) < rotation.current_round:
                    rotation.current_round = row.round_no or rotation.current_round
            if row.pitch_id is not None:
                await s.execute(
                    update(ShoutoutPitch)
                    .where(ShoutoutPitch.id == row.pitch_id)
                    .values(used_at=None)
                )
            if not rotation.paused:
                rotation.paused = True
                rotation.pause_reason = reason[:200]
                rotation.updated_at = now
                await self._notify_mods(s, rotation, now, reason)
            return True

    async def posted(self, rotation_id: int, key: str, message_id: int) -> None:
        async with self.db.write() as s:
            await s.execute(
                update(RotationFeature)
                .where(RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key)
                .values(message_id=message_id)
            )

    async def slot_statuses(self, rotation_id: int) -> list[tuple[datetime, str]]:
        """(slot time, status) of every claimed slot of a rotation, for tests and /history."""
        async with self.db.read() as s:
            rows = await s.execute(
                select(ScheduledSlot.slot_at, ScheduledSlot.status)
                .where(
                    ScheduledSlot.kind.in_((SLOT_KIND, RUN_NOW_KIND)),
                    ScheduledSlot.ref == str(rotation_id),
                )
                .order_by(ScheduledSlot.slot_at)
            )
            return [(as_utc(t), st) for t, st in rows]


def _check_min_days(value: int) -> None:
    if not 0 <= value <= MAX_MIN_DAYS:
        raise DomainError(f"Minimum days between features must be 0–{MAX_MIN_DAYS}.")


def _pitch(row: ShoutoutPitch) -> Pitch:
    return Pitch(row.id, row.user_id, row.url, row.blurb, row.nominated_by, row.created_at)


__all__ = [
    "CLAIMED",
    "DEFAULT_GRACE",
    "FEATURE_PURPOSE",
    "NOTICE_PURPOSE",
    "Feature",
    "MemberCheck",
    "Membership",
    "Nomination",
    "QueueEntry",
    "RotationInfo",
    "RotationService",
    "SlotOutcome",
    "validate_tiktok_url",
]
