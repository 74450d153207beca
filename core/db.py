"""One async engine per process, and the ways to open a unit of work.

``db.read()`` opens a plain transaction; ``db.write()`` opens one that on SQLite starts with
``BEGIN IMMEDIATE`` so that concurrent read-then-write operations queue on the write lock
instead of losing updates or failing with "database is locked" at commit time. ``db.writes``
commits many small writes in one transaction (``core.batcher``), and ``db.cache`` serves hot
reads from memory; every write says what it changed (``core.cache.changed``) and the cache
drops it once the transaction committed (``core.cache`` says how fresh that keeps it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.batcher import Batcher, sqlite_writer_factory
from core.cache import CHANGES_KEY, CHANNEL, Cache, CacheListener, ChangeSet

SQLITE_BUSY_TIMEOUT_MS = 30_000
_BEGIN_MODE = "mutuals_begin"


def _install_sqlite_pragmas(sync_engine: Engine, default_mode: str = "DEFERRED") -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that "begin" below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: a 50k-member round stays in memory
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_MODE, default_mode)
        conn.exec_driver_sql(f"BEGIN {mode}")


def build_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _install_sqlite_pragmas(engine.sync_engine)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Database:
    """Owns the engine and hands out sessions scoped to one operation."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.backend = engine.dialect.name
        self._read = async_sessionmaker(engine, expire_on_commit=False)
        writer = (
            engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"}) if self.is_sqlite else engine
        )
        self._write = async_sessionmaker(writer, expire_on_commit=False)
        #: hot reads from memory; on PostgreSQL served only while ``listen()`` hears the others
        self.cache = Cache(shared=not self.is_sqlite)
        url = engine.url.render_as_string(hide_password=False)
        on_file = self.is_sqlite and engine.url.database not in (None, "", ":memory:")
        #: group commit for small hot writes (quiz answers, profile changes)
        self.writes = Batcher(
            writer,
            self.cache,
            transient=is_transient,
            make_sqlite_writer=sqlite_writer_factory(url, _install_sqlite_pragmas)
            if on_file
            else None,
        )
        self._listener = (
            None
            if self.is_sqlite
            else CacheListener(self.cache, url.replace("postgresql+asyncpg", "postgresql", 1))
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(build_engine(url))

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction for one operation: committed on success, rolled back on error; what
        it said it changed leaves the cache once it committed."""
        changes = ChangeSet(self.cache)
        async with self._write() as session, session.begin():
            session.info[CHANGES_KEY] = changes
            yield session
            if changes and not self.is_sqlite:
                await session.execute(select(func.pg_notify(CHANNEL, changes.payload())))
        changes.committed()

    async def listen(self) -> None:
        """Start hearing other processes' writes (PostgreSQL), so the cache may serve."""
        if self._listener is not None:
            await self._listener.start()

    async def stop_listening(self) -> None:
        if self._listener is not None:
            await self._listener.stop()

    @property
    def listener(self) -> CacheListener | None:
        return self._listener

    async def dispose(self) -> None:
        await self.writes.close()
        if self._listener is not None:
            await self._listener.close()
        await self.engine.dispose()


_TRANSIENT_DRIVER_ERRORS = ("CannotConnectNow", "ConnectionDoesNotExist", "AdminShutdown")


def is_transient(exc: BaseException) -> bool:
    """True for the database being unreachable for a while (refused, restarting, pool timeout),
    as opposed to a bug: such work is retried when the database is back, never dropped."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        orig = type(exc.orig).__name__ if exc.orig is not None else ""
        return exc.connection_invalidated or any(n in orig for n in _TRANSIENT_DRIVER_ERRORS)
    return isinstance(exc, OSError | TimeoutError)
