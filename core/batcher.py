"""Group commit: many small writes, one transaction, so a crowd clicking at once stays fast.

What is promised, and when:

* ``submit`` returns only after the transaction holding the write has **committed**. A caller
  that then tells a member "Locked in" tells the truth: from that moment the write survives a
  crash or a stop of the process (PostgreSQL commits synchronously; SQLite's WAL keeps every
  committed transaction through a process crash, and only a power cut of the host may lose the
  last moments, as ``synchronous=NORMAL`` trades).
* Before that the write is only **received** (the member saw an acknowledgement, never "saved"):
  a crash loses it and nobody was told otherwise. A clean stop (``drain``) commits everything
  received first, and the callers get to tell their members.
* One bad write can't sink the others: if anything in a batch fails, its transaction is rolled
  back and run again with each write in its own SAVEPOINT, and only the failing one fails
  (when nothing fails, no savepoint is paid for). Refusals (a ``DomainError`` returned for an
  item) are outcomes, not failures: they never roll anything back.
* A database blip retries the whole batch for up to ``retry_for`` seconds, so a write function
  must give the same answer when its batch runs again after a commit whose outcome was lost.

Per backend: SQLite has one writer, so a batch runs on one writer thread over its own
connection in a single hop (the async driver would cost a thread hop per statement); PostgreSQL
batches run on the async driver over a connection held between batches. One batch is in flight
at a time and the next gathers while it commits: no waiting is added when the bot is quiet (a
lone write is a batch of one), and under a crowd a batch holds up to ``max_batch`` writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.cache import CHANGES_KEY, CHANNEL, Cache, ChangeSet
from core.errors import DomainError
from core.i18n import N_
from core.sql import Frozen

log = logging.getLogger("mutuals.batcher")

I = TypeVar("I")  # noqa: E741 - the item type, as in the signatures below
R = TypeVar("R")

#: a batched write: gets every item of its kind in the batch, returns one outcome per item
#: (a value, or a DomainError refusing that item); runs inside the batch's transaction
BatchWrite = Callable[[Connection, Sequence[I]], Sequence[R | DomainError]]


@dataclass(frozen=True)
class Statement:
    """One item's write as a single statement returning one row, the cached keys it changes,
    and how that row becomes the item's outcome."""

    frozen: Frozen
    params: dict[str, Any]
    keys: Sequence[tuple[str, Hashable]]
    outcome: Callable[[Any], Any]


class OneStatementWrite(Protocol):
    """A batched write that can also say, for one item, its single statement. Alone in its
    batch on PostgreSQL (a member saving their profile while nobody else writes: the common
    case), it then runs as that statement with the cache's NOTIFY inside it, in autocommit:
    one round trip instead of four (BEGIN, the write, NOTIFY, COMMIT), and still atomic (one
    statement is one transaction; the NOTIFY goes out with its commit or not at all)."""

    def __call__(self, conn: Connection, items: Sequence[Any]) -> Sequence[Any]: ...

    def statement(self, conn: Connection, item: Any) -> Statement: ...


UNAVAILABLE = N_(
    "The database is having a moment, so I couldn't save that. Try again in a few seconds "
    "(if it went through after all, I'll tell you). 💞"
)


