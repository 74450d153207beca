"""The scheduler wakes jobs up, logs their failures, and lets running jobs finish at close."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.scheduler import Scheduler


async def test_close_lets_a_running_job_finish_and_failures_are_contained() -> None:
    scheduler = Scheduler()
    scheduler.start()
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow_job() -> None:
        started.set()
        await asyncio.sleep(0.1)
        finished.set()

    async def broken_job() -> None:
        raise RuntimeError("boom")

    scheduler.at("broken", datetime.now(UTC), broken_job)
    scheduler.at("slow", datetime.now(UTC), slow_job)  # due now: runs at once
    await asyncio.wait_for(started.wait(), timeout=10)
    await scheduler.close()
    assert finished.is_set()  # not cut off mid-way
    assert scheduler.job_ids() == []  # both one-shot jobs ran; nothing left to fire
