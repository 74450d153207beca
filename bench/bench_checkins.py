"""Check-ins: the prompt delivery plan over one period for 10k and 100k members.

Members are spread over four zones (UTC−8, UTC+0, UTC+5:30, UTC+9) plus a fifth without a
profile zone (the server's); 10% want a channel mention. At a moment when every zone's prompt is
due, one run of the plan (what core does on a wake-up: ``due``, ``deliver`` each (guild, zone)
occurrence, ``next_at``) inserts the prompt rows and the outbox rows (DMs, and channel posts of
40 mentions); a second run in the same period must queue nothing, and its cost is what core's
safety sweep pays every few seconds (it backs off from a slow plan by itself).
Runs on SQLite (a temp file) and, when reachable, PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core import migrate
from core.clock import ManualClock
from core.db import Database
from core.sql import insert_ignore_many
from models.checkins import CheckinMember, CheckinPrompt
from models.delivery import OutboxMessage
from models.profile import CreatorProfile
from services.checkins import (
    PURPOSE_PROMPT_CHANNEL,
    PURPOSE_PROMPT_DM,
    CheckinService,
    PromptPlan,
)

GUILD = 1_100_000_000_000_000_001
CHANNEL = 3_000_000_000_000_000_001
ZONES = ("America/Los_Angeles", "Europe/London", "Asia/Kolkata", "Asia/Tokyo", None)
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _populate(db: Database, clock: ManualClock, members: int) -> None:
    now = clock.now()
    base = 7_000_000_000_000_000_000
    member_rows: list[dict[str, Any]] = []
    profile_rows: list[dict[str, Any]] = []
    for i in range(members):
        uid = base + i
        member_rows.append(
            {
                "guild_id": GUILD,
                "user_id": uid,
                "mode": "channel" if i % 10 == 0 else "dm",
                "active": True,
                "away_until": None,
                "joined_at": now,
                "updated_at": now,
            }
        )
        zone = ZONES[i % len(ZONES)]
        if zone is not None:
            profile_rows.append(
                {
                    "guild_id": GUILD,
                    "user_id": uid,
                    "niches": [],
                    "timezone": zone,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    async with db.write() as s:
        await insert_ignore_many(s, CheckinMember, member_rows, ["guild_id", "user_id"])
        await insert_ignore_many(s, CreatorProfile, profile_rows, ["guild_id", "user_id"])


async def _one(db: Database, backend: str, members: int) -> list[dict[str, Any]]:
    clock = ManualClock(datetime(2026, 1, 12, 0, 0, tzinfo=UTC))  # before every zone's prompt
    svc = CheckinService(db, clock)
    await svc.setup(GUILD, channel_id=CHANNEL, day="mon", at="18:00", period="weekly", by=1)
    await _populate(db, clock, members)
    clock.set(datetime(2026, 1, 13, 3, 0, tzinfo=UTC))  # every zone's Monday 18:00 has passed
    now = clock.now()
    plan = PromptPlan(svc.prompts, clock)
    started = time.perf_counter()
    first = await _plan_run(plan, now)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    second = await _plan_run(plan, now)
    idle = time.perf_counter() - started
    async with db.read() as s:
        queued = await s.scalar(select(func.count()).select_from(OutboxMessage))
        prompted = await s.scalar(select(func.count()).select_from(CheckinPrompt))
    assert prompted == members and first == len(ZONES) and second == 0
    dms = await _count(db, PURPOSE_PROMPT_DM)
    posts = await _count(db, PURPOSE_PROMPT_CHANNEL)
    note = f"{dms} DMs + {posts} channel posts queued ({queued} rows), {first} zones"
    label = f"checkins {backend} {members // 1000}k"
    return [
        {
            "bench": label,
            "metric": "plan run, every zone due",
            "value": elapsed,
            "unit": "s",
            "note": note,
        },
        {
            "bench": label,
            "metric": "prompts queued/s",
            "value": members / elapsed,
            "unit": "/s",
            "note": "due + deliver (zones due together: one pass, chunked prompt + outbox "
            "inserts) + next_at",
        },
        {
            "bench": label,
            "metric": "plan run, nothing due",
            "value": idle,
            "unit": "s",
            "note": "same period again (a sweep): nothing queued, exactly once",
        },
    ]


async def _plan_run(plan: PromptPlan, now: datetime) -> int:
    """One run as core does it; returns how many (guild, zone) occurrences were delivered."""
    occurrences = await plan.due(now, _everything)
    for occurrence in occurrences:
        await plan.deliver(occurrence)
    await plan.next_at(now, _everything)
    return len(occurrences)


def _everything(_guild_id: int) -> bool:
    return True


async def _count(db: Database, purpose: str) -> int:
    async with db.read() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.purpose == purpose)
            )
            or 0
        )


async def _sqlite(members: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await migrate.upgrade(db.engine)
            return await _one(db, "sqlite", members)
        finally:
            await db.dispose()


async def _postgres(members: int) -> list[dict[str, Any]]:
    import asyncpg

    name = f"mutuals_bench_ci_{uuid.uuid4().hex[:8]}"
    try:
        admin = await asyncpg.connect(PG_ADMIN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        return [
            {
                "bench": "checkins postgres",
                "metric": "skipped",
                "value": 0,
                "unit": "",
                "note": f"PostgreSQL unreachable: {exc}",
            }
        ]
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        db = Database.from_url(f"{base}/{name}")
        try:
            await migrate.upgrade(db.engine)
            return await _one(db, "postgres", members)
        finally:
            await db.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def run(quick: bool) -> list[dict[str, Any]]:
    sizes = (10_000,) if quick else (10_000, 100_000)
    rows: list[dict[str, Any]] = []
    for size in sizes:
        rows += await _sqlite(size)
        rows += await _postgres(size)
    return rows
