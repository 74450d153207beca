"""Check-in service on both databases: local-time prompts, DST, exactly-once, streaks, recap."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from core.sql import insert_ignore
from models.checkins import CheckinMember, CheckinPrompt
from models.delivery import OutboxMessage
from services.checkins import (
    PURPOSE_PROMPT_CHANNEL,
    PURPOSE_PROMPT_DM,
    CheckinService,
    PromptPlan,
)
from services.guild_config import GuildConfigService
from services.niches import NicheService
from services.profiles import ProfileService

G = 1_100_000_000_000_000_001
CH = 3_000_000_000_000_000_001
MOD = 9
LA, LONDON, KOLKATA, TOKYO = 101, 102, 103, 104
ZONES = {
    LA: "America/Los_Angeles",
    LONDON: "Europe/London",
    KOLKATA: "Asia/Kolkata",
    TOKYO: "Asia/Tokyo",
}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


async def members(
    db: Database, clock: ManualClock, zones: dict[int, str], mode: str = "dm"
) -> None:
    svc = CheckinService(db, clock)
    profiles = ProfileService(db, clock, NicheService(db))
    for uid, tz in zones.items():
        await profiles.update(G, uid, timezone=tz)
        await svc.opt_in(G, uid, mode)


async def prompts(db: Database) -> list[tuple[int, date, datetime, datetime]]:
    async with db.read() as s:
        rows = (
            await s.execute(
                select(
                    CheckinPrompt.user_id,
                    CheckinPrompt.period,
                    CheckinPrompt.prompt_at,
                    CheckinPrompt.created_at,
                ).order_by(CheckinPrompt.id)
            )
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def outbox(db: Database, purpose: str | None = None) -> list[OutboxMessage]:
    async with db.read() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if purpose:
            stmt = stmt.where(OutboxMessage.purpose == purpose)
        return list((await s.scalars(stmt)).all())


async def step(svc: CheckinService, clock: ManualClock, until: datetime, minutes: int) -> None:
    while clock.now() < until:
        clock.advance(minutes=minutes)
        await svc.queue_due(clock.now())


# ---------------------------------------------------------------- local times and DST


async def test_members_in_four_zones_are_prompted_at_their_own_local_time(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 11, 0, 0))  # Sunday
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, ZONES)
    await step(svc, clock, utc(2026, 1, 13, 12, 0), 30)
    got = {
        uid: (period, prompt_at, created) for uid, period, prompt_at, created in await prompts(db)
    }
    assert set(got) == set(ZONES)
    expected = {
        LA: utc(2026, 1, 13, 2, 0),  # Mon 18:00 PST = Tue 02:00 UTC (UTC−8)
        LONDON: utc(2026, 1, 12, 18, 0),  # UTC+0 in winter
        KOLKATA: utc(2026, 1, 12, 12, 30),  # UTC+5:30
        TOKYO: utc(2026, 1, 12, 9, 0),  # UTC+9
    }
    for uid, when in expected.items():
        period, prompt_at, created = got[uid]
        assert period == date(2026, 1, 12)
        assert prompt_at == when
        assert when <= created < when + timedelta(minutes=30)  # sent at the first tick after
    dms = await outbox(db, PURPOSE_PROMPT_DM)
    assert sorted(m.target_id for m in dms) == sorted(ZONES)


@pytest.mark.parametrize(
    ("start", "at", "dst_day", "la_utc", "london_day", "london_utc"),
    [
        # spring forward: 02:30 doesn't exist in LA on Mar 8; 01:30 doesn't in London on Mar 29
        (utc(2026, 3, 6), "02:30", date(2026, 3, 8), utc(2026, 3, 8, 10, 30), None, None),
        (utc(2026, 3, 27), "01:30", None, None, date(2026, 3, 29), utc(2026, 3, 29, 1, 30)),
        # fall back: 01:30 happens twice in LA on Nov 1 and in London on Oct 25
        (utc(2026, 10, 30), "01:30", date(2026, 11, 1), utc(2026, 11, 1, 8, 30), None, None),
        (utc(2026, 10, 23), "01:30", None, None, date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),
    ],
)
async def test_dst_changes_neither_skip_nor_double_a_daily_prompt(
    db: Database,
    start: datetime,
    at: str,
    dst_day: date | None,
    la_utc: datetime | None,
    london_day: date | None,
    london_utc: datetime | None,
) -> None:
    clock = ManualClock(start)
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at=at, period="daily", by=MOD)
    await members(db, clock, ZONES)
    await step(svc, clock, start + timedelta(days=4), 30)
    rows = await prompts(db)
    per_member: dict[int, list[date]] = {}
    for uid, period, _prompt_at, _created in rows:
        per_member.setdefault(uid, []).append(period)
    for uid, periods in per_member.items():
        assert len(periods) == len(set(periods)), f"doubled prompt for {ZONES[uid]}"
        # consecutive days, none skipped
        assert periods == [periods[0] + timedelta(days=i) for i in range(len(periods))]
        assert len(periods) >= 3
    by_key = {(uid, period): prompt_at for uid, period, prompt_at, _c in rows}
    if dst_day:
        assert by_key[(LA, dst_day)] == la_utc
    if london_day:
        assert by_key[(LONDON, london_day)] == london_utc
    # Kolkata and Tokyo never move: the same UTC time every day
    for uid in (KOLKATA, TOKYO):
        times = {by_key[k].time() for k in by_key if k[0] == uid}
        assert len(times) == 1


# ---------------------------------------------------------------- exactly once


async def test_zones_due_together_go_in_one_pass_in_chunks_even_with_a_rival_process(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After downtime every zone is due at once: one pass over the members queues them all, in
    chunks of QUEUE_CHUNK on SQLite, each DM naming its own zone's period and close; a second
    process racing it asks nobody twice, and whoever it leaves is the next run's."""
    from services.checkins import prompts as prompts_module

    monkeypatch.setattr(prompts_module, "QUEUE_CHUNK", 3)
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    zone_of = {200 + i: list(ZONES.values())[i % 4] for i in range(11)}
    await members(db, clock, {u: tz for u, tz in zone_of.items() if u % 5})
    await members(db, clock, {u: tz for u, tz in zone_of.items() if not u % 5}, mode="channel")
    clock.set(utc(2026, 1, 13, 3, 0))  # Monday 18:00 has passed in all four zones
    other = Database.from_url(db_url)
    try:
        first = await asyncio.gather(
            svc.queue_due(clock.now()), CheckinService(other, clock).queue_due(clock.now())
        )
        later = await svc.queue_due(clock.now())  # the next sweep
    finally:
        await other.dispose()
    assert sum(r.prompted for r in first) + later.prompted == 11
    rows = await prompts(db)
    assert sorted(r[0] for r in rows) == sorted(zone_of)  # each member exactly once
    dms = await outbox(db, PURPOSE_PROMPT_DM)
    assert len(dms) == sum(1 for u in zone_of if u % 5)
    for dm in dms:
        here = svc.prompts  # the period in the member's own zone, as a single-zone run says
        settings = (await here.scan(G, clock.now())).settings
        assert settings is not None
        period = settings.current(clock.now(), zone_of[dm.target_id])
        assert dm.payload["period"] == period.label.isoformat()
        assert dm.payload["closes_at"] == period.closes_at.isoformat()
        assert dm.dedupe_key == f"checkin:prompt:{G}:{dm.target_id}:{period.label.isoformat()}"
    mentioned = [u for m in await outbox(db, PURPOSE_PROMPT_CHANNEL) for u in m.payload["user_ids"]]
    assert sorted(mentioned) == sorted(str(u) for u in zone_of if not u % 5)


