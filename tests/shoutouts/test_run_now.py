"""/rotation run-now through the fake Discord: the moderator is told what really happened (posted
with a link, paused and why, nobody to feature and why, or an error id they can quote)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from fakediscord.handles import InteractionHandle
from services.shoutouts import rounds
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.shoutouts.support import (
    START,
    cog_of,
    count_posts,
    give_profile,
    join,
    posts,
    setup_rotation,
)
from tests.util import eventually


async def answer(h: InteractionHandle) -> str:
    """What the moderator finally reads (straight away, or after "thinking…")."""
    first = await h.response()
    assert h.ephemeral
    if first.get("type") == 5:
        followup = await h.wait_followup(timeout=15)
        return str(followup.get("content") or "")
    return h.content or ""


async def run_now(fake: FakeDiscord, name: str = "Spotlight") -> str:
    return await answer(await fake.slash(GUILD_ID, MOD_ID, "rotation run-now", {"name": name}))


async def ready(fake: FakeDiscord, bot: AnyBot) -> None:
    await setup_rotation(fake, bot)
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)


async def test_run_now_posts_and_links_to_the_post(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await setup_rotation(fake, bot)
    text = await run_now(fake)
    assert text == "Nobody to feature right now: nobody has joined this rotation yet."
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)
    clock.advance(seconds=1)
    text = await run_now(fake)
    (post,) = posts(fake)
    link = f"https://discord.com/channels/{GUILD_ID}/{GENERAL_ID}/{post['id']}"
    assert text.startswith("📣 Posted!") and f"<@{ALICE_ID}>" in text and link in text, text
    assert post["pinged_user_ids"] == [ALICE_ID]


async def test_run_now_into_a_channel_the_bot_lost_says_it_paused_and_why(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await ready(fake, bot)
    fake.fail_next("POST", rf"/channels/{GENERAL_ID}/messages$", 403)
    text = await run_now(fake)
    assert "📣" not in text and "Nothing was posted" in text, text
    assert "missing permissions" in text and "paused **Spotlight**" in text
    assert "/rotation resume name:Spotlight" in text
    assert posts(fake) == []
    service = cog_of(bot).service

    async def paused() -> bool:
        return bool((await service.rotations.get(GUILD_ID, "Spotlight")).paused)

    await eventually(paused, what="the rotation paused itself")
    memberships, _ = await service.members.status(GUILD_ID, ALICE_ID)
    assert memberships[0].place == 1 and memberships[0].times_featured == 0
    # a second run-now while paused says so instead of pretending
    clock.advance(seconds=1)
    text = await run_now(fake)
    assert "is paused" in text and "/rotation resume" in text


async def test_run_now_into_a_deleted_channel_pauses_and_says_why(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    spot = fake.add_channel(GUILD_ID, name="spotlight")

    async def cached() -> bool:
        return bot.get_channel(spot) is not None

    await eventually(cached, what="channel cached")
    await setup_rotation(fake, bot, channel_id=spot)
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)
    gone = fake.channels.pop(spot)
    fake.guilds[GUILD_ID].channels.pop(spot)
    fake.dispatch_raw("CHANNEL_DELETE", gone.payload(), GUILD_ID)

    async def uncached() -> bool:
        return bot.get_channel(spot) is None

    await eventually(uncached, what="channel gone from the cache")
    service = cog_of(bot).service

    async def paused() -> bool:
        return bool((await service.rotations.get(GUILD_ID, "Spotlight")).paused)

    await eventually(paused, what="the delete event paused it")
    text = await run_now(fake)
    assert "is paused" in text and "deleted" in text, text


async def test_a_crash_inside_a_run_now_shows_the_error_id_that_is_in_the_log(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await ready(fake, bot)

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the picker broke")

    monkeypatch.setattr(rounds, "pick_next", broken)
    with caplog.at_level(logging.ERROR):
        text = await run_now(fake)
    found = re.search(r"error id `([0-9a-f]+)`", text)
    assert found, text
    assert "📣" not in text and "Nobody to feature" not in text
    logged = [r for r in caplog.records if found.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None, "logged with its traceback"
    assert "the picker broke" in str(logged[0].exc_info[1])
    assert posts(fake) == []
    # fixed: the next run-now posts, and the one that crashed is not posted late
    monkeypatch.undo()
    clock.advance(seconds=1)
    text = await run_now(fake)
    assert text.startswith("📣 Posted!"), text
    await eventually(lambda: count_posts(fake, 1), what="the post")
    assert len(posts(fake)) == 1
