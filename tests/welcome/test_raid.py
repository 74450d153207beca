"""A raid: 500 joins in a burst through the fake gateway."""

from __future__ import annotations

from typing import Any

from core.clock import ManualClock
from core.outbox import DM
from services.welcome import copy_text
from tests.conftest import ALICE_ID, GUILD_ID, MOD_ID, BotFactory
from tests.fakediscord import FakeDiscord
from tests.welcome.test_flow import cog_of, eventually

RAID = 500
THRESHOLD = 10
DM_RATE = 20.0
DM_BURST = 5
FIRST_RAIDER = 2_100_000_000_000_000_000


async def test_raid_every_join_recorded_paced_dms_batched_welcomes(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock, dm_per_second=DM_RATE, dm_burst=DM_BURST)
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

    clock.advance(seconds=31)  # the raid window closes
    await cog.flush_due()

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
    assert await cog.flush_due() == 0  # a window posts once

    # DMs keep to the pace: never more than burst + rate in any one-second span.
    await fake.wait_for(lambda: len(bot.outbox.sent_times[DM]) >= 40, timeout=30, message="DMs")
    times = sorted(bot.outbox.sent_times[DM])
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= DM_RATE + DM_BURST
    assert len(fake.messages(welcome)) == THRESHOLD + 4  # no welcome storm
