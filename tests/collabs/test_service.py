"""Collab rounds on a real database (SQLite and PostgreSQL): opt-in, pauses, blocks, rounds,
history, follow-ups, stats and the round schedule. Time is a ManualClock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from core.slots import SlotStore
from models.collabs import CollabBlock, CollabGroupMember, CollabMember
from models.delivery import OutboxMessage
from services.collabs import CollabService, parse_formats, parse_languages
from services.directory import DirectoryService
from services.niches import NicheService
from services.profiles import ProfileService

G = 42
NICHES = ["PlantTok", "BookTok", "FoodTok", "HomeTok", "Gaming", "Beauty"]
ZONES = ["America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo"]


def everywhere(_guild_id: int) -> bool:
    return True


@pytest.fixture
def svc(db: Database, clock: ManualClock) -> CollabService:
    return CollabService(db, clock, NicheService(db))


async def _creators(db: Database, clock: ManualClock, svc: CollabService, n: int) -> list[int]:
    profiles = ProfileService(db, clock, NicheService(db))
    ids = []
    for i in range(n):
        uid = 500 + i
        await profiles.update(
            G,
            uid,
            handle=f"creator{i}",
            niches=[NICHES[i % len(NICHES)]],
            timezone=ZONES[i % len(ZONES)],
            follower_band=["1k-10k", "10k-50k"][i % 2],
        )
        await svc.optin(G, uid, formats="duet, stitch", languages="English")
        ids.append(uid)
    return ids


def _pairs(groups: object) -> set[frozenset[int]]:
    return {
        frozenset(p)
        for g in groups  # type: ignore[attr-defined]
        for p in itertools.combinations(g.members, 2)
    }


# ---------------------------------------------------------------- members


async def test_optin_needs_a_profile_and_validates_everything(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    with pytest.raises(DomainError, match="creator profile first"):
        await svc.optin(G, 1)
    assert await svc.get(G, 1) is None
    [uid] = await _creators(db, clock, svc, 1)
    with pytest.raises(DomainError, match="Did you mean \\*\\*duet"):
        await svc.optin(G, uid, formats="duets, dueet")
    with pytest.raises(DomainError, match="language I know"):
        await svc.optin(G, uid, languages="Klingon")
    with pytest.raises(DomainError, match="@everyone"):
        await svc.optin(G, uid, availability="ping @everyone")
    mine = await svc.get(G, uid)
    assert (
        mine is not None and mine.formats == ("duet", "stitch") and mine.languages == ("English",)
    )
    updated = await svc.optin(G, uid, formats="LIVE, co post", languages="es, English")
    assert updated.formats == ("live", "co-post") and updated.languages == ("Spanish", "English")
    await svc.optout(G, uid)
    with pytest.raises(DomainError, match="nothing to leave"):
        await svc.optout(G, uid)


def test_parsers() -> None:
    assert parse_formats("all") == ("duet", "stitch", "live", "co-post", "voiceover", "challenge")
    assert parse_formats("Stitches, duets") == ("duet", "stitch")
    assert parse_languages("pt-br / Japanese") == ("Portuguese", "Japanese")
    with pytest.raises(DomainError, match="up to 3"):
        parse_languages("en, es, fr, de")


async def test_pause_rules_and_automatic_resume(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    ids = await _creators(db, clock, svc, 4)
    me = ids[0]  # America/New_York; the clock says 2026-01-05 12:00 UTC
    for bad, needle in [
        ("2026-01-05", "isn't in the future"),
        ("2025-12-31", "isn't in the future"),
        ("2027-06-01", "more than a year"),
        ("next tuesday", "year-month-day"),
    ]:
        with pytest.raises(DomainError, match=needle):
            await svc.pause(G, me, bad)
    paused = await svc.pause(G, me, "2026-01-20")
    assert paused.paused_until == datetime(2026, 1, 20, 5, 0, tzinfo=UTC)  # local midnight
    first = await svc.create_round(G, clock.now())
    assert me not in {u for g in first.groups for u in g.members} and first.members == 3
    clock.set(datetime(2026, 1, 20, 6, 0, tzinfo=UTC))  # the date came: back by itself
    second = await svc.create_round(G, clock.now())
    assert me in {u for g in second.groups for u in g.members}
    with pytest.raises(DomainError, match="aren't paused"):
        await svc.resume(G, me)


async def test_blocks_are_private_hard_constraints(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    a, b, c, d = await _creators(db, clock, svc, 4)
    with pytest.raises(DomainError, match="block yourself"):
        await svc.block(G, a, a, other_is_bot=False)
    assert await svc.block(G, a, b, other_is_bot=False)
    assert not await svc.block(G, a, b, other_is_bot=False)  # already there, no error
    assert await svc.block(G, c, a, other_is_bot=False)
    rnd = await svc.create_round(G, clock.now())
    assert _pairs(rnd.groups) == {frozenset((a, d)), frozenset((b, c))}
    suggestions = [s.user_id for s in await svc.suggest(G, a)]
    assert b not in suggestions and c not in suggestions  # blocked either way
    await svc.unblock(G, a, b)
    with pytest.raises(DomainError, match="isn't on your never-pair list"):
        await svc.unblock(G, a, b)


# ---------------------------------------------------------------- rounds


async def test_odd_round_has_a_trio_and_is_stored_once(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    ids = await _creators(db, clock, svc, 5)
    slot = clock.now()
    rnd = await svc.create_round(G, slot)
    assert rnd.created and sorted(len(g.members) for g in rnd.groups) == [2, 3]
    assert sorted(u for g in rnd.groups for u in g.members) == ids
    assert all(g.reason and len(g.prompts) == 2 for g in rnd.groups)
    assert "trio" in rnd.summary()
    again = await svc.create_round(G, slot)  # a retry after a restart: same groups, no re-pair
    assert not again.created and again.groups == rnd.groups
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CollabGroupMember)) == 5


async def test_no_repeats_for_six_rounds_then_clear_result_when_only_repeats_remain(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    await _creators(db, clock, svc, 12)
    seen: set[frozenset[int]] = set()
    for _ in range(6):
        rnd = await svc.create_round(G, clock.now())
        pairs = _pairs(rnd.groups)
        assert rnd.repeats == 0 and not pairs & seen
        seen |= pairs
        clock.advance(days=7)
    # two members only: the second round can only repeat, and says so
    other = CollabService(db, clock, NicheService(db))
    h = 77
    profiles = ProfileService(db, clock, NicheService(db))
    for uid in (1, 2):
        await profiles.update(h, uid, handle=f"duo{uid}", niches=["BookTok"])
        await other.optin(h, uid)
    first = await other.create_round(h, clock.now())
    clock.advance(days=7)
    second = await other.create_round(h, clock.now())
    assert first.repeats == 0 and second.repeats == 1 and second.groups[0].repeat
    assert "no other match was possible" in second.summary()


async def test_suggest_ranks_fit_and_explains(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    ids = await _creators(db, clock, svc, 12)
    me = ids[0]  # PlantTok, New York, 1k-10k
    found = await svc.suggest(G, me)
    assert len(found) == 5 and me not in [s.user_id for s in found]
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    best = found[0]
    assert best.user_id == ids[6]  # PlantTok and 1k–10k as well, in Berlin
    assert best.reason.startswith("both PlantTok, both 1k–10k") and "6 h apart" in best.reason
    rnd = await svc.create_round(G, clock.now())
    partner = next(u for g in rnd.groups if me in g.members for u in g.members if u != me)
    assert partner not in [s.user_id for s in await svc.suggest(G, me)]  # recent partner


# ---------------------------------------------------------------- intros and follow-ups


async def test_intros_followups_answers_and_stats(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    await _creators(db, clock, svc, 4)
    rnd = await svc.create_round(G, clock.now())
    g1, g2 = rnd.groups
    assert await svc.rounds_introducing(everywhere) == [(rnd.id, G, rnd.slot_at)]
    assert await svc.rounds_introducing(lambda _g: False) == []  # another process's guild
    work = await svc.intro_work(rnd.id)
    assert work is not None and work.groups == rnd.groups and work.channel_id is None
    assert await svc.queue_intro(g1.id, thread_id=9001, channel_id=1)
    assert not await svc.queue_intro(g1.id, thread_id=9002, channel_id=1)
    assert await svc.queue_intro(g2.id, thread_id=None, channel_id=1)
    assert await svc.rounds_introducing(everywhere) == []
    now = clock.now()
    assert await svc.followups_due(now, everywhere) == []  # not due for 7 days
    assert await svc.next_followup_at(now, everywhere) == now + timedelta(days=7)
    clock.advance(days=7)
    assert await svc.followups_due(clock.now(), everywhere) == [(G, now + timedelta(days=7))]
    assert await svc.queue_followups(G, clock.now()) == 2
    assert await svc.queue_followups(G, clock.now()) == 0  # exactly once
    assert await svc.followups_due(clock.now(), everywhere) == []
    async with db.read() as s:
        rows = (await s.execute(select(OutboxMessage.purpose, OutboxMessage.kind))).all()
    assert sorted(rows) == sorted(
        [
            (purpose, kind)
            for purpose in ("collab_intro", "collab_followup")
            for kind in ("channel", "dm", "dm")
        ]
    )
    a, b = g1.members
    with pytest.raises(DomainError, match="collab partners only"):
        await svc.answer(g1.id, g2.members[0], "yes")
    result = await svc.answer(g1.id, a, "yes")
    assert result.partners == (b,) and result.changed
    await svc.answer(g1.id, b, "not_yet")
    await svc.answer(g2.id, g2.members[0], "no")
    stats = await svc.stats(G)
    assert (stats.rounds, stats.groups, stats.matched, stats.opted_in) == (1, 2, 4, 4)
    assert stats.answers == {"yes": 1, "not_yet": 1, "no": 1} and stats.awaiting == 1


async def test_profile_delete_erases_collab_data(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    a, b = await _creators(db, clock, svc, 2)
    await svc.block(G, a, b, other_is_bot=False)
    await svc.create_round(G, clock.now())
    await ProfileService(db, clock, NicheService(db)).delete(G, a)
    async with db.read() as s:
        for model in (CollabMember, CollabBlock, CollabGroupMember):
            left = await s.scalar(select(func.count()).select_from(model).where(model.user_id == a))
            assert left == 0, model.__name__


# ---------------------------------------------------------------- the schedule


async def test_schedule_setup_due_slots_and_biweekly(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    # Monday 2026-01-05 12:00 UTC
    with pytest.raises(DomainError, match="one weekday"):
        await svc.setup(
            G, 1, channel_id=5, frequency="weekly", day="mon,tue", at="18:00", timezone="UTC"
        )
    with pytest.raises(DomainError, match="time zone"):
        await svc.setup(
            G, 1, channel_id=5, frequency="weekly", day="wed", at="18:00", timezone="Mars/Base"
        )
    cfg = await svc.setup(
        G, 1, channel_id=5, frequency="weekly", day="wed", at="18:00", timezone="Europe/Berlin"
    )
    assert cfg.next_round_at == datetime(2026, 1, 7, 17, 0, tzinfo=UTC)
    assert "every Wed at 18:00" in cfg.describe()
    assert await svc.due_rounds(clock.now(), everywhere) == []
    assert await svc.next_round(clock.now(), everywhere) == cfg.next_round_at
    clock.set(datetime(2026, 1, 7, 19, 0, tzinfo=UTC))  # an hour late: due
    assert await svc.due_rounds(clock.now(), everywhere) == [(G, cfg.next_round_at)]
    assert await svc.due_rounds(clock.now(), lambda _g: False) == []  # another process's guild
    assert await svc.next_round(clock.now(), everywhere) == datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
    assert await svc.advance(G, cfg.next_round_at) == datetime(2026, 1, 14, 17, 0, tzinfo=UTC)
    assert await svc.due_rounds(clock.now(), everywhere) == []
    clock.set(datetime(2026, 1, 28, 18, 0, tzinfo=UTC))  # offline for two weeks
    assert [at for _g, at in await svc.due_rounds(clock.now(), everywhere)] == [
        datetime(2026, 1, 14, 17, 0, tzinfo=UTC),
        datetime(2026, 1, 21, 17, 0, tzinfo=UTC),
        datetime(2026, 1, 28, 17, 0, tzinfo=UTC),
    ]
    # a missed slot moves the next round past it, never back
    assert await svc.advance(G, datetime(2026, 1, 14, 17, 0, tzinfo=UTC)) == datetime(
        2026, 1, 21, 17, 0, tzinfo=UTC
    )
    assert await svc.advance(G, datetime(2026, 1, 7, 17, 0, tzinfo=UTC)) == datetime(
        2026, 1, 21, 17, 0, tzinfo=UTC
    )
    paused = await svc.set_paused(G, True)
    assert paused.next_round_at is None and await svc.due_rounds(clock.now(), everywhere) == []
    assert await svc.next_round(clock.now(), everywhere) is None
    with pytest.raises(DomainError, match="already paused"):
        await svc.set_paused(G, True)
    bi = await svc.setup(
        G, 1, channel_id=5, frequency="biweekly", day="wed", at="18:00", timezone="UTC"
    )
    assert bi.next_round_at is None  # still paused: setup keeps the pause
    resumed = await svc.set_paused(G, False)
    first = resumed.next_round_at
    assert first == datetime(2026, 2, 4, 18, 0, tzinfo=UTC)
    assert await svc.advance(G, first) == first + timedelta(days=14)
    monthly = await svc.setup(
        G, 1, channel_id=5, frequency="monthly", day="fri", at="9am", timezone="UTC"
    )
    assert monthly.next_round_at == datetime(2026, 2, 6, 9, 0, tzinfo=UTC)


async def test_every_change_of_who_is_due_or_when_replans_its_delivery(
    db: Database, clock: ManualClock
) -> None:
    asked: list[str] = []
    svc = CollabService(db, clock, NicheService(db), replan=asked.append)
    await _creators(db, clock, svc, 2)
    await svc.setup(G, 1, channel_id=5, frequency="weekly", day="wed", at="18:00", timezone="UTC")
    assert asked == ["collab_round"]
    await svc.set_paused(G, True)
    await svc.set_paused(G, False)
    assert asked == ["collab_round"] * 3
    asked.clear()
    rnd = await svc.run_round(G, clock.now(), manual=True)
    assert asked == ["collab_intro"]  # its intros go out at once, not at the next sweep
    await svc.queue_intro(rnd.groups[0].id, thread_id=None, channel_id=5)
    assert asked == ["collab_intro", "collab_followup"]  # a follow-up is now on the calendar


# ---------------------------------------------------------------- copy


async def test_every_count_in_the_copy_reads_right(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    [alone] = await _creators(db, clock, svc, 1)
    rnd = await svc.create_round(G, clock.now())
    assert rnd.summary().startswith("Only 1 member opted in"), rnd.summary()
    await svc.setup(G, 1, channel_id=5, frequency="weekly", day="wed", at="18:00", timezone="UTC")
    clock.advance(minutes=9, seconds=30)
    with pytest.raises(DomainError, match=r"try again in 1 minute\."):
        await svc.check_run_now(G)
    assert alone in rnd.unplaced


async def test_suggest_never_lists_someone_who_shares_no_language(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    english = await _creators(db, clock, svc, 3)
    spanish = english[0] + 100
    await ProfileService(db, clock, NicheService(db)).update(
        G, spanish, handle="hola", niches=[NICHES[0]], timezone=ZONES[0], follower_band="1k-10k"
    )
    await svc.optin(G, spanish, formats="duet, stitch", languages="Spanish")
    # the same niche, zone and fam size as the first English-only creator: a "perfect" fit
    assert spanish not in [s.user_id for s in await svc.suggest(G, english[0])]
    with pytest.raises(DomainError, match="Nobody in collab rounds speaks Spanish yet"):
        await svc.suggest(G, spanish)
    await svc.optin(G, english[1], languages="English, Spanish")
    assert [s.user_id for s in await svc.suggest(G, spanish)] == [english[1]]


# ---------------------------------------------------------------- who a round leaves out


async def _spanish_only(db: Database, clock: ManualClock, svc: CollabService, uid: int) -> int:
    await ProfileService(db, clock, NicheService(db)).update(
        G, uid, handle=f"hola{uid}", niches=["PlantTok"], timezone=ZONES[0]
    )
    await svc.optin(G, uid, languages="Spanish")
    return uid


async def test_a_member_nobody_free_speaks_with_is_told_why_and_counted(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    await _creators(db, clock, svc, 4)
    spanish = await _spanish_only(db, clock, svc, 900)
    await DirectoryService(db, clock).remember_guild(G, "Creator Fam")
    await svc.setup(G, 1, channel_id=5, frequency="weekly", day="wed", at="18:00", timezone="UTC")
    slot = clock.now()
    rnd = await svc.run_round(G, slot, manual=True)
    assert rnd.unplaced == (spanish,) and rnd.reasons == {spanish: "language"}
    summary = rnd.summary()
    assert "Matched **4 members**: 2 pairs." in summary
    assert "No shared language with anyone free this round for 1 member." in summary
    assert summary.endswith("I've told each of them privately why.")
    await svc.run_round(G, slot, manual=True)  # a retry after a crash: nothing twice
    async with db.read() as s:
        rows = (
            await s.execute(
                select(OutboxMessage.kind, OutboxMessage.target_id, OutboxMessage.payload).where(
                    OutboxMessage.purpose.in_(("collab_left_out", "collab_announce"))
                )
            )
        ).all()
    notes = {(kind, target): payload["content"] for kind, target, payload in rows}
    assert set(notes) == {("dm", spanish), ("channel", 5)}
    note = notes[("dm", spanish)]
    assert "No collab match for you in **Creator Fam** this round" in note
    assert "nobody free this round speaks Spanish" in note and "/collab optin languages:" in note
    line = notes[("channel", 5)]
    assert "4 creators matched into 2 groups" in line
    assert "1 creator had nobody free who speaks their language this round" in line
    stored = await svc.round_at(G, slot)
    assert stored is not None and stored.reasons == {spanish: "language"}
    assert (await svc.stats(G)).left_out == {
        "language": 1,
        "blocked": 0,
        "full": 0,
        "alone": 0,
        "age": 0,
    }


async def test_run_now_says_how_far_a_round_still_going_out_got(
    db: Database, clock: ManualClock, svc: CollabService
) -> None:
    await _creators(db, clock, svc, 6)
    await svc.setup(G, 1, channel_id=5, frequency="weekly", day="wed", at="18:00", timezone="UTC")
    rnd = await svc.run_round(G, clock.now(), manual=True)
    assert len(rnd.groups) == 3
    clock.advance(minutes=30)  # long past the cooldown: the round is still going out
    going_out = (
        "A round is going out right now: {} of 3 groups introduced so far. I'll finish it, "
        "no need to run it again."
    )
    with pytest.raises(DomainError) as refused:
        await svc.check_run_now(G)
    assert str(refused.value) == going_out.format(0)
    await svc.queue_intro(rnd.groups[0].id, thread_id=None, channel_id=5)
    with pytest.raises(DomainError) as refused:
        await svc.check_run_now(G)
    assert str(refused.value) == going_out.format(1)
    for group in rnd.groups[1:]:
        await svc.queue_intro(group.id, thread_id=None, channel_id=5)
    assert (await svc.check_run_now(G)).guild_id == G  # all out: a new round may run
    # a round claimed but not stored yet (being matched, or a process died mid-way)
    await SlotStore(db, clock).claim("collab_round_now", str(G), clock.now(), owner="elsewhere")
    with pytest.raises(DomainError, match="A round is being matched right now"):
        await svc.check_run_now(G)
