"""The term of the day through the fake Discord with the real bot and a ManualClock: posted
exactly once per day across a restart at post time, once after a database blip across the post
time (no restart, nobody pressing anything), and re-planned the moment a moderator changes it.

Core's deliveries run the plan; the tests move the clock and either call
``bot.deliveries.run`` or let the periodic sweep (``delivery_sweep_seconds``) find the work.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from models.delivery import ScheduledSlot
from services.quizzes import SLOT_KIND, DailyTerm
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.quizzes.test_bot import Stop, buttons, quiz_bot
from tests.util import eventually, outcome

LONDON_NINE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 in London (BST)
JOB = f"delivery:{SLOT_KIND}"
QUIET = 3600.0  # no periodic sweep during the test: only start-up, pokes and explicit runs


def posts(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages(GENERAL_ID)
        if m.get("embeds") and "Term of the day" in str(m["embeds"][0].get("title"))
    ]


async def slot_statuses(db: Database) -> list[tuple[str, str]]:
    async with db.read() as session:
        rows = await session.execute(
            select(ScheduledSlot.slot_at, ScheduledSlot.status)
            .where(ScheduledSlot.kind == SLOT_KIND)
            .order_by(ScheduledSlot.slot_at)
        )
        return [(f"{at:%m-%d %H:%M}", status) for at, status in rows.all()]


async def started(bot: AnyBot) -> None:
    """Deliveries start once the guild cache is ready; wait for their first sweep."""

    async def swept() -> bool:
        return bot.deliveries.last_sweep is not None

    await eventually(swept, what="the first delivery sweep")


async def another_sweep(bot: AnyBot) -> None:
    before = bot.deliveries.last_sweep

    async def swept() -> bool:
        return bot.deliveries.last_sweep != before

    await eventually(swept, what="another delivery sweep")


async def setup_daily(fake: FakeDiscord, time: str, timezone: str = "Europe/London") -> str:
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "quiz-mod daily-setup",
        {"channel": fake.channel_option(GENERAL_ID), "time": time, "timezone": timezone},
    )
    await h.response()
    assert h.ephemeral
    return str(h.content)


async def next_wake_is(bot: AnyBot, expected: datetime | None) -> None:
    async def planned() -> bool:
        return bot.deliveries.next_wake(SLOT_KIND) == expected

    await eventually(planned, what=f"next wake-up at {expected}")


def typed_field(handle: Any) -> str:
    modal = handle.modal or {}
    for row in modal.get("components", []):
        inner = row.get("components") or [row.get("component") or {}]
        for comp in inner:
            if comp.get("custom_id"):
                return str(comp["custom_id"])
    raise AssertionError("no text input in the modal")


async def test_posted_once_per_day_across_a_restart_at_post_time_and_answered(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database, stop: Stop
) -> None:
    clock.set(LONDON_NINE - timedelta(hours=1))
    bot, _cog, _ = await quiz_bot(bot_factory, clock, delivery_sweep_seconds=QUIET)
    await started(bot)
    text = await setup_daily(fake, "09:00")
    assert "09:00" in text and "Europe/London" in text
    await next_wake_is(bot, LONDON_NINE)
    assert JOB in bot.scheduler.job_ids() and "quiz:daily" not in bot.scheduler.job_ids()

    # At 09:00 the process claims the post, then stops before it has posted anything.
    clock.set(LONDON_NINE)
    assert await bot.slots.claim(
        SLOT_KIND, str(GUILD_ID), LONDON_NINE, owner=bot.leases.owner, guild_id=GUILD_ID
    )
    await stop(bot)
    assert posts(fake) == []

    clock.set(LONDON_NINE + timedelta(seconds=30))
    bot2, _cog2, _ = await quiz_bot(bot_factory, clock, delivery_sweep_seconds=QUIET)
    # Nobody runs anything: the start-up sweep takes the claim over and posts.
    await fake.wait_for(lambda: len(posts(fake)) == 1, 10, message="the 09:00 post")
    assert await bot2.deliveries.run(SLOT_KIND) == []
    await stop(bot2)

    clock.set(LONDON_NINE + timedelta(minutes=1))  # another restart, the same minute
    bot3, cog3, _ = await quiz_bot(bot_factory, clock, delivery_sweep_seconds=QUIET)
    await started(bot3)
    assert await bot3.deliveries.run(SLOT_KIND) == []
    assert await slot_statuses(db) == [("06-01 08:00", "done")]
    assert bot3.deliveries.next_wake(SLOT_KIND) == LONDON_NINE + timedelta(days=1)

    clock.set(LONDON_NINE + timedelta(days=1, seconds=5))  # the next day: one post again
    outcomes = await bot3.deliveries.run(SLOT_KIND)
    assert [o.status for o in outcomes] == ["done"]
    await fake.wait_for(lambda: len(posts(fake)) == 2, 10, message="the second day's post")
    assert await bot3.deliveries.run(SLOT_KIND) == []
    titles = [p["embeds"][0]["title"] for p in posts(fake)]
    assert titles == ["🌅 Term of the day · Mon 01 Jun", "🌅 Term of the day · Tue 02 Jun"]
    assert all(not p.get("pinged_user_ids") for p in posts(fake))

    post = posts(fake)[-1]
    open_ = await fake.click(ALICE_ID, buttons(post)[0]["custom_id"])
    await open_.response()
    assert open_.ephemeral and open_.embeds and "Term of the day" in open_.embeds[0]["title"]
    assert open_.message is not None
    term = await cog3.quizzes.daily.today(GUILD_ID)
    choices = buttons(open_.message)
    if len(choices) == 4:
        right = choices[term.question.correct_option]["custom_id"]
        done = await fake.click(ALICE_ID, right, message_id=int(open_.message["id"]))
    else:
        typed = await fake.click(ALICE_ID, choices[0]["custom_id"])
        await typed.response()
        modal_id = typed.modal["custom_id"] if typed.modal else ""
        done = await fake.submit_modal(
            ALICE_ID, modal_id, {typed_field(typed): term.question.answer}
        )
    text = await outcome(done)
    assert "Correct" in text and "1-day streak" in text and " points**." in text
    stats = await fake.slash(GUILD_ID, ALICE_ID, "quiz stats")
    await stats.response()
    fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}
    assert fields["Daily streak"] == "🔥 1 day (best 1 day)"
    again = await fake.slash(GUILD_ID, ALICE_ID, "quiz daily", {"answer": "A"})
    assert "already answered today's term" in await outcome(again) and again.ephemeral


async def test_a_database_blip_across_the_post_time_posts_once_when_it_is_back(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(LONDON_NINE - timedelta(hours=1))
    bot, cog, _ = await quiz_bot(bot_factory, clock, delivery_sweep_seconds=0.1)
    await setup_daily(fake, "09:00")
    daily = cog.quizzes.daily
    real_term = daily.term
    failures: list[int] = []
    down = True

    async def flaky(session: AsyncSession, guild_id: int, day: date) -> DailyTerm:
        if down:
            failures.append(guild_id)
            raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))
        return await real_term(session, guild_id, day)

    monkeypatch.setattr(daily, "term", flaky)
    clock.set(LONDON_NINE + timedelta(seconds=1))  # the database is away at 09:00

    async def retried() -> bool:
        return len(failures) >= 3

    await eventually(retried, what="the sweep retrying the post")
    assert posts(fake) == []
    assert await slot_statuses(db) == [("06-01 08:00", "claimed")]

    down = False  # back: the next sweep posts it, nobody restarts or presses anything
    await fake.wait_for(lambda: len(posts(fake)) == 1, 10, message="the post after the blip")
    for _ in range(3):  # a few more sweeps: still one post
        await another_sweep(bot)
    assert len(posts(fake)) == 1
    assert await slot_statuses(db) == [("06-01 08:00", "done")]
    assert bot.deliveries.next_wake(SLOT_KIND) == LONDON_NINE + timedelta(days=1)


async def test_a_setup_change_is_replanned_at_once(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock, db: Database
) -> None:
    clock.set(LONDON_NINE - timedelta(hours=1))  # 08:00 in London
    bot, _cog, _ = await quiz_bot(bot_factory, clock, delivery_sweep_seconds=QUIET)
    await started(bot)
    assert bot.deliveries.next_wake(SLOT_KIND) is None
    await setup_daily(fake, "09:00")
    await next_wake_is(bot, LONDON_NINE)

    text = await setup_daily(fake, "08:01")  # a minute away
    assert "08:01" in text
    minute = LONDON_NINE - timedelta(minutes=59)
    await next_wake_is(bot, minute)
    when = bot.scheduler.next_run(JOB)
    assert when is not None and when - datetime.now(UTC) <= timedelta(seconds=60)

    clock.set(minute + timedelta(seconds=2))
    assert [o.status for o in await bot.deliveries.run(SLOT_KIND)] == ["done"]
    await fake.wait_for(lambda: len(posts(fake)) == 1, 10, message="the 08:01 post")

    # A new time zone moves the next post at once too: 08:01 in New York is 12:01 UTC.
    await setup_daily(fake, "08:01", "America/New_York")
    await next_wake_is(bot, datetime(2026, 6, 1, 12, 1, tzinfo=UTC))

    h = await fake.slash(GUILD_ID, MOD_ID, "quiz-mod daily-off")
    await h.response()
    assert "paused" in str(h.content)
    await next_wake_is(bot, None)
    assert JOB not in bot.scheduler.job_ids()
    assert await slot_statuses(db) == [("06-01 07:01", "done")]
