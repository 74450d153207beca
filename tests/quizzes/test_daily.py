"""The term of the day with an injected clock: posted by core's deliveries exactly once per day
across restarts and database blips, one answer per member per day, streaks in calendar days
across time zones and DST."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.errors import Conflict, DomainError
from core.leases import LeaseStore
from core.plans import no_replan
from core.scheduler import Scheduler
from core.slots import SlotStore
from models.delivery import OutboxMessage, ScheduledSlot
from services.quizzes import SLOT_KIND, DailyConfig, DailyTerm, Question, QuizService, plan_slots

G, CHANNEL, ALICE, BOB = 7, 70, 701, 702
NY = ZoneInfo("America/New_York")


def bank() -> list[Question]:
    return [
        Question(
            key=f"b:t{i}",
            id=f"t{i}",
            category="lingo",
            kind="free",
            prompt=f"Term {i}?",
            options=(),
            answer="hearts",
            accepted=(),
            difficulty="easy",
            explanation="Insiders say hearts.",
        )
        for i in range(40)
    ]


def make(
    db: Database, clock: ManualClock, replan: Callable[[str], None] = no_replan
) -> QuizService:
    """A fresh service, as a restarted process would build it."""
    return QuizService(db, clock, grace=timedelta(hours=6), replan=replan, builtin=bank())


class Process:
    """One bot process's daily posting: a fresh service run by core's deliveries (its own lease
    and claims), as ``cog_load`` hands it over. A new one is a restart."""

    def __init__(self, db: Database, clock: ManualClock, **grace: float) -> None:
        self.quiz = make(db, clock)
        if grace:
            self.quiz.delivery.grace = timedelta(**grace)
        self.deliveries = Deliveries(
            SlotStore(db, clock),
            LeaseStore(db, clock, lease=timedelta(seconds=30)),
            Scheduler(),
            clock,
            owns=lambda _g: True,
            sweep_seconds=3600,  # the tests run passes themselves
            heartbeat_seconds=3600,
            retry_first=0,  # back-off is core's own test; these retry at once
        )
        self.deliveries.add(self.quiz.delivery)

    async def run(self) -> list[str]:
        """One run of the plan: what happened to each occurrence, e.g. "done 2026-…"."""
        outcomes = await self.deliveries.run(SLOT_KIND)
        return [f"{o.status} {o.occurrence.at.isoformat()}" for o in outcomes]


def local(clock: ManualClock, y: int, m: int, d: int, hh: int, mm: int, tz: ZoneInfo) -> None:
    clock.set(datetime(y, m, d, hh, mm, tzinfo=tz))


async def posts(db: Database) -> list[str]:
    async with db.read() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.purpose == "quiz_daily_post")
                .order_by(OutboxMessage.id)
            )
        ).all()
    return [r.payload["day"] for r in rows]


async def slot_statuses(db: Database) -> list[tuple[str, str | None]]:
    async with db.read() as session:
        rows = await session.execute(
            select(ScheduledSlot.status, ScheduledSlot.detail)
            .where(ScheduledSlot.kind == SLOT_KIND)
            .order_by(ScheduledSlot.slot_at)
        )
        return [(status, detail) for status, detail in rows.all()]


async def test_posted_exactly_once_per_day_across_restarts(
    db: Database, clock: ManualClock
) -> None:
    local(clock, 2026, 3, 6, 9, 0, NY)
    first = Process(db, clock)
    await first.quiz.daily.setup(G, CHANNEL, "18:00", "America/New_York")
    assert await first.run() == []  # not yet
    evening = datetime(2026, 3, 6, 18, 0, tzinfo=NY).astimezone(UTC)
    assert first.deliveries.next_wake(SLOT_KIND) == evening

    local(clock, 2026, 3, 6, 18, 0, NY)
    results = await asyncio.gather(*(Process(db, clock).run() for _ in range(5)))
    flat = [r for rs in results for r in rs]
    assert sum(r.startswith("done ") for r in flat) == 1  # five racing processes, one post
    assert await posts(db) == ["2026-03-06"]

    local(clock, 2026, 3, 6, 18, 5, NY)
    assert await Process(db, clock).run() == []  # a restart the same evening: nothing again

    # Across the spring-forward night the slot is still 18:00 local (now UTC-4).
    local(clock, 2026, 3, 8, 18, 0, NY)
    out = await Process(db, clock).run()
    assert out == [
        "missed 2026-03-07T23:00:00+00:00",  # down all of Saturday
        "done 2026-03-08T22:00:00+00:00",
    ]
    assert await posts(db) == ["2026-03-06", "2026-03-08"]

    # Down for a long weekend: the old slots are recorded missed, nothing is posted late.
    local(clock, 2026, 3, 11, 2, 0, NY)
    out = await Process(db, clock).run()
    assert [r.split()[0] for r in out] == ["missed", "missed"]
    local(clock, 2026, 3, 11, 19, 30, NY)  # 1.5 h late, within grace: posted late
    assert await Process(db, clock).run() == ["done 2026-03-11T22:00:00+00:00"]
    assert await posts(db) == ["2026-03-06", "2026-03-08", "2026-03-11"]
    statuses = [status for status, _ in await slot_statuses(db)]
    assert sorted(statuses) == ["done", "done", "done", "missed", "missed", "missed"]


async def test_changing_the_time_never_posts_a_day_twice(db: Database, clock: ManualClock) -> None:
    local(clock, 2026, 5, 4, 8, 0, NY)
    process = Process(db, clock)
    quiz = process.quiz
    await quiz.daily.setup(G, CHANNEL, "9am", "America/New_York")
    local(clock, 2026, 5, 4, 9, 1, NY)
    assert await process.run() == ["done 2026-05-04T13:00:00+00:00"]
    await quiz.daily.setup(G, CHANNEL, "20:00")  # keeps New York
    local(clock, 2026, 5, 4, 20, 0, NY)
    assert await process.run() == ["done 2026-05-05T00:00:00+00:00"]
    assert await posts(db) == ["2026-05-04"]  # the per-day key: one post that day
    assert (await slot_statuses(db))[-1] == ("done", "2026-05-04 already posted")
    cfg = await quiz.daily.config(G)
    assert cfg is not None and cfg.timezone == "America/New_York" and cfg.post_time == "20:00"


async def test_setup_time_zone_and_switching_off_replan_the_daily_post(
    db: Database, clock: ManualClock
) -> None:
    told: list[str] = []
    quiz = make(db, clock, replan=told.append)
    await quiz.daily.setup(G, CHANNEL, "18:00", "America/New_York")
    await quiz.daily.setup(G, CHANNEL, "18:00", "Europe/London")  # a new time zone
    await quiz.daily.disable(G)
    assert told == [SLOT_KIND] * 3
    assert not await quiz.daily.disable(G)  # nothing changed: nothing to re-plan
    assert told == [SLOT_KIND] * 3


async def test_a_claim_left_by_the_previous_version_is_posted_for_its_server(
    db: Database, clock: ManualClock
) -> None:
    local(clock, 2026, 5, 4, 8, 0, NY)
    process = Process(db, clock)
    await process.quiz.daily.setup(G, CHANNEL, "9am", "America/New_York")
    slot = datetime(2026, 5, 4, 9, 0, tzinfo=NY).astimezone(UTC)
    # The old code claimed with neither an owner nor a guild id, then the process died.
    assert await SlotStore(db, clock).claim(SLOT_KIND, str(G), slot)
    local(clock, 2026, 5, 4, 9, 2, NY)  # older than the claim lease: abandoned
    assert await Process(db, clock).run() == ["done 2026-05-04T13:00:00+00:00"]
    assert await posts(db) == ["2026-05-04"]
    async with db.read() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert (row.guild_id, row.target_id) == (G, CHANNEL)


async def test_after_an_outage_longer_than_a_day_only_the_latest_term_is_posted(
    db: Database, clock: ManualClock
) -> None:
    local(clock, 2026, 5, 4, 8, 0, NY)
    process = Process(db, clock, hours=36)  # a generous grace window
    await process.quiz.daily.setup(G, CHANNEL, "9am", "America/New_York")
    local(clock, 2026, 5, 5, 10, 0, NY)  # yesterday's 09:00 is still within grace
    assert await process.run() == [
        "done 2026-05-04T13:00:00+00:00",
        "done 2026-05-05T13:00:00+00:00",
    ]
    assert await posts(db) == ["2026-05-05"]  # yesterday's term would only confuse the fam
    assert [s for s, _ in await slot_statuses(db)] == ["done", "done"]
    assert (await slot_statuses(db))[0][1] == (
        "skipped: the post of 2026-05-05T13:00:00+00:00 is due instead"
    )


async def test_a_database_blip_at_post_time_posts_once_when_it_is_back(
    db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    local(clock, 2026, 5, 4, 8, 0, NY)
    process = Process(db, clock)
    await process.quiz.daily.setup(G, CHANNEL, "9am", "America/New_York")
    real_term = process.quiz.daily.term
    down = True

    async def flaky(session: AsyncSession, guild_id: int, day: date) -> DailyTerm:
        if down:
            raise OperationalError("SELECT", {}, ConnectionRefusedError("connection refused"))
        return await real_term(session, guild_id, day)

    monkeypatch.setattr(process.quiz.daily, "term", flaky)
    for minute in range(0, 4):
        local(clock, 2026, 5, 4, 9, minute, NY)
        assert await process.run() == ["retry 2026-05-04T13:00:00+00:00"]
    assert await posts(db) == [] and await slot_statuses(db) == [("claimed", None)]
    down = False
    local(clock, 2026, 5, 4, 9, 5, NY)
    assert await process.run() == ["done 2026-05-04T13:00:00+00:00"]
    assert await process.run() == []
    assert await posts(db) == ["2026-05-04"]
    tomorrow = datetime(2026, 5, 5, 9, 0, tzinfo=NY).astimezone(UTC)
    assert process.deliveries.next_wake(SLOT_KIND) == tomorrow


def test_plan_posts_only_the_latest_slot_within_grace() -> None:
    clock = ManualClock(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    cfg = DailyConfig(G, CHANNEL, "09:00", "UTC", True, datetime(2026, 1, 1, tzinfo=UTC))
    plan = plan_slots(cfg, datetime(2026, 1, 8, 9, 0, tzinfo=UTC), clock.now(), timedelta(hours=6))
    assert plan.late == (datetime(2026, 1, 10, 9, 0, tzinfo=UTC),)
    assert plan.missed == (datetime(2026, 1, 9, 9, 0, tzinfo=UTC),)


async def test_one_answer_per_member_per_day(db: Database, clock: ManualClock) -> None:
    quiz = make(db, clock)
    term = await quiz.daily.today(G)
    assert term == await make(db, clock).daily.today(G)  # fixed once for the day

    async def attempt() -> str:
        try:
            result = await quiz.daily.answer(G, ALICE, text="Hearts!")
        except Conflict:
            return "refused"
        return f"ok {result.points} {result.streak}"

    results = await asyncio.gather(*(attempt() for _ in range(10)))
    assert sorted(results) == ["ok 100 1"] + ["refused"] * 9
    wrong = await quiz.daily.answer(G, BOB, text="likes")
    assert not wrong.correct and wrong.points == 0 and wrong.streak == 1
    with pytest.raises(DomainError, match="has passed"):
        await quiz.daily.answer(G, BOB, text="hearts", day=term.day - timedelta(days=1))
    stats = await quiz.boards.stats(G, ALICE)
    assert (stats.points, stats.streak, stats.best_streak) == (100, 1, 1)


async def test_streaks_count_calendar_days_across_dst(db: Database, clock: ManualClock) -> None:
    quiz = make(db, clock)
    await quiz.daily.setup(G, CHANNEL, "12:00", "America/New_York")
    # Late on Saturday, then on the 23-hour Sunday (clocks spring forward), then just after
    # midnight on Monday: three calendar days in New York, whatever the UTC dates say.
    days = []
    for moment in (
        datetime(2026, 3, 7, 23, 50, tzinfo=NY),
        datetime(2026, 3, 8, 23, 50, tzinfo=NY),
        datetime(2026, 3, 9, 0, 10, tzinfo=NY),
    ):
        clock.set(moment)
        result = await quiz.daily.answer(G, ALICE, text="hearts")
        days.append((result.term.day, result.streak))
    assert days == [(date(2026, 3, 7), 1), (date(2026, 3, 8), 2), (date(2026, 3, 9), 3)]
    # Fall back (a 25-hour day): 00:30 and then 23:30 the same Sunday are ONE day.
    clock.set(datetime(2026, 11, 1, 0, 30, tzinfo=NY))
    assert (await quiz.daily.answer(G, BOB, text="hearts")).streak == 1
    clock.set(datetime(2026, 11, 1, 23, 30, tzinfo=NY))
    with pytest.raises(Conflict):
        await quiz.daily.answer(G, BOB, text="hearts")
    clock.set(datetime(2026, 11, 2, 0, 5, tzinfo=NY))
    assert (await quiz.daily.answer(G, BOB, text="hearts")).streak == 2
    # A skipped day breaks the streak (best is kept); stats show it broken before then.
    clock.set(datetime(2026, 11, 4, 9, 0, tzinfo=NY))
    assert (await quiz.boards.stats(G, BOB)).streak == 0
    result = await quiz.daily.answer(G, BOB, text="hearts")
    assert (result.streak, result.best) == (1, 2)


async def test_streak_day_follows_the_server_zone_not_utc(db: Database, clock: ManualClock) -> None:
    quiz = make(db, clock)
    await quiz.daily.setup(G, CHANNEL, "08:00", "Pacific/Auckland")
    # 11:30Z on Jan 5 is 00:30 on Jan 6 in Auckland (UTC+13), and 10:30Z on Jan 6 is 23:30
    # the same Auckland day: two UTC dates, one local day, so one answer.
    clock.set(datetime(2026, 1, 5, 11, 30, tzinfo=UTC))
    first = await quiz.daily.answer(G, ALICE, text="hearts")
    assert first.term.day == date(2026, 1, 6)
    clock.set(datetime(2026, 1, 6, 10, 30, tzinfo=UTC))
    with pytest.raises(Conflict):
        await quiz.daily.answer(G, ALICE, text="hearts")
    clock.set(datetime(2026, 1, 6, 11, 30, tzinfo=UTC))  # 00:30 Jan 7 in Auckland
    assert (await quiz.daily.answer(G, ALICE, text="hearts")).streak == 2


async def test_terms_do_not_repeat_for_weeks(db: Database, clock: ManualClock) -> None:
    quiz = make(db, clock)
    seen = []
    for _ in range(30):
        seen.append((await quiz.daily.today(G)).question.key)
        clock.advance(days=1)
    assert len(set(seen)) == 30
