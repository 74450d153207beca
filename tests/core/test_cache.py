"""Hot reads from memory (core.cache): served only while provably fresh, dropped by the writes
that change them — in this process at the commit, in the others through PostgreSQL's NOTIFY —
and never a second staler than the database, even when a process stops hearing the others."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from core.cache import MISSING, Cache, CacheListener
from core.clock import ManualClock
from core.db import Database
from services.guild_config import GuildConfigService
from services.niches import NicheService
from services.profiles import ProfileService
from services.safety.settings import AgeGroupService
from tests import dbutil
from tests.util import eventually

ROOT = Path(__file__).resolve().parents[2]
G, ALICE = 1_100_000_000_000_000_001, 2_000_000_000_000_000_002


class Ticking:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_shared_cache_serves_only_within_a_second_of_hearing_itself() -> None:
    tick = Ticking()
    cache = Cache(shared=True, monotonic=tick)
    assert not cache.serving  # nothing heard yet: other processes may have written anything
    assert not cache.put("profile", 1, "old", cache.ticket())
    cache.heard(tick.now)
    assert cache.put("profile", 1, "old", cache.ticket())
    tick.now += 0.99
    assert cache.get("profile", 1) == "old"
    tick.now += 0.02  # a second after the last heartbeat sent: a missed NOTIFY can't be ruled out
    assert cache.get("profile", 1) is MISSING
    cache.heard(tick.now)  # hearing again doesn't bring back what may have gone stale
    assert cache.get("profile", 1) is MISSING
    cache.immutable.add("term")
    assert cache.put("term", 1, "fixed", cache.ticket())
    tick.now += 60
    assert cache.get("term", 1) == "fixed"  # values that never change are served regardless


async def test_a_value_read_before_a_write_is_never_kept_after_it() -> None:
    cache = Cache(shared=False)
    ticket = cache.ticket()  # a read of the database starts…
    cache.drop([("profile", 1)])  # …a write commits meanwhile…
    assert not cache.put("profile", 1, "what the read saw", ticket)  # …so its result is dropped
    assert cache.get("profile", 1) is MISSING
    assert cache.put("profile", 1, "fresh", cache.ticket())
    cache.drop([("profile", None)])  # a whole namespace
    assert cache.get("profile", 1) is MISSING


async def test_the_cache_is_bounded() -> None:
    cache = Cache(shared=False, max_entries=100)
    for i in range(1000):
        cache.put("profile", i, i, cache.ticket())
    assert len(cache) <= 100
    assert cache.get("profile", 999) == 999


async def test_heartbeats_after_an_invalidation_prove_it_was_heard() -> None:
    """PostgreSQL delivers notifications in commit order: a process that hears its heartbeat
    has already heard every invalidation committed before that heartbeat was sent."""
    tick = Ticking()
    cache = Cache(shared=True, monotonic=tick)
    listener = CacheListener(cache, "unused")
    listener._sent[1] = tick.now
    listener._on_notify(None, 0, "c", json.dumps({"o": cache.origin, "p": 1}))
    cache.put("profile", (1, 2), "old", cache.ticket())
    other = json.dumps({"o": "another-process", "c": [["profile", [1, 2]]]})
    listener._on_notify(None, 0, "c", other)
    assert cache.get("profile", (1, 2)) is MISSING


async def test_writes_drop_what_they_change(db: Database) -> None:
    await db.listen()
    try:
        await eventually(lambda: _true(db.cache.serving), what="the cache serving")
        clock = ManualClock()
        niches = NicheService(db)
        profiles = ProfileService(db, clock, niches)
        config = GuildConfigService(db, clock)
        await profiles.update(G, ALICE, handle="@alice", niches=["BookTok"])
        assert (await profiles.get(G, ALICE)).tiktok_handle == "alice"  # type: ignore[union-attr]
        hits = db.cache.hits
        assert (await profiles.get(G, ALICE)).tiktok_handle == "alice"  # type: ignore[union-attr]
        assert db.cache.hits == hits + 1  # from memory
        await profiles.update(G, ALICE, handle="@alice2")
        assert (await profiles.get(G, ALICE)).tiktok_handle == "alice2"  # type: ignore[union-attr]
        assert (await config.get(G)).timezone == "UTC"
        await config.update(G, timezone="Europe/London")
        assert (await config.get(G)).timezone == "Europe/London"
        assert "Cooking" not in [n.name for n in await niches.list_niches(G)]
        await niches.add(G, "Cooking")
        assert "Cooking" in [n.name for n in await niches.list_niches(G)]
        ages = AgeGroupService(db, clock)
        assert await ages.answer(G, ALICE) is None
        await ages.set_answer(G, ALICE, "adult")
        assert (await ages.answer(G, ALICE)).answer == "adult"  # type: ignore[union-attr]
        hits = db.cache.hits
        await ages.set_answer(G, ALICE, "unsaid")
        assert (await ages.answer(G, ALICE)).answer == "unsaid"  # type: ignore[union-attr]
        assert (await ages.answer(G, ALICE)).answer == "unsaid"  # type: ignore[union-attr]
        assert db.cache.hits == hits + 1  # read once, then from memory
        await profiles.delete(G, ALICE)
        assert await profiles.get(G, ALICE) is None
        assert await ages.answer(G, ALICE) is None  # erasing a member drops their answer too
    finally:
        await db.stop_listening()


async def _true(value: bool) -> bool:
    return value


# ---------------------------------------------------------------------- two processes


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from core.clock import SystemClock
    from core.db import Database
    from services.niches import NicheService
    from services.profiles import ProfileService

    async def main(url: str, guild: int, user: int, handle: str) -> None:
        db = Database.from_url(url)
        await ProfileService(db, SystemClock(), NicheService(db)).update(guild, user, handle=handle)
        await db.dispose()

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
    """
)


