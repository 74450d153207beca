"""Raids through the fake gateway: 500 joins in a burst; a window closing while the database
refuses connections; a restart in the middle of a raid."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from core.bot import AnyBot
from core.clock import ManualClock
from core.outbox import DM
from fakediscord import FakeDiscord
from services.welcome import BATCH_KIND, copy_text
from tests.conftest import ALICE_ID, GUILD_ID, MOD_ID, BotFactory
from tests.welcome.test_flow import cog_of, eventually

RAID = 500
THRESHOLD = 10
DM_RATE = 20.0
DM_BURST = 5
FIRST_RAIDER = 2_100_000_000_000_000_000


async def test_raid_every_join_recorded_paced_dms_batched_welcomes(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(
        clock=clock, dm_per_second=DM_RATE, dm_burst=DM_BURST, delivery_sweep_seconds=3600
    )
    cog = cog_of(bot)
    welcome = fake.add_channel(GUILD_ID, name="welcome")
    await fake.wait_for(lambda: bot.get_channel(welcome) is not None)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("welcome channel", {"channel": fake.channel_option(welcome)}),
        ("welcome tuning", {"raid_joins": THRESHOLD, "raid_seconds": 30}),
    ]
    for name, opts in steps:
        await (await fake.slash(GUILD_ID, MOD_ID, name, opts)).response()

    for i in range(RAID):
        fake.add_member(GUILD_ID, FIRST_RAIDER + i, f"raider{i}")
    # Commands are still answered while the raid is processed.
    for _ in range(3):
        h = await fake.slash(GUILD_ID, ALICE_ID, "profile show")
        await h.response()
        assert h.ephemeral and "/profile set" in (h.content or "")

    async def all_recorded() -> bool:
        return await cog.service.joins_recorded(GUILD_ID) == RAID

    await eventually(all_recorded, "every join recorded", limit=60)
    singles = await fake.wait_for(
        lambda: (
            [m for m in fake.messages(welcome) if m["content"]]
            if len([m for m in fake.messages(welcome) if m["content"]]) >= THRESHOLD
            else None
        ),
        timeout=30,
        message="the first welcomes posted one by one",
    )
    assert len(singles) == THRESHOLD

    await deliveries_started(bot)
    clock.advance(seconds=31)  # the raid window closes
    [outcome] = await bot.deliveries.run(BATCH_KIND)
    assert outcome.status == "done"

    def batch_posts() -> list[dict[str, object]]:
        return [
            m
            for m in fake.messages(welcome)
            if m["embeds"] and m["embeds"][0].get("title") == copy_text("batch_title")
        ]

    posts = await fake.wait_for(
        lambda: batch_posts() if len(batch_posts()) == 4 else None,
        timeout=30,
        message="batched welcome posted",
    )
    named = [
        uid
        for p in posts
        for uid in range(FIRST_RAIDER, FIRST_RAIDER + RAID)
        if f"<@{uid}>" in str(p["embeds"][0]["description"])
    ]
    assert len(named) == len(set(named)) == RAID - THRESHOLD  # everyone else, once
    assert all(not p["pinged_user_ids"] for p in posts)  # naming 490 people pings nobody
    assert await bot.deliveries.run(BATCH_KIND) == []  # a window posts once

    # DMs keep to the pace: never more than burst + rate in any one-second span.
    await fake.wait_for(lambda: len(bot.outbox.sent_times[DM]) >= 40, timeout=30, message="DMs")
    times = sorted(bot.outbox.sent_times[DM])
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= DM_RATE + DM_BURST
    assert len(fake.messages(welcome)) == THRESHOLD + 4  # no welcome storm


async def deliveries_started(bot: AnyBot) -> None:
    """The start-up run is done (so a test's own run after moving the clock is the only one)."""

    async def swept() -> bool:
        return bot.deliveries.last_sweep is not None

    await eventually(swept, "deliveries started")


SMALL_RAID = 6
SMALL_THRESHOLD = 2


async def small_raid(fake: FakeDiscord, bot: AnyBot, joins: int = SMALL_RAID) -> int:
    """A welcome channel, a raid threshold of 2 in 30 s windows, and 6 joins at 12:00:00:
    two welcomed one by one, four waiting for the window's batch post."""
    welcome = fake.add_channel(GUILD_ID, name="welcome")
    await fake.wait_for(lambda: bot.get_channel(welcome) is not None)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("welcome channel", {"channel": fake.channel_option(welcome)}),
        ("welcome tuning", {"raid_joins": SMALL_THRESHOLD, "raid_seconds": 30}),
    ]
    for name, opts in steps:
        await (await fake.slash(GUILD_ID, MOD_ID, name, opts)).response()
    for i in range(joins):
        fake.add_member(GUILD_ID, FIRST_RAIDER + i, f"raider{i}")
    service = cog_of(bot).service

    async def all_recorded() -> bool:
        return await service.joins_recorded(GUILD_ID) == joins

    await eventually(all_recorded, "every join recorded")
    await fake.wait_for(
        lambda: len([m for m in fake.messages(welcome) if m["content"]]) == SMALL_THRESHOLD,
        message="the first welcomes, one by one",
    )
    return welcome


