"""Database outages across slot times, PostgreSQL only: the bot reaches PostgreSQL through a
``DatabaseLink`` that the test cuts (new connections refused, open ones dropped) and restores
on the same port. SQLite is a file opened by the bot itself, with no connection anyone could
refuse, so there is no outage to stage on it.

The same process (never restarted) lives through two outages: 15 s of wall time, and then two
minutes of *clock* time (125 s at CLOCK_SPEED=10, i.e. 12.5 s of wall time, spanning three slot
times), which keeps the test well inside the chaos folder's time budget. Every slot that came
due is posted exactly once, within the grace window; ``/healthz`` (on a free port picked here)
answers 503 with the database unreachable during each outage and 200 after; ``/metrics`` shows
the slots done, the posts sent and the database errors moving."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.db import Database
from fakediscord import FakeDiscord
from tests.chaos.harness import BotProcess, DatabaseLink
from tests.chaos.scenario import (
    FAST,
    Ledger,
    Timeline,
    active_from,
    commands_synced,
    create_rotation,
    free_port,
    http_get,
    metric,
    minute_slots,
    next_slot,
    posted_through,
    start,
)
from tests.conftest import GUILD_ID
from tests.util import eventually

SPEED = 10  # a slot every 6 s of wall time
FIRST_OUTAGE_WALL = 15.0
SECOND_OUTAGE_CLOCK = timedelta(seconds=125)
GRACE = timedelta(hours=6)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_database_outages_across_slot_times(
    fake: FakeDiscord, db: Database, db_url: str, tmp_path: Path
) -> None:
    link = DatabaseLink()
    await link.start()
    through_link = make_url(db_url).set(port=link.port).render_as_string(hide_password=False)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    spotlight = fake.add_channel(GUILD_ID, name="spotlight")
    timeline = Timeline(SPEED)
    bot = BotProcess(
        fake, through_link, tmp_path, "bot", **timeline.env(), **FAST, HEALTH_PORT=str(port)
    )
    seen: dict[str, list[int]] = {"during": [], "after": []}

    async def health(expect: int, phase: str) -> dict[str, object]:
        found: dict[str, object] = {}

        async def answers() -> bool:
            status, body = await http_get(f"{base}/healthz")
            seen[phase].append(status)
            found.update(json.loads(body))
            return status == expect

        await eventually(answers, timeout=60, what=f"/healthz answers {expect} ({phase})")
        return found

    async def outage(cut_for_wall: float) -> tuple[list[str], float]:
        """Cut the link, watch /healthz say so, restore it after ``cut_for_wall`` seconds."""
        loop = asyncio.get_running_loop()
        cut_at = timeline.now()
        cut_wall = loop.time()
        await link.cut()
        body = await health(503, "during")
        assert '"reachable": false' in json.dumps(body), body
        await asyncio.sleep(max(0.0, cut_wall + cut_for_wall - loop.time()))
        await link.restore()
        restored_at = timeline.now()
        slots = [f"{t:%H:%M}" for t in minute_slots(cut_at, restored_at)]
        assert slots, "the outage spans no slot time"
        await health(200, "after")
        return slots, loop.time() - cut_wall

    try:
        await start(fake, bot)
        pid = bot.pid
        await commands_synced(fake, GUILD_ID)
        rotation_id = await create_rotation(fake, db, GUILD_ID, spotlight)
        begin = await active_from(db, rotation_id)
        await posted_through(db, fake, rotation_id, spotlight, next_slot(begin), timeout=30)
        await health(200, "after")
        _, before = await http_get(f"{base}/metrics")

        first, first_wall = await outage(FIRST_OUTAGE_WALL)
        await posted_through(db, fake, rotation_id, spotlight, timeline.now(), timeout=60)

        await timeline.reach(next_slot(timeline.now()) - timedelta(seconds=2))
        second, second_wall = await outage(timeline.wall(SECOND_OUTAGE_CLOCK.total_seconds()))
        end = timeline.now()
        await posted_through(db, fake, rotation_id, spotlight, end, timeout=60)
        _, after = await http_get(f"{base}/metrics")
        assert bot.running and bot.pid == pid and bot.starts == 1
    finally:
        await bot.stop()
        await link.close()
    ledger = await Ledger.read(db, fake, rotation_id, spotlight)
    ledger.assert_exactly_once(begin, end)
    assert ledger.max_delay() < GRACE
    assert all(p.sender is not None and f":{pid}:" in p.sender for p in ledger.posts)
    assert 503 in seen["during"] and seen["after"][-1] == 200
    output = bot.output()
    # An outage is said in one line per piece (with an error id per failed run), no tracebacks.
    assert "Traceback" not in output, output[-3000:]
    assert "outbox channel: the database is back" in output

    done = "mutuals_slots_total"
    moved = {
        "slots done": (
            metric(before, done, plan="rotation", result="done"),
            metric(after, done, plan="rotation", result="done"),
        ),
        "posts sent": (
            metric(before, "mutuals_outbox_sent_total", queue="channel", result="sent"),
            metric(after, "mutuals_outbox_sent_total", queue="channel", result="sent"),
        ),
        "database errors": (
            metric(before, "mutuals_database_errors_total"),
            metric(after, "mutuals_database_errors_total"),
        ),
        "database errors in deliveries": (
            metric(before, "mutuals_database_errors_total", where="deliveries"),
            metric(after, "mutuals_database_errors_total", where="deliveries"),
        ),
    }
    assert all(b < a for b, a in moved.values()), moved
    print(
        f"\noutage [postgresql]: pid {pid} started once; outage 1 {first_wall:.1f}s wall over "
        f"slots {first}; outage 2 {second_wall:.1f}s wall = "
        f"{second_wall * SPEED:.0f}s clock over slots {second}; {len(ledger.posts)} slots "
        f"each posted once, max delay {ledger.max_delay()} (clock, grace {GRACE}); "
        f"/healthz during {sorted(set(seen['during']))} after {seen['after'][-1]}; "
        f"metrics before -> after {moved}"
    )
