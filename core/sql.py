"""Portable SQL helpers for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_ignore(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str] | None = None,
) -> int:
    """INSERT … ON CONFLICT DO NOTHING; returns how many rows were inserted.

    An atomic statement is how two tasks (or two processes) race for the same key safely:
    exactly one insert wins and nobody reads-then-writes.
    """
    if not rows:
        return 0
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    table: Any = model.__table__
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(list(rows))
    else:
        stmt = sqlite.insert(table).values(list(rows))
    stmt = stmt.on_conflict_do_nothing(index_elements=conflict_columns)
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def insert_ignore_many(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
) -> None:
    """insert_ignore for thousands of rows, as one executemany.

    The multi-row VALUES form costs ~0.3 ms of compiling per row; the executemany form is
    compiled once and SQLAlchemy batches it ("insertmanyvalues"), about 3x faster at 10k rows.
    It can't count inserted rows: callers that need to know which rows won use a batch marker.
    """
    if not rows:
        return
    table: Any = model.__table__
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    stmt: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=conflict_columns), rows)


async def upsert_many(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
    update_columns: Sequence[str],
) -> None:
    """INSERT … ON CONFLICT DO UPDATE for many rows (one executemany): the last write wins."""
    if not rows:
        return
    table: Any = model.__table__
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    stmt: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(conflict_columns),
        set_={c: getattr(stmt.excluded, c) for c in update_columns},
    )
    await session.execute(stmt, list(rows))
