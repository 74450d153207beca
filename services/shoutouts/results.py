"""What the shoutouts service hands back: plain frozen values (never ORM rows), so cogs and other
capabilities can't touch the database by accident."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from models.shoutouts import Rotation, RotationFeature, ShoutoutPitch
from services.schedules import Schedule, parse_schedule


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


# A member check: given the rotation and a user id, why they can't be featured right now
# ("left", "excluded") or None. Implemented by the cog from the guild cache; never slow.
MemberCheck = Callable[[RotationInfo, int], str | None]


def no_check(_rotation: RotationInfo, _user_id: int) -> str | None:
    return None


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
    content_warning: str | None = None


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
    rotation_id: int | None = None  # the rotation it is for (None: whichever features them)
    rotation_name: str | None = None
    content_warning: str | None = None  # shown as "CW: …"; the blurb hides behind a spoiler


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
    message_id: int | None = None  # the post, once Discord took it
    content_warning: str | None = None


@dataclass(frozen=True)
class SlotOutcome:
    rotation_id: int
    slot_at: datetime
    status: str  # featured | empty | paused | missed | failed
    feature: Feature | None = None


@dataclass(frozen=True)
class SkipResult:
    user_id: int
    moved: bool  # False when they were the last one left in the round


def rotation_info(row: Rotation) -> RotationInfo:
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


def feature_of(row: RotationFeature) -> Feature:
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
        message_id=row.message_id,
        content_warning=row.content_warning,
    )


def pitch_of(row: ShoutoutPitch, rotation_name: str | None = None) -> Pitch:
    return Pitch(
        row.id,
        row.user_id,
        row.url,
        row.blurb,
        row.nominated_by,
        row.created_at,
        rotation_id=row.rotation_id,
        rotation_name=rotation_name,
        content_warning=row.content_warning,
    )
