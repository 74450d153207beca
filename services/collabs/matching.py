"""The best set of pairs for a round (plus a trio for an odd one out): pure and synchronous,
members' features and constraints (blocks, recent partners) in, groups out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.lazy_import import lazy_module
from core.max_matching import solve_exact
from core.worker_pool import WorkerPool
from services.collabs.pairs import PairSet, index_pairs
from services.collabs.scoring import Candidate, Features, scores, speak_together
from services.collabs.trios import TrioPlacer

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
else:  # loaded when a round is matched, not at start-up
    np = lazy_module("numpy")

#: rounds this big send their blocks to worker processes (smaller: pickling costs more)
PARALLEL_FROM = 2000
log = logging.getLogger(__name__)
AUGMENT_MAX_LEFT = 200  # leftovers re-solved with their neighbourhood (a rare, small step)
AUGMENT_PARTNERS = 20
AUGMENT_DEPTH = 4
AUGMENT_MAX_NODES = 600


@dataclass(frozen=True)
class Group:
    """A pair or a trio, as indexes into the candidate list and user ids."""

    members: tuple[int, ...]  # user ids
    score: float  # mean pair score inside the group
    repeat: bool  # has a pair from the last K rounds (nothing else was possible)


#: why someone was left out of a round (MatchResult.reasons)
ALONE = "alone"  # nobody else is in this round
AGE = "age"  # nobody else in this round is in their age group (adults / not confirmed adult)
NO_LANGUAGE = "language"  # nobody else in their age group speaks one of their languages
BLOCKED = "blocked"  # everyone who does is on a never-pair list (theirs or the other's)
FULL = "full"  # those who could were matched in groups that had no room left


@dataclass(frozen=True)
class MatchResult:
    groups: tuple[Group, ...]
    unplaced: tuple[int, ...]  # user ids no allowed group could take (language, blocks)
    pair_total: float  # total score of the underlying matching (before trios)
    repeats: int  # groups containing a repeat pair
    stats: dict[str, float] = field(default_factory=dict)
    #: each unplaced user id → why (ALONE, AGE, NO_LANGUAGE, BLOCKED or FULL)
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        return sum(len(g.members) for g in self.groups)


def _partition(
    f: Features, block_size: int, idx: npt.NDArray[np.int64] | None = None
) -> list[npt.NDArray[np.int64]]:
    """Blocks of members who already fit: age group, language, then time zone, then niche
    family."""
    members = np.arange(len(f), dtype=np.int64) if idx is None else idx
    n = len(members)
    if n <= block_size * 3 // 2:
        return [members]
    tz = np.nan_to_num(f.tz_hours[members], nan=99.0)
    keys = (f.primary_family[members], tz, f.primary_lang[members], f.age[members])
    order = members[np.lexsort(keys)]
    count = max(1, round(n / block_size))
    size = -(-n // count)
    size += size % 2  # even blocks: only the last one may leave someone over
    return [order[i : i + size] for i in range(0, n, size)]


@dataclass(frozen=True)
class _Graph:
    """One block's candidate edges (local indexes, sorted by u·m+v) and their scores."""

    idx: npt.NDArray[np.int64]  # global index of each local node
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]

    def pairs(self, local: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
        """Solved local pairs → (global i, global j, score)."""
        if not local:
            return []
        m = len(self.idx)
        a = np.array([x for x, _y in local], np.int64)
        b = np.array([y for _x, y in local], np.int64)
        at = np.searchsorted(self.u * m + self.v, a * m + b)
        ga, gb, w = self.idx[a].tolist(), self.idx[b].tolist(), self.weights[at].tolist()
        return list(zip(ga, gb, w, strict=True))


def _block_graph(
    f: Features,
    idx: npt.NDArray[np.int64],
    forbidden: PairSet,
    *,
    k: int,
    exact_up_to: int,
) -> _Graph:
    """The edges to solve for one block: every allowed pair when small, else each member's
    ``k`` best candidates."""
    m = len(idx)
    if m < 2:
        empty = np.zeros(0, np.int64)
        return _Graph(idx, empty, empty, np.zeros(0, np.float32))
    s = scores(f, idx, idx)
    banned = forbidden.mask(idx)
    np.fill_diagonal(banned, True)
    s[banned] = -np.inf
    if m <= exact_up_to:
        iu, ju = np.triu_indices(m, 1)
        keep = np.isfinite(s[iu, ju])
        u, v = iu[keep].astype(np.int64), ju[keep].astype(np.int64)
    else:
        kk = min(k, m - 1)
        top = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        rows = np.repeat(np.arange(m), kk)
        cols = top.ravel()
        keep = np.isfinite(s[rows, cols])
        rows, cols = rows[keep], cols[keep]
        lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
        key = np.unique(lo * m + hi)
        u, v = (key // m).astype(np.int64), (key % m).astype(np.int64)
    return _Graph(idx, u, v, s[u, v])


def _match_block(
    f: Features,
    idx: npt.NDArray[np.int64],
    forbidden: PairSet,
    *,
    k: int,
    exact_up_to: int,
) -> list[tuple[int, int, float]]:
    """Pairs (global i, global j, score) for one block, solved here."""
    g = _block_graph(f, idx, forbidden, k=k, exact_up_to=exact_up_to)
    return g.pairs(solve_exact(g.u, g.v, g.weights, len(g.idx)))


def _match_blocks(
    f: Features,
    blocks: list[npt.NDArray[np.int64]],
    forbidden: PairSet,
    *,
    k: int,
    exact_up_to: int,
    workers: WorkerPool | None,
) -> tuple[list[tuple[int, int, float]], int]:
    """Every block's pairs, in block order, and how many blocks worker processes solved.

    With ``workers``, each block's graph is sent to the pool as soon as it is built (the
    next block's scores are computed here meanwhile); a block the pool fails to solve is
    solved here. The solver is deterministic, so the pairs are the same either way.
    """
    executor = workers.executor() if workers is not None else None
    jobs: list[tuple[_Graph, Future[list[tuple[int, int]]] | None]] = []
    for idx in blocks:
        g = _block_graph(f, idx, forbidden, k=k, exact_up_to=exact_up_to)
        job = None
        if executor is not None and len(g.u):
            try:
                job = executor.submit(solve_exact, g.u, g.v, g.weights, len(g.idx))
            except Exception:  # broken or shut down: the rest is solved here
                log.warning("worker pool failed: matching in-process", exc_info=True)
                assert workers is not None
                workers.broken(executor)
                executor = None
        jobs.append((g, job))
    pairs: list[tuple[int, int, float]] = []
    remote = 0
    for g, job in jobs:
        local: list[tuple[int, int]] | None = None
        if job is not None:
            try:
                local = job.result()
                remote += 1
            except Exception:  # a worker died or the pool was closed under us
                log.warning("worker pool failed: matching in-process", exc_info=True)
                if workers is not None and executor is not None:
                    workers.broken(executor)
                    executor = None
        if local is None:
            local = solve_exact(g.u, g.v, g.weights, len(g.idx))
        pairs += g.pairs(local)
    return pairs, remote


def match(
    candidates: Sequence[Candidate],
    *,
    blocked: Iterable[tuple[int, int]] = (),
    recent: Iterable[tuple[int, int]] = (),
    block_size: int = 500,
    k: int = 10,
    exact_up_to: int = 300,
    workers: WorkerPool | None = None,
) -> MatchResult:
    """Pair everyone (a trio for an odd one out), maximising the total fit score.

    ``blocked`` and ``recent`` are pairs of user ids (either order). Blocks are never crossed,
    every group shares a language and is of one age group (requirements, not scores: other
    pairs score -inf); recent pairs are used only when no other partner is possible, and
    flagged.

    How a round is solved
    ---------------------
    1. Features are encoded once into numpy arrays (bit masks for niches, niche families, formats
       and languages; ordinal follower band; UTC offset in hours).
    2. Members are split into blocks that already fit (age group, language, time zone, niche
       family), of at most ``block_size`` members, so one round stays fast at 50k members.
    3. In each block every candidate score is computed at once (vectorised numpy). Small blocks
       keep every allowed edge; big ones keep each member's ``k`` best candidates. Blocked pairs and
       pairs from the last K rounds are left out.
    4. ``rustworkx.max_weight_matching`` (Edmonds' blossom algorithm, exact) with max cardinality
       solves each block: the best total score among the matchings that leave the fewest out.
       With ``workers`` (core.worker_pool) and at least ``PARALLEL_FROM`` members, the blocks
       are solved in its processes (rustworkx holds the GIL), with the same pairs as here.
    5. Members left over (odd blocks, a sparse candidate list) are matched among themselves, first
       without repeats, then allowing a repeat when nothing else exists (flagged).
    6. A last odd one out joins the pair it fits best as a trio (all three share a language and
       an age group). Nobody is dropped unless age group, language or blocks leave them no
       possible group (reported in ``unplaced``, with why in ``reasons``).
    """
    n = len(candidates)
    index = {c.user_id: i for i, c in enumerate(candidates)}
    if len(index) != n:
        raise ValueError("duplicate user ids in candidates")
    f = Features.encode(candidates)
    blocked_set = PairSet(index_pairs(blocked, index), n)
    recent_set = PairSet(index_pairs(recent, index), n)
    both = PairSet(np.concatenate([blocked_set.pairs, recent_set.pairs]), n)

    blocks = _partition(f, block_size)
    pairs, remote = _match_blocks(
        f,
        blocks,
        both,
        k=k,
        exact_up_to=exact_up_to,
        workers=workers if n >= PARALLEL_FROM and len(blocks) > 1 else None,
    )

    matched = np.zeros(n, bool)
    for a, b, _s in pairs:
        matched[a] = matched[b] = True

    def pair_up(forbidden: PairSet) -> list[tuple[int, int, float]]:
        """Leftovers among themselves, in fitting blocks, every edge when small enough; when
        no block pairs anyone, bigger blocks (leftovers of different blocks may fit each other,
        e.g. two speakers of a rare language sorted apart), up to all of them at once."""
        found: list[tuple[int, int, float]] = []
        size = block_size
        while True:
            left = np.flatnonzero(~matched).astype(np.int64)
            if len(left) < 2:
                return found
            chunks = _partition(f, size, left)
            got: list[tuple[int, int, float]] = []
            for chunk in chunks:
                exact = max(exact_up_to, min(len(chunk), 2 * block_size))
                got += _match_block(f, chunk, forbidden, k=k, exact_up_to=exact)
            for a, b, _s in got:
                matched[a] = matched[b] = True
            found += got
            if len(chunks) == 1:
                return found
            if not got:
                size *= 4

    def augment(forbidden: PairSet) -> None:
        """Leftovers who can't pair among themselves: re-solve them together with the pairs of
        their best allowed partners (then those partners' partners…), exactly; kept only if it
        matches more people."""
        nonlocal pairs
        left = np.flatnonzero(~matched).astype(np.int64)
        if len(left) < 2 or len(left) > AUGMENT_MAX_LEFT:
            return
        mate: dict[int, int] = {}
        for a, b, _s in pairs:
            mate[a], mate[b] = b, a
        everyone = np.arange(n, dtype=np.int64)
        involved = set(left.tolist())
        frontier = list(involved)
        for _level in range(AUGMENT_DEPTH):
            sc = scores(f, np.array(frontier, np.int64), everyone)
            grown: set[int] = set()
            for row, x in enumerate(frontier):
                sc[row, x] = -np.inf
                sc[row, forbidden.contains(np.full(n, x, np.int64), everyone)] = -np.inf
                for o in np.argsort(-sc[row])[:AUGMENT_PARTNERS].tolist():
                    if np.isfinite(sc[row, o]) and o in mate and o not in involved:
                        grown.update((o, mate[o]))
            if not grown or len(involved) + len(grown) > AUGMENT_MAX_NODES:
                return
            involved |= grown
            frontier = sorted(grown)
            sub = np.array(sorted(involved), np.int64)
            kept = [p for p in pairs if p[0] not in involved]
            dropped = len(pairs) - len(kept)
            redone = _match_block(f, sub, forbidden, k=k, exact_up_to=len(sub))
            if len(redone) > dropped:
                pairs = kept + redone
                matched[sub] = False
                for a, b, _s in redone:
                    matched[a] = matched[b] = True
                return

    pairs += pair_up(both)  # no repeats
    augment(both)
    pairs += pair_up(blocked_set)  # only repeats remain for these: allowed, flagged
    augment(blocked_set)
    left = np.flatnonzero(~matched).astype(np.int64)
    if pairs:
        pa = np.array([a for a, _b, _s in pairs], np.int64)
        pb = np.array([b for _a, b, _s in pairs], np.int64)
        flags = recent_set.contains(pa, pb).tolist()
    else:
        flags = []
    repeat_pairs = {(a, b) for (a, b, _s), flag in zip(pairs, flags, strict=True) if flag}

    pair_total = float(sum(s for _a, _b, s in pairs))
    groups: list[list[int]] = [[a, b] for a, b, _s in pairs]
    group_scores: list[list[float]] = [[s] for _a, _b, s in pairs]
    group_repeat = [(a, b) in repeat_pairs for a, b, _s in pairs]
    unplaced: list[int] = []
    if len(left):
        placer = TrioPlacer(f, groups, group_scores, group_repeat, blocked_set, recent_set)
        unplaced = [x for x in left.tolist() if not placer.place(x)]

    uid = f.user_ids.tolist()
    reasons = {uid[x]: _why_left_out(f, x, blocked_set) for x in unplaced}
    out = tuple(
        Group(
            members=tuple(uid[i] for i in g),
            score=round(sum(sc) / len(sc), 3),
            repeat=rep,
        )
        for g, sc, rep in zip(groups, group_scores, group_repeat, strict=True)
    )
    return MatchResult(
        groups=out,
        unplaced=tuple(int(f.user_ids[i]) for i in unplaced),
        pair_total=pair_total,
        repeats=sum(1 for g in out if g.repeat),
        stats={"blocks": float(len(blocks)), "solved_in_workers": float(remote)},
        reasons=reasons,
    )


def _why_left_out(f: Features, x: int, blocked: PairSet) -> str:
    others = np.delete(np.arange(len(f), dtype=np.int64), x)
    if not len(others):
        return ALONE
    others = others[f.age[others] == f.age[x]]
    if not len(others):
        return AGE
    xs = np.full(len(others), x, np.int64)
    speakers = others[speak_together(f, xs, others)]
    if not len(speakers):
        return NO_LANGUAGE
    if blocked.contains(xs[: len(speakers)], speakers).all():
        return BLOCKED
    return FULL
