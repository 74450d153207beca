"""Benchmark: quiz button answers under a crowd, by the real bot on both databases, next to a
bare discord.py ``/ping`` baseline measured in the same run.

The real bot (``build_bot``) runs against the local fake Discord on a fresh database (SQLite,
then PostgreSQL). A game of multiple-choice questions is started; the game timer is held open
by the benchmark (no sleeping), then the members answer:

* **a burst**: every member clicks once, spread evenly over one second (500 members in the full
  run). Each click is acknowledged first (a private "thinking…", timed from the moment the fake
  pushed the click to the moment the callback reached it: what Discord's 3 s rule measures),
  then the outcome ("Locked in") replaces it once the batch holding the answer committed;
* **sustained**: question after question, every member clicks at once; answers credited per
  second from the first click of a question to its last outcome;
* **one at a time**: each click awaited to its outcome, the same shape as the ``/ping`` baseline.

At the end every member's score in the database must equal what their answers earned (each
answer credited exactly once), and every click must have been told "Locked in".

The daily plan is measured too, as core's deliveries run it: one sweep when nothing is due (it
happens every few seconds) and the run that queues every server's term of the day at once,
checked exactly once (one outbox row per server; a second run queues nothing).

Run: ``.venv/bin/python -m bench.run [--quick] quizzes``
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.harness import settled
from bench.ping_baseline import FAKE_REMEMBERS, run_ping_baseline
from bot import build_bot
from core import migrate
from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.leases import LeaseStore
from core.scheduler import Scheduler
from core.settings import Secret, Settings
from core.slots import SlotStore
from fakediscord import FakeDiscord
from fakediscord.handles import InteractionHandle
from models.delivery import OutboxMessage
from models.quizzes import QuizAnswer, QuizDailyConfig, QuizGameScore
from services.quizzes import SLOT_KIND, QuizService, load_builtin, points_for
from tests import dbutil

GUILD = 1510000000000000001
CHANNEL = 1510000000000000002
STARTER = 1520000000000000001
MEMBER_BASE = 1530000000000000000
DEADLINE_MS = 3000.0  # Discord's: an interaction not acknowledged by then has failed


class _Gate:
    """Holds each game timer open until the benchmark releases it."""

    def __init__(self) -> None:
        self.waiting: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

    async def sleep(self, _seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.waiting.put(fut)
        await fut

    async def release(self) -> None:
        fut = await asyncio.wait_for(self.waiting.get(), 60)
        if not fut.done():
            fut.set_result(None)


def _quantile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))]


@dataclass
class Clicks:
    """What the members saw: acknowledgement and outcome latencies (ms), outcomes' text."""

    ack_ms: list[float] = field(default_factory=list)
    outcome_ms: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    seconds: float = 0.0
    deferred: int = 0  # acknowledged first, the outcome later
    batches: int = 0  # transactions that recorded them
    writes: int = 0

    def add(self, other: Clicks) -> None:
        self.deferred += other.deferred
        self.ack_ms += other.ack_ms
        self.outcome_ms += other.outcome_ms
        self.texts += other.texts
        self.seconds += other.seconds

    @property
    def locked_in(self) -> int:
        return sum(text.startswith("Locked in") for text in self.texts)

    def summary(self) -> dict[str, float]:
        ack, out = sorted(self.ack_ms), sorted(self.outcome_ms)
        return {
            "n": len(ack),
            "per_sec": len(out) / self.seconds if self.seconds else 0.0,
            "ack_p50": statistics.median(ack) if ack else 0.0,
            "ack_p99": _quantile(ack, 0.99),
            "ack_max": ack[-1] if ack else 0.0,
            "late": sum(a > DEADLINE_MS for a in ack),
            "out_p50": statistics.median(out) if out else 0.0,
            "out_p99": _quantile(out, 0.99),
            "deferred": self.deferred,
            "per_commit": self.writes / self.batches if self.batches else 0.0,
        }


async def _outcome(handle: InteractionHandle, clicks: Clicks) -> None:
    """Wait for the first answer (the outcome itself, or an acknowledgement the outcome then
    replaces) and for the outcome."""
    loop = asyncio.get_running_loop()
    response = await handle.response(timeout=60)
    assert handle.responded_at is not None
    clicks.ack_ms.append((handle.responded_at - handle.sent_at) * 1000)
    if response["type"] == 5:
        clicks.deferred += 1
        await handle.wait_edit(timeout=60)
        clicks.outcome_ms.append((loop.time() - handle.sent_at) * 1000)
    else:
        clicks.outcome_ms.append(clicks.ack_ms[-1])
    clicks.texts.append(str(handle.content))


