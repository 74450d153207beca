"""APScheduler 3 wrapper: it only wakes the bot up; the database holds every schedule.

Jobs are rebuilt from the tables at start-up, so the job store stays in memory. Misfire grace
is unlimited and jobs coalesce: a job due during a restart or a slow moment still runs once,
and the feature decides, from its claimed slots, what is late, what is missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JobFunc = Callable[..., Awaitable[Any]]


class Scheduler:
    def __init__(self) -> None:
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._inflight: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> bool:
        return bool(self._aps.running)

    def start(self) -> None:
        """Needs the running event loop: call from setup_hook."""
        if not self._aps.running:
            self._aps.start()

    def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)

    async def close(self, grace: float = 5.0) -> None:
        """Stop firing, let jobs already running finish (a round or a post must not be cut off
        mid-transaction), then shut down; APScheduler itself would cancel them at shutdown."""
        if not self._aps.running:
            return
        self._aps.pause()
        running = list(self._inflight)
        if running:
            _done, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.shutdown()

    def _guarded(self, job_id: str, func: JobFunc) -> JobFunc:
        async def run(*args: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                await func(*args)
            except Exception:
                log.exception("scheduled job %s failed", job_id)
            finally:
                if task is not None:
                    self._inflight.discard(task)

        return run

    def at(self, job_id: str, when: datetime, func: JobFunc, *args: Any) -> None:
        """Run func(*args) once at `when` (replacing an earlier job with the same id)."""
        self._aps.add_job(
            self._guarded(job_id, func),
            DateTrigger(run_date=when.astimezone(UTC)),
            args=args,
            id=job_id,
            replace_existing=True,
        )

    def every(self, job_id: str, seconds: float, func: JobFunc, *args: Any) -> None:
        self._aps.add_job(
            self._guarded(job_id, func),
            IntervalTrigger(seconds=seconds),
            args=args,
            id=job_id,
            replace_existing=True,
        )

    def cancel(self, job_id: str) -> None:
        job = self._aps.get_job(job_id)
        if job is not None:
            job.remove()

    def cancel_prefix(self, prefix: str) -> int:
        jobs = [j for j in self._aps.get_jobs() if j.id.startswith(prefix)]
        for job in jobs:
            job.remove()
        return len(jobs)

    def next_run(self, job_id: str) -> datetime | None:
        job = self._aps.get_job(job_id)
        return job.next_run_time if job is not None else None

    def job_ids(self) -> list[str]:
        return [j.id for j in self._aps.get_jobs()]
