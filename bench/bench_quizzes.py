"""Benchmark: quiz button answers processed per second by the real bot, with exact scoring,
next to a bare discord.py ``/ping`` baseline measured in the same run.

The real bot (``build_bot``) runs against the local fake Discord on a fresh SQLite database.
A game of multiple-choice questions is started; the game timer is held open by the benchmark
(no sleeping), then every member answers:

* one at a time (each click awaited: the same shape as the ``/ping`` baseline), and
* in bursts (every member clicks at once, like a busy channel),

and at the end every member's score in the database must equal what their answers earned
(each click is an ``INSERT … ON CONFLICT DO NOTHING`` plus ``points = points + n``).

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.ping_baseline import run_ping_baseline
from bot import build_bot
from core import migrate
from core.clock import ManualClock
from core.db import Database
from core.deliveries import Deliveries
from core.leases import LeaseStore
from core.scheduler import Scheduler
from core.settings import Secret, Settings
from core.slots import SlotStore
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage
from models.quizzes import QuizDailyConfig, QuizGameScore
from services.quizzes import SLOT_KIND, QuizService, load_builtin, points_for

GUILD = 1510000000000000001
CHANNEL = 1510000000000000002
STARTER = 1520000000000000001
MEMBER_BASE = 1530000000000000000


class _Gate:
    """Holds each game timer open until the benchmark releases it."""

    def __init__(self) -> None:
        self.waiting: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

    async def sleep(self, _seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.waiting.put(fut)
        await fut

    async def release(self) -> None:
        fut = await asyncio.wait_for(self.waiting.get(), 30)
        if not fut.done():
            fut.set_result(None)


def _quantile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(q * (len(sorted_ms) - 1))))]


async def _question_message(fake: FakeDiscord, number: int) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        for m in fake.messages(CHANNEL):
            embeds = m.get("embeds") or []
            if embeds and str(embeds[0].get("title", "")).startswith(f"Question {number}/"):
                return m
        return None

    found: dict[str, Any] = await fake.wait_for(find, 30)
    return found


async def run_quiz_bench(
    members: int, sequential_questions: int, burst_questions: int
) -> dict[str, Any]:
    total_questions = sequential_questions + burst_questions
    fake = FakeDiscord(bot_name="Mutuals", interaction_deadline=None)
    fake.add_guild(GUILD, name="Bench", owner_id=STARTER)
    fake.add_channel(GUILD, CHANNEL, name="quiz")
    member_ids = [MEMBER_BASE + i for i in range(members)]
    for i, member in enumerate(member_ids):
        fake.add_member(GUILD, member, f"fam{i}", dispatch=False)
    await fake.start()
    tmp = tempfile.TemporaryDirectory()
    db = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp.name) / 'bench.db'}")
    await migrate.upgrade(db.engine)
    settings = Settings(
        discord_token=Secret("bench-token"),
        database_url=str(db.engine.url),
        dev_guild_id=GUILD,
        discord_api_base=fake.rest_base,
        discord_gateway_url=fake.gateway_url,
        guild_ready_timeout=0.1,
        channel_posts_per_second=50.0,
    )
    clock = ManualClock()
    bot = build_bot(settings, db, clock=clock)

    async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_identify_wait  # type: ignore[method-assign]
    task = asyncio.create_task(bot.start(settings.discord_token.get()))
    seq_latencies: list[float] = []
    seq_elapsed = burst_elapsed = 0.0
    burst_answers = 0
    expected: dict[int, int] = dict.fromkeys(member_ids, 0)
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 20)
        cog: Any = bot.get_cog("QuizCog")
        gate = _Gate()
        cog.sleep = gate.sleep
        cog.quizzes.bank.builtin = tuple(q for q in load_builtin() if q.kind == "choice")
        h = await fake.slash(
            GUILD, STARTER, "quiz start", {"questions": total_questions, "timer": 20}
        )
        await h.response(timeout=10)
        if "Quiz time" not in str(h.content):
            raise RuntimeError(f"/quiz start failed: {h.content}")
        await gate.release()  # the pause before question 1
        for number in range(1, total_questions + 1):
            msg = await _question_message(fake, number)
            game_id, index = (
                int(x) for x in msg["components"][0]["components"][0]["custom_id"].split(":")[2:4]
            )
            buttons = [c for row in msg["components"] for c in row["components"]]
            right_id = next(
                b["custom_id"]
                for b in buttons
                if b["label"].split(" · ", 1)[1] in _right(cog, game_id, index)
            )
            difficulty = _difficulty(cog, game_id, index)
            earned = points_for(clock.now() - clock.now(), 20, difficulty)
            # Everyone answers right except every 4th member, who picks a wrong button.
            wrong_id = next(b["custom_id"] for b in buttons if b["custom_id"] != right_id)
            picks = {m: wrong_id if i % 4 == 0 else right_id for i, m in enumerate(member_ids)}
            for i, m in enumerate(member_ids):
                if i % 4:
                    expected[m] += earned
            mid = int(msg["id"])
            if number <= sequential_questions:
                started = time.perf_counter()
                for m in member_ids:
                    click = await fake.click(m, picks[m], message_id=mid)
                    await click.response(timeout=30)
                    assert click.responded_at is not None
                    seq_latencies.append((click.responded_at - click.sent_at) * 1000)
                seq_elapsed += time.perf_counter() - started
            else:
                started = time.perf_counter()
                handles = await asyncio.gather(
                    *(fake.click(m, picks[m], message_id=mid) for m in member_ids)
                )
                await asyncio.gather(*(x.response(timeout=60) for x in handles))
                burst_elapsed += time.perf_counter() - started
                burst_answers += len(handles)
            await gate.release()  # the timer ends: reveal
            if number < total_questions:
                await gate.release()  # the pause between questions
        async with db.read() as session:
            rows = (
                await session.execute(select(QuizGameScore.user_id, QuizGameScore.points))
            ).all()
        scores = {int(u): int(p) for u, p in rows}
    finally:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        await db.dispose()
        await fake.stop()
        tmp.cleanup()
    seq_latencies.sort()
    seq_answers = len(seq_latencies)
    return {
        "members": members,
        "sequential_answers": seq_answers,
        "sequential_per_sec": round(seq_answers / seq_elapsed, 1) if seq_elapsed else 0.0,
        "p50_ms": round(statistics.median(seq_latencies), 3) if seq_latencies else 0.0,
        "p99_ms": round(_quantile(seq_latencies, 0.99), 3) if seq_latencies else 0.0,
        "burst_answers": burst_answers,
        "burst_per_sec": round(burst_answers / burst_elapsed, 1) if burst_elapsed else 0.0,
        "scores_exact": scores == expected,
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


def _snapshot(cog: Any, game_id: int, index: int) -> dict[str, Any]:
    runner = next(r for r in cog.runners.values() if r.game.id == game_id)
    asked = runner.current
    assert asked is not None and asked.index == index
    return dict(asked.question.snapshot())


def _right(cog: Any, game_id: int, index: int) -> set[str]:
    return {str(_snapshot(cog, game_id, index)["answer"])}


def _difficulty(cog: Any, game_id: int, index: int) -> str:
    return str(_snapshot(cog, game_id, index)["difficulty"])


async def run(quick: bool) -> list[dict[str, Any]]:
    members = 50 if quick else 200
    quiz = await run_quiz_bench(members, 3 if quick else 4, 2 if quick else 6)
    daily = await run_daily_plan_bench(300 if quick else 3000)
    once = "exactly once" if daily["exactly_once"] else "NOT EXACTLY ONCE"
    ping = await run_ping_baseline(300 if quick else 2000)
    exact = "scores exact" if quiz["scores_exact"] else "SCORES WRONG"
    ratio = quiz["sequential_per_sec"] / ping["per_sec"] if ping["per_sec"] else 0.0
    return [
        {
            "bench": "quizzes",
            "metric": "button answers, one at a time",
            "value": quiz["sequential_per_sec"],
            "unit": "answers/s",
            "note": f"{quiz['sequential_answers']} answers, p50 {quiz['p50_ms']} ms, "
            f"p99 {quiz['p99_ms']} ms, SQLite; {exact}",
        },
        {
            "bench": "quizzes",
            "metric": f"button answers, {members} members at once",
            "value": quiz["burst_per_sec"],
            "unit": "answers/s",
            "note": f"{quiz['burst_answers']} answers in bursts of {members}; {exact}",
        },
        {
            "bench": "quizzes",
            "metric": "bare discord.py /ping baseline",
            "value": ping["per_sec"],
            "unit": "req/s",
            "note": f"{ping['n']} pings one at a time, p50 {ping['p50_ms']} ms, "
            f"p99 {ping['p99_ms']} ms (same run)",
        },
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
        {
            "bench": "quizzes",
            "metric": "answers vs /ping (one at a time)",
            "value": round(ratio, 3),
            "unit": "ratio",
            "note": "each answer is a DB transaction (insert + 2 atomic updates)",
        },
    ]


if __name__ == "__main__":
    for row in asyncio.run(run(quick=True)):
        print(row)
