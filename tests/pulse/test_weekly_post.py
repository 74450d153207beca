"""The weekly pulse post through the real bot and the fake Discord, on a manual clock: a Japanese
moderator turns it on (replies in Japanese), it needs a channel, a week that ended before it was
on is never posted, and each week after is posted once — in the Korean server's language —
whatever the wake-ups and restarts; turned off, nothing more is posted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from fakediscord.handles import InteractionHandle
from services import languages
from services.pulse.post import KIND
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.pulse.seed import NOW, seed_week
from tests.util import eventually


async def said(h: InteractionHandle) -> str:
    await h.response(timeout=15)
    assert h.ephemeral
    return str(h.content or "")


def posts(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for m in fake.messages(GENERAL_ID) if m.get("embeds")]


async def test_the_weekly_pulse_is_posted_once_a_week_in_the_servers_language(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    db: Database,
    stop: Callable[[AnyBot], Awaitable[None]],
) -> None:
    clock = ManualClock(NOW)  # Wednesday of 2026-W02
    bot = await bot_factory(clock=clock)
    await languages.choose_server_language(db, GUILD_ID, "ko")
    await seed_week(db, guild_name=False)

    refused = await fake.slash(GUILD_ID, ALICE_ID, "pulse weekly-post", {"on": True})
    assert "moderators only" in await said(refused)
    no_channel = await fake.slash(GUILD_ID, MOD_ID, "pulse weekly-post", {"on": True}, locale="ja")
    assert "/config log-channel" in await said(no_channel)  # nowhere to post yet: it says how
    on = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "pulse weekly-post",
        {"on": True, "channel": fake.channel_option(GENERAL_ID)},
        locale="ja",
    )
    assert "毎週月曜" in await said(on) and f"<#{GENERAL_ID}>" in (on.content or "")

    await bot.deliveries.run(KIND)  # 2026-W01 ended before it was on: never posted
    clock.set(datetime(2026, 1, 12, 9, 5, tzinfo=UTC))  # Monday 09:05: 2026-W02 is over
    await bot.deliveries.run(KIND)
    await bot.deliveries.run(KIND)
    await eventually(lambda: _true(len(posts(fake)) == 1), what="the weekly pulse post")
    (post,) = posts(fake)
    embed = post["embeds"][0]
    assert embed["title"].startswith("💓 펄스 · 2026년 1월 5일")  # the server's language
    assert "(so far)" not in embed["title"] and embed["description"].startswith("2026-W02")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "👋 온보딩" in fields and "hit 10k followers" in fields["🏆 성과"]
    (image,) = post["attachments"]
    assert image["filename"] == "pulse.png" and image["size"] > 10_000
    assert post["pinged_user_ids"] == []

    # a restart later the same day, and more wake-ups: still one post for that week
    await stop(bot)
    clock.advance(hours=3)
    bot = await bot_factory(clock=clock)
    await bot.deliveries.run(KIND)
    clock.set(datetime(2026, 1, 19, 9, 1, tzinfo=UTC))  # the next Monday: 2026-W03
    await bot.deliveries.run(KIND)
    await bot.deliveries.run(KIND)
    await eventually(lambda: _true(len(posts(fake)) == 2), what="the next week's post")
    assert posts(fake)[1]["embeds"][0]["description"].startswith("2026-W03")

    off = await fake.slash(GUILD_ID, MOD_ID, "pulse weekly-post", {"on": False})
    assert "no more weekly pulse posts" in await said(off)
    clock.set(datetime(2026, 1, 26, 9, 1, tzinfo=UTC))
    await bot.deliveries.run(KIND)
    assert len(posts(fake)) == 2


async def _true(value: bool) -> bool:
    return value
