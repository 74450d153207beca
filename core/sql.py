"""Portable SQL helpers for SQLite and PostgreSQL."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from core.lazy_import import lazy_module

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql
else:  # loaded by the first statement for PostgreSQL: a SQLite bot never needs its ~2 MB
    postgresql = lazy_module("sqlalchemy.dialects.postgresql")


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


#: rows from which a PostgreSQL bulk insert goes through COPY (below, a scratch table costs
#: more than it saves)
COPY_FROM = 1000

_CAST = re.compile(r":(\w+)::([A-Za-z_]+(?:\([0-9, ]+\))?)")


def _dialect_name(bind: Any) -> str:
    """The dialect of a connection, or of a session's bind."""
    return str(bind.dialect.name if hasattr(bind, "dialect") else bind.bind.dialect.name)


class Frozen:
    """A statement SQLAlchemy 2.0 compiles again on every execution (the dialects' INSERT … ON
    CONFLICT aren't cacheable: compiling one costs more than running it on SQLite), compiled
    once per dialect into text whose bind and result types are the statement's own.

    ``build(dialect_name)`` makes the statement; ``keys`` are the parameters every execution
    passes (all of them, always); ``returning`` the columns it returns, if any.
    """

    def __init__(
        self,
        build: Callable[[str], Any],
        keys: Sequence[str],
        returning: Sequence[Any] = (),
    ) -> None:
        self.build = build
        self.keys = tuple(keys)
        self.returning = tuple(returning)
        self._by_dialect: dict[Any, Any] = {}

    def on(self, bind: Any) -> Any:
        """The compiled text for the dialect of ``bind`` (a connection or session)."""
        name = _dialect_name(bind)
        found = self._by_dialect.get(name)
        if found is None:
            found = self._by_dialect[name] = self._compile(name)
        return found

    def within(self, bind: Any, template: str, *extra: str) -> Any:
        """The statement placed in ``template`` (its ``{statement}``), with ``extra`` bind
        parameters of the template's own; the same result columns. Compiled once."""
        name = _dialect_name(bind)
        found = self._by_dialect.get((name, template))
        if found is None:
            sql, binds = self._text(name)
            clause: Any = text(template.format(statement=sql)).bindparams(
                *binds, *(bindparam(key) for key in extra)
            )
            found = self._by_dialect[(name, template)] = (
                clause.columns(*self.returning) if self.returning else clause
            )
        return found

    def _text(self, name: str) -> tuple[str, list[Any]]:
        module: Any = postgresql if name == "postgresql" else sqlite
        dialect = module.dialect(paramstyle="named")
        compiled = self.build(name).compile(dialect=dialect, column_keys=list(self.keys))
        binds = [bindparam(key, type_=bp.type) for key, bp in compiled.binds.items()]
        # text() reads ":name::JSON" as no parameter at all: spell PostgreSQL's casts out
        return _CAST.sub(r"CAST(:\1 AS \2)", compiled.string), binds

    def _compile(self, name: str) -> Any:
        sql, binds = self._text(name)
        clause: Any = text(sql).bindparams(*binds)
        return clause.columns(*self.returning) if self.returning else clause


async def insert_ignore_fast(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
    *,
    fresh: bool = False,
) -> None:
    """insert_ignore_many for tens of thousands of rows: one driver-level executemany.

    SQLAlchemy converts every parameter of every row through its column type (a datetime is
    formatted, a JSON value dumped), which is most of the cost of a 100k-row insert. Here each
    column's converter runs once per distinct value (per object, for unhashable values such as
    one payload dict shared by every row), and the rows go to the driver as plain tuples.
    Every row must have the same keys; no ``conflict_columns``: any unique conflict skips the
    row. On PostgreSQL, from ``COPY_FROM`` rows on, they are COPied (asyncpg) into a scratch
    table dropped at commit, then inserted from it with ON CONFLICT DO NOTHING; ``fresh``
    rows, which can't conflict with anything (new ids, a parent row made in this transaction),
    are COPied straight into the table.
    """
    if not rows:
        return
    table: Any = model.__table__
    conn = await session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    columns = [table.c[key] for key in keys]
    values = [
        _converted([row[key] for row in rows], column.type._cached_bind_processor(dialect))
        for key, column in zip(keys, columns, strict=True)
    ]
    tuples = list(zip(*values, strict=True))
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in columns)
    on_conflict = "ON CONFLICT DO NOTHING"
    if conflict_columns:
        on_conflict = f"ON CONFLICT ({', '.join(quote(c) for c in conflict_columns)}) DO NOTHING"
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql" and len(tuples) >= COPY_FROM and fresh:
        raw = await conn.get_raw_connection()
        copier: Any = raw.driver_connection
        await copier.copy_records_to_table(
            table.name,
            records=tuples,
            columns=[column.name for column in columns],
            schema_name=table.schema,
        )
        return
    if dialect.name == "postgresql" and len(tuples) >= COPY_FROM:
        # COPY into a scratch table, then one INSERT … SELECT that skips what exists
        scratch = f"bulk_{secrets.token_hex(6)}"
        await conn.exec_driver_sql(
            f"CREATE TEMP TABLE {scratch} ON COMMIT DROP AS "
            f"SELECT {names} FROM {target} WITH NO DATA"
        )
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(
            scratch, records=tuples, columns=[column.name for column in columns]
        )
        await conn.exec_driver_sql(
            f"INSERT INTO {target} ({names}) SELECT {names} FROM {scratch} {on_conflict}"
        )
        return
    if dialect.name == "postgresql":
        marks = ", ".join(f"${i}" for i in range(1, len(keys) + 1))
    else:
        marks = ", ".join("?" for _ in keys)
    await conn.exec_driver_sql(
        f"INSERT INTO {target} ({names}) VALUES ({marks}) {on_conflict}", tuples
    )


def _converted(values: list[Any], process: Callable[[Any], Any] | None) -> list[Any]:
    """One column's values through its converter, once per distinct value (or object)."""
    if process is None:
        return values
    memo: dict[Any, Any] = {}
    out: list[Any] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        try:
            key: Any = (type(value), value)
            found = memo.get(key)
        except TypeError:  # a dict or list: the same object is converted once
            key = id(value)
            found = memo.get(key)
        if found is None:
            found = memo[key] = process(value)
        out.append(found)
    return out