def batch_posts(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages(channel_id)
        if m["embeds"] and m["embeds"][0].get("title") == copy_text("batch_title")
    ]


def raiders_named(post: dict[str, Any]) -> list[int]:
    text = str(post["embeds"][0]["description"])
    return [u for u in range(FIRST_RAIDER, FIRST_RAIDER + SMALL_RAID) if f"<@{u}>" in text]


async def test_a_raid_window_closing_while_the_database_refuses_connections_posts_once_later(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=0.2)  # the bot sweeps itself
    welcome = await small_raid(fake, bot)
    delivery = cog_of(bot).service.batch_plan.delivery
    real_flush = delivery.flush_batch
    refused = 0

    async def connection_refused(guild_id: int, start: datetime) -> int:
        nonlocal refused
        refused += 1
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(delivery, "flush_batch", connection_refused)
    clock.advance(seconds=31)  # the window closes during the outage

    async def tried_a_few_times() -> bool:
        return refused >= 3

    await eventually(tried_a_few_times, "the bot keeps trying through the outage")
    assert batch_posts(fake, welcome) == []
    monkeypatch.setattr(delivery, "flush_batch", real_flush)  # the database is back
    [post] = await fake.wait_for(
        lambda: batch_posts(fake, welcome) or None, message="the batch post, once it recovers"
    )
    assert raiders_named(post) == list(
        range(FIRST_RAIDER + SMALL_THRESHOLD, FIRST_RAIDER + SMALL_RAID)
    )
    sweeps = bot.deliveries.last_sweep

    async def swept_again() -> bool:
        return bot.deliveries.last_sweep != sweeps

    for _ in range(3):
        await eventually(swept_again, "the bot keeps sweeping")
        sweeps = bot.deliveries.last_sweep
    assert len(batch_posts(fake, welcome)) == 1  # once, not once per sweep


@pytest.mark.parametrize("closes", ["after the restart", "while the bot is down"])
async def test_a_restart_in_the_middle_of_a_raid_posts_its_batch_once(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    stop: Callable[[AnyBot], Awaitable[None]],
    closes: str,
) -> None:
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=3600)
    await deliveries_started(bot)
    welcome = await small_raid(fake, bot)
    window_closes = datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC)  # the clock began at 12:00:00

    async def planned() -> bool:  # re-planned by the join that opened the window, no sweep
        return bot.deliveries.next_wake(BATCH_KIND) == window_closes

    await eventually(planned, "the window's close is planned at once")
    await stop(bot)  # joins recorded, the raid window still open
    if closes == "while the bot is down":
        clock.advance(seconds=31)
    bot2 = await bot_factory(clock=clock, delivery_sweep_seconds=3600)
    if closes == "after the restart":
        await deliveries_started(bot2)
        assert batch_posts(fake, welcome) == []
        clock.advance(seconds=31)
        [outcome] = await bot2.deliveries.run(BATCH_KIND)  # the armed wake-up, in clock time
        assert outcome.status == "done"
    # else: the start-up run catches the closed window up by itself
    [post] = await fake.wait_for(
        lambda: batch_posts(fake, welcome) or None, message="the batch post after the restart"
    )
    assert len(raiders_named(post)) == SMALL_RAID - SMALL_THRESHOLD
    assert await bot2.deliveries.run(BATCH_KIND) == []
    assert len(batch_posts(fake, welcome)) == 1


async def test_a_batch_of_one_says_one_new_mutual(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=3600)
    await deliveries_started(bot)
    welcome = await small_raid(fake, bot, joins=SMALL_THRESHOLD + 1)
    clock.advance(seconds=31)
    await bot.deliveries.run(BATCH_KIND)
    [post] = await fake.wait_for(lambda: batch_posts(fake, welcome) or None, message="batch")
    assert post["embeds"][0]["footer"]["text"] == "1 new mutual in this wave"
