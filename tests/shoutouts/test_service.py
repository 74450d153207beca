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
from core.errors import DomainError
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


async def step(
    svc: ShoutoutService, clock: ManualClock, rot: RotationInfo, **kw: object
) -> list[int]:
    """Advance to the next slot and run what is due; the featured user ids."""
    nxt = await svc.delivery.next_wake(rot.id, clock.now())
    assert nxt is not None
    clock.set(nxt)
    outcomes = await svc.delivery.due(clock.now(), **kw)  # type: ignore[arg-type]
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
    db: Database, svc: ShoutoutService
) -> None:
    await add_profile(db, 42)
    nom = await svc.nominate(G, 42, url=None, blurb="great collab", nominated_by=7)
    assert nom.rotation_id is None and nom.pitch_id > 0


# ------------------------------------------------------------------ fairness by rounds


async def run_slots(
    svc: ShoutoutService, clock: ManualClock, rot: RotationInfo, n: int, **kw: object
) -> list[int]:
    featured: list[int] = []
    for _ in range(n):
        featured += await step(svc, clock, rot, **kw)
    return featured


async def test_three_rounds_over_seven_creators(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    featured = await run_slots(svc, clock, rot, 21)
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
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    queue = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    assert sorted(queue) == sorted(CREATORS)
    assert await run_slots(svc, clock, rot, 7) == queue
    # next round already drawn: the queue (10) is round 2's shuffle
    assert sorted(q.user_id for q in await svc.admin.queue(G, "Spotlight")) == sorted(CREATORS)


async def test_join_mid_round_is_featured_later_in_that_round(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    first = await run_slots(svc, clock, rot, 3)
    newcomer = 6_000
    await fill(db, svc, [newcomer])
    membership, _ = await svc.members.status(G, newcomer)
    assert membership[0].place == 5  # four still waiting in this round, then the newcomer
    rest = await run_slots(svc, clock, rot, 5)
    assert rest[-1] == newcomer, "later in the same round, behind those already waiting"
    assert sorted(first + rest) == sorted([*CREATORS, newcomer])
    second_round = await run_slots(svc, clock, rot, 8)
    assert sorted(second_round) == sorted([*CREATORS, newcomer])


async def test_leavers_are_skipped_without_moving_anyone(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    opted_out, left_server, excluded = order[1], order[3], order[5]
    await svc.members.leave(G, opted_out)

    def check(_rot: RotationInfo, user_id: int) -> str | None:
        return {left_server: "left", excluded: "excluded"}.get(user_id)

    featured = await run_slots(svc, clock, rot, 4, check=check)
    assert featured == [u for u in order if u not in (opted_out, left_server, excluded)]
    async with db.read() as s:
        rows = await s.execute(select(RotationMember.user_id, RotationMember.inactive_reason))
        reasons: dict[int, str | None] = {int(u): r for u, r in rows}
    assert reasons[opted_out] == "opted_out"
    assert reasons[left_server] == "left" and reasons[excluded] == "excluded"
    # the excluded creator loses the role: back in, later in the current round
    assert await svc.members.reactivate_excluded(G, excluded) == ["Spotlight"]
    nxt = await run_slots(svc, clock, rot, 1)
    assert nxt == [excluded]


async def test_leaving_and_rejoining_does_not_earn_a_second_feature(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS[:3])
    first = (await run_slots(svc, clock, rot, 1))[0]
    await svc.members.leave(G, first)
    await svc.members.join(G, first)
    rest = await run_slots(svc, clock, rot, 2)
    assert first not in rest and sorted([first, *rest]) == sorted(CREATORS[:3])


async def test_skip_moves_the_head_to_the_end_of_the_round(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    skipped = await svc.admin.skip(G, "Spotlight")
    assert skipped.user_id == order[0] and skipped.moved
    assert [q.user_id for q in await svc.admin.queue(G, "Spotlight")] == [*order[1:], order[0]]
    assert await run_slots(svc, clock, rot, 7) == [*order[1:], order[0]]


async def test_pause_and_resume(db: Database, svc: ShoutoutService, clock: ManualClock) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    assert len(await run_slots(svc, clock, rot, 1)) == 1
    await svc.admin.set_paused(G, "Spotlight", True)
    with pytest.raises(DomainError, match="already paused"):
        await svc.admin.set_paused(G, "Spotlight", True)
    assert await svc.delivery.next_wake(rot.id, clock.now()) is None
    clock.advance(hours=13)  # two slots fall while paused
    assert await svc.delivery.due(clock.now()) == []
    with pytest.raises(DomainError, match="paused"):
        await svc.delivery.run_now(G, "Spotlight")
    await svc.admin.set_paused(G, "Spotlight", False)
    assert await svc.delivery.due(clock.now()) == [], (
        "slots during a pause are neither posted nor missed"
    )
    assert len(await run_slots(svc, clock, rot, 1)) == 1
    statuses = [st for _t, st in await svc.delivery.slot_statuses(rot.id)]
    assert statuses == ["done", "done"]


async def test_run_now_features_the_head_and_keeps_the_schedule(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    wake = await svc.delivery.next_wake(rot.id, clock.now())
    outcome = await svc.delivery.run_now(G, "Spotlight")
    assert outcome.status == "featured" and outcome.feature and outcome.feature.user_id == order[0]
    assert await svc.delivery.next_wake(rot.id, clock.now()) == wake
    assert await run_slots(svc, clock, rot, 6) == order[1:]
    kinds = await svc.slots.history(RUN_NOW_KIND, str(rot.id))
    assert len(kinds) == 1


async def test_min_days_between_features(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc, schedule="daily 18:00", min_days_between=3)
    await fill(db, svc, CREATORS[:2])
    assert len(await run_slots(svc, clock, rot, 2)) == 2
    # day 3: both were featured in the last 3 days -> nobody posted, the slot says why
    clock.advance(hours=1)
    outcomes = []
    for _ in range(2):
        nxt = await svc.delivery.next_wake(rot.id, clock.now())
        assert nxt is not None
        clock.set(nxt)
        outcomes += await svc.delivery.due(clock.now())
    assert [o.status for o in outcomes] == ["empty", "featured"]
    assert outcomes[0].feature and "3 days" in (outcomes[0].feature.detail or "")


# ------------------------------------------------------------------ exactly once, restarts


async def test_restart_between_claim_and_post(db: Database, clock: ManualClock) -> None:
    svc = ShoutoutService(db, clock)
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    nxt = await svc.delivery.next_wake(rot.id, clock.now())
    assert nxt is not None
    clock.set(nxt)
    # the process claims the slot and dies before anything else
    assert await svc.slots.claim(SLOT_KIND, str(rot.id), nxt)
    clock.advance(minutes=5)
    restarted = ShoutoutService(db, clock)
    outcomes = await restarted.delivery.due(clock.now())
    assert [o.status for o in outcomes] == ["featured"]
    # a second process / a second start-up finds nothing left to do
    assert await ShoutoutService(db, clock).delivery.due(clock.now()) == []
    assert len(await feature_posts(db)) == 1
    assert [st for _t, st in await svc.delivery.slot_statuses(rot.id)] == ["done"]


async def test_restart_after_pick_before_post_does_not_pick_twice(
    db: Database, clock: ManualClock
) -> None:
    svc = ShoutoutService(db, clock)
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    nxt = await svc.delivery.next_wake(rot.id, clock.now())
    assert nxt is not None
    clock.set(nxt)
    assert await svc.slots.claim(SLOT_KIND, str(rot.id), nxt)
    picked = await svc.delivery.feature_slot(rot.id, SLOT_KIND, nxt, lambda _r, _u: None)
    # ...the process dies before marking the slot done; a live claim is left alone
    assert await ShoutoutService(db, clock).delivery.due(clock.now()) == []
    clock.advance(minutes=3)
    outcomes = await ShoutoutService(db, clock).delivery.due(clock.now())
    assert [o.status for o in outcomes] == ["recovered"]
    posts = await feature_posts(db)
    assert (
        len(posts) == 1 and picked.feature and posts[0].payload["user_id"] == picked.feature.user_id
    )
    # and the same slot run again (another process) is "taken"
    again = await ShoutoutService(db, clock).delivery.run_slot(rot.id, nxt)
    assert again.status == "taken"
    assert len(await feature_posts(db)) == 1


async def test_restart_across_two_missed_slots_within_grace(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    await make_rotation(svc)
    await fill(db, svc, CREATORS)
    clock.advance(hours=13)  # down across the 18:00 and 00:00 slots; grace 6 h covers one
    outcomes = await ShoutoutService(db, clock).delivery.due(clock.now(), grace=timedelta(hours=12))
    assert [o.status for o in outcomes] == ["featured", "featured"]
    assert (
        await ShoutoutService(db, clock).delivery.due(clock.now(), grace=timedelta(hours=12)) == []
    )
    posts = await feature_posts(db)
    assert len(posts) == 2 and len({p.payload["user_id"] for p in posts}) == 2


async def test_missed_outside_grace_is_recorded(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    clock.advance(hours=13)  # slots at 18:00 (7 h ago) and 00:00 (1 h ago)
    outcomes = await ShoutoutService(db, clock).delivery.due(clock.now())
    assert [o.status for o in outcomes] == ["missed", "featured"]
    assert await svc.delivery.due(clock.now()) == []
    statuses = [st for _t, st in await svc.delivery.slot_statuses(rot.id)]
    assert statuses == ["missed", "done"]
    history = await svc.admin.history(G, "Spotlight")
    assert [h.status for h in history] == ["featured", "missed"]
    # nobody lost their place to the miss: the 7 still share round 1
    assert len(await feature_posts(db)) == 1
    assert len(await svc.admin.queue(G, "Spotlight")) == 7


async def test_failed_post_pauses_and_keeps_the_creators_place(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    order = [q.user_id for q in await svc.admin.queue(G, "Spotlight")]
    await svc.nominate(
        G, order[0], url="tiktok.com/@a/video/1", blurb="new sound!", nominated_by=None
    )
    outcome = (await svc.delivery.due(clock.now() + timedelta(hours=6)))[0]
    assert outcome.feature and outcome.feature.user_id == order[0]
    assert outcome.feature.url == "https://tiktok.com/@a/video/1"
    assert await svc.delivery.post_failed(
        rot.id, outcome.feature.slot_key, "the channel was deleted"
    )
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
    assert not await svc.delivery.post_failed(rot.id, outcome.feature.slot_key, "again")


async def test_a_pitch_is_used_once(db: Database, svc: ShoutoutService, clock: ManualClock) -> None:
    rot = await make_rotation(svc)
    await add_profile(db, 42, intro="I post plant time-lapses")
    await svc.members.join(G, 42)
    await svc.members.pitch(
        G, 42, url="https://www.tiktok.com/@x/video/9", blurb="Monstera glow-up"
    )
    await run_slots(svc, clock, rot, 2)
    posts = await feature_posts(db)
    assert posts[0].payload["url"] == "https://www.tiktok.com/@x/video/9"
    assert posts[0].payload["blurb"] == "Monstera glow-up"
    assert posts[1].payload["url"] is None
    assert posts[1].payload["blurb"] == "Monstera glow-up", "the latest blurb, without the link"


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


async def test_duplicate_names_and_unknown_rotations(db: Database, svc: ShoutoutService) -> None:
    await make_rotation(svc)
    with pytest.raises(DomainError, match="already a rotation"):
        await svc.admin.create(
            G, name="spotlight", channel_id=CHANNEL, schedule="daily 9:00", created_by=MOD
        )
    with pytest.raises(DomainError, match="no rotation called"):
        await svc.admin.queue(G, "nope")
    await svc.delivery.run_now(G, "Spotlight")
    deleted = await svc.admin.delete(G, "SPOTLIGHT")
    assert deleted.name == "Spotlight" and await svc.rotations.list_rotations(G) == []
    assert await svc.delivery.slot_statuses(deleted.id) == []


async def test_two_processes_racing_for_one_slot_post_once(
    db: Database, db_url: str, clock: ManualClock
) -> None:
    svc = ShoutoutService(db, clock)
    rot = await make_rotation(svc)
    await fill(db, svc, CREATORS)
    other_db = Database.from_url(db_url)  # a second process: its own engine and service
    try:
        other = ShoutoutService(other_db, clock)
        clock.advance(hours=6)
        results = await asyncio.gather(
            svc.delivery.due(clock.now()), other.delivery.due(clock.now())
        )
        slot = clock.now()
        clock.advance(hours=6)
        # the very same slot, run by both at once
        raced = await asyncio.gather(
            svc.delivery.run_slot(rot.id, clock.now()), other.delivery.run_slot(rot.id, clock.now())
        )
    finally:
        await other_db.dispose()
    statuses = sorted(o.status for outcomes in results for o in outcomes)
    assert statuses in (["featured"], ["featured", "taken"]), "never taken over while live"
    assert sorted(o.status for o in raced) == ["featured", "taken"]
    assert (await svc.delivery.slot_statuses(rot.id))[0][0] == slot
    assert len(await feature_posts(db)) == 2
    assert [st for _t, st in await svc.delivery.slot_statuses(rot.id)] == ["done", "done"]


async def test_slots_follow_the_local_clock_across_dst(
    db: Database, svc: ShoutoutService, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # UK clocks go forward on the 29th
    rot = await make_rotation(svc, schedule="daily 18:00", timezone="Europe/London")
    times = rot.next_slots(clock.now())
    assert [t.hour for t in times] == [18, 18, 17]  # in UTC
    assert all(t.astimezone(ZoneInfo("Europe/London")).hour == 18 for t in times)
    await fill(db, svc, CREATORS[:3])
    assert len(await run_slots(svc, clock, rot, 3)) == 3
    assert [t for t, _st in await svc.delivery.slot_statuses(rot.id)] == times
