"""Run Alembic migrations from the bot (``upgrade heads`` at start-up) and from tests.

The bot migrates in a child process (``upgrade_in_child``): Alembic, Mako and Pygments (~11 MB
resident) then never load into the long-running bot. ``python -m core.migrate`` is that child
(the database URL comes in ``MUTUALS_MIGRATE_URL``, not on the command line, where any local
user could read its password)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
URL_VARIABLE = "MUTUALS_MIGRATE_URL"
#: marks the child's reason on stderr: a library thread may still print its own traceback after it
REASON_PREFIX = "migration failed: "


class MigrationFailed(Exception):
    """The child could not migrate; the message is its one-line reason."""


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return cfg


#: any constant: processes starting together (shards, a rolling restart) migrate one at a time
MIGRATION_LOCK = 0x6D7574756C73


async def upgrade(engine: AsyncEngine, target: str = "heads") -> None:
    """Upgrade through the given engine (one connection, one transaction on PostgreSQL, under
    an advisory lock so that two processes starting at once don't both create the tables)."""
    from alembic import command

    cfg = alembic_config()
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})

        def _run(sync_conn: object) -> None:
            cfg.attributes["connection"] = sync_conn
            command.upgrade(cfg, target)

        await conn.run_sync(_run)


async def downgrade(engine: AsyncEngine, target: str = "base") -> None:
    from alembic import command

    cfg = alembic_config()
    async with engine.begin() as conn:

        def _run(sync_conn: object) -> None:
            cfg.attributes["connection"] = sync_conn
            command.downgrade(cfg, target)

        await conn.run_sync(_run)


async def upgrade_in_child(url: str, target: str = "heads") -> None:
    """``upgrade`` in a child process that exits when done; raises MigrationFailed with the
    child's reason (its last line on stderr) if it could not."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "core.migrate",
        target,
        cwd=ROOT,
        env={**os.environ, URL_VARIABLE: url},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise MigrationFailed(child_reason(err.decode(errors="replace"), proc.returncode))


def child_reason(stderr: str, returncode: int | None) -> str:
    """The child's marked reason, wherever other output put it; else its last line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    reasons = [line.partition(REASON_PREFIX)[2] for line in lines if REASON_PREFIX in line]
    return reasons[-1] if reasons else lines[-1] if lines else f"migration exited {returncode}"


async def _child(url: str, target: str) -> None:
    from core.db import Database

    db = Database.from_url(url)
    try:
        await upgrade(db.engine, target)
    finally:
        await db.dispose()


def main(argv: list[str]) -> int:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        print(f"{URL_VARIABLE} is not set", file=sys.stderr)
        return 2
    try:
        asyncio.run(_child(url, argv[0] if argv else "heads"))
    except Exception as exc:  # the parent shows the reason in one line, not a traceback
        reason = str(getattr(exc, "orig", None) or exc).splitlines()
        # one write, so that a library thread's output can't land inside the line
        sys.stderr.write(f"{REASON_PREFIX}{reason[0][:200] if reason else type(exc).__name__}\n")
        sys.stderr.flush()
        # Leave at once: aiosqlite's worker thread, whose connect failed, may raise once the
        # loop is closed and print a traceback; the parent looks for the marked line anyway.
        os._exit(1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
