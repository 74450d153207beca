"""Collab rounds: how long a round takes and how good its pairs are, at 1k, 10k and 50k members.

Two measurements per size:
* ``match``: the algorithm alone (vectorised scoring, blocks, rustworkx per block, trio);
  the score ratio is against the exact optimum where it is computable (the whole graph solved
  exactly with rustworkx at 1k) and, at every size, against an upper bound (half the sum of
  every member's best possible partner score, which no matching can beat).
* ``round``: the whole service call on SQLite (load members, profiles, blocks and 6 rounds of
  history, match, store the round and its groups), as ``/collab-rounds run-now`` does.

``age groups``: the same members with and without age groups kept apart (services.safety; 15%
not confirmed adult, like the community profile's 13-17 share): mixed groups (must be 0), who
is left out, the adults' own scores and the round's score against its upper bound, each
relative to the round without the rule (acceptance: within 2%), and the time at 10k.

Communities are simulated like ours (services.collabs.synthetic_candidates): 1-3 niches in
related families, follower bands, formats, 1-2 languages, time zones on three continents,
plus a few blocks (members who share no language are never grouped: the bench counts any
group that does, which must be none). ``python -m bench.run collabs`` (``--quick``: 1k and
10k only; the full run also solves 1k exactly and stores 50k-member rounds, a few minutes).
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from bench.harness import fresh_database_url
from core import migrate
from core.clock import ManualClock
from core.db import Database
from core.heap import collector_as_the_bot_leaves_it
from core.text import plural
from core.worker_pool import WorkerPool
from models.collabs import CollabBlock
from services.collabs import (
    Candidate,
    CollabService,
    Features,
    match,
    scores,
    solve_exact,
    store_synthetic,
    synthetic_candidates,
    upper_bound,
)
from services.collabs.matching import PARALLEL_FROM
from services.niches import NicheService

GUILD = 7_000_000_000_000_000_001


def _table(model: Any) -> Any:
    return model.__table__


def _blocks(candidates: list[Candidate], seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    ids = [c.user_id for c in candidates]
    return [(a, b) for a, b in (rng.sample(ids, 2) for _ in range(len(ids) // 20))]


def _exact(candidates: list[Candidate], banned: set[frozenset[int]]) -> tuple[float, float]:
    """The whole graph solved exactly (rustworkx); (optimum, seconds)."""
    n = len(candidates)
    s = scores(Features.encode(candidates), np.arange(n), np.arange(n))
    iu, ju = np.triu_indices(n, 1)
    keep = np.array(
        [
            frozenset((candidates[a].user_id, candidates[b].user_id)) not in banned
            for a, b in zip(iu.tolist(), ju.tolist(), strict=True)
        ]
    )
    u, v = iu[keep].astype(np.int64), ju[keep].astype(np.int64)
    started = time.perf_counter()
    pairs = solve_exact(u, v, s[u, v], n)
    return float(sum(float(s[a, b]) for a, b in pairs)), time.perf_counter() - started


def _match_rows(n: int, *, exact: bool, workers: WorkerPool) -> list[dict[str, Any]]:
    candidates = synthetic_candidates(n, seed=n)
    blocked = _blocks(candidates, n)
    match(candidates[:PARALLEL_FROM], workers=workers)  # the bot's pool is warm after a round
    started = time.perf_counter()
    result = match(candidates, blocked=blocked, workers=workers)
    took = time.perf_counter() - started
    by_id = {c.user_id: c for c in candidates}
    mute = sum(
        1
        for g in result.groups
        if not frozenset.intersection(*(by_id[u].languages for u in g.members))
    )
    rows: list[dict[str, Any]] = [
        {
            "bench": "collabs",
            "metric": f"match {n:,} members",
            "value": took,
            "unit": "s",
            "note": f"{len(result.groups)} groups, {len(result.unplaced)} unplaced, "
            f"{int(result.stats['blocks'])} blocks, "
            f"{int(result.stats['solved_in_workers'])} solved in {workers.max_workers} worker "
            "processes" + (" (limit 2 s)" if n == 10_000 else ""),
        },
        {
            "bench": "collabs",
            "metric": f"groups without a shared language, {n:,}",
            "value": mute,
            "unit": "groups",
            "note": "a shared language is a requirement: must be 0",
        },
        {
            "bench": "collabs",
            "metric": f"score vs upper bound, {n:,}",
            "value": 100 * result.pair_total / upper_bound(candidates),
            "unit": "%",
            "note": "bound: everyone gets their best partner (not reachable)",
        },
    ]
    if exact:
        best, exact_took = _exact(candidates, {frozenset(p) for p in blocked})
        rows.append(
            {
                "bench": "collabs",
                "metric": f"score vs exact optimum, {n:,}",
                "value": 100 * result.pair_total / best,
                "unit": "%",
                "note": f"whole graph solved exactly in {exact_took:.1f} s",
            }
        )
    return rows


def _aged(candidates: list[Candidate], young: set[int]) -> list[Candidate]:
    return [dataclasses.replace(c, age_group=0 if c.user_id in young else 1) for c in candidates]


def _age_rows(n: int, share: float, seeds: int) -> list[dict[str, Any]]:
    """The same members matched with and without age groups, over a few communities."""
    mixed = 0
    left_out: dict[str, int] = {}
    adults_ratio: list[float] = []
    bound_gap: list[float] = []
    took_with: list[float] = []
    took_without: list[float] = []
    for seed in range(seeds):
        candidates = synthetic_candidates(n, seed=1000 + seed)
        rng = np.random.default_rng(seed)
        count = round(n * share)
        young = {candidates[i].user_id for i in rng.choice(n, count, replace=False).tolist()}
        aged = _aged(candidates, young)
        started = time.perf_counter()
        with_rule = match(aged)
        took_with.append(time.perf_counter() - started)
        started = time.perf_counter()
        without = match(candidates)
        took_without.append(time.perf_counter() - started)
        mixed += sum(1 for g in with_rule.groups if len({u in young for u in g.members}) > 1)
        for why in with_rule.reasons.values():
            left_out[why] = left_out.get(why, 0) + 1
        adults = [c.user_id for c in candidates if c.user_id not in young]
        mine = {u: g.score for g in with_rule.groups for u in g.members}
        before = {u: g.score for g in without.groups for u in g.members}
        adults_ratio.append(
            sum(mine.get(u, 0.0) for u in adults) / sum(before.get(u, 0.0) for u in adults)
        )
        bound_gap.append(
            with_rule.pair_total / upper_bound(aged) - without.pair_total / upper_bound(candidates)
        )
    label = f"{n:,} ({round(n * share):,} not confirmed adult)"
    why = ", ".join(f"{count} {reason}" for reason, count in sorted(left_out.items()))
    outs = f"{plural(sum(left_out.values()), 'member')} left out ({why or 'nobody'})"
    return [
        {
            "bench": "collabs",
            "metric": f"age groups: mixed groups, {label}",
            "value": mixed,
            "unit": "groups",
            "note": f"must be 0; {outs} in {plural(seeds, 'community', 'communities')}",
        },
        {
            "bench": "collabs",
            "metric": f"age groups: adults' score vs no rule, {label}",
            "value": 100 * statistics.mean(adults_ratio),
            "unit": "%",
            "note": f"worst {100 * min(adults_ratio):.1f}% of {seeds} (the same members matched "
            "without age groups; limit 98%)",
        },
        {
            "bench": "collabs",
            "metric": f"age groups: vs upper bound, change, {label}",
            "value": 100 * statistics.mean(bound_gap),
            "unit": "points",
            "note": f"worst {100 * min(bound_gap):+.1f} points (with the rule vs without, each "
            "against its own bound)",
        },
        {
            "bench": "collabs",
            "metric": f"age groups: match time, {label}",
            "value": statistics.median(took_with),
            "unit": "s",
            "note": f"without the rule {statistics.median(took_without):.3f} s (median)",
        },
    ]


async def _round_row(n: int, backend: str = "sqlite") -> dict[str, Any]:
    """The whole round through the service on a fresh database."""
    candidates = synthetic_candidates(n, seed=n + 1)
    async with fresh_database_url(backend) as url:
        db = Database.from_url(url)
        try:
            await migrate.upgrade(db.engine)
            clock = ManualClock(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
            now = clock.now()
            async with db.write() as s:
                await store_synthetic(s, GUILD, candidates, now)
                await s.run_sync(
                    lambda sync: sync.execute(
                        _table(CollabBlock).insert(),
                        [
                            {"guild_id": GUILD, "user_id": a, "blocked_id": b, "created_at": now}
                            for a, b in _blocks(candidates, n)
                        ],
                    )
                )
            service = CollabService(db, clock, NicheService(db))
            for week in range(6, 0, -1):  # six rounds of history to avoid
                await service.create_round(GUILD, now - timedelta(days=7 * week))
            # The bot freezes its start-up heap and then collects in bulk (core.bot): the
            # cycle collector doesn't rescan it during a round; here the same, with the
            # bench's own objects.
            with collector_as_the_bot_leaves_it():
                started = time.perf_counter()
                rnd = await service.create_round(GUILD, now)
                took = time.perf_counter() - started
            service.close()
        finally:
            await db.dispose()
    limit = {10_000: " (target 0.5 s)", 50_000: " (target 3 s)"}.get(n, "")
    return {
        "bench": "collabs",
        "metric": f"round {n:,} members ({'SQLite' if backend == 'sqlite' else 'PostgreSQL'})",
        "value": took,
        "unit": "s",
        "note": f"load + match (blocks in worker processes from {PARALLEL_FROM:,} members) + "
        f"store; {len(rnd.groups)} groups, {rnd.repeats} repeats, "
        f"6 rounds of history{limit}",
    }


async def run(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 50_000)
    workers = WorkerPool()
    try:
        for n in sizes:
            rows += _match_rows(n, exact=n <= 1_000 and not quick, workers=workers)
    finally:
        workers.close()
    rows += _age_rows(200, 0.15, seeds=5 if quick else 20)
    rows += _age_rows(10_000, 0.15, seeds=1 if quick else 3)
    for n in sizes:
        for backend in ("sqlite", "postgres"):
            rows.append(await _round_row(n, backend))
    return rows