class QuizRig:
    """The real bot, a game held open question by question, and what each member earned."""

    def __init__(self, fake: FakeDiscord, bot: AnyBot, db: Database, members: list[int]) -> None:
        self.fake, self.bot, self.db, self.members = fake, bot, db, members
        cog: Any = bot.get_cog("QuizCog")
        self.cog = cog
        self.gate = _Gate()
        cog.sleep = self.gate.sleep
        self.expected: dict[int, int] = dict.fromkeys(members, 0)
        self.number = 0
        self.total = 0

    async def start(self, questions: int) -> None:
        self.cog.quizzes.bank.builtin = tuple(q for q in load_builtin() if q.kind == "choice")
        h = await self.fake.slash(GUILD, STARTER, "quiz start", {"questions": questions})
        await h.response(timeout=10)
        if "Quiz time" not in str(h.content):
            raise RuntimeError(f"/quiz start failed: {h.content}")
        self.total = questions
        await self.gate.release()  # the pause before question 1

    async def next_question(self) -> tuple[int, dict[int, str]]:
        """The next question's message id and each member's pick (every 4th one wrong)."""
        self.number += 1
        number = self.number

        def find() -> dict[str, Any] | None:
            for m in self.fake.messages(CHANNEL):
                embeds = m.get("embeds") or []
                if embeds and str(embeds[0].get("title", "")).startswith(f"Question {number}/"):
                    return m
            return None

        msg: dict[str, Any] = await self.fake.wait_for(find, 60)
        buttons = [c for row in msg["components"] for c in row["components"]]
        game_id, index = (int(x) for x in buttons[0]["custom_id"].split(":")[2:4])
        runner = next(r for r in self.cog.runners.values() if r.game.id == game_id)
        question = runner.current.question
        assert runner.current.index == index
        right = next(
            b["custom_id"] for b in buttons if b["label"].split(" · ", 1)[1] == question.answer
        )
        wrong = next(b["custom_id"] for b in buttons if b["custom_id"] != right)
        earned = points_for(timedelta(0), 20, question.difficulty)  # the clock stands still
        picks = {}
        for i, member in enumerate(self.members):
            picks[member] = wrong if i % 4 == 0 else right
            if i % 4:
                self.expected[member] += earned
        return int(msg["id"]), picks

    async def end_question(self) -> None:
        await self.gate.release()  # the timer ends: reveal
        if self.number < self.total:
            await self.gate.release()  # the pause between questions

    async def scores_exact(self, answers: int) -> bool:
        async with self.db.read() as session:
            rows = (
                await session.execute(select(QuizGameScore.user_id, QuizGameScore.points))
            ).all()
            stored = await session.scalar(select(func.count()).select_from(QuizAnswer))
        return {int(u): int(p) for u, p in rows} == self.expected and stored == answers


@asynccontextmanager
async def quiz_rig(backend: str, members: int) -> AsyncIterator[QuizRig]:
    fake = FakeDiscord(bot_name="Mutuals", interaction_deadline=None, remember=FAKE_REMEMBERS)
    fake.add_guild(GUILD, name="Bench", owner_id=STARTER)
    fake.add_channel(GUILD, CHANNEL, name="quiz")
    member_ids = [MEMBER_BASE + i for i in range(members)]
    for i, member in enumerate(member_ids):
        fake.add_member(GUILD, member, f"fam{i}", dispatch=False)
    await fake.start()
    tmp = tempfile.TemporaryDirectory()
    pg_name: str | None = None
    if backend == "sqlite":
        url = dbutil.sqlite_url(Path(tmp.name) / "bench.db")
    else:
        pg_name = await asyncio.to_thread(dbutil.create_pg_database)
        url = dbutil.pg_url(pg_name)
    db = Database.from_url(url)
    await migrate.upgrade(db.engine)
    settings = Settings(
        discord_token=Secret("bench-token"),
        database_url=url,
        dev_guild_id=GUILD,
        discord_api_base=fake.rest_base,
        discord_gateway_url=fake.gateway_url,
        guild_ready_timeout=0.1,
        channel_posts_per_second=50.0,
    )
    bot = build_bot(settings, db, clock=ManualClock())

    async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
    bot.freeze_heap_when_ready = True  # as bot.py runs it
    task = asyncio.create_task(bot.start(settings.discord_token.get()))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        await settled(bot)
        yield QuizRig(fake, bot, db, member_ids)
    finally:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        await db.dispose()
        await fake.stop()
        tmp.cleanup()
        if pg_name:
            await asyncio.to_thread(dbutil.drop_pg_database, pg_name)