@pytest.fixture
async def pg(pg_database: str) -> AsyncIterator[tuple[Database, str]]:
    url = dbutil.pg_url(pg_database)
    database = Database.from_url(url)
    await dbutil.truncate_all(database)
    await database.listen()
    await eventually(lambda: _true(database.cache.serving), what="the cache serving")
    yield database, url
    await database.dispose()


async def write_elsewhere(url: str, tmp_path: Path, handle: str) -> None:
    """Another process (a real one) changes Alice's profile."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        url,
        str(G),
        str(ALICE),
        handle,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert await proc.wait() == 0


async def test_another_process_write_reaches_this_cache(
    pg: tuple[Database, str], tmp_path: Path
) -> None:
    db, url = pg
    profiles = ProfileService(db, ManualClock(), NicheService(db))
    await profiles.update(G, ALICE, handle="@before")
    assert (await profiles.get(G, ALICE)).tiktok_handle == "before"  # type: ignore[union-attr]
    assert db.cache.get("profile", (G, ALICE)) is not MISSING  # now served from memory
    await write_elsewhere(url, tmp_path, "@after")

    async def fresh() -> bool:
        profile = await profiles.get(G, ALICE)
        return profile is not None and profile.tiktok_handle == "after"

    await eventually(fresh, what="the other process's write reaching this one")


async def test_notifications_lost_in_silence_still_leave_nothing_stale(
    pg: tuple[Database, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst case: this process silently stops hearing anything (its connection stuck, no
    error). The other process's NOTIFY never arrives, yet the old value stops being served
    (nothing is heard within a second, heartbeats included, so nothing is served)."""
    db, url = pg
    profiles = ProfileService(db, ManualClock(), NicheService(db))
    await profiles.update(G, ALICE, handle="@before")
    await profiles.get(G, ALICE)
    assert db.cache.get("profile", (G, ALICE)) is not MISSING
    assert db.listener is not None
    monkeypatch.setattr(db.listener, "_on_notify", lambda *args: None)
    await write_elsewhere(url, tmp_path, "@after")

    async def fresh() -> bool:
        profile = await profiles.get(G, ALICE)
        return profile is not None and profile.tiktok_handle == "after"

    await eventually(fresh, what="the old value no longer served")
    assert not db.cache.serving
    monkeypatch.undo()
    await eventually(lambda: _true(db.cache.serving), what="serving again once heard")


async def test_a_lost_listener_reconnects_by_itself(
    pg: tuple[Database, str], tmp_path: Path
) -> None:
    db, url = pg
    profiles = ProfileService(db, ManualClock(), NicheService(db))
    await profiles.update(G, ALICE, handle="@before")
    await profiles.get(G, ALICE)
    listener = db.listener
    assert listener is not None and listener.backend_pid is not None
    cut = listener.backend_pid
    admin = await asyncpg.connect(dbutil.PG_ADMIN_DSN)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", cut)
    finally:
        await admin.close()
    await eventually(
        lambda: _true(listener.backend_pid not in (None, cut) and db.cache.serving),
        what="the listener back by itself",
    )
    await profiles.get(G, ALICE)
    assert db.cache.get("profile", (G, ALICE)) is not MISSING  # served from memory again
    await write_elsewhere(url, tmp_path, "@after")

    async def fresh() -> bool:
        profile = await profiles.get(G, ALICE)
        return profile is not None and profile.tiktok_handle == "after"

    await eventually(fresh, what="writes heard again")
