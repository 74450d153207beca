"""Rotation slots on core's delivery mechanism, through the fake Discord with a ManualClock:
several rotations at once, a database that fails across a slot time, re-planning on edits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage
from services.shoutouts import FEATURE_PURPOSE, SLOT_KIND
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.shoutouts.support import (
    EVERY_MINUTE,
    START,
    cog_of,
    count_posts,
    give_profile,
    join,
    posts,
    setup_rotation,
)
from tests.util import eventually


def outage() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


async def feature_rows(bot: AnyBot) -> list[OutboxMessage]:
    async with bot.db.read() as s:
        return list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.purpose == FEATURE_PURPOSE)
                .order_by(OutboxMessage.id)
            )
        )


async def test_two_every_minute_rotations_post_each_slot_once_in_order(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=3600)
    spot = fake.add_channel(GUILD_ID, name="spotlight")

    async def cached() -> bool:
        return bot.get_channel(spot) is not None

    await eventually(cached, what="channel cached")
    await setup_rotation(fake, bot, EVERY_MINUTE, name="Clock")
    await setup_rotation(fake, bot, EVERY_MINUTE, name="Spotlight", channel_id=spot)
    for uid, handle in [(ALICE_ID, "alice.grows"), (BOB_ID, "bob_bakes")]:
        await give_profile(bot, uid, handle)
        await join(fake, uid, "Clock")
        await join(fake, uid, "Spotlight")
    seen: list[tuple[str, str, str]] = []
    for minute in (1, 2, 3):
        clock.set(START + timedelta(minutes=minute, seconds=5))
        seen += [
            (o.occurrence.ref, f"{o.occurrence.at:%H:%M}", o.status)
            for o in await bot.deliveries.run(SLOT_KIND)
        ]
    clock.advance(minutes=3)  # three minutes pass before the next wake-up: caught up, in order
    seen += [
        (o.occurrence.ref, f"{o.occurrence.at:%H:%M}", o.status)
        for o in await bot.deliveries.run(SLOT_KIND)
    ]
    assert await bot.deliveries.run(SLOT_KIND) == [], "nothing twice"
    rotations = await cog_of(bot).service.rotations.list_rotations(GUILD_ID)
    minutes = [f"12:0{m}" for m in range(1, 7)]
    for rot in rotations:
        assert [(at, st) for ref, at, st in seen if ref == str(rot.id)] == [
            (m, "done") for m in minutes
        ]
    for channel in (GENERAL_ID, spot):
        await eventually(lambda c=channel: count_posts(fake, 6, c), what="six posts")  # type: ignore[misc]
    assert len(posts(fake, GENERAL_ID)) == 6 and len(posts(fake, spot)) == 6
    assert len(await feature_rows(bot)) == 12
    # each rotation's posts went out in slot order, featuring its creators round by round
    for rot in rotations:

        async def all_posted(name: str = rot.name) -> bool:
            history = await cog_of(bot).service.admin.history(GUILD_ID, name, 10)
            return all(f.message_id for f in history)

        await eventually(all_posted, what="every post recorded")
        history = sorted(
            await cog_of(bot).service.admin.history(GUILD_ID, rot.name, 10), key=lambda f: f.slot_at
        )
        assert [f"{f.slot_at:%H:%M}" for f in history] == minutes
        assert [f.message_id for f in history] == sorted(f.message_id for f in history)
        featured = [f.user_id for f in history]
        for pair in (featured[0:2], featured[2:4], featured[4:6]):
            assert sorted(pair) == sorted([ALICE_ID, BOB_ID]), "each creator once per round"
    assert bot.deliveries.next_wake(SLOT_KIND) == START + timedelta(minutes=7)


async def test_a_database_outage_across_a_slot_time_posts_it_once_when_it_recovers(
    fake: FakeDiscord, bot_factory: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=0.2)
    await setup_rotation(fake, bot, EVERY_MINUTE)
    await give_profile(bot, ALICE_ID, "alice.grows")
    await join(fake, ALICE_ID)
    features = cog_of(bot).service.features
    real = features.feature_slot
    failing = True
    calls = 0

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if failing:
            raise outage()
        return await real(*args, **kwargs)

    monkeypatch.setattr(features, "feature_slot", flaky)
    clock.set(START + timedelta(seconds=30))
    clock.set(START + timedelta(minutes=1, seconds=2))  # the 12:01 slot falls during the outage

    async def tried_a_few_times() -> bool:
        return calls >= 3

    await eventually(tried_a_few_times, what="the sweep keeps retrying on its own")
    assert posts(fake) == []
    failing = False  # the database is back: no restart, no moderator
    await eventually(lambda: count_posts(fake, 1), what="the slot posted after the outage")
    assert await bot.deliveries.run(SLOT_KIND) == []
    assert len(posts(fake)) == 1 and len(await feature_rows(bot)) == 1
    (rot,) = await cog_of(bot).service.rotations.list_rotations(GUILD_ID)
    assert await cog_of(bot).service.features.slot_statuses(rot.id) == [
        (START + timedelta(minutes=1), "done")
    ]
    assert bot.deliveries.next_wake(SLOT_KIND) == START + timedelta(minutes=2)


async def test_every_change_to_when_a_rotation_posts_is_replanned_at_once(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=3600)

    async def wakes_at(hour: int | None, minute: int = 0) -> None:
        want = None if hour is None else START.replace(hour=hour, minute=minute)

        async def check() -> bool:
            return bot.deliveries.next_wake(SLOT_KIND) == want

        await eventually(check, what=f"next wake-up {want}")

    async def mod(command: str, **options: Any) -> str:
        h = await fake.slash(GUILD_ID, MOD_ID, f"rotation {command}", options)
        await h.response()
        return h.content or ""

    await setup_rotation(fake, bot, "daily 18:00")
    await wakes_at(18)
    await mod("edit", name="Spotlight", schedule="daily 13:30")
    await wakes_at(13, 30)
    await setup_rotation(fake, bot, "daily 12:45", name="Early")
    await wakes_at(12, 45)
    await mod("pause", name="Early")
    await wakes_at(13, 30)
    await mod("resume", name="Early")
    await wakes_at(12, 45)
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation delete", {"name": "Early"})
    await h.response()
    sent = h.response_nowait()
    assert sent is not None
    confirm = sent["data"]["components"][0]["components"][0]["custom_id"]
    await (await fake.click(MOD_ID, confirm, guild_id=GUILD_ID)).response()
    await wakes_at(13, 30)
    await mod("edit", name="Spotlight", timezone="Europe/Berlin")  # 13:30 Berlin is 12:30 UTC
    await wakes_at(12, 30)
