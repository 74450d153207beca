"""Collab deliveries on core's mechanism, end to end through the fake Discord: who rounds may
group (a shared language), what a moderator is told while a round is still going out, names
rendered from stored data, and rounds that survive a database outage and a restart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from services.collabs import (
    FOLLOWUP_KIND,
    ROUND_NOW_KIND,
    SLOT_KIND,
    CollabService,
    Opened,
)
from services.container import Services
from services.niches import NicheService
from services.profiles import ProfileService
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

COLLABS_ID = 3_000_000_000_000_000_077
CARA_ID = 2_000_000_000_000_000_044
DANA_ID = 2_000_000_000_000_000_055
ERIN_ID = 2_000_000_000_000_000_066

Stop = Callable[[AnyBot], Awaitable[None]]


def _threads(fake: FakeDiscord) -> list[Any]:
    return [c for c in fake.channels.values() if c.is_thread and c.parent_id == COLLABS_ID]


def _intros(fake: FakeDiscord) -> list[frozenset[int]]:
    """Who each intro posted in a collab thread pinged (one post per group)."""
    return [
        frozenset(m["pinged_user_ids"]) for t in _threads(fake) for m in fake.messages(t.id)[:1]
    ]


def _counts(count: Callable[[], int], wanted: int) -> Callable[[], bool]:
    return lambda: count() == wanted


async def _answer(handle: Any) -> str:
    resp = await handle.response()
    if resp["type"] == 5:  # deferred: the answer is a followup
        await handle.wait_followup(timeout=10, index=0)
    if handle.followups:
        return str(handle.followups[-1].get("content") or "")
    return str(handle.content or "")


async def _creator(
    bot: AnyBot, fake: FakeDiscord, uid: int, niche: str, languages: str, guild_id: int = GUILD_ID
) -> None:
    await bot.need(Services).profiles.update(
        guild_id,
        uid,
        handle=f"creator{uid % 1000}",
        niches=[niche],
        timezone="Europe/London",
        follower_band="1k-10k",
    )
    h = await fake.slash(guild_id, uid, "collab optin", {"languages": languages})
    assert "You're in!" in await _answer(h)


async def _setup(fake: FakeDiscord) -> None:
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "collab-rounds setup",
        {
            "channel": fake.channel_option(COLLABS_ID),
            "frequency": "weekly",
            "day": "wed",
            "time": "18:00",
            "timezone": "UTC",
        },
    )
    assert "every Wed at 18:00 (UTC)" in await _answer(h)


# ---------------------------------------------------------------- a shared language


async def test_creators_who_share_no_language_are_never_matched_and_are_told_why(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """The reported rounds: a Spanish-only and a Portuguese-only creator whose niches fit
    English-only members best, and a bilingual member free to take one of them; two rounds in
    a row (the second one can't reuse the first one's pairs)."""
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    for uid, name in ((CARA_ID, "cara"), (DANA_ID, "dana"), (ERIN_ID, "erin")):
        fake.add_member(GUILD_ID, uid, name, dispatch=False)
    clock = ManualClock()
    bot = await bot_factory(clock=clock)
    speaks = {
        ALICE_ID: ("PlantTok", "Spanish"),
        BOB_ID: ("Gaming", "English, Spanish"),
        CARA_ID: ("PlantTok", "English"),
        DANA_ID: ("BookTok", "English"),
        ERIN_ID: ("BookTok", "Portuguese"),
    }
    for uid, (niche, languages) in speaks.items():
        await _creator(bot, fake, uid, niche, languages)
    await _setup(fake)
    tongues = {uid: {x.strip() for x in langs.split(",")} for uid, (_n, langs) in speaks.items()}

    def shares_a_language(group: frozenset[int]) -> bool:
        return bool(set.intersection(*(tongues[u] for u in group)))

    seen = 0
    for round_no in (1, 2):
        h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
        text = await _answer(h)
        assert text.startswith("Round done! Matched **4 members**: 2 pairs."), text
        assert "No shared language with anyone free this round for 1 member." in text
        assert text.endswith(
            "I've told each of them privately why. Intros are on their way: private threads, "
            "or DMs where threads can't go."
        )
        if round_no == 2:  # Alice can only collab with Bob: a repeat, flagged, not a mismatch
            assert "repeat a partner from recent rounds" in text
        seen += 2
        await fake.wait_for(_counts(lambda: len(_intros(fake)), seen), timeout=10)
        groups = _intros(fake)[-2:]
        assert all(shares_a_language(g) for g in groups), groups
        assert frozenset((ALICE_ID, BOB_ID)) in groups
        await fake.wait_for(_counts(lambda: len(fake.dms(ERIN_ID)), round_no))
        notes = fake.dms(ERIN_ID)
        assert "No collab match for you in **Creator Fam** this round" in notes[-1]["content"]
        assert "nobody free this round speaks Portuguese" in notes[-1]["content"]
        assert not notes[-1].get("pinged_user_ids")
        clock.advance(minutes=11)  # past the run-now cooldown
    lines = [m["content"] for m in fake.messages(COLLABS_ID)]
    assert len(lines) == 2 and all(
        "4 creators matched into 2 groups" in line
        and "1 creator had nobody free who speaks their language this round" in line
        for line in lines
    )

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds stats")
    await h.response()
    fields = {f["name"]: f["value"] for f in h.embeds[0]["fields"]}
    assert fields["Left out of rounds"] == (
        "no shared language: 2 · blocks: 0 · no room left: 0 · alone: 0 · "
        "nobody in their age group: 0"
    )
    h = await fake.slash(GUILD_ID, CARA_ID, "collab suggest")
    await h.response()
    listed = " ".join(f["value"] for f in h.embeds[0]["fields"])
    assert f"<@{ALICE_ID}>" not in listed and f"<@{ERIN_ID}>" not in listed
    h = await fake.slash(GUILD_ID, ERIN_ID, "collab suggest")
    assert "Nobody in collab rounds speaks Portuguese yet" in await _answer(h) and h.ephemeral


# ---------------------------------------------------------------- stored names


async def test_thread_names_intros_and_followups_show_the_stored_names(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    """What a queued message shows comes from stored data, not from the sending process's
    cache: a thread named from the directory, and DMs about a guild this bot doesn't hold."""
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    clock = ManualClock()
    bot = await bot_factory(clock=clock)
    directory = bot.need(Services).directory

    async def stored() -> bool:  # the gateway's names are in (the directory flushes in batches)
        return (await directory.names(GUILD_ID, [ALICE_ID])).get(ALICE_ID) == "alice"

    await eventually(stored, what="the directory stored the gateway's names")
    await directory.remember_members([(GUILD_ID, ALICE_ID, "Alice Plants 🌿")])
    for uid in (ALICE_ID, BOB_ID):
        await _creator(bot, fake, uid, "PlantTok", "English")
    await _setup(fake)
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert "Round done!" in await _answer(h)
    [thread] = await fake.wait_for(lambda: _threads(fake))
    assert thread.name == "💞 collab: Alice Plants 🌿 × bob"  # not the cache's "alice"

    # a guild (and members) this process's cache doesn't hold: only the directory knows them
    elsewhere, channel = 1_100_000_000_000_000_999, 3_000_000_000_000_000_999
    await directory.remember_guild(elsewhere, "Night Owls")
    await directory.remember_members([(elsewhere, CARA_ID, "Cara"), (elsewhere, DANA_ID, "Dana")])
    svc = bot.need(Services).collabs
    for uid in (CARA_ID, DANA_ID):
        await bot.need(Services).profiles.update(
            elsewhere, uid, handle=f"c{uid % 100}", niches=["BookTok"]
        )
        await svc.optin(elsewhere, uid)
    await svc.setup(
        elsewhere,
        MOD_ID,
        channel_id=channel,
        frequency="weekly",
        day="wed",
        at="18:00",
        timezone="UTC",
    )
    outcome = await bot.deliveries.run_manual(SLOT_KIND, str(elsewhere), elsewhere)
    assert outcome.status == "done", outcome
    intro = await fake.wait_for(lambda: fake.dms(CARA_ID))
    assert intro[0]["content"].startswith(
        f"Hey mutual! 💞 Your collab match in **Night Owls** this round: **Dana** (<@{DANA_ID}>)."
    ), intro[0]["content"]
    assert "collab channel" not in intro[0]["content"]  # that channel is gone: not named
    clock.advance(days=7)
    await bot.deliveries.run(FOLLOWUP_KIND)
    asked = await fake.wait_for(lambda: len(fake.dms(DANA_ID)) == 2 and fake.dms(DANA_ID))
    assert asked[1]["content"] == (
        f"Hey mutual! It's check-in time: did your collab with **Cara** (<@{CARA_ID}>) from "
        "**Night Owls** happen? 🎬"
    )
    assert all("the server" not in m["content"] for m in fake.dms(CARA_ID) + fake.dms(DANA_ID))


