"""Run Alembic migrations from the bot (``upgrade heads`` at start-up) and from tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return cfg


async def upgrade(engine: AsyncEngine, target: str = "heads") -> None:
    """Upgrade through the given engine (one connection, one transaction on PostgreSQL)."""
    cfg = alembic_config()
    async with engine.begin() as conn:

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