async def run_quiz_bench(
    backend: str, members: int, burst_seconds: float, waves: int, sequential: int
) -> dict[str, Any]:
    """One game: a burst spread over ``burst_seconds``, ``waves`` questions where everyone
    clicks at once, then one question answered one click at a time by ``sequential`` members."""
    loop = asyncio.get_running_loop()
    async with quiz_rig(backend, members) as rig:
        await rig.start(2 + waves)
        # the burst: member i clicks at i * burst_seconds / members
        mid, picks = await rig.next_question()
        burst, waiting = Clicks(), []
        started = loop.time()
        for i, member in enumerate(rig.members):
            delay = started + i * burst_seconds / members - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            handle = await rig.fake.click(member, picks[member], message_id=mid)
            waiting.append(asyncio.ensure_future(_outcome(handle, burst)))
        await asyncio.gather(*waiting)
        burst.seconds = loop.time() - started
        await rig.end_question()
        # sustained: everyone at once, question after question
        sustained = Clicks()
        batches, writes = rig.db.writes.batches, rig.db.writes.writes
        for _ in range(waves):
            mid, picks = await rig.next_question()
            wave = Clicks()
            started = loop.time()
            handles = [await rig.fake.click(m, picks[m], message_id=mid) for m in rig.members]
            await asyncio.gather(*(_outcome(h, wave) for h in handles))
            wave.seconds = loop.time() - started
            sustained.add(wave)
            await rig.end_question()
        sustained.batches = rig.db.writes.batches - batches
        sustained.writes = rig.db.writes.writes - writes
        # one at a time
        mid, picks = await rig.next_question()
        one = Clicks()
        started = loop.time()
        for member in rig.members[:sequential]:
            await _outcome(await rig.fake.click(member, picks[member], message_id=mid), one)
        one.seconds = loop.time() - started
        for member in rig.members[sequential:]:  # the rest, so every score is comparable
            await _outcome(await rig.fake.click(member, picks[member], message_id=mid), Clicks())
        await rig.end_question()
        clicks = len(burst.texts) + len(sustained.texts) + members
        exact = await rig.scores_exact(clicks)
        locked = burst.locked_in + sustained.locked_in + one.locked_in
        told_right = locked == len(burst.texts) + len(sustained.texts) + len(one.texts)
        return {
            "backend": backend,
            "members": members,
            "burst": burst.summary(),
            "sustained": sustained.summary(),
            "one": one.summary(),
            "exact": exact and told_right,
        }


async def run_daily_plan_bench(servers: int) -> dict[str, Any]:
    """The term-of-the-day plan under core's deliveries with ``servers`` daily setups (time
    zones on three continents) on SQLite: idle sweeps, then the run that posts them all."""
    tmp = tempfile.TemporaryDirectory()
    db = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp.name) / 'daily.db'}")
    try:
        await migrate.upgrade(db.engine)
        setup_at = datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
        clock = ManualClock(setup_at)
        zones = ("Europe/London", "America/New_York", "Asia/Tokyo")
        async with db.write() as session:
            await session.execute(
                insert(QuizDailyConfig),
                [
                    {
                        "guild_id": GUILD + i,
                        "channel_id": CHANNEL + i,
                        "post_time": "09:00",
                        "timezone": zones[i % 3],
                        "enabled": True,
                        "created_at": setup_at,
                        "updated_at": setup_at,
                    }
                    for i in range(servers)
                ],
            )
        quiz = QuizService(db, clock, builtin=load_builtin())
        deliveries = Deliveries(
            SlotStore(db, clock),
            LeaseStore(db, clock, lease=timedelta(seconds=30)),
            Scheduler(),
            clock,
            owns=lambda _g: True,
        )
        deliveries.add(quiz.delivery)
        clock.set(datetime(2026, 6, 1, 0, 30, tzinfo=UTC))  # Tokyo's 09:00 has just passed
        await deliveries.run(SLOT_KIND)  # Tokyo posts; London and New York are not due
        idle: list[float] = []
        for _ in range(5):
            started = time.perf_counter()
            outcomes = await deliveries.run(SLOT_KIND)
            idle.append(time.perf_counter() - started)
            assert outcomes == [], "an idle sweep delivered something"
        clock.set(datetime(2026, 6, 1, 13, 0, tzinfo=UTC))  # London's and New York's 09:00
        started = time.perf_counter()
        outcomes = await deliveries.run(SLOT_KIND)
        burst = time.perf_counter() - started
        posted = sum(o.status == "done" for o in outcomes)
        again = await deliveries.run(SLOT_KIND)
        async with db.read() as session:
            rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return {
            "servers": servers,
            "idle_ms": round(statistics.median(idle) * 1000, 1),
            "burst_posts": posted,
            "posts_per_sec": round(posted / burst, 1) if burst else 0.0,
            "exactly_once": rows == servers and again == [],
        }
    finally:
        await db.dispose()
        tmp.cleanup()