# ---------------------------------------------------------------- timing and restarts


async def test_a_database_outage_across_the_slot_time_runs_the_round_once(
    fake: FakeDiscord, bot_factory: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    clock = ManualClock()  # Monday 2026-01-05 12:00 UTC
    bot = await bot_factory(clock=clock)
    for uid in (ALICE_ID, BOB_ID):
        await _creator(bot, fake, uid, "PlantTok", "English")
    await _setup(fake)
    svc = bot.need(Services).collabs
    cfg = await svc.settings(GUILD_ID)
    assert cfg is not None and cfg.next_round_at is not None
    slot = cfg.next_round_at
    real = svc.create_round
    calls = 0

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(svc, "create_round", unreachable)
    clock.set(slot - timedelta(seconds=30))
    for _ in range(6):  # the database is away from before the slot until 2 minutes after it
        clock.advance(seconds=25)
        await bot.deliveries.run(SLOT_KIND)  # never raises; the claim waits, unfinished
    assert calls >= 2 and await svc.round_at(GUILD_ID, slot) is None
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert "A round is being matched right now" in await _answer(h) and h.ephemeral
    monkeypatch.setattr(svc, "create_round", real)

    async def one_round() -> bool:  # the sweep (or the next wake-up) finishes it, once
        return (await svc.stats(GUILD_ID)).rounds == 1 and len(_intros(fake)) == 1

    await eventually(one_round, what="the round ran once the database came back")
    await bot.deliveries.run(SLOT_KIND)
    assert [s.status for s in await bot.slots.history(SLOT_KIND, str(GUILD_ID))] == ["done"]
    assert (await svc.stats(GUILD_ID)).rounds == 1 and len(_intros(fake)) == 1
    assert bot.deliveries.next_wake(SLOT_KIND) == slot + timedelta(days=7)


async def test_a_restart_mid_round_finishes_the_intros_without_a_second_round(
    fake: FakeDiscord, bot_factory: BotFactory, stop: Stop
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    for uid, name in ((CARA_ID, "cara"), (DANA_ID, "dana")):
        fake.add_member(GUILD_ID, uid, name, dispatch=False)
    clock = ManualClock()
    first = await bot_factory(clock=clock)
    for uid in (ALICE_ID, BOB_ID, CARA_ID, DANA_ID):
        await _creator(first, fake, uid, "PlantTok", "English")
    await _setup(fake)
    cog: Any = first.get_cog("CollabsCog")
    opened: list[Sequence[int]] = []
    real_open = cog.open_thread

    async def dies_after_one(channel_id: int, name: str, members: Sequence[int]) -> Opened:
        if opened:
            raise RuntimeError("the process is going down")  # the first intro is out, not more
        opened.append(members)
        result: Opened = await real_open(channel_id, name, members)
        return result

    cog.open_thread = dies_after_one
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert "Round done! Matched **4 members**: 2 pairs." in await _answer(h)
    await fake.wait_for(lambda: len(_intros(fake)) == 1)
    clock.advance(minutes=11)  # a moderator retries later: the round is still going out
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert await _answer(h) == (
        "A round is going out right now: 1 of 2 groups introduced so far. "
        "I'll finish it, no need to run it again."
    )
    assert h.ephemeral
    await stop(first)

    second = await bot_factory(clock=clock)  # the restart: it finishes what was left
    await fake.wait_for(lambda: len(_intros(fake)) == 2, timeout=15)
    svc = second.need(Services).collabs
    assert (await svc.stats(GUILD_ID)).rounds == 1
    assert sorted(u for g in _intros(fake) for u in g) == sorted(
        [ALICE_ID, BOB_ID, CARA_ID, DANA_ID]
    )
    assert all(len(fake.messages(t.id)) == 1 for t in _threads(fake))  # each intro once
    await second.deliveries.run(SLOT_KIND)  # nothing scheduled is due: no second round
    assert (await svc.stats(GUILD_ID)).rounds == 1
    history = await second.slots.history(ROUND_NOW_KIND, str(GUILD_ID))
    assert [s.status for s in history] == ["done"]


async def test_a_crash_between_storing_a_round_and_its_intros_is_resumed_by_the_next_process(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    """Killed right after the round was matched and stored, its claim still open: the next
    process takes the claim over, sends what the round owes, once, and re-pairs nobody."""
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    fake.add_member(GUILD_ID, CARA_ID, "cara", dispatch=False)
    clock = ManualClock()
    niches = NicheService(db)
    profiles = ProfileService(db, clock, niches)
    svc = CollabService(db, clock, niches)
    for i, uid in enumerate((ALICE_ID, BOB_ID, CARA_ID, MOD_ID)):
        await profiles.update(GUILD_ID, uid, handle=f"c{i}", niches=["BookTok"])
        await svc.optin(GUILD_ID, uid)
    await svc.setup(
        GUILD_ID,
        MOD_ID,
        channel_id=COLLABS_ID,
        frequency="weekly",
        day="mon",
        at="09:00",
        timezone="UTC",
    )
    from core.slots import SlotStore

    slot = clock.now() - timedelta(minutes=5)
    assert await SlotStore(db, clock).claim(
        ROUND_NOW_KIND, str(GUILD_ID), slot, owner="killed-process", guild_id=GUILD_ID
    )
    before = await svc.create_round(GUILD_ID, slot, manual=True)

    bot = await bot_factory(clock=clock)
    await fake.wait_for(lambda: len(_intros(fake)) == 2, timeout=15)
    [line] = await fake.wait_for(lambda: fake.messages(COLLABS_ID))
    assert "4 creators matched into 2 groups" in line["content"]
    assert set(_intros(fake)) == {frozenset(g.members) for g in before.groups}

    async def finished() -> bool:
        history = await bot.slots.history(ROUND_NOW_KIND, str(GUILD_ID))
        return [s.status for s in history] == ["done"]

    await eventually(finished, what="the taken-over claim is finished")
    assert (await svc.stats(GUILD_ID)).rounds == 1
