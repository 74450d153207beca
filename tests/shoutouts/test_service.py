"""Shoutout rotations, service level: fairness by rounds, exactly-once slots, validation.

Runs on SQLite and PostgreSQL (the ``db`` fixture); time comes from a ManualClock.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.errors import DomainError
from core.leases import LeaseStore
from core.plans import Outcome
from core.scheduler import Scheduler
from core.slots import SlotStore
from models.delivery import OutboxMessage
from models.profile import CreatorProfile
from models.shoutouts import RotationMember, ShoutoutPitch
from services.shoutouts import (
    FEATURE_PURPOSE,
    RUN_NOW_KIND,
    SLOT_KIND,
    RotationInfo,
    ShoutoutService,
    validate_tiktok_url,
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
def svc(db: Database, clock: ManualClock) -> ShoutoutService:
    return ShoutoutService(db, clock, rng=random.Random(4))


class Process:
    """core's delivery machinery around a service's rotation plan, as one bot process runs
    it (its own lease); tests run passes themselves instead of waiting for wake-ups."""

    def __init__(self, db: Database, clock: ManualClock, svc: ShoutoutService) -> None:
        self.svc = svc
        self.slots = SlotStore(db, clock)
        self.leases = LeaseStore(db, clock)
        self.deliveries = Deliveries(
            self.slots,
            self.leases,
            Scheduler(),
            clock,
            owns=lambda _g: True,
            sweep_seconds=3600,
            heartbeat_seconds=3600,
        )
        self.deliveries.add(svc.plan)

    async def run(self) -> list[Outcome]:
        return await self.deliveries.run(SLOT_KIND)

    async def run_now(self, rotation_id: int) -> Outcome:
        return await self.deliveries.run_manual(SLOT_KIND, str(rotation_id), G)

    async def featured(self, outcomes: list[Outcome]) -> list[int]:
        """The creators the delivered slots featured, in slot order."""
        users = []
        for o in outcomes:
            if o.status != "done":
                continue
            occurrence = o.occurrence
            feature = await self.svc.features.feature_at(
                int(occurrence.ref), occurrence.kind, occurrence.at
            )
            if feature is not None and feature.status == "featured" and feature.user_id:
                users.append(feature.user_id)
        return users


class Port:
    """What the cog answers from the guild cache, as a test sets it."""

    def __init__(
        self, *, members: dict[int, str] | None = None, problem: str | None = None
    ) -> None:
        self.members = members or {}
        self.problem = problem

    def channel_problem(self, rotation: RotationInfo) -> str | None:
        return self.problem

    def member_check(self, rotation: RotationInfo, user_id: int) -> str | None:
        return self.members.get(user_id)


@pytest.fixture
def proc(db: Database, clock: ManualClock, svc: ShoutoutService) -> Process:
    return Process(db, clock, svc)


async def make_rotation(
    svc: ShoutoutService, schedule: str = "every 6h", **kw: object
) -> RotationInfo:
    return await svc.admin.create(
        G,
        name="Spotlight",
        channel_id=CHANNEL,
        schedule=schedule,
        created_by=MOD,
        **kw,  # type: ignore[arg-type]
    )


async def fill(db: Database, svc: ShoutoutService, users: list[int]) -> None:
    for uid in users:
        await add_profile(db, uid)
        await svc.members.join(G, uid)


async def next_wake(svc: ShoutoutService, now: datetime) -> datetime | None:
    return await svc.plan.next_at(now, lambda _g: True)


async def step(proc: Process, clock: ManualClock) -> list[int]:
    """Advance to the next slot and run what is due; the featured user ids."""
    nxt = await next_wake(proc.svc, clock.now())
    assert nxt is not None
    clock.set(nxt)
    return await proc.featured(await proc.run())


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
    db: Database, svc: ShoutoutService
) -> None:
    rot = await make_rotation(svc)
    await add_profile(db, 42)
    nom = await svc.nominate(
        G, 42, url="https://vm.tiktok.com/ZM123/", blurb="Our collab went great!", nominated_by=7
    )
    assert nom.rotation_id == rot.id and nom.newly_joined
    assert nom.url == "https://vm.tiktok.com/ZM123/"
    queue = await svc.admin.queue(G, "spotlight")
    assert [q.user_id for q in queue] == [42]
    # nominated again: already in, a second pitch recorded, not joined twice
    again = await svc.nominate(G, 42, url=None, blurb="Check-in streak!", nominated_by=None)
    assert again.rotation_id == rot.id and not again.newly_joined
    memberships, pitch = await svc.members.status(G, 42)
    assert len(memberships) == 1 and pitch is not None and pitch.blurb == "Check-in streak!"


async def test_nominate_without_handle_is_a_clear_error(db: Database, svc: ShoutoutService) -> None:
    await make_rotation(svc)
    with pytest.raises(DomainError, match="profile set"):
        await svc.nominate(G, 99, url=None, blurb="hi", nominated_by=None)
    await add_profile(db, 98, handle="")
    with pytest.raises(DomainError, match="TikTok handle"):
        await svc.nominate(G, 98, url=None, blurb="hi", nominated_by=7)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(ShoutoutPitch)) == 0


async def test_nominate_respects_an_opt_out(db: Database, svc: ShoutoutService) -> None:
    await make_rotation(svc)
    await fill(db, svc, [42])
    assert await svc.members.leave(G, 42) == ["Spotlight"]
    nom = await svc.nominate(G, 42, url=None, blurb="great collab", nominated_by=7)
    assert nom.rotation_id is None and not nom.newly_joined
    assert await svc.admin.queue(G, "Spotlight") == []


async def test_nominate_with_no_rotation_keeps_the_pitch(
    db: Database, svc: ShoutoutService, proc: Process
) -> None:
    await add_profile(db, 42)
    nom = await svc.nominate(G, 42, url=None, blurb="great collab", nominated_by=7)
    assert nom.rotation_id is None and nom.pitch_id > 0


# ------------------------------------------------------------------ fairness by rounds


async def run_slots(proc: Process, clock: ManualClock, n: int) -> list[int]:
    featured: list[int] = []
    for _ in range(n):
        featured += await step(proc, clock)
    return featured


async def test_three_rounds_over_seven_creators(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    featured = await run_slots(proc, clock, 21)
    assert len(featured) == 21
    rounds = [featured[i : i + 7] for i in range(0, 21, 7)]
    for r in rounds:
        assert sorted(r) == sorted(CREATORS), "each creator exactly once per round"
    # the round's order is a stored shuffle drawn per round, not the join order every time
    assert len({tuple(r) for r in rounds}) > 1
    history = await svc.admin.history(G, "Spotlight", limit=50)
    by_round: dict[int, list[int]] = {}
    for f in history:
        assert f.status == "featured" and f.round_no is not None and f.user_id is not None
        by_round.setdefault(f.round_no, []).append(f.user_id)
    assert sorted(by_round) == [1, 2, 3]
    assert all(sorted(v) == sorted(CREATORS) for v in by_round.values())
    # one post per slot, pinging data for exactly the featured creator
    posts = await feature_posts(db)
    assert [p.payload["user_id"] for p in posts] == featured


async def test_the_queue_shows_what_will_happen(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    queue = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    assert sorted(queue) == sorted(CREATORS)
    assert await run_slots(proc, clock, 7) == queue
    # next round already drawn: the queue (10) is round 2's shuffle
    assert sorted(q.user_id for q in await svc.admin.queue(G, "Spotlight")) == sorted(CREATORS)


async def test_join_mid_round_is_featured_later_in_that_round(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    first = await run_slots(proc, clock, 3)
    newcomer = 6_000
    await fill(db, svc, [newcomer])
    membership, _ = await svc.members.status(G, newcomer)
    assert membership[0].place == 5  # four still waiting in this round, then the newcomer
    rest = await run_slots(proc, clock, 5)
    assert rest[-1] == newcomer, "later in the same round, behind those already waiting"
    assert sorted(first + rest) == sorted([*CREATORS, newcomer])
    second_round = await run_slots(proc, clock, 8)
    assert sorted(second_round) == sorted([*CREATORS, newcomer])


async def test_leavers_are_skipped_without_moving_anyone(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    opted_out, left_server, excluded = order[1], order[3], order[5]
    await svc.members.leave(G, opted_out)

    svc.plan.port = Port(members={left_server: "left", excluded: "excluded"})
    featured = await run_slots(proc, clock, 4)
    assert featured == [u for u in order if u not in (opted_out, left_server, excluded)]
    async with db.read() as s:
        rows = await s.execute(select(RotationMember.user_id, RotationMember.inactive_reason))
        reasons: dict[int, str | None] = {int(u): r for u, r in rows}
    assert reasons[opted_out] == "opted_out"
    assert reasons[left_server] == "left" and reasons[excluded] == "excluded"
    # the excluded creator loses the role: back in, later in the current round
    svc.plan.port = Port(members={left_server: "left"})
    assert await svc.members.reactivate_excluded(G, excluded) == ["Spotlight"]
    nxt = await run_slots(proc, clock, 1)
    assert nxt == [excluded]


async def test_leaving_and_rejoining_does_not_earn_a_second_feature(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS[:3])
    first = (await run_slots(proc, clock, 1))[0]
    await svc.members.leave(G, first)
    await svc.members.join(G, first)
    rest = await run_slots(proc, clock, 2)
    assert first not in rest and sorted([first, *rest]) == sorted(CREATORS[:3])


async def test_skip_moves_the_head_to_the_end_of_the_round(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    skipped = await svc.admin.skip(G, "Spotlight")
    assert skipped.user_id == order[0] and skipped.moved
    assert [q.user_id for q in await svc.admin.queue(G, "Spotlight")] == [*order[1:], order[0]]
    assert await run_slots(proc, clock, 7) == [*order[1:], order[0]]


async def test_pause_and_resume(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    assert len(await run_slots(proc, clock, 1)) == 1
    await svc.admin.set_paused(G, "Spotlight", True)
    with pytest.raises(DomainError, match="already paused"):
        await svc.admin.set_paused(G, "Spotlight", True)
    assert await next_wake(svc, clock.now()) is None
    clock.advance(hours=13)  # two slots fall while paused
    assert await proc.run() == []
    held = await proc.run_now(rot.id)
    assert held.status == "held" and held.detail == "paused by a moderator"
    await svc.admin.set_paused(G, "Spotlight", False)
    assert await proc.run() == [], "slots during a pause are neither posted nor missed"
    assert len(await run_slots(proc, clock, 1)) == 1
    statuses = [st for _t, st in await svc.features.slot_statuses(rot.id)]
    assert statuses == ["done", "done", "done"]  # the held run-now is settled too
    assert len(await feature_posts(db)) == 2


async def test_run_now_features_the_head_and_keeps_the_schedule(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    wake = await next_wake(svc, clock.now())
    outcome = await proc.run_now(rot.id)
    assert outcome.status == "done" and outcome.occurrence.kind == RUN_NOW_KIND
    assert await proc.featured([outcome]) == [order[0]]
    assert await next_wake(svc, clock.now()) == wake
    assert await run_slots(proc, clock, 6) == order[1:]
    kinds = await proc.slots.history(RUN_NOW_KIND, str(rot.id))
    assert len(kinds) == 1


async def test_min_days_between_features(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc, schedule="daily 18:00", min_days_between=3)
    await fill(db, svc, CREATORS[:2])
    assert len(await run_slots(proc, clock, 2)) == 2
    # day 3: both were featured in the last 3 days -> nobody posted, the slot says why
    clock.advance(hours=1)
    outcomes = []
    for _ in range(2):
        nxt = await next_wake(svc, clock.now())
        assert nxt is not None
        clock.set(nxt)
        outcomes += await proc.run()
    assert outcomes[0].detail == (
        "empty: everyone left in this round was featured less than 3 days ago"
    )
    assert len(await proc.featured(outcomes)) == 1


async def test_min_days_of_one_says_one_day(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc, schedule="every 6h", min_days_between=1)
    await fill(db, svc, CREATORS[:1])
    assert len(await run_slots(proc, clock, 1)) == 1
    nxt = await next_wake(svc, clock.now())
    assert nxt is not None
    clock.set(nxt)
    (outcome,) = await proc.run()
    assert outcome.detail == "empty: everyone left in this round was featured less than 1 day ago"


# ------------------------------------------------------------------ exactly once, restarts


async def test_restart_between_claim_and_post(db: Database, clock: ManualClock) -> None:
    svc = ShoutoutService(db, clock)
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    nxt = await next_wake(svc, clock.now())
    assert nxt is not None
    clock.set(nxt)
    # a process claims the slot and is killed before anything else (its heartbeat stops)
    dead = Process(db, clock, svc)
    await dead.leases.beat()
    assert await dead.slots.claim(SLOT_KIND, str(rot.id), nxt, owner=dead.leases.owner, guild_id=G)
    clock.advance(minutes=5)
    restarted = Process(db, clock, ShoutoutService(db, clock))
    outcomes = await restarted.run()
    assert [(o.occurrence.at, o.status) for o in outcomes] == [(nxt, "done")]
    assert len(await restarted.featured(outcomes)) == 1
    # a second process / a second start-up finds nothing left to do
    assert await Process(db, clock, ShoutoutService(db, clock)).run() == []
    assert len(await feature_posts(db)) == 1
    assert [st for _t, st in await svc.features.slot_statuses(rot.id)] == ["done"]


async def test_restart_after_pick_before_post_does_not_pick_twice(
    db: Database, clock: ManualClock
) -> None:
    svc = ShoutoutService(db, clock)
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    nxt = await next_wake(svc, clock.now())
    assert nxt is not None
    clock.set(nxt)
    slow = Process(db, clock, svc)
    await slow.leases.beat()
    assert await slow.slots.claim(SLOT_KIND, str(rot.id), nxt, owner=slow.leases.owner, guild_id=G)
    picked = await svc.features.feature_slot(rot.id, SLOT_KIND, nxt, lambda _r, _u: None)
    # ...the process dies before marking the slot done; while its lease is live, hands off
    other = Process(db, clock, ShoutoutService(db, clock))
    assert await other.run() == []
    clock.advance(minutes=3)
    outcomes = await other.run()
    assert [o.status for o in outcomes] == ["done"]
    assert await other.featured(outcomes) == [picked.feature.user_id if picked.feature else 0]
    posts = await feature_posts(db)
    assert (
        len(posts) == 1 and picked.feature and posts[0].payload["user_id"] == picked.feature.user_id
    )
    # and the same slot can never be claimed again
    assert not await other.slots.claim(SLOT_KIND, str(rot.id), nxt)
    assert len(await feature_posts(db)) == 1


async def test_restart_across_two_missed_slots_within_grace(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    clock.advance(hours=13)  # down across the 18:00 and 00:00 slots; a 12 h grace covers both
    proc = Process(db, clock, ShoutoutService(db, clock, grace=timedelta(hours=12)))
    outcomes = await proc.run()
    assert [o.status for o in outcomes] == ["done", "done"]
    assert len(set(await proc.featured(outcomes))) == 2
    assert await Process(db, clock, ShoutoutService(db, clock)).run() == []
    posts = await feature_posts(db)
    assert len(posts) == 2 and len({p.payload["user_id"] for p in posts}) == 2


async def test_missed_outside_grace_is_recorded(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    clock.advance(hours=13)  # slots at 18:00 (7 h ago) and 00:00 (1 h ago)
    outcomes = await Process(db, clock, ShoutoutService(db, clock)).run()
    assert [o.status for o in outcomes] == ["missed", "done"]
    assert await proc.run() == []
    statuses = [st for _t, st in await svc.features.slot_statuses(rot.id)]
    assert statuses == ["missed", "done"]
    history = await svc.admin.history(G, "Spotlight")
    assert [h.status for h in history] == ["featured", "missed"]
    # nobody lost their place to the miss: the 7 still share round 1
    assert len(await feature_posts(db)) == 1
    assert len(await svc.admin.queue(G, "Spotlight")) == 7


async def test_failed_post_pauses_and_keeps_the_creators_place(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    await svc.nominate(
        G, order[0], url="tiktok.com/@a/video/1", blurb="new sound!", nominated_by=None
    )
    clock.advance(hours=6)
    (outcome,) = await proc.run()
    feature = await svc.features.feature_at(rot.id, SLOT_KIND, outcome.occurrence.at)
    assert feature and feature.user_id == order[0]
    assert feature.url == "https://tiktok.com/@a/video/1"
    assert await svc.features.post_failed(rot.id, feature.slot_key, "the channel was deleted")
    info = await svc.rotations.get(G, "Spotlight")
    assert info.paused and info.pause_reason == "the channel was deleted"
    assert [q.user_id for q in await svc.admin.queue(G, "Spotlight")] == order
    _m, pitch = await svc.members.status(G, order[0])
    assert pitch is not None and pitch.blurb == "new sound!", "the pitch is not used up"
    async with db.read() as s:
        notices = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dm")))
    assert len(notices) == 1 and notices[0].target_id == MOD
    assert "paused" in notices[0].payload["content"]
    # a second failure report changes nothing
    assert not await svc.features.post_failed(rot.id, feature.slot_key, "again")


async def test_a_lost_channel_pauses_holds_the_slot_and_tells_the_mods_once(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    svc.plan.port = Port(problem="its channel (id 1) was deleted")
    clock.advance(hours=6, minutes=1)
    (outcome,) = await proc.run()
    assert outcome.status == "held" and outcome.detail == "its channel (id 1) was deleted"
    info = await svc.rotations.get(G, "Spotlight")
    assert info.paused and info.pause_reason == "its channel (id 1) was deleted"
    assert await feature_posts(db) == []
    clock.advance(hours=12)  # later slots wait while paused: no post, no "missed", no notice
    assert await proc.run() == []
    async with db.read() as s:
        notices = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "dm")))
    assert len(notices) == 1 and "was deleted" in notices[0].payload["content"]
    assert await svc.admin.history(G, "Spotlight") == []
    assert len(await svc.admin.queue(G, "Spotlight")) == 7
    # no port (the cog isn't loaded): slots still go out, unchecked
    svc.plan.port = None
    await svc.admin.set_paused(G, "Spotlight", False)
    clock.advance(hours=6)
    assert [o.status for o in await proc.run()] == ["done"]


async def test_a_pitch_is_used_once(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    await make_rotation(svc)
    await add_profile(db, 42, intro="I post plant time-lapses")
    await svc.members.join(G, 42)
    await svc.members.pitch(
        G, 42, url="https://www.tiktok.com/@x/video/9", blurb="Monstera glow-up"
    )
    await run_slots(proc, clock, 2)
    posts = await feature_posts(db)
    assert posts[0].payload["url"] == "https://www.tiktok.com/@x/video/9"
    assert posts[0].payload["blurb"] == "Monstera glow-up"
    assert posts[1].payload["url"] is None
    assert posts[1].payload["blurb"] == "Monstera glow-up", "the latest blurb, without the link"


async def test_a_pitch_is_used_by_the_rotation_it_is_for(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    clock_rot = await svc.admin.create(
        G, name="Clock", channel_id=CHANNEL, schedule="every 6h", created_by=MOD
    )
    spot = await svc.admin.create(
        G, name="Spotlight", channel_id=CHANNEL + 1, schedule="every 6h", created_by=MOD
    )
    await add_profile(db, 42)
    await svc.members.join(G, 42, "Clock")
    await svc.members.join(G, 42, "Spotlight")
    with pytest.raises(DomainError, match="Which rotation"):
        await svc.members.pitch(G, 42, url=None, blurb="pick one")
    nom = await svc.members.pitch(
        G,
        42,
        url="https://www.tiktok.com/@x/video/9",
        blurb="for the spotlight",
        rotation="spotlight",
    )
    assert nom.rotation_id == spot.id and not nom.newly_joined
    await svc.nominate(G, 42, url=None, blurb="our collab!", nominated_by=7)  # for any rotation
    await run_slots(proc, clock, 1)  # both rotations fire at the same time
    by_channel = {p.target_id: p.payload for p in await feature_posts(db)}
    assert by_channel[CHANNEL]["blurb"] == "our collab!", "Clock uses the open nomination"
    assert by_channel[CHANNEL + 1]["blurb"] == "for the spotlight"
    assert by_channel[CHANNEL + 1]["url"] == "https://www.tiktok.com/@x/video/9"
    assert clock_rot.id != spot.id
    # a deleted rotation's unused pitches stay the creator's, for any rotation
    await svc.members.pitch(G, 42, url=None, blurb="spotlight again", rotation="Spotlight")
    await svc.admin.delete(G, "Spotlight")
    _m, pitch = await svc.members.status(G, 42)
    assert pitch is not None and pitch.blurb == "spotlight again" and pitch.rotation_id is None


async def test_every_change_to_a_rotation_asks_for_a_replan(
    db: Database, clock: ManualClock
) -> None:
    asked: list[str] = []
    svc = ShoutoutService(db, clock, replan=asked.append)
    rot = await make_rotation(svc)
    await svc.admin.edit(G, "Spotlight", schedule="daily 19:00")
    await svc.admin.set_paused(G, "Spotlight", True)
    await svc.admin.set_paused(G, "Spotlight", False)
    assert await svc.features.pause_for_problem(rot.id, "its channel was deleted")
    assert not await svc.features.pause_for_problem(rot.id, "again"), "already paused"
    await svc.admin.delete(G, "Spotlight")
    assert asked == [SLOT_KIND] * 6
    await add_profile(db, 42)
    await make_rotation(svc)
    await svc.members.join(G, 42)  # who is featured changed, not when: no replan needed
    assert asked == [SLOT_KIND] * 7


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("schedule", "tz"),
    [
        ("daily 18:00", "Europe/London"),
        ("weekly mon,thu 18:00", "America/New_York"),
        ("every 6h", "UTC"),
        ("0 18 * * 1,4", "Asia/Tokyo"),
    ],
)
async def test_every_schedule_form_parses(
    db: Database, svc: ShoutoutService, clock: ManualClock, schedule: str, tz: str
) -> None:
    rot = await make_rotation(svc, schedule=schedule, timezone=tz)
    times = rot.next_slots(clock.now())
    assert len(times) == 3 and times == sorted(times) and times[0] > clock.now()
    if schedule != "every 6h":
        assert all(t.astimezone(ZoneInfo(tz)).hour == 18 for t in times)


@pytest.mark.parametrize(
    ("schedule", "tz", "message"),
    [
        ("sometimes", "UTC", "couldn't read"),
        ("daily 25:00", "UTC", "isn't a time"),
        ("weekly funday 18:00", "UTC", "isn't a weekday"),
        ("every 5m", "UTC", "too often"),
        ("daily 18:00", "Mars/Olympus", "isn't a time zone"),
    ],
)
async def test_bad_schedules_and_zones_are_clear_errors(
    db: Database, svc: ShoutoutService, schedule: str, tz: str, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        await make_rotation(svc, schedule=schedule, timezone=tz)
    assert await svc.rotations.list_rotations(G) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://youtube.com/watch?v=1",
        "https://tiktok.com.evil.example/@a",
        "https://evil.example/tiktok.com",
        "javascript:alert(1)",
        "https://user@tiktok.com/@a",
        "https://tiktok.com:8080/@a",
        "https://x" + "a" * 400,
    ],
)
def test_non_tiktok_urls_are_refused(url: str) -> None:
    with pytest.raises(DomainError, match=r"TikTok link|characters"):
        validate_tiktok_url(url)


def test_tiktok_urls_are_accepted() -> None:
    assert validate_tiktok_url("vm.tiktok.com/ZM6abc/") == "https://vm.tiktok.com/ZM6abc/"
    assert (
        validate_tiktok_url("http://www.tiktok.com/@plantladyjane/video/123?lang=en")
        == "https://www.tiktok.com/@plantladyjane/video/123?lang=en"
    )


@pytest.mark.parametrize(
    ("blurb", "message"),
    [
        ("x" * 151, "151 characters"),
        ("hey @everyone look", "@everyone"),
        ("ping @here", "@here"),
        ("for <@&123456789012345678> fans", "mentions"),
        ("   ", "empty"),
    ],
)
async def test_bad_blurbs_are_clear_errors(
    db: Database, svc: ShoutoutService, blurb: str, message: str
) -> None:
    await make_rotation(svc)
    await add_profile(db, 42)
    with pytest.raises(DomainError, match=message):
        await svc.members.pitch(G, 42, url=None, blurb=blurb)


async def test_join_needs_a_handle_and_the_required_fields(
    db: Database, svc: ShoutoutService
) -> None:
    with pytest.raises(DomainError, match="rotation create"):
        await svc.members.join(G, 42)
    await make_rotation(svc, required_fields=["niches", "intro"])
    with pytest.raises(DomainError, match=r"/profile set handle"):
        await svc.members.join(G, 42)
    await add_profile(db, 42)
    with pytest.raises(DomainError, match="intro"):
        await svc.members.join(G, 42)
    with pytest.raises(DomainError, match="isn't a profile field"):
        await svc.admin.edit(G, "Spotlight", required_fields=["shoe size"])
    await svc.admin.edit(G, "Spotlight", required_fields=["niches"])
    membership = await svc.members.join(G, 42)
    assert membership.place == 1
    with pytest.raises(DomainError, match="already in"):
        await svc.members.join(G, 42)


async def test_duplicate_names_and_unknown_rotations(
    db: Database, svc: ShoutoutService, proc: Process
) -> None:
    rot = await make_rotation(svc)
    with pytest.raises(DomainError, match="already a rotation"):
        await svc.admin.create(
            G, name="spotlight", channel_id=CHANNEL, schedule="daily 9:00", created_by=MOD
        )
    with pytest.raises(DomainError, match="no rotation called"):
        await svc.admin.queue(G, "nope")
    assert (await proc.run_now(rot.id)).status == "done"
    deleted = await svc.admin.delete(G, "SPOTLIGHT")
    assert deleted.name == "Spotlight" and await svc.rotations.list_rotations(G) == []
    assert await svc.features.slot_statuses(deleted.id) == []


async def test_two_processes_racing_for_one_slot_post_once(
    db: Database, db_url: str, clock: ManualClock
) -> None:
    svc = ShoutoutService(db, clock)
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    other_db = Database.from_url(db_url)  # a second process: its own engine, service, lease
    try:
        here, there = (
            Process(db, clock, svc),
            Process(other_db, clock, ShoutoutService(other_db, clock)),
        )
        await here.leases.beat()
        await there.leases.beat()
        clock.advance(hours=6)
        results = await asyncio.gather(here.run(), there.run())
        slot = clock.now()
        clock.advance(hours=6)
        # a moderator's run-now at the very same instant in both
        raced = await asyncio.gather(here.run_now(rot.id), there.run_now(rot.id))
    finally:
        await other_db.dispose()
    statuses = sorted(o.status for outcomes in results for o in outcomes)
    assert statuses in (["done"], ["done", "taken"]), "never taken over while live"
    assert sorted(o.status for o in raced) == ["done", "taken"]
    assert (await svc.features.slot_statuses(rot.id))[0][0] == slot
    assert len(await feature_posts(db)) == 2
    assert [st for _t, st in await svc.features.slot_statuses(rot.id)] == ["done", "done"]


async def test_slots_follow_the_local_clock_across_dst(
    db: Database, svc: ShoutoutService, clock: ManualClock, proc: Process
) -> None:
    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # UK clocks go forward on the 29th
    rot = await make_rotation(svc, schedule="daily 18:00", timezone="Europe/London")
    times = rot.next_slots(clock.now())
    assert [t.hour for t in times] == [18, 18, 17]  # in UTC
    assert all(t.astimezone(ZoneInfo("Europe/London")).hour == 18 for t in times)
    await fill(db, svc, CREATORS[:3])
    assert len(await run_slots(proc, clock, 3)) == 3
    assert [t for t, _st in await svc.features.slot_statuses(rot.id)] == times
