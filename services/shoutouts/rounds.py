"""Fairness by rounds: who is next in a rotation, where a newcomer goes, who is skipped, each
inside the caller's transaction."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.i18n import _, ngettext
from models.profile import CreatorProfile
from models.shoutouts import Rotation, RotationFeature, RotationMember
from services.shoutouts.inputs import NO_HANDLE, missing_fields
from services.shoutouts.results import (
    MemberCheck,
    Membership,
    QueueEntry,
    SkipResult,
    rotation_info,
)
from services.shoutouts.store import by_name, profile_of

# Every member of a rotation has a ``round_no`` (the round in which they are next due) and a
# ``position`` (their place in it). When a creator enters a round they draw a random position:
# sorting by those keys is the round's shuffle, drawn once and stored. The head of the queue is
# therefore one index seek on (rotation_id, active, round_no, position), whatever the size of
# the rotation. A creator featured in round R moves to round R+1; the rotation moves on to the
# next round once nobody active is left in the current one. Joining mid-round appends the
# creator to the end of the current round.
POSITION_SPACE = 1 << 40
MAX_SKIPS_PER_PICK = 500


async def queue_head(
    s: AsyncSession, rotation: Rotation, recent_cutoff: datetime | None
) -> RotationMember | None:
    """The first active creator of the current round (featured no later than ``recent_cutoff``
    when given): the index seek the whole design rests on."""
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
    head: RotationMember | None = await s.scalar(stmt)
    return head


async def advance_round_if_done(s: AsyncSession, rotation: Rotation) -> None:
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


async def _last_position(s: AsyncSession, rotation: Rotation) -> int | None:
    """The position of the last active creator in the current round."""
    last = await s.scalar(
        select(func.max(RotationMember.position)).where(
            RotationMember.rotation_id == rotation.id,
            RotationMember.active == true(),
            RotationMember.round_no == rotation.current_round,
        )
    )
    return int(last) if last is not None else None


async def append_position(s: AsyncSession, rotation: Rotation, rng: random.Random) -> int:
    last = await _last_position(s, rotation)
    return last + 1 if last is not None else rng.randrange(POSITION_SPACE)


async def enrol(
    s: AsyncSession,
    rotation: Rotation,
    user_id: int,
    *,
    force: bool,
    now: datetime,
    rng: random.Random,
) -> tuple[RotationMember | None, bool]:
    """Put a creator in a rotation. (row, newly active). ``force`` overrides an opt-out."""
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
            position=await append_position(s, rotation, rng),
            times_featured=0,
            joined_at=now,
        )
        s.add(member)
    else:
        if member.round_no < rotation.current_round:
            # back after a break: later in this round, nobody else's place changes
            member.position = await append_position(s, rotation, rng)
            member.round_no = rotation.current_round
        member.active = True
        member.inactive_reason = None
        member.joined_at = now
    await s.flush()
    return member, True


async def check_profile(s: AsyncSession, rotation: Rotation, user_id: int, *, you: bool) -> None:
    """A creator can only be in a rotation with a TikTok handle and its required fields;
    ``you`` says whether the member asked for themselves (the wording differs)."""
    profile = await profile_of(s, rotation.guild_id, user_id)
    if profile is None or not profile.tiktok_handle:
        if you:
            raise DomainError(_(NO_HANDLE))
        raise DomainError(
            _(
                "They need a creator profile with a TikTok handle first (`/profile set "
                "handle:@theirhandle`)."
            )
        )
    missing = missing_fields(profile, rotation.required_fields or [])
    if missing:
        fields = ", ".join(missing)
        raise DomainError(
            _(
                "**{name}** needs your profile to have: {fields}. "
                "Add it with `/profile set`, then try again.",
                name=rotation.name,
                fields=fields,
            )
            if you
            else _(
                "**{name}** needs their profile to have: {fields}. "
                "Add it with `/profile set`, then try again.",
                name=rotation.name,
                fields=fields,
            )
        )


async def deactivate(
    s: AsyncSession, guild_id: int, user_id: int, name: str | None, reason: str
) -> list[str]:
    """Take a creator out of one rotation (or all of them) for ``reason``, keeping their round
    and position; returns the rotation names they left."""
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
        rotation = await by_name(s, guild_id, name)
        stmt = stmt.where(RotationMember.rotation_id == rotation.id)
    left = []
    for member, rot_name in (await s.execute(stmt)).all():
        member.active = False
        member.inactive_reason = reason
        left.append(rot_name)
    return left


async def membership(s: AsyncSession, rotation: Rotation, member: RotationMember) -> Membership:
    """A creator's standing, with their place counted across the whole queue."""
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


async def upcoming(s: AsyncSession, rotation: Rotation, limit: int) -> list[QueueEntry]:
    """The next creators in order: the rest of this round, then the next round's shuffle."""
    out: list[QueueEntry] = []
    for round_filter in (
        RotationMember.round_no <= rotation.current_round,
        RotationMember.round_no > rotation.current_round,
    ):
        if len(out) >= limit:
            break
        rows = await s.execute(
            select(RotationMember.user_id, RotationMember.round_no)
            .where(
                RotationMember.rotation_id == rotation.id,
                RotationMember.active == true(),
                round_filter,
            )
            .order_by(RotationMember.round_no, RotationMember.position, RotationMember.id)
            .limit(limit - len(out))
        )
        out += [QueueEntry(int(u), int(r)) for u, r in rows]
    return out


async def skip_head(s: AsyncSession, rotation: Rotation) -> SkipResult | None:
    """The creator at the head goes to the end of the current round (None: nobody waits)."""
    await advance_round_if_done(s, rotation)
    head = await queue_head(s, rotation, None)
    if head is None:
        return None
    last = await _last_position(s, rotation)
    moved = last is not None and last != head.position
    if moved:
        head.position = int(last or 0) + 1
    return SkipResult(head.user_id, moved)


async def pick_next(
    s: AsyncSession, rotation: Rotation, check: MemberCheck, now: datetime
) -> tuple[RotationMember, CreatorProfile] | str:
    """The next creator to feature, or why nobody can be. Ineligible creators met on the
    way are taken out of the queue (with the reason) without moving anyone else."""
    info = rotation_info(rotation)
    cutoff = now - timedelta(days=rotation.min_days_between) if rotation.min_days_between else None
    for _attempt in range(MAX_SKIPS_PER_PICK):
        await advance_round_if_done(s, rotation)
        head = await queue_head(s, rotation, cutoff)
        if head is None:
            if cutoff is not None and await queue_head(s, rotation, None) is not None:
                return ngettext(
                    "everyone left in this round was featured less than {n} day ago",
                    "everyone left in this round was featured less than {n} days ago",
                    rotation.min_days_between,
                )
            return _("nobody has joined this rotation yet")
        reason = check(info, head.user_id)
        profile = await profile_of(s, rotation.guild_id, head.user_id)
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
    return _("too many creators in a row could not be featured")


def move_featured(
    member: RotationMember, rotation: Rotation, rng: random.Random, now: datetime
) -> None:
    """Featured in this round: due again in the next one, at a freshly drawn place."""
    member.round_no = rotation.current_round + 1
    member.position = rng.randrange(POSITION_SPACE)
    member.times_featured += 1
    member.last_featured_at = now


def give_place_back(member: RotationMember, feature: RotationFeature) -> None:
    """Undo ``move_featured`` for a post that never went out, from what the feature row kept."""
    if feature.prev_round_no is not None:
        member.round_no = feature.prev_round_no
    member.position = feature.prev_position or 0
    member.last_featured_at = feature.prev_last_featured_at
    member.times_featured = max(0, member.times_featured - 1)