class WriteUnavailable(DomainError):
    """The database stayed away for the whole retry window. Almost always nothing was
    recorded; only a commit whose answer was lost may have been, which a retry then says
    (writes are idempotent)."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE)


@dataclass
class _Entry:
    write: BatchWrite[Any, Any]
    item: Any
    future: asyncio.Future[Any]


class Batcher:
    """One per process and database (``Database.writes``)."""

    def __init__(
        self,
        engine: AsyncEngine,
        cache: Cache,
        *,
        transient: Callable[[BaseException], bool],
        make_sqlite_writer: Callable[[], Engine] | None = None,
        max_batch: int = 500,
        retry_for: float = 10.0,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.transient = transient
        self.notify = engine.dialect.name == "postgresql"
        self.max_batch = max_batch
        self.retry_for = retry_for
        self._make_sqlite_writer = make_sqlite_writer
        self._sqlite_writer: Engine | None = None
        self._sqlite_conn: Connection | None = None  # used on the writer thread only
        self._conn: AsyncConnection | None = None
        self._autocommit: AsyncConnection | None = None  # PostgreSQL: lone statements
        self._thread: ThreadPoolExecutor | None = None
        self._pending: deque[_Entry] = deque()
        self._in_flight: list[_Entry] = []
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        #: batches committed and writes in them, for benchmarks and metrics
        self.batches = 0
        self.writes = 0

    # ------------------------------------------------------------------ callers

    async def submit(self, write: BatchWrite[I, R], item: I) -> R:
        """Queue one write and wait until its batch committed; a refusal is raised here."""
        return await self.enqueue(write, item)

    def enqueue(self, write: BatchWrite[I, R], item: I) -> Awaitable[R]:
        """Queue one write now (it is received from this moment on: a ``flush`` after this
        call waits for it); await the result to learn its outcome once committed."""
        loop = asyncio.get_running_loop()
        entry = _Entry(write, item, loop.create_future())
        entry.future.add_done_callback(_retrieve)
        self._pending.append(entry)
        self._start(loop)
        assert self._wake is not None
        self._wake.set()
        # a caller giving up (cancelled) doesn't take the write back: it was received
        outcome = asyncio.shield(entry.future)
        outcome.add_done_callback(_retrieve)
        return cast(Awaitable[R], outcome)

    async def flush(self) -> None:
        """Wait until every write submitted so far has committed (or failed)."""
        waiting = [e.future for e in (*self._in_flight, *self._pending)]
        if waiting:
            await asyncio.wait(waiting)

    async def drain(self, grace: float = 10.0) -> None:
        """A clean stop: commit everything received (for up to ``grace`` seconds)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flush(), grace)

    async def close(self) -> None:
        await self.drain()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        for conn in (self._conn, self._autocommit):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._conn = self._autocommit = None
        if self._thread is not None:
            thread, self._thread = self._thread, None
            await asyncio.get_running_loop().run_in_executor(thread, self._dispose_writer)
            thread.shutdown(wait=True)

    # ------------------------------------------------------------------ the worker

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        worker = self._worker
        if worker is not None and not worker.done() and worker.get_loop() is loop:
            return
        self._wake = asyncio.Event()
        self._worker = loop.create_task(self._work(), name="batcher")

    async def _work(self) -> None:
        assert self._wake is not None
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            size = min(self.max_batch, len(self._pending))
            batch = [self._pending.popleft() for _ in range(size)]
            self._in_flight = batch
            try:
                await self._commit(batch)
            except asyncio.CancelledError:
                for entry in batch:
                    _settle(entry, exc=WriteUnavailable())
                raise
            except Exception as exc:  # never let the worker die: fail this batch, go on
                log.exception("batch of %s writes failed", len(batch))
                for entry in batch:
                    _settle(entry, exc=exc)
            finally:
                self._in_flight = []

    async def _commit(self, batch: list[_Entry]) -> None:
        deadline = time.monotonic() + self.retry_for
        delay = 0.05
        while True:
            try:
                outcomes, changes = await self._execute(batch)
                break
            except Exception as exc:
                if not self.transient(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    log.warning("batch of %s writes given up: %s", len(batch), exc)
                    for entry in batch:
                        _settle(entry, exc=WriteUnavailable())
                    return
                log.warning("batch of %s writes retried in %.2fs: %s", len(batch), delay, exc)
                await asyncio.sleep(delay)
                delay = min(1.0, delay * 2)
        changes.committed()
        self.batches += 1
        self.writes += len(batch)
        for entry, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                _settle(entry, exc=outcome)
            else:
                _settle(entry, result=outcome)

    async def _execute(self, batch: list[_Entry]) -> tuple[list[Any], ChangeSet]:
        if self._make_sqlite_writer is not None:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="mutuals-writer")
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._thread, self._run_on_writer, batch)
        alone = len(batch) == 1 and hasattr(batch[0].write, "statement")
        try:
            if alone:
                if self._autocommit is None or self._autocommit.closed:
                    conn = await self.engine.connect()
                    self._autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                return await self._autocommit.run_sync(self._run_alone, batch[0])
            if self._conn is None or self._conn.closed:
                # held between batches: no pool round trips (pre-ping) per batch
                self._conn = await self.engine.connect()
            return await self._conn.run_sync(self._run, batch)
        except Exception as exc:
            if self.transient(exc):
                await self._drop_connection()
            raise

    async def _drop_connection(self) -> None:
        for conn in (self._conn, self._autocommit):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.invalidate()
                    await conn.close()
        self._conn = self._autocommit = None

    def _run_alone(self, conn: Connection, entry: _Entry) -> tuple[list[Any], ChangeSet]:
        """A lone write as its one statement, announcing its changes inside it (autocommit)."""
        write = cast(OneStatementWrite, entry.write)
        try:
            one = write.statement(conn, entry.item)
        except DomainError as refused:
            return [refused], ChangeSet(self.cache)
        changes = ChangeSet(self.cache)
        for namespace, key in one.keys:
            changes.add(namespace, key)
        clause = one.frozen.within(conn, _ANNOUNCING, _NOTICE_CHANNEL, _NOTICE_PAYLOAD)
        notice = {_NOTICE_CHANNEL: CHANNEL, _NOTICE_PAYLOAD: changes.payload()}
        try:
            row = conn.execute(clause, {**one.params, **notice}).one()
        except Exception as exc:
            if self.transient(exc):
                raise
            conn.rollback()
            return [exc], ChangeSet(self.cache)  # its caller reports it, as for any batch
        conn.commit()  # ends SQLAlchemy's own bookkeeping: the statement committed already
        return [one.outcome(row)], changes

    def _run_on_writer(self, batch: list[_Entry]) -> tuple[list[Any], ChangeSet]:
        """On the writer thread, over its connection (kept between batches; a failure that may
        have broken it opens a new one for the next)."""
        if self._sqlite_conn is None:
            if self._sqlite_writer is None:
                assert self._make_sqlite_writer is not None
                self._sqlite_writer = self._make_sqlite_writer()
            self._sqlite_conn = self._sqlite_writer.connect()
        try:
            return self._run(self._sqlite_conn, batch)
        except Exception as exc:
            if self.transient(exc):
                self._close_writer_connection()
            raise

    def _close_writer_connection(self) -> None:
        conn, self._sqlite_conn = self._sqlite_conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()
                conn.close()

    def _dispose_writer(self) -> None:
        self._close_writer_connection()
        if self._sqlite_writer is not None:
            self._sqlite_writer.dispose()
            self._sqlite_writer = None

    def _run(self, conn: Connection, batch: list[_Entry]) -> tuple[list[Any], ChangeSet]:
        """The batch's one transaction (synchronous: on the writer thread, or under the async
        engine's greenlet). Optimistic: every kind's writes at once; if one fails, the
        transaction is rolled back and run again with each write in its own SAVEPOINT."""
        try:
            return self._transaction(conn, batch, isolate=False)
        except Exception as exc:
            if self.transient(exc):
                raise
            log.info("a write in a batch of %s failed (%s); isolating each", len(batch), exc)
        return self._transaction(conn, batch, isolate=True)

    def _transaction(
        self, conn: Connection, batch: list[_Entry], *, isolate: bool
    ) -> tuple[list[Any], ChangeSet]:
        groups: dict[BatchWrite[Any, Any], list[int]] = {}
        for i, entry in enumerate(batch):
            groups.setdefault(entry.write, []).append(i)
        outcomes: list[Any] = [None] * len(batch)
        changes = ChangeSet(self.cache)
        conn.info[CHANGES_KEY] = changes
        try:
            with conn.begin():
                for write, positions in groups.items():
                    if isolate:
                        done = [self._alone(conn, write, batch[i].item) for i in positions]
                    else:
                        done = list(write(conn, [batch[i].item for i in positions]))
                        if len(done) != len(positions):
                            raise RuntimeError(f"{write.__name__} gave {len(done)} outcomes")
                    for i, outcome in zip(positions, done, strict=True):
                        outcomes[i] = outcome
                if changes and self.notify:
                    conn.execute(select(func.pg_notify(CHANNEL, changes.payload())))
        finally:
            conn.info.pop(CHANGES_KEY, None)
        return outcomes, changes

    def _alone(self, conn: Connection, write: BatchWrite[Any, Any], item: Any) -> Any:
        """One write in its own SAVEPOINT: if it fails, only it is rolled back."""
        try:
            with conn.begin_nested():
                return write(conn, [item])[0]
        except Exception as exc:
            if self.transient(exc):
                raise
            return exc  # a refusal, or a bug its caller reports with an error id


