"""Run Alembic migrations from the bot (``upgrade heads`` at start-up) and from tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return cfg


#: any constant: processes starting together (shards, a rolling restart) migrate one at a time
MIGRATION_LOCK = 0x6D7574756C73


async def upgrade(engine: AsyncEngine, target: str = "heads") -> None:
    """Upgrade through the given engine (one connection, one transaction on PostgreSQL, under
    an advisory lock so that two processes starting at once don't both create the tables)."""
    cfg = alembic_config()
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})

        def _run(sync_conn: object) -> None:
            cfg.attributes["connection"] = sync_conn
            command.upgrade(cfg, target)

        await conn.run_sync(_run)


async def downgrade(engine: AsyncEngine, target: str = "base") -> None:
    cfg = alembic_config()
    async with engine.begin() as conn:

        def _run(sync_conn: object) -> None:
            cfg.attributes["connection"] = sync_conn
            command.downgrade(cfg, target)

        await conn.run_sync(_run)
