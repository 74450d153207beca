"""Age groups on a real database (SQLite and PostgreSQL): settings and answers, the rule that
says who is an adult, collab rounds and suggestions that never cross it (and tell a member
left alone in their group why), welcome intros that invite only the newcomer's own group, and
the answer erased with the profile."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from core.plans import Occurrence, RetryLater
from models.delivery import OutboxMessage
from models.safety import MemberAge
from services.collabs import SLOT_KIND, CollabService, GroupInfo, Opened, RoundPlan
from services.directory import DirectoryService
from services.niches import NicheService
from services.profiles import ProfileService
from services.safety import (
    ADULT,
    MINOR,
    NO_GROUPS,
    UNSAID,
    AgeGroupService,
    RoleHoldersUnknown,
    age_rule_in,
)
from services.welcome import PURPOSE_INTRO, JoinInfo, WelcomeService

G = 42
ROLE = 777


@pytest.fixture
def ages(db: Database, clock: ManualClock) -> AgeGroupService:
    return AgeGroupService(db, clock)


@pytest.fixture
def profiles(db: Database, clock: ManualClock) -> ProfileService:
    return ProfileService(db, clock, NicheService(db))


@pytest.fixture
def collabs(db: Database, clock: ManualClock) -> CollabService:
    return CollabService(db, clock, NicheService(db))


async def _creator(
    profiles: ProfileService,
    collabs: CollabService,
    uid: int,
    age: str | None,
    niche: str = "PlantTok",
) -> int:
    await profiles.update(G, uid, handle=f"c{uid}", niches=[niche], timezone="Europe/London")
    if age is not None:
        await profiles.update(G, uid, age=age)
    await collabs.optin(G, uid, languages="English")
    return uid


async def _rule(db: Database, holders: set[int] | None = None) -> tuple[bool, frozenset[int]]:
    async with db.read() as s:
        rule = await age_rule_in(s, G, holders)
    return rule.separate, rule.adults


def _mixed(groups: Iterable[GroupInfo], adults: set[int]) -> list[tuple[int, ...]]:
    return [g.members for g in groups if len({u in adults for u in g.members}) > 1]


async def _answer(ages: AgeGroupService, uid: int) -> str | None:
    found = await ages.answer(G, uid)
    return found.answer if found is not None else None


# ---------------------------------------------------------------- who is an adult


async def test_who_counts_as_an_adult_follows_the_moderators_choice(
    db: Database, ages: AgeGroupService, profiles: ProfileService
) -> None:
    cfg = await ages.settings(G)
    assert (cfg.separate, cfg.adults_by, cfg.adult_role_id) == (True, "either", None)  # defaults
    await profiles.update(G, 1, age="18 or older")
    await profiles.update(G, 2, age="13-17")
    await profiles.update(G, 3, age=UNSAID)
    assert await _answer(ages, 1) == ADULT
    assert await _answer(ages, 2) == MINOR
    assert await ages.answer(G, 4) is None
    assert await _rule(db) == (True, frozenset({1}))  # no role named: the answers decide

    await ages.set_adult_role(G, ROLE)  # "either": the role or the answer
    assert await _rule(db, {4, 5}) == (True, frozenset({1, 4, 5}))
    with pytest.raises(RoleHoldersUnknown, match="won't guess"):
        await _rule(db, None)  # the role counts, nobody can say who holds it: no guessing

    await ages.set_adults_by(G, "role")
    assert await _rule(db, {4}) == (True, frozenset({4}))  # saying 18+ alone isn't enough
    with pytest.raises(DomainError, match="leave nobody counted"):
        await ages.set_adult_role(G, None)
    await ages.set_adults_by(G, "said")
    assert await _rule(db, None) == (True, frozenset({1}))  # the role doesn't count: not needed
    await ages.set_adult_role(G, None)
    with pytest.raises(DomainError, match="Name the 18\\+ role first"):
        await ages.set_adults_by(G, "role")
    with pytest.raises(DomainError, match="from the list"):
        await ages.set_adults_by(G, "vibes")

    counts = await ages.counts(G)
    assert counts.answers == {ADULT: 1, MINOR: 1, UNSAID: 1} and counts.answered == 3
    assert (await ages.counts(G, present={1, 3})).answers == {ADULT: 1, MINOR: 0, UNSAID: 1}


async def test_bad_answers_are_refused_and_change_nothing(
    db: Database, ages: AgeGroupService, profiles: ProfileService
) -> None:
    with pytest.raises(DomainError, match="Pick your age group from the list"):
        await profiles.update(G, 1, handle="@ok", age="21")
    assert await profiles.get(G, 1) is None and await ages.answer(G, 1) is None
    await profiles.update(G, 1, handle="@ok", age="adult")
    with pytest.raises(DomainError, match="isn't a TikTok handle"):
        await profiles.update(G, 1, handle="no spaces", age="minor")
    assert await _answer(ages, 1) == ADULT


async def test_age_groups_switch_off_only_for_a_server_without_minors(
    db: Database, ages: AgeGroupService, profiles: ProfileService
) -> None:
    await profiles.update(G, 1, age=ADULT)
    await profiles.update(G, 2, age=MINOR)
    with pytest.raises(DomainError, match="1 member told me they're 13 to 17"):
        await ages.keep_apart(G, False, by=99)
    assert (await ages.settings(G)).separate
    # the member who said 13-17 left the server: it is 18+ only now
    cfg = await ages.keep_apart(G, False, by=99, present={1})
    assert not cfg.separate and cfg.adults_only_by == 99 and cfg.adults_only_at is not None
    async with db.read() as s:
        assert await age_rule_in(s, G, None) == NO_GROUPS  # nobody is grouped by age any more
    cfg = await ages.keep_apart(G, True, by=99)
    assert cfg.separate and cfg.adults_only_by is None


async def test_profile_delete_erases_the_answer(
    db: Database, ages: AgeGroupService, profiles: ProfileService
) -> None:
    await profiles.update(G, 1, handle="@me", age=MINOR)
    await profiles.update(G, 2, handle="@you", age=ADULT)
    assert await profiles.delete(G, 1) >= 2
    assert await ages.answer(G, 1) is None and await ages.answer(G, 2) is not None
    async with db.read() as s:
        left = await s.scalar(select(func.count()).select_from(MemberAge))
    assert left == 1


# ---------------------------------------------------------------- collab rounds and suggestions


async def test_a_round_never_mixes_and_tells_a_member_alone_in_their_group_why(
    db: Database,
    clock: ManualClock,
    ages: AgeGroupService,
    profiles: ProfileService,
    collabs: CollabService,
) -> None:
    await DirectoryService(db, clock).remember_guild(G, "Creator Fam")
    await collabs.setup(
        G, 1, channel_id=5, frequency="weekly", day="wed", at="18:00", timezone="UTC"
    )
    await ages.set_adult_role(G, ROLE)
    said = [await _creator(profiles, collabs, uid, ADULT) for uid in (10, 11, 12)]
    by_role = await _creator(profiles, collabs, 13, None)  # holds the 18+ role, never said
    young = [
        await _creator(profiles, collabs, 20, MINOR),
        await _creator(profiles, collabs, 21, None),
    ]
    lone = await _creator(profiles, collabs, 22, UNSAID, niche="BookTok")
    adults = {*said, by_role}

    slot = clock.now()
    rnd = await collabs.run_round(G, slot, manual=True, role_holders={by_role, 999})
    assert _mixed(rnd.groups, adults) == []
    assert sorted(len(g.members) for g in rnd.groups) == [2, 2, 3]  # 4 adults, 3 young (trio)
    assert rnd.unplaced == () and rnd.reasons == {}
    groups = {frozenset(g.members) for g in rnd.groups}
    assert frozenset({*young, lone}) in groups

    # one more adult and nobody else new: the young trio stays, the new adult joins adults
    late = await _creator(profiles, collabs, 14, ADULT)
    rnd = await collabs.run_round(G, slot + timedelta(days=7), manual=True, role_holders={13})
    assert _mixed(rnd.groups, adults | {late}) == []

    # a young member with only adults around: left out, told privately, counted
    for uid in young:
        await collabs.optout(G, uid)
    third = slot + timedelta(days=14)
    rnd = await collabs.run_round(G, third, manual=True, role_holders={13})
    assert rnd.unplaced == (lone,) and rnd.reasons == {lone: "age"}
    summary = rnd.summary()
    assert "1 member had nobody else in their age group this round" in summary
    assert summary.endswith("I've told each of them privately why.")
    async with db.read() as s:
        notes = (
            await s.execute(
                select(OutboxMessage.target_id, OutboxMessage.payload).where(
                    OutboxMessage.purpose == "collab_left_out"
                )
            )
        ).all()
    [(target, payload)] = notes
    assert target == lone
    assert "No collab match for you in **Creator Fam** this round" in payload["content"]
    assert "keep adults and members who aren't confirmed 18+ apart" in payload["content"]
    assert "/profile set age:" in payload["content"]
    announce = await _announcements(db)
    assert announce and all("age group" not in t and "18" not in t for t in announce)
    assert (await collabs.stats(G)).left_out["age"] == 1


async def _announcements(db: Database) -> list[str]:
    async with db.read() as s:
        rows = await s.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.purpose == "collab_announce")
        )
        return [p["content"] for p in rows]


async def test_nobody_grouped_at_all_says_why_and_an_18_plus_server_matches_anyone(
    db: Database,
    clock: ManualClock,
    ages: AgeGroupService,
    profiles: ProfileService,
    collabs: CollabService,
) -> None:
    adult = await _creator(profiles, collabs, 10, ADULT)
    unsure = await _creator(profiles, collabs, 11, UNSAID)
    rnd = await collabs.run_round(G, clock.now(), manual=True)
    assert rnd.groups == () and rnd.reasons == {adult: "age", unsure: "age"}
    assert rnd.summary().startswith("Nobody could be paired: adults and members not confirmed")
    await ages.keep_apart(G, False, by=1)  # the server is 18+ only
    rnd = await collabs.run_round(G, clock.now() + timedelta(days=7), manual=True)
    assert [sorted(g.members) for g in rnd.groups] == [[adult, unsure]]


async def test_a_round_waits_rather_than_guess_who_holds_the_18_plus_role(
    db: Database,
    clock: ManualClock,
    ages: AgeGroupService,
    profiles: ProfileService,
    collabs: CollabService,
) -> None:
    class Port:
        holders: set[int] | None = None

        def members_present(self, guild_id: int) -> set[int] | None:
            return None

        async def adult_role_holders(self, guild_id: int) -> set[int] | None:
            return self.holders

        async def open_thread(self, channel_id: int, name: str, members: Sequence[int]) -> Opened:
            raise AssertionError("no intros in this test")

    await ages.set_adult_role(G, ROLE)
    for uid in (10, 11):
        await _creator(profiles, collabs, uid, None)
    port = Port()
    plan = RoundPlan(collabs, port)
    occurrence = Occurrence(clock.now(), str(G), SLOT_KIND, G)
    with pytest.raises(RetryLater, match="won't guess"):
        await plan.deliver(occurrence)
    assert await collabs.round_at(G, clock.now()) is None  # nothing stored: it runs again
    port.holders = {10}
    await plan.deliver(occurrence)
    rnd = await collabs.round_at(G, clock.now())
    assert rnd is not None and rnd.groups == () and rnd.reasons == {10: "age", 11: "age"}


async def test_suggestions_stay_in_the_members_age_group(
    db: Database, ages: AgeGroupService, profiles: ProfileService, collabs: CollabService
) -> None:
    await ages.set_adult_role(G, ROLE)
    young = await _creator(profiles, collabs, 20, MINOR)
    adult = await _creator(profiles, collabs, 10, ADULT)
    by_role = await _creator(profiles, collabs, 11, None)
    with pytest.raises(DomainError, match="Nobody in your age group is in collab rounds"):
        await collabs.suggest(G, young, role_holders={by_role})
    found = await collabs.suggest(G, adult, role_holders={by_role})
    assert [s.user_id for s in found] == [by_role]
    other = await _creator(profiles, collabs, 21, UNSAID)
    found = await collabs.suggest(G, young, role_holders={by_role})
    assert [s.user_id for s in found] == [other]
    # the role holder left the role: now they're in the young group's suggestions
    found = await collabs.suggest(G, young, role_holders=set())
    assert {s.user_id for s in found} == {other, by_role}
    with pytest.raises(RoleHoldersUnknown):
        await collabs.suggest(G, young, role_holders=None)


# ---------------------------------------------------------------- welcome intros


async def test_a_welcome_intro_invites_only_the_newcomers_age_group(
    db: Database, clock: ManualClock, ages: AgeGroupService, profiles: ProfileService
) -> None:
    welcome = WelcomeService(db, clock, NicheService(db), rng=random.Random(3))
    await welcome.configure(G, channel_id=5)
    await ages.set_adult_role(G, ROLE)
    for uid, age in [(10, ADULT), (11, None), (20, MINOR), (21, UNSAID), (22, None)]:
        answer = {"age": age} if age else {}  # 11 and 22 never answered
        await profiles.update(G, uid, handle=f"c{uid}", niches=["PlantTok"], **answer)
    holders = {11}  # holds the 18+ role

    async def onboard(uid: int, age: str | None) -> tuple[int, ...]:
        await welcome.record_joins([JoinInfo(G, uid, f"new{uid}", 10, False)])
        assert await welcome.asks_age(G, uid)  # asked once: they haven't answered
        await welcome.choose_niches(G, uid, ["PlantTok"])
        await welcome.save_handle(G, uid, f"@n{uid}", None, age=age)
        assert not await welcome.asks_age(G, uid) or age is None
        done = await welcome.complete(G, uid, role_holders=holders)
        return done.invitees

    assert set(await onboard(30, MINOR)) == {20, 21, 22}  # never 10 (said 18+) nor 11 (role)
    assert set(await onboard(31, ADULT)) <= {10, 11}
    assert len(await onboard(31 + 1, ADULT)) == 3  # adults: 10, 11, 31
    async with db.read() as s:
        intros = list(
            await s.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.purpose == PURPOSE_INTRO)
            )
        )
    assert set(intros[0]["invitees"]) == {20, 21, 22}
    given = await ages.answer(G, 30)
    assert given is not None and given.source == "onboarding"

    # who holds the role isn't known on this process: nobody is invited rather than guessed
    await welcome.record_joins([JoinInfo(G, 40, "new40", 10, False)])
    await welcome.choose_niches(G, 40, ["PlantTok"])
    await welcome.save_handle(G, 40, "@n40", None, age=MINOR)
    done = await welcome.complete(G, 40, role_holders=None)
    assert done.invitees == () and done.intro_queued

    await ages.keep_apart(G, False, by=1, present={10, 11, 31, 32})
    assert not await welcome.asks_age(G, 41)  # an 18+ server doesn't ask
