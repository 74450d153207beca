"""Collab rounds: how long a round takes and how good its pairs are, at 1k, 10k and 50k members.

Two measurements per size:
* ``match``: the algorithm alone (vectorised scoring, blocks, rustworkx per block, trio);
  the score ratio is against the exact optimum where it is computable (the whole graph solved
  exactly with rustworkx at 1k) and, at every size, against an upper bound (half the sum of
  every member's best possible partner score, which no matching can beat).
* ``round``: the whole service call on SQLite (load members, profiles, blocks and 6 rounds of
  history, match, store the round and its groups), as ``/collab-rounds run-now`` does.

Communities are simulated like ours (services.collabs.synthetic_candidates): 1-3 niches in
related families, follower bands, formats, 1-2 languages, time zones on three continents,
plus a few blocks (members who share no language are never grouped: the bench counts any
group that does, which must be none). ``python -m bench.run collabs`` (``--quick``: 1k and
10k only; the full run also solves 1k exactly and stores 50k-member rounds, a few minutes).
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from core import migrate
from core.clock import ManualClock
from core.db import Database
from models.collabs import CollabBlock, CollabMember
from models.profile import CreatorProfile
from services.collabs import (
    BANDS,
    Candidate,
    CollabService,
    Features,
    match,
    scores,
    solve_exact,
    synthetic_candidates,
    upper_bound,
)
from services.niches import NicheService

GUILD = 7_000_000_000_000_000_001
ZONES = {
    -8.0: "America/Los_Angeles",
    -7.0: "America/Denver",
    -6.0: "America/Chicago",
    -5.0: "America/New_York",
    -3.0: "America/Sao_Paulo",
    0.0: "UTC",
    1.0: "Europe/Berlin",
    2.0: "Europe/Athens",
    5.5: "Asia/Kolkata",
    8.0: "Asia/Singapore",
    9.0: "Asia/Tokyo",
    10.0: "Australia/Brisbane",
}


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


def _match_rows(n: int, *, exact: bool) -> list[dict[str, Any]]:
    candidates = synthetic_candidates(n, seed=n)
    blocked = _blocks(candidates, n)
    started = time.perf_counter()
    result = match(candidates, blocked=blocked)
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
            f"{int(result.stats['blocks'])} blocks" + (" (limit 2 s)" if n == 10_000 else ""),
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


async def _round_row(n: int) -> dict[str, Any]:
    """The whole round through the service on a fresh SQLite database."""
    candidates = synthetic_candidates(n, seed=n + 1)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await migrate.upgrade(db.engine)
            clock = ManualClock(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
            now = clock.now()
            async with db.write() as s:
                await s.run_sync(
                    lambda sync: sync.execute(
                        _table(CreatorProfile).insert(),
                        [
                            {
                                "guild_id": GUILD,
                                "user_id": c.user_id,
                                "tiktok_handle": f"c{c.user_id}",
                                "niches": list(c.niches),
                                "timezone": ZONES.get(c.utc_offset or 0.0, "UTC"),
                                "follower_band": BANDS[c.band or 0],
                                "created_at": now,
                                "updated_at": now,
                            }
                            for c in candidates
                        ],
                    )
                )
                await s.run_sync(
                    lambda sync: sync.execute(
                        _table(CollabMember).insert(),
                        [
                            {
                                "guild_id": GUILD,
                                "user_id": c.user_id,
                                "opted_in": True,
                                "formats": sorted(c.formats),
                                "languages": sorted(c.languages),
                                "created_at": now,
                                "updated_at": now,
                            }
                            for c in candidates
                        ],
                    )
                )
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
            started = time.perf_counter()
            rnd = await service.create_round(GUILD, now)
            took = time.perf_counter() - started
        finally:
            await db.dispose()
    return {
        "bench": "collabs",
        "metric": f"round {n:,} members (SQLite)",
        "value": took,
        "unit": "s",
        "note": f"load + match + store; {len(rnd.groups)} groups, {rnd.repeats} repeats, "
        "6 rounds of history",
    }


async def run(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 50_000)
    for n in sizes:
        rows += _match_rows(n, exact=n <= 1_000 and not quick)
    for n in sizes:
        rows.append(await _round_row(n))
    return rows
