"""When check-ins wake up, end to end through the fake Discord with a ManualClock: every change of
who is due or when re-plans the next wake-up at once (with the periodic sweep turned off, so
nothing but the re-plan can move it), and a database outage across a prompt and a recap time is
caught up by the sweep, each message exactly once, without a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage, ScheduledSlot
from services.checkins import (
    PROMPT_KIND,
    PURPOSE_PROMPT_CHANNEL,
    PURPOSE_PROMPT_DM,
    PURPOSE_SUMMARY,
    SLOT_KIND,
    CheckinService,
)
from services.container import Services
from tests.checkins.test_bot import _true, ok
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

MONDAY = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
NO_SWEEP = 3600.0  # seconds: longer than any test, so only a re-plan moves the wake-up


def at(hour: int, minute: int, day: int = 12) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def stamp(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}:F>"


async def set_up(fake: FakeDiscord, time: str) -> None:
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "checkin-mod setup",
        {"channel": fake.channel_option(GENERAL_ID), "day": "mon", "time": time},
    )
    assert "Check-ins are on" in await ok(h)


async def start(bot_factory: BotFactory, clock: ManualClock) -> AnyBot:
    """The bot, once its deliveries made their first sweep (their only one in these tests)."""
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=NO_SWEEP)

    async def swept() -> bool:
        return bot.deliveries.last_sweep is not None

    await eventually(swept, what="the deliveries' start-up sweep")
    return bot


async def wakes_at(
    bot: AnyBot, when: datetime | None, what: str, *, kind: str = PROMPT_KIND
) -> None:
    async def planned() -> bool:
        return bot.deliveries.next_wake(kind) == when

    await eventually(planned, what=f"{what}: next wake-up {when}")


async def test_opting_in_a_minute_before_the_prompt_time_gets_the_prompt_on_time(
    fake: FakeDiscord, bot_factory: BotFactory, db: Database
) -> None:
    clock = ManualClock(MONDAY)
    await CheckinService(db, clock).setup(
        GUILD_ID, channel_id=GENERAL_ID, day="mon", at="08:53", by=MOD_ID
    )
    bot = await start(bot_factory, clock)
    assert bot.deliveries.next_wake(PROMPT_KIND) is None  # nobody opted in yet

    clock.set(at(8, 52))
    text = await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    assert f"that's {stamp(at(8, 53))} next" in text
    await wakes_at(bot, at(8, 53), "after the opt-in")
    assert fake.dms(ALICE_ID) == []

    clock.set(at(8, 53))
    await bot.deliveries.run(PROMPT_KIND)  # what the wake-up at 08:53 does
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="the prompt at 08:53")
    assert "check-in time" in fake.dms(ALICE_ID)[0]["content"]
    await wakes_at(bot, at(8, 53, day=19), "next Monday")

    # opting out re-plans too: nobody left, nothing to wake up for
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optout"))
    await wakes_at(bot, None, "after the opt-out")


async def test_a_zone_change_to_a_prompt_a_minute_away_is_on_time(
    fake: FakeDiscord, bot_factory: BotFactory, db: Database
) -> None:
    clock = ManualClock(MONDAY)
    svc = CheckinService(db, clock)
    await svc.setup(GUILD_ID, channel_id=GENERAL_ID, day="mon", at="18:00", by=MOD_ID)
    await svc.opt_in(GUILD_ID, ALICE_ID)
    await svc.opt_in(GUILD_ID, BOB_ID)
    bot = await start(bot_factory, clock)
    assert bot.deliveries.next_wake(PROMPT_KIND) == at(18, 0)  # both in the server's zone (UTC)

    # 08:59 UTC: Alice moves to Tokyo, where 18:00 is 09:00 UTC, a minute away
    clock.set(at(8, 59))
    text = await ok(
        await fake.slash(GUILD_ID, ALICE_ID, "checkin timezone", {"timezone": "Asia/Tokyo"})
    )
    assert f"Your next check-in: {stamp(at(9, 0))}" in text
    await wakes_at(bot, at(9, 0), "after /checkin timezone")
    clock.set(at(9, 0))
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="Alice's Tokyo prompt")
    assert fake.dms(BOB_ID) == []
    await wakes_at(bot, at(18, 0), "Bob still at 18:00 UTC")

    # 12:29 UTC: Bob sets Kolkata on his creator profile (18:00 there is 12:30 UTC)
    clock.set(at(12, 29))
    saved = await fake.slash(GUILD_ID, BOB_ID, "profile set", {"timezone": "Asia/Kolkata"})
    assert "Saved" in await ok(saved)
    await wakes_at(bot, at(12, 30), "after /profile set timezone")
    clock.set(at(12, 30))
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(fake.dms(BOB_ID)) == 1), what="Bob's Kolkata prompt")
    assert len(fake.dms(ALICE_ID)) == 1


async def test_the_server_zone_changing_moves_the_prompt_and_the_recap_at_once(
    fake: FakeDiscord, bot_factory: BotFactory, db: Database
) -> None:
    clock = ManualClock(MONDAY)
    svc = CheckinService(db, clock)
    await svc.setup(GUILD_ID, channel_id=GENERAL_ID, day="mon", at="18:00", by=MOD_ID)
    await svc.opt_in(GUILD_ID, ALICE_ID)  # no zone of her own: the server's (UTC)
    bot = await start(bot_factory, clock)
    assert bot.deliveries.next_wake(PROMPT_KIND) == at(18, 0)
    assert bot.deliveries.next_wake(SLOT_KIND) == at(9, 0, day=19)

    clock.set(at(8, 59))  # the server moves to Tokyo: its 18:00 is 09:00 UTC, a minute away
    done = await fake.slash(GUILD_ID, MOD_ID, "config timezone", {"timezone": "Asia/Tokyo"})
    assert "Asia/Tokyo" in await ok(done)
    await wakes_at(bot, at(9, 0), "after /config timezone")
    await wakes_at(bot, at(0, 0, day=19), "the recap at 09:00 Tokyo time", kind=SLOT_KIND)
    clock.set(at(9, 0))
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="her prompt at 09:00 UTC")


async def test_away_back_pause_and_resume_replan_without_waiting_for_a_sweep(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY)
    bot = await start(bot_factory, clock)
    await set_up(fake, "18:00")
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin away", {"until": "2026-01-13"}))
    clock.set(at(19, 0))
    await bot.deliveries.run(PROMPT_KIND)  # the 18:00 wake-up: she's away, nobody is asked
    assert fake.dms(ALICE_ID) == []
    # back early, still in the week: the prompt goes out now, nobody runs anything
    assert "Welcome back" in await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin back"))
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="prompt on coming back")

    # paused over a prompt time, resumed within the period: the prompt goes out on resume
    assert "paused" in await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod pause"))
    await wakes_at(bot, None, "paused: nothing planned")
    await ok(await fake.slash(GUILD_ID, BOB_ID, "checkin optin"))
    clock.set(at(18, 30, day=19))
    await bot.deliveries.run(PROMPT_KIND)
    assert fake.dms(BOB_ID) == [] and len(fake.dms(ALICE_ID)) == 1
    assert "back" in await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod resume"))
    await eventually(
        lambda: _true(len(fake.dms(ALICE_ID)) == 2 and len(fake.dms(BOB_ID)) == 1),
        what="the week's prompts on resume",
    )
    await wakes_at(bot, at(18, 0, day=26), "next Monday")

    # a moderator's edits move the wake-ups at once too
    await set_up(fake, "19:00")
    await wakes_at(bot, at(19, 0, day=19), "after the prompt time moved (today, 19:00)")
    await wakes_at(bot, at(9, 0, day=26), "the recap of this week", kind=SLOT_KIND)
    when = await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod summary-time", {"time": "8pm"}))
    assert "20:00" in when
    await wakes_at(bot, at(20, 0, day=26), "after the recap time moved", kind=SLOT_KIND)


async def test_a_database_outage_across_the_recap_and_prompt_times_loses_and_doubles_nothing(
    fake: FakeDiscord, bot_factory: BotFactory, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(at(8, 0, day=5))
    svc = CheckinService(db, clock)
    await svc.setup(GUILD_ID, channel_id=GENERAL_ID, day="mon", at="18:00", by=MOD_ID)
    await svc.opt_in(GUILD_ID, ALICE_ID)
    await svc.opt_in(GUILD_ID, BOB_ID, "channel")
    bot = await bot_factory(clock=clock, delivery_sweep_seconds=0.2)  # the real safety sweep
    checkins = bot.need(Services).checkins
    down = [True]
    tries = {"prompt": 0, "recap": 0}
    queue_zones, queue_summary = checkins.prompts.queue_zones, checkins.recap.queue_summary

    async def failing_zones(*args: Any, **kwargs: Any) -> Any:
        tries["prompt"] += 1
        if down[0]:
            raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))
        return await queue_zones(*args, **kwargs)

    async def failing_summary(*args: Any, **kwargs: Any) -> Any:
        tries["recap"] += 1
        if down[0]:
            raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))
        return await queue_summary(*args, **kwargs)

    monkeypatch.setattr(checkins.prompts, "queue_zones", failing_zones)
    monkeypatch.setattr(checkins.recap, "queue_summary", failing_summary)

    def recaps() -> list[dict[str, Any]]:
        return [m for m in fake.messages(GENERAL_ID) if m.get("embeds")]

    def prompts_posted() -> list[dict[str, Any]]:
        return [m for m in fake.messages(GENERAL_ID) if not m.get("embeds")]

    # the database refuses writes from before Monday's 09:00 recap until after 18:00's prompts
    clock.set(at(9, 0) + timedelta(seconds=30))
    await eventually(lambda: _true(tries["recap"] >= 3), what="the recap tried, and tried again")
    clock.set(at(18, 0) + timedelta(seconds=30))
    await eventually(lambda: _true(tries["prompt"] >= 3), what="the prompts tried again")
    assert recaps() == [] and prompts_posted() == [] and fake.dms(ALICE_ID) == []

    down[0] = False  # back: no restart, no moderator, just the next sweep
    await eventually(
        lambda: _true(
            len(recaps()) == 1 and len(prompts_posted()) == 1 and len(fake.dms(ALICE_ID)) == 1
        ),
        what="the recap and both prompts once the database is back",
    )
    for kind in (PROMPT_KIND, SLOT_KIND, PROMPT_KIND, SLOT_KIND):
        await bot.deliveries.run(kind)
    async with db.read() as s:
        purposes = (await s.scalars(select(OutboxMessage.purpose))).all()
        slots = (await s.execute(select(ScheduledSlot.ref, ScheduledSlot.status))).all()
    assert sorted(purposes) == sorted([PURPOSE_PROMPT_DM, PURPOSE_PROMPT_CHANNEL, PURPOSE_SUMMARY])
    assert [tuple(r) for r in slots] == [(f"{GUILD_ID}:2026-01-05", "done")]
    assert len(recaps()) == 1 and len(prompts_posted()) == 1 and len(fake.dms(ALICE_ID)) == 1
    assert prompts_posted()[0]["pinged_user_ids"] == [BOB_ID]
