"""Alembic is the only schema path: upgrade heads matches the models, downgrade to base works."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from core import migrate
from core.db import Database
from models import load_all
from tests import dbutil


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = Database.from_url(dbutil.sqlite_url(tmp_path / "fresh.db"))
        yield database
        await database.dispose()
        return
    name = f"mutuals_mig_{uuid.uuid4().hex[:8]}"
    await dbutil._admin(f'CREATE DATABASE "{name}"')
    database = Database.from_url(dbutil.pg_url(name))
    try:
        yield database
    finally:
        await database.dispose()
        await dbutil._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _diff(sync_conn: object) -> list[object]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True})  # type: ignore[arg-type]
    return list(compare_metadata(context, load_all().metadata))


def _tables(sync_conn: Connection) -> set[str]:
    return set(inspect(sync_conn).get_table_names())


async def test_upgrade_has_no_drift_and_downgrade_cleans_up(fresh_db: Database) -> None:
    await migrate.upgrade(fresh_db.engine)
    async with fresh_db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
        tables = await conn.run_sync(_tables)
    assert {"creator_profile", "guild_settings", "outbox_message", "scheduled_slot"} <= tables

    await migrate.downgrade(fresh_db.engine, "base")
    async with fresh_db.engine.connect() as conn:
        assert await conn.run_sync(_tables) <= {"alembic_version"}

    await migrate.upgrade(fresh_db.engine)  # and back up again: migrations are repeatable
    async with fresh_db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_processes_starting_together_migrate_one_at_a_time(tmp_path: Path) -> None:
    """Two shards (or a rolling restart) run `upgrade heads` at the same moment."""
    import asyncio

    name = f"mutuals_mig_{uuid.uuid4().hex[:8]}"
    await dbutil._admin(f'CREATE DATABASE "{name}"')
    dbs = [Database.from_url(dbutil.pg_url(name)) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate.upgrade(d.engine) for d in dbs))
        async with dbs[0].engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        for d in dbs:
            await d.dispose()
        await dbutil._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_the_bot_migrates_in_a_child_process_and_says_why_it_could_not(
    fresh_db: Database, tmp_path: Path
) -> None:
    """bot.run migrates through upgrade_in_child: the schema is there afterwards (no drift),
    Alembic stays out of the calling process, and a database it can't use is one clear line."""
    import sys

    loaded_before = "alembic.command" in sys.modules
    await migrate.upgrade_in_child(fresh_db.engine.url.render_as_string(hide_password=False))
    async with fresh_db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
    assert ("alembic.command" in sys.modules) == loaded_before

    with pytest.raises(migrate.MigrationFailed) as failed:
        await migrate.upgrade_in_child(f"sqlite+aiosqlite:///{tmp_path}")  # a folder
    assert "Traceback" not in str(failed.value) and "\n" not in str(failed.value)
    assert str(failed.value)


def test_the_reason_is_found_when_a_library_thread_prints_around_it() -> None:
    """aiosqlite's worker thread can print a traceback after (or into) the child's reason when
    its connect failed; the parent still shows the reason, not 'Traceback (…):'."""
    noisy = (
        f"{migrate.REASON_PREFIX}unable to open database file\n"
        "Exception in thread Thread-1 (_connection_worker_thread):\n"
        "Traceback (most recent call last):\n"
    )
    assert migrate.child_reason(noisy, 1) == "unable to open database file"
    assert migrate.child_reason("plain last words\n", 1) == "plain last words"
    assert migrate.child_reason("", 3) == "migration exited 3"