_NOTICE_CHANNEL, _NOTICE_PAYLOAD = "mutuals_notice_channel", "mutuals_notice_payload"
#: a statement returning one row, with the cache's NOTIFY in the same statement: sent with its
#: commit, never without it (pg_notify gives void, which IS NOT NULL: the row is kept)
_ANNOUNCING = (
    "WITH written AS ({statement}) SELECT written.* FROM written "
    f"WHERE pg_notify(:{_NOTICE_CHANNEL}, :{_NOTICE_PAYLOAD}) IS NOT NULL"
)


def _settle(entry: _Entry, *, result: Any = None, exc: BaseException | None = None) -> None:
    if entry.future.done():
        return
    if exc is not None:
        entry.future.set_exception(exc)
    else:
        entry.future.set_result(result)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """A caller that gave up never reads its outcome: don't warn about it."""
    if not future.cancelled():
        future.exception()


def sqlite_writer_factory(url: str, install: Callable[[Engine, str], None]) -> Callable[[], Engine]:
    """How the writer thread opens its own synchronous connection to a SQLite file."""

    def make() -> Engine:
        sync_url = url.replace("sqlite+aiosqlite", "sqlite", 1)
        engine = create_engine(sync_url, connect_args={"timeout": 30})
        install(engine, "IMMEDIATE")
        return engine

    return make
