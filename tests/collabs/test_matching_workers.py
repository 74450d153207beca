"""A big round's blocks solved in worker processes (core.worker_pool) give exactly the pairs
of the in-process solve, and matching falls back to in-process when the pool can't help."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from core.worker_pool import WorkerPool
from services.collabs import MatchResult, match, synthetic_candidates
from services.collabs.matching import PARALLEL_FROM

N = 3_000  # big enough to go to the workers


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool()
    yield workers
    workers.close()


def _round(workers: WorkerPool | None, n: int = N, seed: int = 14) -> MatchResult:
    candidates = synthetic_candidates(n, seed=seed)
    ids = [c.user_id for c in candidates]
    rng = random.Random(seed)
    blocked = [(rng.choice(ids), rng.choice(ids)) for _ in range(n // 20)]
    recent = [(rng.choice(ids), rng.choice(ids)) for _ in range(n)]
    return match(candidates, blocked=blocked, recent=recent, workers=workers)


def _same(a: MatchResult, b: MatchResult) -> None:
    assert a.groups == b.groups
    assert a.unplaced == b.unplaced
    assert a.reasons == b.reasons
    assert a.pair_total == b.pair_total
    assert a.repeats == b.repeats


def test_workers_find_exactly_the_pairs_of_the_in_process_solve(pool: WorkerPool) -> None:
    here = _round(None)
    there = _round(pool)
    _same(here, there)
    assert here.stats["solved_in_workers"] == 0
    assert there.stats["solved_in_workers"] == there.stats["blocks"] > 1
    again = _round(pool)  # the same pool, reused
    _same(here, again)
    assert again.stats["solved_in_workers"] == again.stats["blocks"]


def test_small_rounds_stay_in_process(pool: WorkerPool) -> None:
    result = _round(pool, n=PARALLEL_FROM - 2)
    assert result.stats["solved_in_workers"] == 0
    assert not pool.running  # not even started
    _same(result, _round(None, n=PARALLEL_FROM - 2))


def test_a_pool_that_cannot_start_means_matching_in_process() -> None:
    unstartable = WorkerPool(method="no-such-start-method")
    result = _round(unstartable)
    assert result.stats["solved_in_workers"] == 0
    _same(result, _round(None))


def test_a_broken_pool_falls_back_then_a_new_one_starts(pool: WorkerPool) -> None:
    executor = pool.executor()
    assert executor is not None
    with pytest.raises(Exception, match="terminated abruptly"):
        executor.submit(os._exit, 1).result()  # a worker dies: the pool is broken
    here = _round(None)
    fallback = _round(pool)
    _same(here, fallback)
    assert fallback.stats["solved_in_workers"] == 0
    assert not pool.running  # the broken pool was dropped…
    fresh = _round(pool)  # …and the next round starts a new one
    _same(here, fresh)
    assert fresh.stats["solved_in_workers"] == fresh.stats["blocks"]


def test_a_closed_pool_is_not_restarted(pool: WorkerPool) -> None:
    assert _round(pool).stats["solved_in_workers"] > 0
    pool.close()
    result = _round(pool)
    assert result.stats["solved_in_workers"] == 0
    assert not pool.running