async def test_rows_that_appear_after_the_run_looked_are_skipped_not_doubled(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that found nobody asked yet inserts as if every row were new (PostgreSQL then
    skips its conflict checks): a rival process committing a member's prompt and DM after that
    look, and a DM kept after its prompt row was erased, still leave one prompt and one DM
    each, and the run reports only what it queued."""
    from services.checkins import prompts as prompts_module

    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, ZONES)
    clock.set(utc(2026, 1, 13, 3, 0))  # Monday 18:00 has passed in all four zones
    now = clock.now()
    london = (await svc.prompts.scan(G, now)).settings
    assert london is not None
    label = london.current(now, ZONES[LONDON]).label
    tokyo_label = london.current(now, ZONES[TOKYO]).label

    def dm(user_id: int, period: date) -> dict[str, Any]:
        return {
            "kind": "dm",
            "target_id": user_id,
            "guild_id": G,
            "purpose": PURPOSE_PROMPT_DM,
            "payload": {"rival": True},
            "dedupe_key": f"checkin:prompt:{G}:{user_id}:{period.isoformat()}",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }

    async with db.write() as s:  # Tokyo's DM of this period, its prompt row since erased
        await insert_ignore(s, OutboxMessage, [dm(TOKYO, tokyo_label)], ["dedupe_key"])
    chunk = prompts_module.CheckinPrompts._queue_chunk
    other = Database.from_url(db_url)

    async def rival_first(self: Any, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(prompts_module.CheckinPrompts, "_queue_chunk", chunk)
        async with other.write() as s:  # another process, between the look and the insert
            row = {"guild_id": G, "user_id": LONDON, "period": label, "prompt_at": now}
            s.add(CheckinPrompt(**row, mode="dm", batch="rival", created_at=now))
            await insert_ignore(s, OutboxMessage, [dm(LONDON, label)], ["dedupe_key"])
        return await chunk(self, *args, **kwargs)

    monkeypatch.setattr(prompts_module.CheckinPrompts, "_queue_chunk", rival_first)
    try:
        result = await svc.queue_due(now)
    finally:
        await other.dispose()
    assert (result.prompted, result.dms) == (3, 3)
    assert sorted(r[0] for r in await prompts(db)) == sorted(ZONES)
    dms = await outbox(db, PURPOSE_PROMPT_DM)
    assert sorted(d.target_id for d in dms) == sorted(ZONES)
    assert {d.target_id for d in dms if d.payload.get("rival")} == {LONDON, TOKYO}
    assert (await svc.queue_due(now)).prompted == 0


async def test_exactly_one_prompt_across_restarts_and_two_processes(
    db: Database, db_url: str
) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))  # Monday morning UTC, before every prompt
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London", TOKYO: "Asia/Tokyo"})
    await members(db, clock, {KOLKATA: "Asia/Kolkata"}, mode="channel")
    clock.set(utc(2026, 1, 12, 20, 0))
    other = Database.from_url(db_url)  # a second process: its own engine and connections
    try:
        second = CheckinService(other, clock)
        results = await asyncio.gather(*(x.queue_due(clock.now()) for x in (svc, second) * 3))
        assert sum(r.prompted for r in results) == 3
        assert sum(r.dms for r in results) == 2 and sum(r.channel_posts for r in results) == 1
        # "restart": a fresh service later in the same week queues nothing new
        clock.advance(days=2)
        again = await CheckinService(db, clock).queue_due(clock.now())
        assert again.prompted == 0
    finally:
        await other.dispose()
    assert len(await prompts(db)) == 3
    assert len(await outbox(db, PURPOSE_PROMPT_DM)) == 2
    posts = await outbox(db, PURPOSE_PROMPT_CHANNEL)
    assert len(posts) == 1 and posts[0].payload["user_ids"] == [str(KOLKATA)]


async def test_prompts_due_while_down_are_sent_on_startup_within_the_period(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 10, 12, 0))  # Saturday
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London", TOKYO: "Asia/Tokyo"})
    assert (await svc.queue_due(clock.now())).prompted == 0  # not due yet
    # the bot was down from Saturday until Thursday: Monday's prompts are late, not lost
    clock.set(utc(2026, 1, 15, 9, 0))
    assert (await svc.queue_due(clock.now())).prompted == 2
    # down for the whole next week: that week closed, its prompt is not sent a week late
    clock.set(utc(2026, 1, 26, 8, 0))  # Monday morning of the week after (before 18:00 local)
    assert (await svc.queue_due(clock.now())).prompted == 0
    assert {p[1] for p in await prompts(db)} == {date(2026, 1, 12)}


async def test_paused_and_away_members_are_not_prompted(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 10, 12, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London", TOKYO: "Asia/Tokyo"})
    await svc.set_away(G, TOKYO, "2026-01-13")
    clock.set(utc(2026, 1, 12, 19, 0))
    await svc.set_paused(G, True)
    assert (await svc.queue_due(clock.now())).prompted == 0
    await svc.set_paused(G, False)
    assert (await svc.queue_due(clock.now())).prompted == 1  # London only: Tokyo is away
    assert [p[0] for p in await prompts(db)] == [LONDON]


async def test_ten_thousand_members_queue_once_in_bulk(db: Database, db_url: str) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    now = clock.now()
    rows = [
        {
            "guild_id": G,
            "user_id": 10_000 + i,
            "mode": "channel" if i % 10 == 0 else "dm",
            "active": True,
            "away_until": None,
            "joined_at": now,
            "updated_at": now,
        }
        for i in range(10_000)
    ]
    async with db.write() as s:
        for i in range(0, len(rows), 1000):
            await insert_ignore(s, CheckinMember, rows[i : i + 1000])
    now = clock.advance(hours=11)
    other = Database.from_url(db_url)
    try:
        a, b = await asyncio.gather(svc.queue_due(now), CheckinService(other, clock).queue_due(now))
    finally:
        await other.dispose()
    assert a.prompted + b.prompted == 10_000
    async with db.read() as s:
        dm_targets = (
            await s.execute(
                select(func.count(), func.count(func.distinct(OutboxMessage.target_id))).where(
                    OutboxMessage.purpose == PURPOSE_PROMPT_DM
                )
            )
        ).one()
        assert tuple(dm_targets) == (9_000, 9_000)
        posts = (
            await s.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.purpose == PURPOSE_PROMPT_CHANNEL)
            )
        ).all()
    mentioned = [u for p in posts for u in p["user_ids"]]
    assert len(mentioned) == len(set(mentioned)) == 1_000
    assert all(len(p["user_ids"]) <= 40 for p in posts)
    assert (await svc.queue_due(now)).prompted == 0


async def test_dm_closed_falls_back_to_one_channel_mention(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 12, 9, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London"})
    clock.advance(hours=10)
    assert (await svc.queue_due(clock.now())).dms == 1
    assert await svc.fallback_to_channel(G, LONDON, date(2026, 1, 12))
    assert not await svc.fallback_to_channel(G, LONDON, date(2026, 1, 12))
    posts = await outbox(db, PURPOSE_PROMPT_CHANNEL)
    assert len(posts) == 1 and posts[0].target_id == CH
    assert posts[0].payload["user_ids"] == [str(LONDON)]


# ---------------------------------------------------------------- answers and streaks

ANSWERS = ["2", "https://www.tiktok.com/@jane/video/1", "hit 5k!", "need collab ideas", "4"]


async def test_answers_at_the_period_edges_and_edits(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 18, 14, 59, 59))  # Sunday 23:59:59 in Tokyo
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {TOKYO: "Asia/Tokyo"})
    first = await svc.submit(G, TOKYO, ANSWERS)
    assert first.period.label == date(2026, 1, 12) and not first.edited and first.streak == 1
    clock.advance(seconds=1)  # Monday 00:00 Tokyo: a new week
    second = await svc.submit(G, TOKYO, ANSWERS, label=date(2026, 1, 12))
    assert second.period.label == date(2026, 1, 19) and second.moved_to_current
    assert second.streak == 2
    edit = await svc.submit(G, TOKYO, ["3", "", "", "", "5"])
    assert edit.edited and edit.streak == 2  # an edit is not another check-in
    form = await svc.form(G, TOKYO)
    assert form.existing == ("3", "", "", "", "5")
    report = await svc.streak(G, TOKYO)
    assert report.streak.current == 2 and report.streak.moods == [4, 5]


async def test_streak_grace_vacation_and_break(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 5, 19, 0))  # Monday Jan 5
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London"})

    async def week(answer: bool) -> None:
        await svc.queue_due(clock.now())
        if answer:
            await svc.submit(G, LONDON, ANSWERS)
        clock.advance(days=7)

    await week(True)  # Jan 5
    await week(True)  # Jan 12
    await week(False)  # Jan 19: missed → January's grace freeze
    await week(True)  # Jan 26
    assert (await svc.streak(G, LONDON)).streak.current == 3
    await svc.set_away(G, LONDON, "2026-02-15")  # away Feb 2 – Feb 15: two frozen weeks
    await week(False)  # Feb 2 (not prompted)
    await week(False)  # Feb 9
    report = await svc.streak(G, LONDON)
    assert report.streak.current == 3
    assert [m.status for m in report.streak.last(2)] == ["away", "open"]
    await week(True)  # Feb 16
    await week(False)  # Feb 23: February's grace
    await week(False)  # Mar 2: March's grace
    await week(False)  # Mar 9: no grace left in March → streak breaks
    await week(True)  # Mar 16
    report = await svc.streak(G, LONDON)
    assert report.streak.current == 1 and report.streak.best == 4
    statuses = [m.status for m in report.streak.marks]
    assert statuses[:8] == ["done", "done", "grace", "done", "away", "away", "done", "grace"]
    assert statuses[8:11] == ["grace", "missed", "done"]
    assert statuses[-1] == "open"


# ---------------------------------------------------------------- the recap


async def test_summary_counts_wins_milestones_and_collab_hint(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 5, 19, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London", TOKYO: "Asia/Tokyo", LA: "UTC"})
    for _ in range(4):
        await svc.queue_due(clock.now())
        await svc.submit(G, LONDON, ANSWERS)
        await svc.submit(G, TOKYO, ["1", "", "", "views tanked", "2"])
        clock.advance(days=7)
    label = date(2026, 1, 26)
    due = await svc.summaries_due(G, clock.now())
    assert [d.label for d in due if d.late] == [label]
    summary = await svc.build_summary(G, label)
    assert summary.checked_in == 2 and summary.opted_in == 3
    assert set(summary.names) == {LONDON, TOKYO}
    assert summary.wins == ((LONDON, "hit 5k!"),)
    assert set(summary.milestones) == {(LONDON, 4), (TOKYO, 4)}
    assert summary.collab_hint
    assert summary.links == ((LONDON, ANSWERS[1]),)
    assert not [k for k in summary.payload() if "mood" in k], "moods stay out of the recap"
    await svc.queue_summary(G, label)
    await svc.queue_summary(G, label)  # once per period
    assert len(await outbox(db, "checkin_summary")) == 1


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda s: s.set_away(G, LONDON, "2026-01-01"), "in the past"),
        (lambda s: s.set_away(G, LONDON, "next friday"), "year-month-day"),
        (lambda s: s.set_away(G, LONDON, "2027-12-01"), "up to 180 days"),
        (lambda s: s.submit(G, LONDON, ["1" * 11, "", "", "", ""]), "10 or fewer"),
        (lambda s: s.submit(G, LONDON, ["", "", "w" * 401, "", ""]), "400 or fewer"),
        (lambda s: s.submit(G, LONDON, ["", "https://evil.example/x", "", "", ""]), "TikTok link"),
        (lambda s: s.submit(G, LONDON, ["", "", "", "", "9"]), "1 (rough) to 5"),
        (lambda s: s.submit(G, LONDON, ["", "", "yo @everyone", "", ""]), "@everyone"),
        (lambda s: s.submit(G, LONDON, ["", "", "", "", ""]), "at least one"),
        (lambda s: s.opt_in(G, LONDON, "carrier-pigeon"), "`dm`"),
        (lambda s: s.set_questions(G, ["q" * 46]), "45 or fewer"),
        (lambda s: s.set_questions(G, ["", ""]), "at least one question"),
        (lambda s: s.setup(G, channel_id=CH, day="funday", at="18:00", by=MOD), "weekday"),
        (lambda s: s.setup(G, channel_id=CH, day="mon", at="25:00", by=MOD), "isn't a time"),
        (lambda s: s.setup(G, channel_id=CH, day="mon", at="9", period="hourly", by=MOD), "weekly"),
    ],
)
async def test_bad_input_gets_clear_errors(db: Database, call: Any, needle: str) -> None:
    clock = ManualClock(utc(2026, 1, 12, 19, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London"})
    with pytest.raises(DomainError) as err:
        await call(svc)
    assert needle in err.value.message
    # nothing was stored by the refused call
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CheckinPrompt)) == 0


async def test_unknown_time_zone_is_refused(db: Database) -> None:
    clock = ManualClock()
    with pytest.raises(DomainError, match="isn't a time zone"):
        await ProfileService(db, clock, NicheService(db)).update(G, LONDON, timezone="Mars/Base")
    with pytest.raises(DomainError, match="isn't a time zone"):
        await GuildConfigService(db, clock).update(G, timezone="Moon/Crater")


async def test_profile_delete_erases_check_in_data(db: Database) -> None:
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LONDON: "Europe/London", TOKYO: "Asia/Tokyo"})
    await svc.set_away(G, TOKYO, "2026-01-20")
    clock.set(utc(2026, 1, 12, 19, 0))
    await svc.queue_due(clock.now())
    await svc.submit(G, LONDON, ANSWERS)
    await ProfileService(db, clock, NicheService(db)).delete(G, LONDON)
    await ProfileService(db, clock, NicheService(db)).delete(G, TOKYO)
    assert await svc.membership(G, LONDON) is None
    assert (await svc.streak(G, LONDON)).streak.marks == ()
    assert await prompts(db) == []


async def test_a_plan_run_queues_a_guilds_zones_in_one_call_and_reports_each(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delivery plan hands every zone of a guild due in this run to one queue_zones call;
    each occurrence reports its own zone's count. If that call fails, the zone that failed is
    left to core's back-off and the others are still queued in the same run."""
    clock = ManualClock(utc(2026, 1, 12, 8, 0))
    svc = CheckinService(db, clock)
    await svc.setup(G, channel_id=CH, day="mon", at="18:00", period="weekly", by=MOD)
    await members(db, clock, {LA: ZONES[LA], TOKYO: ZONES[TOKYO], 105: ZONES[TOKYO]})
    clock.set(utc(2026, 1, 13, 3, 0))
    calls: list[int] = []
    queue_zones = svc.prompts.queue_zones

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[2]))
        return await queue_zones(*args, **kwargs)

    monkeypatch.setattr(svc.prompts, "queue_zones", counted)
    plan = PromptPlan(svc.prompts, clock)
    occurrences = sorted(await plan.due(clock.now(), lambda _g: True))
    details = {o.ref: await plan.deliver(o) for o in occurrences}
    assert calls == [2]
    assert details == {
        f"{G}:America/Los_Angeles": "1 member prompted (1 DM, 0 channel posts)",
        f"{G}:Asia/Tokyo": "2 members prompted (2 DMs, 0 channel posts)",
    }

    # next week, the database refuses the first (grouped) call: the other zone goes alone
    clock.advance(days=7)
    calls.clear()
    failed = [False]

    async def first_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[2]))
        if not failed[0]:
            failed[0] = True
            raise RuntimeError("database went away")
        return await queue_zones(*args, **kwargs)

    monkeypatch.setattr(svc.prompts, "queue_zones", first_fails)
    first, second = sorted(await plan.due(clock.now(), lambda _g: True))
    with pytest.raises(RuntimeError):
        await plan.deliver(first)
    assert await plan.deliver(second) is not None
    assert calls == [2, 1]
    assert len(await prompts(db)) == 3 + (1 if second.ref.endswith("Los_Angeles") else 2)
