"""Shoutout rotations, service level: fairness by rounds, exactly-once slots, validation.

Runs on SQLite and PostgreSQL (the ``db`` fixture); time comes from a ManualClock.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from models.delivery import OutboxMessage
from models.profile import CreatorProfile
from models.shoutouts import ShoutoutPitch
from services.rotation import (
    FEATURE_PURPOSE,
    RotationInfo,
    RotationService,
)

G = 1_100_000_000_000_000_001
MOD = 2_000_000_000_000_000_001
CHANNEL = 3_000_000_000_000_000_001
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
CREATORS = [5_000 + i for i in range(7)]


async def add_profile(
    db: Database, user_id: int, handle: str | None = None, *, guild_id: int = G, **extra: object
) -> None:
    async with db.write() as s:
        s.add(
            CreatorProfile(
                guild_id=guild_id,
                user_id=user_id,
                tiktok_handle=handle if handle is not None else f"creator{user_id}",
                niches=list(extra.pop("niches", ["BookTok"])),  # type: ignore[call-overload]
                intro=extra.pop("intro", None),
                created_at=START,
                updated_at=START,
            )
        )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def svc(db: Database, clock: ManualClock) -> RotationService:
    return RotationService(db, clock, rng=random.Random(4))


async def make_rotation(
    svc: RotationService, schedule: str = "every 6h", **kw: object
) -> RotationInfo:
    return await svc.create(
        G,
        name="Spotlight",
        channel_id=CHANNEL,
        schedule=schedule,
        created_by=MOD,
        **kw,  # type: ignore[arg-type]
    )


async def fill(db: Database, svc: RotationService, users: list[int]) -> None:
    for uid in users:
        await add_profile(db, uid)
        await svc.join(G, uid)


async def step(
    svc: RotationService, clock: ManualClock, rot: RotationInfo, **kw: object
) -> list[int]:
    """Advance to the next slot and run what is due; the featured user ids."""
    nxt = await svc.next_wake(rot.id, clock.now())
    assert nxt is not None
    clock.set(nxt)
    outcomes = await svc.due(clock.now(), **kw)  # type: ignore[arg-type]
    return [
        o.feature.user_id
        for o in outcomes
        if o.status == "featured" and o.feature and o.feature.user_id
    ]


async def feature_posts(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        return list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.purpose == FEATURE_PURPOSE)
                .order_by(OutboxMessage.id)
            )
        )


# ------------------------------------------------------------------ nominate (other features)


async def test_nominate_records_pitch_and_joins_first_rotation(
    db: Database, svc: RotationService
) -> None:
    rot = await make_rotation(svc)
    await add_profile(db, 42)
    nom = await svc.nominate(
        G, 42, url="https://vm.tiktok.com/ZM123/", blurb="Our collab went great!", nominated_by=7
    )
    assert nom.rotation_id == rot.id and nom.newly_joined
    assert nom.url == "https://vm.tiktok.com/ZM123/"
    queue = await svc.queue(G, "spotlight")
    assert [q.user_id for q in queue] == [42]
    # nominated again: already in, a second pitch recorded, not joined twice
    again = await svc.nominate(G, 42, url=None, blurb="Check-in streak!", nominated_by=None)
    assert again.rotation_id == rot.id and not again.newly_joined
    memberships, pitch = await svc.status(G, 42)
    assert len(memberships) == 1 and pitch is not None and pitch.blurb == "Check-in streak!"


async def test_nominate_without_handle_is_a_clear_error(db: Database, svc: RotationService) -> None:
    await make_rotation(svc)
    with pytest.raises(DomainError, match="profile set"):
        await svc.nominate(G, 99, url=None, blurb="hi", nominated_by=None)
    await add_profile(db, 98, handle="")
    with pytest.raises(DomainError, match="TikTok handle"):
        await svc.nominate(G, 98, url=None, blurb="hi", nominated_by=7)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(ShoutoutPitch)) == 0


async def test_nominate_respects_an_opt_out(db: Database, svc: RotationService) -> None:
    await make_rotation(svc)
    await fill(db, svc, [42])
    assert await svc.leave(G, 42) == ["Spotlight"]
    nom = await svc.nominate(G, 42, url=None, blurb="great collab", nominated_by=7)
    assert nom.rotation_id is None and not nom.newly_joined
    assert await svc.queue(G, "Spotlight") == []


async def test_nominate_with_no_rotation_keeps_the_pitch(
    db: Database, svc: RotationService
) -> None:
    await add_profile(db, 42)
    nom = await svc.nominate(G, 42, url=None, blurb="great collab", nominated_by=7)
    assert nom.rotation_id is None and nom.pitch_id > 0
