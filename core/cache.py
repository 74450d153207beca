"""Hot reads from memory, dropped by the writes that change them.

The promise: once a write has committed, no process serves the value it replaced for more than
``STALE_BOUND`` (1 s). This process drops it at the commit. On PostgreSQL the writing
transaction also sends a NOTIFY (delivered only if it commits), and every process drops what it
names when it hears it. A process serves from memory only while it keeps hearing its own
heartbeat NOTIFY: PostgreSQL delivers notifications in commit order, so hearing a heartbeat sent
after a commit proves that commit's invalidation was heard first. A process that stops hearing
(listener down, database away or slow) clears its cache and reads from the database until it
hears again. SQLite is one process: dropping locally at the commit is all it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar, cast

log = logging.getLogger("mutuals.cache")

V = TypeVar("V")

#: the longest a process may serve a value after the write that replaced it committed
STALE_BOUND = 1.0
#: how often a listening process NOTIFYs itself (several heartbeats fit in the bound)
HEARTBEAT = 0.25
#: the PostgreSQL channel invalidations and heartbeats travel on
CHANNEL = "mutuals_cache"
#: NOTIFY payloads must stay under 8000 bytes; past this a write drops whole namespaces
MAX_PAYLOAD = 7000
#: the key ``ChangeSet`` is stored under in a session's or connection's ``info``
CHANGES_KEY = "mutuals.cache.changes"

MISSING: Any = cast(Any, type("Missing", (), {"__repr__": lambda self: "MISSING"})())


class Cache:
    """Values by (namespace, key), bounded (the oldest go first), with the staleness rule above.

    ``shared`` says other processes may write the same database (PostgreSQL): then values are
    served only while the heartbeat is heard. Namespaces listed in ``immutable`` hold values that
    never change once written (a day's quiz term): they are served whatever the heartbeat says.
    """

    def __init__(
        self,
        *,
        shared: bool,
        max_entries: int = 20_000,
        bound: float = STALE_BOUND,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shared = shared
        self.max_entries = max_entries
        self.bound = bound
        self.monotonic = monotonic
        self.origin = secrets.token_hex(6)
        self.immutable: set[str] = set()
        self._entries: dict[tuple[str, Hashable], Any] = {}
        #: bumped by every invalidation: a value read before it is never stored after it
        self._generation = 0
        #: monotonic time at which the last heartbeat heard was sent (shared caches only)
        self._heard_at = float("-inf")
        self.hits = 0
        self.misses = 0

    # ------------------------------------------------------------------ reading

    @property
    def serving(self) -> bool:
        """Whether values that others may change can be served from memory right now."""
        return not self.shared or self.monotonic() - self._heard_at < self.bound

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, namespace: str, key: Hashable) -> Any:
        """The cached value, or ``MISSING``."""
        value = self._entries.get((namespace, key), MISSING)
        if value is MISSING:
            return MISSING
        if self.shared and not self.serving and namespace not in self.immutable:
            self._forget_mutable()
            return MISSING
        return value

    async def fetch(self, namespace: str, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        """The value from memory, else ``load()``'s (kept unless it changed meanwhile)."""
        value = self.get(namespace, key)
        if value is not MISSING:
            self.hits += 1
            return cast(V, value)
        self.misses += 1
        ticket = self._generation
        loaded = await load()
        self.put(namespace, key, loaded, ticket)
        return loaded

    def ticket(self) -> int:
        """Take before reading the database; hand to ``put`` with what was read."""
        return self._generation

    def put(self, namespace: str, key: Hashable, value: Any, ticket: int) -> bool:
        """Keep ``value`` unless anything was invalidated since ``ticket`` was taken (it may be
        older than that write) or nothing can be served now."""
        if ticket != self._generation:
            return False
        if namespace not in self.immutable and not self.serving:
            return False
        entries = self._entries
        entries.pop((namespace, key), None)
        entries[(namespace, key)] = value
        if len(entries) > self.max_entries:
            for old in list(entries)[: max(1, self.max_entries // 10)]:
                del entries[old]
        return True

    # ------------------------------------------------------------------ invalidating

    def drop(self, changes: Iterable[tuple[str, Hashable]]) -> None:
        """Forget these keys (a key of ``None`` forgets the whole namespace)."""
        self._generation += 1
        whole: set[str] = set()
        for namespace, key in changes:
            if key is None:
                whole.add(namespace)
            else:
                self._entries.pop((namespace, key), None)
        if whole:
            for entry in [e for e in self._entries if e[0] in whole]:
                del self._entries[entry]

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    def _forget_mutable(self) -> None:
        self._generation += 1
        for entry in [e for e in self._entries if e[0] not in self.immutable]:
            del self._entries[entry]

    # ------------------------------------------------------------------ heartbeats

    def heard(self, sent_at: float) -> None:
        """Our own heartbeat, sent at ``sent_at`` (monotonic), came back."""
        if not self.serving:
            self._forget_mutable()  # whatever is here may have missed invalidations
        self._heard_at = max(self._heard_at, sent_at)

    def deaf(self) -> None:
        """The listener is down: nothing that others may change is served until it is back."""
        self._heard_at = float("-inf")
        self._forget_mutable()


class ChangeSet:
    """What one transaction changed, collected while it runs (``changed``), announced to the
    other processes by a NOTIFY sent inside the transaction and dropped from this process's
    cache once it committed. (Nothing is dropped earlier: a value read before the commit and
    kept after the drop is refused by the generation check, so one drop after the commit is
    enough; and a batched write collects its changes on the writer thread, away from the
    cache, which only the event loop touches.)"""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.keys: set[tuple[str, Hashable]] = set()

    def __bool__(self) -> bool:
        return bool(self.keys)

    def add(self, namespace: str, key: Hashable) -> None:
        self.keys.add((namespace, key))

    def payload(self) -> str:
        """The NOTIFY payload naming the keys (whole namespaces when they don't fit)."""
        ordered = sorted(self.keys, key=repr)
        keys = [[ns, list(k) if isinstance(k, tuple) else k] for ns, k in ordered]
        text = json.dumps({"o": self.cache.origin, "c": keys}, separators=(",", ":"))
        if len(text) <= MAX_PAYLOAD:
            return text
        spaces = sorted({ns for ns, _ in self.keys})
        return json.dumps({"o": self.cache.origin, "c": [[ns, None] for ns in spaces]})

    def committed(self) -> None:
        self.cache.drop(self.keys)


def changed(target: Any, namespace: str, key: Hashable) -> None:
    """Inside a write (``db.write()`` or a batched write): the cached value of ``key`` is no
    longer true once this transaction commits. ``target`` is the session or connection."""
    changes = target.info.get(CHANGES_KEY)
    if not isinstance(changes, ChangeSet):
        raise RuntimeError("changed() outside a write: use db.write() or the batcher")
    changes.add(namespace, key)


def _decode(item: list[Any]) -> tuple[str, Hashable]:
    namespace, key = item
    return str(namespace), tuple(key) if isinstance(key, list) else key


class CacheListener:
    """PostgreSQL only: LISTENs for other processes' invalidations and keeps the heartbeat that
    lets this process serve from memory. Reconnects by itself; while it is down, ``Cache.deaf``.
    """

    def __init__(self, cache: Cache, dsn: str, *, heartbeat: float = HEARTBEAT) -> None:
        self.cache = cache
        self.dsn = dsn
        self.heartbeat = heartbeat
        self._task: asyncio.Task[None] | None = None
        self._sent: dict[int, float] = {}
        self._seq = 0
        self._users = 0
        #: the listening connection's server process id (tests cut it to prove the bound)
        self.backend_pid: int | None = None

    async def start(self) -> None:
        self._users += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="cache-listener")

    async def stop(self) -> None:
        """One user less (a bot closing); the connection closes with the last one."""
        self._users = max(0, self._users - 1)
        if not self._users:
            await self.close()

    async def close(self) -> None:
        self._users = 0
        if self._task is None:
            return
        task, self._task = self._task, None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        self.cache.deaf()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return
        if message.get("o") == self.cache.origin:
            seq = message.get("p")
            if isinstance(seq, int):
                sent = self._sent.pop(seq, None)
                for old in [s for s in self._sent if s < seq]:
                    del self._sent[old]
                if sent is not None:
                    self.cache.heard(sent)
            return  # our own writes were dropped locally at their commit
        changes = message.get("c")
        if isinstance(changes, list):
            self.cache.drop(_decode(item) for item in changes)

    async def _run(self) -> None:
        import asyncpg  # PostgreSQL deployments only

        backoff = 0.5
        while True:
            conn: Any = None
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5)
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, lambda *args: self._on_notify(*args))
                self.backend_pid = conn.get_server_pid()
                backoff = 0.5
                while not lost.is_set():
                    self._seq += 1
                    self._sent[self._seq] = self.cache.monotonic()
                    payload = json.dumps({"o": self.cache.origin, "p": self._seq})
                    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), self.heartbeat)
                log.warning("cache listener lost its connection; reading from the database")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cache listener: %s; reading from the database meanwhile", exc)
            finally:
                self.cache.deaf()
                self._sent.clear()
                self.backend_pid = None
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), 2)
            await asyncio.sleep(backoff)
            backoff = min(5.0, backoff * 2)
