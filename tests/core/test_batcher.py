"""Group commit (core.batcher): many writes in one transaction, one bad write sinking none of
the others, a database blip retried, and "saved" only ever said about committed writes — even
when the process is killed mid-crowd."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from core.cache import CHANNEL
from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from models.guild import BotState
from models.profile import CreatorProfile
from services.niches import NicheService
from services.profiles import ProfileService
from tests import dbutil
from tests.util import eventually

ROOT = Path(__file__).resolve().parents[2]


def put_states(conn: Connection, items: Sequence[str]) -> list[str | DomainError]:
    """A batched write for these tests: one BotState row per item; "no:" items are refused
    (an outcome, not a failure); a key already there is an IntegrityError (a real failure)."""
    outcomes: list[str | DomainError] = []
    for key in items:
        if key.startswith("no:"):
            outcomes.append(DomainError(f"refused {key}"))
            continue
        conn.execute(insert(BotState), [{"key": key, "value": "v"}])
        outcomes.append(key)
    return outcomes


async def stored(db: Database) -> set[str]:
    async with db.read() as session:
        return set((await session.scalars(select(BotState.key))).all())


async def test_a_crowd_of_writes_commits_in_a_few_transactions(db: Database) -> None:
    keys = [f"k{i}" for i in range(300)]
    results = await asyncio.gather(*(db.writes.submit(put_states, k) for k in keys))
    assert list(results) == keys
    assert await stored(db) == set(keys)
    assert db.writes.writes == 300
    assert db.writes.batches <= 3  # everyone who arrived while a batch committed rode the next


async def test_one_bad_write_sinks_none_of_the_others(db: Database) -> None:
    await db.writes.submit(put_states, "taken")
    batches = db.writes.batches
    keys = ["a", "taken", "b", "no:c", "d"]
    results = await asyncio.gather(
        *(db.writes.submit(put_states, k) for k in keys), return_exceptions=True
    )
    assert db.writes.batches == batches + 1  # all five arrived together: one batch
    assert results[0] == "a" and results[2] == "b" and results[4] == "d"
    assert not isinstance(results[1], DomainError) and isinstance(results[1], Exception)
    assert isinstance(results[3], DomainError) and results[3].message == "refused no:c"
    assert await stored(db) == {"taken", "a", "b", "d"}


async def test_a_database_blip_is_retried_and_committed_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[int] = []
    real = db.writes._run

    def flaky(conn: Connection, batch: list[object]) -> object:
        if len(failures) < 2:
            failures.append(len(batch))
            raise OperationalError("COMMIT", {}, ConnectionResetError("connection reset"))
        return real(conn, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(db.writes, "_run", flaky)
    assert await db.writes.submit(put_states, "once") == "once"
    assert failures == [1, 1]
    assert await stored(db) == {"once"}


async def test_a_database_that_stays_away_is_said_plainly(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(conn: Connection, batch: list[object]) -> object:
        raise OperationalError("BEGIN", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(db.writes, "_run", down)
    monkeypatch.setattr(db.writes, "retry_for", 0.2)
    with pytest.raises(DomainError, match="so I couldn't save that"):
        await db.writes.submit(put_states, "lost")
    monkeypatch.undo()
    assert await stored(db) == set()
    assert await db.writes.submit(put_states, "back") == "back"  # the worker lives on


async def test_a_clean_stop_commits_everything_received(db: Database) -> None:
    waiting = [asyncio.ensure_future(db.writes.submit(put_states, f"s{i}")) for i in range(50)]
    await asyncio.sleep(0)  # received, none committed yet
    await db.writes.drain()
    assert all(w.done() for w in waiting)
    assert await stored(db) == {f"s{i}" for i in range(50)}


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from core.clock import SystemClock
    from core.db import Database
    from services.niches import NicheService
    from services.profiles import ProfileService

    async def main(url: str) -> None:
        db = Database.from_url(url)
        profiles = ProfileService(db, SystemClock(), NicheService(db))

        async def save(user: int) -> None:
            await profiles.update(1, user, handle=f"fam{user}")
            print(f"saved {user}", flush=True)  # what a member would be told: "Saved!"

        user = 0
        while True:  # waves of 40 members at once, until killed
            await asyncio.gather(*(save(user + i) for i in range(40)))
            user += 40

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_nothing_said_saved_is_lost_when_the_process_is_killed(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "crowd.py"
    script.write_text(CHILD)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        db_url,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    saved: list[int] = []
    while len(saved) < 400:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line, "the writer stopped by itself"
        saved.append(int(line.split()[1]))
    proc.send_signal(signal.SIGKILL)  # mid-crowd: a batch is being written right now
    rest, _ = await proc.communicate()
    saved += [int(line.split()[1]) for line in rest.decode().splitlines() if line]
    async with db.read() as session:
        found = await session.execute(
            select(CreatorProfile.user_id, CreatorProfile.tiktok_handle).where(
                CreatorProfile.guild_id == 1
            )
        )
        rows = {int(user): handle for user, handle in found.all()}
    missing = [u for u in saved if rows.get(u) != f"fam{u}"]
    assert not missing, f"told saved but not in the database: {missing[:10]}"


async def test_a_lone_profile_save_on_postgresql_is_one_statement_that_announces_itself(
    pg_database: str,
) -> None:
    """Alone in its batch, a profile save is one round trip: the upsert with the cache's
    NOTIFY inside it, in autocommit (no BEGIN, no separate NOTIFY, no COMMIT)."""
    db = Database.from_url(dbutil.pg_url(pg_database))
    await dbutil.truncate_all(db)
    heard: list[str] = []
    listener = await asyncpg.connect(dbutil.pg_url(pg_database).replace("+asyncpg", ""))
    await listener.add_listener(CHANNEL, lambda *args: heard.append(str(args[-1])))
    sent: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        profiles = ProfileService(db, ManualClock(), NicheService(db))
        saved = await profiles.update(7, 8, handle="@lone_save")
        assert saved.tiktok_handle == "lone_save"
        assert len(sent) == 1 and "pg_notify" in sent[0] and "INSERT INTO" in sent[0]
        await eventually(lambda: _true(bool(heard)), what="the NOTIFY heard")
        assert '"profile"' in heard[0] and "[7,8]" in heard[0]
        sent.clear()
        await profiles.update(7, 8, handle="@again")  # and again: the same one statement
        assert len(sent) == 1
        assert (await profiles.get(7, 8)).tiktok_handle == "again"  # type: ignore[union-attr]
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        await listener.close()
        await db.dispose()


async def _true(value: bool) -> bool:
    return value


async def test_a_blip_under_a_lone_profile_save_is_retried_on_a_new_connection(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.from_url(dbutil.pg_url(pg_database))
    await dbutil.truncate_all(db)
    failures: list[str] = []
    real = db.writes._run_alone

    def flaky(conn: Connection, entry: Any) -> Any:
        if not failures:
            failures.append("dropped")
            raise OperationalError("INSERT", {}, ConnectionResetError("connection reset"))
        return real(conn, entry)

    monkeypatch.setattr(db.writes, "_run_alone", flaky)
    try:
        profiles = ProfileService(db, ManualClock(), NicheService(db))
        saved = await profiles.update(7, 9, handle="@after_a_blip")
        assert saved.tiktok_handle == "after_a_blip" and failures == ["dropped"]
        assert (await profiles.get(7, 9)).tiktok_handle == "after_a_blip"  # type: ignore[union-attr]
    finally:
        await db.dispose()
