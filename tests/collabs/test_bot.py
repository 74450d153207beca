"""Collabs end to end: the real bot against the fake Discord, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from services.collabs import FOLLOWUP_KIND, SLOT_KIND, CollabService
from services.container import Services
from services.niches import NicheService
from services.profiles import ProfileService
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

COLLABS_ID = 3_000_000_000_000_000_077
CARA_ID = 2_000_000_000_000_000_044


async def _profiles(bot: AnyBot, *ids: int) -> None:
    for i, uid in enumerate(ids):
        await bot.need(Services).profiles.update(
            GUILD_ID,
            uid,
            handle=f"creator{i}",
            niches=["PlantTok" if i % 2 else "HomeTok"],
            timezone="Europe/London",
            follower_band="1k-10k",
        )


async def _eventually(check: Any, tries: int = 500) -> Any:
    """Await an async check until it is truthy (the bot finishes work in background tasks)."""
    for _ in range(tries):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.01)
    return await check()


def _cog(bot: AnyBot) -> Any:
    cog = bot.get_cog("CollabsCog")
    assert cog is not None
    return cog


def _threads(fake: FakeDiscord) -> list[Any]:
    return [c for c in fake.channels.values() if c.is_thread and c.parent_id == COLLABS_ID]


async def _answer(handle: Any) -> str:
    resp = await handle.response()
    if resp["type"] == 5:  # deferred: the answer is a followup
        await handle.wait_followup(timeout=10, index=0)
    if handle.followups:
        return str(handle.followups[-1].get("content") or "")
    return str(handle.content or "")


async def test_member_commands_and_clear_errors(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    bot = await bot_factory(clock=ManualClock())  # 2026-01-05
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    subcommands = {o["name"] for o in synced["collab"]["options"]}
    assert {
        "optin",
        "optout",
        "pause",
        "resume",
        "block",
        "unblock",
        "suggest",
        "status",
    } <= subcommands
    # moderator tools are their own top-level command, so Discord hides them from members
    assert int(synced["collab-rounds"]["default_member_permissions"]) == 1 << 5
    assert {"setup", "pause", "resume", "run-now", "stats"} == {
        o["name"] for o in synced["collab-rounds"]["options"]
    }

    h = await fake.slash(GUILD_ID, ALICE_ID, "collab optin")
    assert "creator profile first" in await _answer(h) and h.ephemeral

    await _profiles(bot, ALICE_ID, BOB_ID)
    h = await fake.slash(
        GUILD_ID, ALICE_ID, "collab optin", {"formats": "duet, stich", "languages": "English"}
    )
    assert "Did you mean **stitch**" in await _answer(h) and h.ephemeral
    h = await fake.slash(
        GUILD_ID,
        ALICE_ID,
        "collab optin",
        {"formats": "duet, stitch", "availability": "weekday evenings"},
    )
    assert "You're in!" in await _answer(h)
    fields = {f["name"]: f["value"] for f in h.embeds[0]["fields"]}
    assert fields["Formats"] == "duets, stitches" and fields["Languages"] == "English"

    for options, needle in [
        ({"until": "2020-01-01"}, "isn't in the future"),
        ({"until": "2099-01-01"}, "more than a year"),
        ({"until": "soon"}, "year-month-day"),
    ]:
        h = await fake.slash(GUILD_ID, ALICE_ID, "collab pause", options)
        assert needle in await _answer(h) and h.ephemeral
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab pause", {"until": "2026-02-01"})
    assert "Paused" in await _answer(h)
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab resume")
    assert "Welcome back" in await _answer(h)

    h = await fake.slash(
        GUILD_ID, ALICE_ID, "collab block", {"member": fake.member_option(ALICE_ID)}
    )
    assert "can't block yourself" in await _answer(h)
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab block", {"member": fake.member_option(BOB_ID)})
    assert "Nobody else can see this" in await _answer(h) and h.ephemeral
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab unblock", {"member": fake.user_option(MOD_ID)})
    assert "isn't on your never-pair list" in await _answer(h)

    h = await fake.slash(GUILD_ID, BOB_ID, "collab suggest")
    assert "Nobody to suggest" in await _answer(h)  # Alice blocked Bob; nobody else is in

    h = await fake.slash(GUILD_ID, ALICE_ID, "collab status")
    await h.response()
    fields = {f["name"]: f["value"] for f in h.embeds[0]["fields"]}
    assert fields["Collab rounds"] == "in" and "1 member," in fields["Never-pair list"]

    # members cannot run moderator commands, even though Discord would show them the group
    mod_calls: list[tuple[str, dict[str, Any]]] = [
        ("stats", {}),
        ("run-now", {}),
        ("pause", {}),
        (
            "setup",
            {
                "channel": fake.channel_option(COLLABS_ID),
                "frequency": "weekly",
                "day": "wed",
                "time": "18:00",
            },
        ),
    ]
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    for sub, options in mod_calls:
        h = await fake.slash(GUILD_ID, ALICE_ID, f"collab-rounds {sub}", options)
        assert "moderators only" in await _answer(h) and h.ephemeral
    assert await _cog(bot).service.settings(GUILD_ID) is None
    # nobody was pinged by any of this
    assert all(not m.get("pinged_user_ids") for m in fake.messages(COLLABS_ID))


async def test_round_threads_intro_followup_answers_and_stats(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    fake.add_member(GUILD_ID, CARA_ID, "cara", dispatch=False)
    clock = ManualClock()
    bot = await bot_factory(clock=clock)
    await _profiles(bot, ALICE_ID, BOB_ID, CARA_ID)

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert "aren't set up" in await _answer(h)
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
            "followup_days": 1,
            "history": 1,
        },
    )
    text = await _answer(h)
    assert "every Wed at 18:00 (UTC)" in text
    assert "Follow-ups after 1 day; no repeat partners within 1 round." in text, text
    for uid in (ALICE_ID, BOB_ID, CARA_ID):
        await (await fake.slash(GUILD_ID, uid, "collab optin")).response()

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    text = await _answer(h)
    assert "Round done!" in text and "trio" in text, text
    [thread] = await fake.wait_for(lambda: _threads(fake))  # intros go out right after
    intro = await fake.wait_for(lambda: fake.messages(thread.id))
    assert sorted(thread.thread_members) == sorted([fake.bot_user.id, ALICE_ID, BOB_ID, CARA_ID])
    assert thread.type == 12  # private
    assert sorted(intro[0]["pinged_user_ids"]) == sorted([ALICE_ID, BOB_ID, CARA_ID])
    embed = intro[0]["embeds"][0]
    assert embed["title"] == "Why you were matched"
    assert "PlantTok" in embed["description"] or "HomeTok" in embed["description"]
    assert "Two collab ideas" in embed["fields"][0]["name"]
    assert embed["footer"]["text"] == "I'll check in in 1 day: did you collab? 🎬"

    [announcement] = await fake.wait_for(lambda: fake.messages(COLLABS_ID))
    assert "New collab round! 3 creators matched" in announcement["content"]
    assert announcement["pinged_user_ids"] == []

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert "just ran" in await _answer(h)  # no accidental double round

    assert await bot.deliveries.run(FOLLOWUP_KIND) == []  # not due yet
    assert bot.deliveries.next_wake(FOLLOWUP_KIND) == clock.now() + timedelta(days=1)
    clock.advance(days=1)
    await bot.deliveries.run(FOLLOWUP_KIND)
    msgs = await fake.wait_for(
        lambda: len(fake.messages(thread.id)) == 2 and fake.messages(thread.id)
    )
    followup = msgs[1]
    ids = [c["custom_id"] for row in followup["components"] for c in row["components"]]
    assert len(ids) == 3 and ids[0].startswith("mutuals:collab:fu:")

    stranger = await fake.click(MOD_ID, ids[0])
    assert "collab partners only" in await _answer(stranger)
    yes = await fake.click(ALICE_ID, ids[0])
    assert "Love that" in await _answer(yes) and yes.ephemeral
    nominate = [
        c["custom_id"]
        for row in (await yes.response())["data"]["components"]
        for c in row["components"]
    ]
    assert nominate[0].startswith("mutuals:collab:nom:")
    opened = await fake.click(ALICE_ID, nominate[0], guild_id=GUILD_ID)
    modal = (await opened.response())["data"]
    assert opened.modal is not None and modal["custom_id"].startswith("mutuals:collab:nomm:")
    inputs = [c["custom_id"] for row in modal["components"] for c in row["components"]]
    sent = await fake.submit_modal(
        ALICE_ID, modal["custom_id"], {inputs[1]: "Our PlantTok × HomeTok duet 🌿"}
    )
    assert "Nominated!" in await _answer(sent) and sent.ephemeral
    not_yet = await fake.click(BOB_ID, ids[1])
    assert "No stress" in await _answer(not_yet)

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds stats")
    await h.response()
    fields = {f["name"]: f["value"] for f in h.embeds[0]["fields"]}
    assert fields["Did you collab?"] == "collabed: 1 · not yet: 1 · no: 0 · no answer: 1"
    assert fields["Members"] == "3 opted in, 0 paused"
    assert fields["Rounds"] == "1 round, 1 group (1 trio), 3 places"


async def test_no_thread_possible_falls_back_to_dm_intros(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    bot = await bot_factory()
    await _profiles(bot, ALICE_ID, BOB_ID)
    svc = _cog(bot).service
    await svc.setup(
        GUILD_ID,
        MOD_ID,
        channel_id=COLLABS_ID,
        frequency="weekly",
        day="mon",
        at="09:00",
        timezone="UTC",
    )
    for uid in (ALICE_ID, BOB_ID):
        await svc.optin(GUILD_ID, uid)
    fake.fail_next("POST", r"^/channels/\d+/threads$", 403)
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert "Round done!" in await _answer(h)
    await fake.wait_for(lambda: fake.dms(ALICE_ID) and fake.dms(BOB_ID))
    assert f"<@{BOB_ID}>" in fake.dms(ALICE_ID)[0]["content"]
    assert "couldn't open a private thread" in fake.dms(BOB_ID)[0]["content"]
    assert _threads(fake) == []


async def test_restart_mid_round_neither_repairs_nor_loses_pairs(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    """A crash after the round was matched and stored, before any intro went out."""
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
    slot = clock.now() - timedelta(minutes=5)
    from core.slots import SlotStore

    slots = SlotStore(db, clock)
    assert await slots.claim(
        SLOT_KIND, str(GUILD_ID), slot, owner="a-process-that-died", guild_id=GUILD_ID
    )
    before = await svc.create_round(GUILD_ID, slot)  # ...and then the process died

    bot = await bot_factory(clock=clock)
    await fake.wait_for(lambda: len(_threads(fake)) == 2, timeout=10)
    await fake.wait_for(lambda: all(fake.messages(t.id) for t in _threads(fake)), timeout=10)
    after = await _cog(bot).service.round_at(GUILD_ID, slot)
    assert after is not None and [g.members for g in after.groups] == [
        g.members for g in before.groups
    ]
    assert all(g.intro == "thread" for g in after.groups)

    async def finished() -> list[str] | None:
        statuses = [s.status for s in await bot.slots.history(SLOT_KIND, str(GUILD_ID))]
        return statuses if statuses != ["claimed"] else None

    assert await _eventually(finished) == ["done"]
    posted = {frozenset(m["pinged_user_ids"]) for t in _threads(fake) for m in fake.messages(t.id)}
    assert posted == {frozenset(g.members) for g in before.groups}


async def test_scheduled_rounds_run_once_and_record_missed_slots(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    clock = ManualClock()  # Monday 2026-01-05 12:00 UTC
    bot = await bot_factory(clock=clock)
    await _profiles(bot, ALICE_ID, BOB_ID)
    svc = _cog(bot).service
    for uid in (ALICE_ID, BOB_ID):
        await svc.optin(GUILD_ID, uid)
    cfg = await svc.setup(
        GUILD_ID,
        MOD_ID,
        channel_id=COLLABS_ID,
        frequency="weekly",
        day="wed",
        at="18:00",
        timezone="UTC",
    )
    assert cfg.next_round_at is not None

    async def armed() -> bool:  # the setup re-planned the rounds: core wakes up at the slot
        return bot.deliveries.next_wake(SLOT_KIND) == cfg.next_round_at

    await eventually(armed, what="the next round is planned")
    assert f"delivery:{SLOT_KIND}" in bot.scheduler.job_ids()
    await bot.deliveries.run(SLOT_KIND)
    assert await svc.round_at(GUILD_ID, cfg.next_round_at) is None  # not yet
    clock.set(cfg.next_round_at + timedelta(minutes=3))
    await bot.deliveries.run(SLOT_KIND)
    await bot.deliveries.run(SLOT_KIND)  # the same slot never runs twice
    ran = await svc.round_at(GUILD_ID, cfg.next_round_at)
    assert ran is not None and len(ran.groups) == 1 and not ran.manual
    await fake.wait_for(lambda: _threads(fake) and fake.messages(_threads(fake)[0].id))
    assert (await svc.stats(GUILD_ID)).rounds == 1
    moved = await svc.settings(GUILD_ID)
    assert moved is not None and moved.next_round_at == cfg.next_round_at + timedelta(days=7)
    clock.advance(days=21)  # "offline" for three weeks: two slots missed, the last one late
    await bot.deliveries.run(SLOT_KIND)
    late = await svc.round_at(GUILD_ID, cfg.next_round_at + timedelta(days=21))
    assert late is not None and late.groups[0].repeat  # only two members: a repeat, flagged
    history = await bot.slots.history(SLOT_KIND, str(GUILD_ID))
    assert [s.status for s in reversed(history)] == ["done", "missed", "missed", "done"]
    assert (await svc.stats(GUILD_ID)).rounds == 2


async def test_members_who_leave_are_taken_out_of_rounds(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock())
    await _profiles(bot, ALICE_ID, BOB_ID)
    svc = _cog(bot).service
    await svc.optin(GUILD_ID, BOB_ID)
    fake.remove_member(GUILD_ID, BOB_ID)

    async def left() -> bool:
        profile = await svc.get(GUILD_ID, BOB_ID)
        return profile is not None and not profile.opted_in

    assert await _eventually(left)
