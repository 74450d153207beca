"""Shoutouts: each rotation's slots in one week (featured, missed, nobody to feature, failed)
and the creators who have waited longest for their spotlight."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.shoutouts import Rotation, RotationFeature, RotationMember
from services.pulse.names import names_of
from services.pulse.values import RotationWeek, Shoutouts, Waiting, Week

WAITING_SHOWN = 5


async def read_shoutouts(session: AsyncSession, guild_id: int, week: Week) -> Shoutouts:
    rotations = (
        await session.execute(
            select(Rotation.id, Rotation.name, Rotation.paused)
            .where(Rotation.guild_id == guild_id)
            .order_by(Rotation.name)
        )
    ).all()
    if not rotations:
        return Shoutouts((), ())
    ids = [int(r.id) for r in rotations]
    slots = await session.execute(
        select(RotationFeature.rotation_id, RotationFeature.status, func.count())
        .where(
            RotationFeature.rotation_id.in_(ids),
            RotationFeature.slot_at >= week.starts_at,
            RotationFeature.slot_at < week.ends_at,
        )
        .group_by(RotationFeature.rotation_id, RotationFeature.status)
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for rotation_id, status, n in slots.all():
        counts[int(rotation_id)][str(status)] = int(n)
    queues = await session.execute(
        select(RotationMember.rotation_id, func.count())
        .where(RotationMember.rotation_id.in_(ids), RotationMember.active.is_(True))
        .group_by(RotationMember.rotation_id)
    )
    queue = {int(rid): int(n) for rid, n in queues.all()}
    since = func.coalesce(RotationMember.last_featured_at, RotationMember.joined_at)
    longest = (
        await session.execute(
            select(
                RotationMember.user_id,
                Rotation.name,
                since,
                RotationMember.times_featured,
            )
            .join(Rotation, Rotation.id == RotationMember.rotation_id)
            .where(
                Rotation.guild_id == guild_id,
                Rotation.paused.is_(False),
                RotationMember.active.is_(True),
            )
            .order_by(since, RotationMember.user_id)
            .limit(WAITING_SHOWN)
        )
    ).all()
    names = await names_of(session, guild_id, (int(r[0]) for r in longest))
    return Shoutouts(
        rotations=tuple(
            RotationWeek(
                rotation_id=int(r.id),
                name=str(r.name),
                featured=counts[int(r.id)].get("featured", 0),
                missed=counts[int(r.id)].get("missed", 0),
                empty=counts[int(r.id)].get("empty", 0),
                failed=counts[int(r.id)].get("failed", 0),
                queue=queue.get(int(r.id), 0),
                paused=bool(r.paused),
            )
            for r in rotations
        ),
        waiting=tuple(
            Waiting(int(uid), names[int(uid)], str(name), at, int(times))
            for uid, name, at, times in longest
        ),
    )
