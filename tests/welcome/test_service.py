"""WelcomeService on a real database (SQLite and PostgreSQL), time driven by ManualClock."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from models.delivery import OutboxMessage
from models.welcome import WelcomeEvent
from services.directory import DirectoryService
from services.niches import NicheService
from services.profiles import ProfileService
from services.welcome import (
    PURPOSE_BATCH,
    PURPOSE_DM,
    PURPOSE_INTRO,
    PURPOSE_PUBLIC,
    JoinInfo,
    WelcomeService,
    render_template,
    validate_rules,
    validate_template,
    window_start,
)

G = 1_100_000_000_000_000_001
CH = 3_000_000_000_000_000_009
U = 2_000_000_000_000_000_500


@pytest.fixture
def service(db: Database, clock: ManualClock) -> WelcomeService:
    return WelcomeService(db, clock, NicheService(db), rng=random.Random(7))


async def queued(db: Database, purpose: str | None = None) -> list[OutboxMessage]:
    async with db.read() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if purpose:
            stmt = stmt.where(OutboxMessage.purpose == purpose)
        return list(await s.scalars(stmt))


def join(user: int, *, pending: bool = False) -> JoinInfo:
    return JoinInfo(G, user, f"user{user % 1000}", 42, pending)


def test_template_validation() -> None:
    assert validate_template("Hey {member}! {server} #{count} {niche} {{literal}}")
    for bad in ("{nope}", "{member!r}", "{count:>5}", "{}", "oops {", "@here {member}", ""):
        with pytest.raises(DomainError) as err:
            validate_template(bad)
        assert "{member}" in err.value.message or "empty" in err.value.message
    text = render_template("{member} {server}", member="<@1>", server="{count}", count="", niche="")
    assert text == "<@1> {count}"  # server names with braces are not re-read as placeholders


def test_rules_validation() -> None:
    assert validate_rules("• one\n- two\n\n* three") == ("one", "two", "three")
    with pytest.raises(DomainError):
        validate_rules("\n".join(f"rule {i}" for i in range(11)))
    with pytest.raises(DomainError):
        validate_rules("   \n  ")


def test_raid_windows_are_aligned(clock: ManualClock) -> None:
    start = window_start(clock.now() + timedelta(seconds=47), 30)
    assert start == clock.now() + timedelta(seconds=30)


async def test_join_queues_dm_and_welcome_in_the_same_transaction(
    service: WelcomeService, db: Database
) -> None:
    await service.configure(G, channel_id=CH)
    outcome = await service.record_join(G, U, display_name="newbie", member_count=7, pending=False)
    assert outcome.action == "welcomed"
    rows = await queued(db)
    assert [(r.purpose, r.target_id) for r in rows] == [(PURPOSE_DM, U), (PURPOSE_PUBLIC, CH)]
    state = await service.state(G, U)
    assert state is not None and state.member_number == 7 and state.dm_state == "queued"


async def test_one_join_seen_by_two_sessions_is_welcomed_once(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    """During a rolling restart both processes get the same GUILD_MEMBER_ADD (same Discord
    joined_at): one DM and one welcome, one join counted. A real comeback is welcomed again."""
    await service.configure(G, channel_id=CH)
    at = clock.now() - timedelta(seconds=1)
    seen_twice = replace(join(U), joined_at=at)
    assert [o.action for o in await service.record_joins([seen_twice])] == ["welcomed"]
    assert [o.action for o in await service.record_joins([seen_twice])] == ["ignored"]
    assert [(r.purpose, r.target_id) for r in await queued(db)] == [
        (PURPOSE_DM, U),
        (PURPOSE_PUBLIC, CH),
    ]
    clock.advance(hours=2)
    await service.record_leave(G, U)
    back = replace(join(U), joined_at=clock.now())
    assert [o.action for o in await service.record_joins([back, back])] == ["welcomed", "ignored"]
    assert [r.purpose for r in await queued(db, PURPOSE_DM)] == [PURPOSE_DM, PURPOSE_DM]
    async with db.read() as s:
        kinds = list(await s.scalars(select(WelcomeEvent.kind).where(WelcomeEvent.user_id == U)))
    assert kinds.count("join") == 2  # the first stay and the comeback, each counted once


async def test_dm_off_and_no_channel(service: WelcomeService, db: Database) -> None:
    await service.configure(G, dm_enabled=False)
    await service.record_joins([join(U)])
    assert await queued(db) == []  # no DM, and no channel to post in
    state = await service.state(G, U)
    assert state is not None and state.dm_state == "off" and state.status == "welcomed"


async def test_raid_threshold_batches_the_rest_and_flushes_once(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    await service.configure(G, channel_id=CH, raid_joins=3, raid_window_seconds=30)
    outcomes = await service.record_joins([join(U + i) for i in range(5)])
    outcomes += await service.record_joins([join(U + 5)])
    assert [o.action for o in outcomes] == ["welcomed"] * 3 + ["batched"] * 3
    assert len(await queued(db, PURPOSE_PUBLIC)) == 3
    assert len(await queued(db, PURPOSE_DM)) == 6  # everyone still gets the DM, paced
    assert await service.due_batches(clock.now()) == []  # window still open
    clock.advance(seconds=31)
    [ref] = await service.due_batches(clock.now())
    assert await service.flush_batch(ref.guild_id, ref.window_start) == 3
    assert await service.flush_batch(ref.guild_id, ref.window_start) == 0
    [post] = await queued(db, PURPOSE_BATCH)
    assert post.payload["user_ids"] == [U + 3, U + 4, U + 5] and post.payload["total"] == 3
    assert await service.due_batches(clock.now()) == []


async def test_queued_welcomes_carry_the_names_they_show(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    """Whichever process sends them, the names are in the payload: as the join event told
    them, else as stored from the gateway (services.directory)."""
    directory = DirectoryService(db, clock)
    await directory.remember_guild(G, "Stored Fam")
    await service.configure(G, channel_id=CH, raid_joins=2)
    await service.record_join(
        G, U, display_name="Nova", member_count=7, pending=False, guild_name="Told Fam"
    )
    await service.record_joins([join(U + 1)])  # no name told: the stored one
    assert (await service.record_joins([join(U + 2)]))[0].action == "batched"
    await service.record_joins([join(U + 3, pending=True)])
    await service.screening_passed(
        G, U + 3, display_name="x", member_count=9, guild_name="Renamed Fam"
    )
    assert [r.payload["guild_name"] for r in await queued(db, PURPOSE_DM)] == [
        "Told Fam",
        "Stored Fam",
        "Stored Fam",
        "Renamed Fam",
    ]
    publics = [
        (r.payload["guild_name"], r.payload["display_name"])
        for r in await queued(db, PURPOSE_PUBLIC)
    ]
    assert publics == [
        ("Told Fam", "Nova"),
        ("Stored Fam", f"user{(U + 1) % 1000}"),
        ("Renamed Fam", f"user{(U + 3) % 1000}"),
    ]
    clock.advance(seconds=31)
    [ref] = await service.due_batches(clock.now())
    await service.flush_batch(ref.guild_id, ref.window_start)
    [post] = await queued(db, PURPOSE_BATCH)
    assert post.payload["guild_name"] == "Stored Fam"


async def test_screening_then_passed(service: WelcomeService, db: Database) -> None:
    await service.configure(G, channel_id=CH)
    assert (await service.record_joins([join(U, pending=True)]))[0].action == "screening"
    assert await queued(db) == []
    first = await service.screening_passed(G, U, display_name="x", member_count=3)
    again = await service.screening_passed(G, U, display_name="x", member_count=3)
    assert (first.action, again.action) == ("welcomed", "ignored")  # only once
    assert len(await queued(db, PURPOSE_DM)) == 1


async def test_steps_validate_save_profile_and_complete(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    niches = NicheService(db)
    profiles = ProfileService(db, clock, niches)
    await service.configure(G, channel_id=CH)
    for uid, niche in [(11, "PlantTok"), (12, "PlantTok"), (13, "BookTok"), (14, "PlantTok")]:
        await profiles.update(G, uid, niches=[niche])
    await service.record_joins([join(U)])
    with pytest.raises(DomainError, match="niche first"):
        await service.complete(G, U)
    with pytest.raises(DomainError, match="isn't one of this server's niches"):
        await service.choose_niches(G, U, ["KnittingTok"])
    with pytest.raises(DomainError, match="up to 3"):
        await service.choose_niches(G, U, ["PlantTok", "BookTok", "FoodTok", "DIY"])
    state = await service.choose_niches(G, U, ["planttok", "DIY"])
    assert state.niches == ("PlantTok", "DIY") and state.step == "profile"
    with pytest.raises(DomainError, match="handle first"):
        await service.complete(G, U)
    with pytest.raises(DomainError, match="TikTok handle"):
        await service.save_handle(G, U, "no spaces allowed", None)
    state = await service.save_handle(G, U, "@plant.pal", "  grows   things  ")
    assert state.step == "norms" and state.intro == "grows things"
    assert (await service.go_to(G, U, "niches")).step == "niches"  # a step can be redone
    done = await service.complete(G, U, is_member=lambda uid: uid != 14)
    assert set(done.invitees) == {11, 12}  # same niche, still here; BookTok not invited
    assert done.intro_queued and done.state.completed
    [intro] = await queued(db, PURPOSE_INTRO)
    assert sorted(intro.payload["invitees"]) == [11, 12]
    profile = await profiles.get(G, U)
    assert profile is not None and profile.tiktok_handle == "plant.pal"
    assert profile.niches == ("PlantTok", "DIY")
    with pytest.raises(DomainError, match="all set"):
        await service.choose_niches(G, U, ["BookTok"])
    [week, _month] = await service.stats(G)
    assert (week.joins, week.started, week.completed, week.completion_rate) == (1, 1, 1, 1.0)
    clock.advance(days=8)
    [week, month] = await service.stats(G)
    assert week.joins == 0 and month.joins == 1


async def test_roles_on_completion_and_return(service: WelcomeService, db: Database) -> None:
    niches = NicheService(db)
    await niches.add(G, "KnitTok", role_id=555)
    await service.configure(G, autorole_id=777)
    await service.record_joins([join(U)])
    await service.choose_niches(G, U, ["KnitTok", "BookTok"])
    await service.save_handle(G, U, "knitter", None)
    done = await service.complete(G, U)
    assert done.role_ids == (555, 777)
    await service.record_leave(G, U)
    [back] = await service.record_joins([join(U)])
    assert back.action == "returning" and back.restore_role_ids == (555, 777)
    assert len(await queued(db, PURPOSE_DM)) == 1  # not onboarded again


async def test_leave_within_window_cancels_unsent_welcome(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    await service.configure(G, channel_id=CH, leave_window_minutes=30)
    await service.record_joins([join(U), join(U + 1)])
    await service.posted(G, U + 1, "public", CH, 999)
    clock.advance(minutes=10)
    gone = await service.record_leave(G, U)
    assert gone.cancelled == 2 and gone.delete_messages == ()
    assert {r.status for r in await queued(db) if r.payload.get("user_id") == U} == {"cancelled"}
    posted = await service.record_leave(G, U + 1)
    assert posted.delete_messages == ((CH, 999),)
    clock.advance(minutes=60)
    await service.record_joins([join(U + 2)])
    clock.advance(minutes=31)
    late = await service.record_leave(G, U + 2)
    assert late.cancelled == 0 and late.delete_messages == ()


async def test_dms_closed_recorded_once(service: WelcomeService) -> None:
    await service.record_joins([join(U)])
    assert await service.dm_result(G, U, "dms_closed") is True
    assert await service.dm_result(G, U, "dms_closed") is False
    [week, _] = await service.stats(G)
    assert week.dms_closed == 1


async def test_preview_is_separate_and_saves_nothing(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    await service.configure(G, channel_id=CH)
    state = await service.open_flow(G, U, display_name="mod", preview=True)
    assert state.preview and state.step == "niches"
    await service.choose_niches(G, U, ["BookTok"], preview=True)
    await service.save_handle(G, U, "mod", None, preview=True)
    done = await service.complete(G, U, preview=True)
    assert done.state.completed and not done.intro_queued
    assert await queued(db) == [] and await service.state(G, U) is None
    assert await ProfileService(db, clock, NicheService(db)).get(G, U) is None
    again = await service.open_flow(G, U, display_name="mod", preview=True)
    assert again.step == "niches" and not again.completed


async def test_profile_delete_erases_welcome_data(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    await service.record_joins([join(U)])
    profiles = ProfileService(db, clock, NicheService(db))
    assert await profiles.delete(G, U) >= 2  # onboarding row + join event
    assert await service.state(G, U) is None
    assert await service.joins_recorded(G) == 0


async def test_settings_validation(service: WelcomeService) -> None:
    for kwargs in ({"raid_joins": 1}, {"raid_window_seconds": 2}, {"leave_window_minutes": -1}):
        with pytest.raises(DomainError):
            await service.configure(G, **kwargs)  # type: ignore[arg-type]
    settings = await service.configure(G, template="Yo {member}")
    assert settings.custom_template and settings.template == "Yo {member}"


async def test_whom_a_start_onboarding_click_is_for(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    await service.configure(G, channel_id=CH, raid_joins=2)
    await service.record_joins([join(U), join(U + 1), join(U + 2)])  # U + 2 is batched
    await service.posted(G, U, "public", CH, 901)
    await service.posted(G, U + 1, "public", CH, 902)
    profiles = ProfileService(db, clock, NicheService(db))
    await profiles.update(G, 77, handle="@old.timer")  # /profile set, never onboarded here
    await profiles.update(G, 78, niches=["PlantTok"])  # a profile without a handle
    for uid in (U, U + 2):
        await service.choose_niches(G, uid, ["PlantTok"])
        await service.save_handle(G, uid, f"h{uid % 1000}", None)
        await service.complete(G, uid)
    clock.advance(seconds=31)
    [ref] = await service.due_batches(clock.now())
    await service.flush_batch(ref.guild_id, ref.window_start)

    async def check(user_id: int, message_id: int | None) -> tuple[str, int | None]:
        found = await service.start_check(G, user_id, message_id)
        return found.action, found.newcomer

    assert await check(U + 1, 902) == ("go", None)  # the newcomer, on their own welcome
    assert await check(U + 1, 901) == ("go", None)  # still onboarding: the flow is theirs
    assert await check(U, 901) == ("done", None)  # finished, their own welcome
    assert await check(U, 902) == ("not_yours", U + 1)  # finished, someone else's welcome
    assert await check(U + 2, 999) == ("done", None)  # finished, from their raid's batch post
    assert await check(77, 902) == ("not_yours", U + 1)  # set up by /profile set
    assert await check(77, 999) == ("not_yours", None)  # ... on a batch post
    assert await check(78, 902) == ("go", None)  # no handle yet: may onboard themselves
    assert await check(79, None) == ("go", None)  # never onboarded, no profile


async def test_a_raid_batch_is_written_in_bulk_and_welcomes_each_join_once(
    service: WelcomeService, db: Database, clock: ManualClock
) -> None:
    """A batch of new members is written with bulk inserts: every join counted and every DM
    queued once, the same join event seen twice in the batch ignored, and a member who left
    and came back within the batch (a new stay) welcomed for each stay."""
    await service.configure(G, channel_id=CH, raid_joins=3)
    at = clock.now() - timedelta(seconds=5)
    newbies = [replace(join(U + i), joined_at=at) for i in range(300)]
    comeback = replace(join(U + 400), joined_at=at)
    again = replace(comeback, joined_at=at + timedelta(seconds=2))
    outcomes = await service.record_joins([*newbies, comeback, *newbies[:10], again])
    actions = [o.action for o in outcomes]
    assert actions[:3] == ["welcomed"] * 3
    assert set(actions[3:301]) == {"batched"}
    assert actions[301:311] == ["ignored"] * 10
    assert actions[311] == "batched"
    dms = await queued(db, PURPOSE_DM)
    assert sorted(r.target_id for r in dms) == [U + i for i in range(300)] + [U + 400] * 2
    assert len({r.dedupe_key for r in dms}) == len(dms)
    assert [r.target_id for r in await queued(db, PURPOSE_PUBLIC)] == [CH] * 3
    async with db.read() as s:
        joins = list(
            await s.scalars(select(WelcomeEvent.user_id).where(WelcomeEvent.kind == "join"))
        )
    assert len(joins) == 302 and joins.count(U + 400) == 2
    state = await service.state(G, U + 400)
    assert state is not None and state.dm_state == "queued" and state.public_state == "batched"
    # What was committed is there for any later reader (a restarted process): nothing is lost.
    again_db = Database.from_url(db.engine.url.render_as_string(hide_password=False))
    try:
        later = WelcomeService(again_db, clock, NicheService(again_db))
        assert await later.joins_recorded(G) == 302
    finally:
        await again_db.dispose()
