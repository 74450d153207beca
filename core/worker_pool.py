"""A small pool of worker processes for pure CPU work that holds the GIL (rustworkx's matching
of a collab round's blocks), so threads can't share it out: started on first use, reused for
every later call, shut down with the bot.

Workers come from a forkserver (or are spawned), never forked from the bot: they inherit no
event loop, database connection or socket, and import only the module of the function they run
(keep those small: core.max_matching imports numpy and rustworkx, nothing of the bot). Send
them compact arrays and ints, never ORM objects.

Whoever uses the pool keeps an in-process fallback: ``executor()`` is None when no pool can
start, and a pool that breaks (a worker killed, the machine out of processes) is dropped with
``broken()``; the next call starts a fresh one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor

log = logging.getLogger(__name__)


def default_workers() -> int:
    """Two at most: the bot's own process keeps working alongside them."""
    return min(2, os.cpu_count() or 1)


class WorkerPool:
    def __init__(self, max_workers: int | None = None, *, method: str = "forkserver") -> None:
        self.max_workers = max_workers or default_workers()
        self.method = method
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # executor() is called from worker threads (to_thread)
        self._closed = False

    @property
    def running(self) -> bool:
        """A pool has been started (and not dropped or closed since)."""
        return self._executor is not None

    def executor(self) -> Executor | None:
        """The running pool (started now if need be), or None: closed, or it can't start."""
        with self._lock:
            if self._closed:
                return None
            if self._executor is None:
                try:
                    context = multiprocessing.get_context(self.method)
                    self._executor = ProcessPoolExecutor(self.max_workers, mp_context=context)
                except (OSError, ValueError) as exc:
                    log.warning("worker pool can't start (%s): working in-process", exc)
                    return None
            return self._executor

    def broken(self, executor: Executor) -> None:
        """``executor`` failed (a worker died, a process couldn't start): drop it, without
        waiting for it; the next ``executor()`` starts a new pool."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (queued work is cancelled: its callers solve it in-process)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