def _quiz_rows(q: dict[str, Any], ping: dict[str, Any]) -> list[dict[str, Any]]:
    db = "SQLite" if q["backend"] == "sqlite" else "PostgreSQL"
    exact = "every answer credited exactly once" if q["exact"] else "ANSWERS NOT EXACT"
    b, s, one = q["burst"], q["sustained"], q["one"]
    return [
        {
            "bench": "quizzes",
            "metric": f"burst: {b['n']} answers within 1 s ({db}), ack p99",
            "value": round(b["ack_p99"], 1),
            "unit": "ms",
            "note": f"ack p50 {b['ack_p50']:.1f} ms, max {b['ack_max']:.0f} ms, "
            f"{b['late']} past 3 s, {b['deferred']} 'thinking…' first; 'Locked in' p50 "
            f"{b['out_p50']:.0f} ms, p99 {b['out_p99']:.0f} ms; {exact}",
        },
        {
            "bench": "quizzes",
            "metric": f"sustained answers, {q['members']} at once ({db})",
            "value": round(s["per_sec"], 1),
            "unit": "answers/s",
            "note": f"{s['n']} answers to 'Locked in'; ack p50 {s['ack_p50']:.0f} ms, "
            f"p99 {s['ack_p99']:.0f} ms, {s['deferred']} 'thinking…' first; "
            f"{s['per_commit']:.0f} answers per commit",
        },
        {
            "bench": "quizzes",
            "metric": f"button answers, one at a time ({db})",
            "value": round(one["per_sec"], 1),
            "unit": "answers/s",
            "note": f"click to 'Locked in': p50 {one['out_p50']:.2f} ms, p99 "
            f"{one['out_p99']:.2f} ms (ack p50 {one['ack_p50']:.2f} ms); "
            f"{one['per_sec'] / ping['per_sec']:.2f}x of bare /ping",
        },
    ]


async def run(quick: bool) -> list[dict[str, Any]]:
    members = 100 if quick else 500
    ping = await run_ping_baseline(300 if quick else 2000)
    rows: list[dict[str, Any]] = [
        {
            "bench": "quizzes",
            "metric": "bare discord.py /ping baseline",
            "value": ping["per_sec"],
            "unit": "req/s",
            "note": f"{ping['n']} pings one at a time, p50 {ping['p50_ms']} ms, "
            f"p99 {ping['p99_ms']} ms (same run)",
        }
    ]
    for backend in ("sqlite", "postgres"):
        quiz = await run_quiz_bench(backend, members, 1.0, 3 if quick else 6, 50 if quick else 300)
        rows += _quiz_rows(quiz, ping)
    daily = await run_daily_plan_bench(300 if quick else 3000)
    once = "exactly once" if daily["exactly_once"] else "NOT EXACTLY ONCE"
    rows += [
        {
            "bench": "quizzes",
            "metric": f"daily plan: idle sweep, {daily['servers']} servers",
            "value": daily["idle_ms"],
            "unit": "ms",
            "note": "due + next_at as core runs them every few seconds (median of 5), SQLite",
        },
        {
            "bench": "quizzes",
            "metric": "daily plan: terms of the day queued",
            "value": daily["posts_per_sec"],
            "unit": "posts/s",
            "note": f"{daily['burst_posts']} servers due in one run (claim, term, outbox row "
            f"each); {once}",
        },
    ]
    return rows


if __name__ == "__main__":
    for row in asyncio.run(run(quick=True)):
        print(row)
