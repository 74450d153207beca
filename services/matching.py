"""Collab matching: who fits whom, and the best set of pairs for a round.

Pure and synchronous (no database, no Discord): the round service hands in the members'
features plus the constraints (blocks, recent partners) and gets groups back.

How a round is solved
---------------------
1. Features are encoded once into numpy arrays (bit masks for niches, niche families, formats
   and languages; ordinal follower band; UTC offset in hours).
2. Members are split into blocks that already fit (language, then time zone, then niche family),
   of at most ``block_size`` members, so one round stays fast at 50k members.
3. In each block every candidate score is computed at once (vectorised numpy). Small blocks
   keep every allowed edge; big ones keep each member's ``k`` best candidates. Blocked pairs and
   pairs from the last K rounds are left out.
4. ``rustworkx.max_weight_matching`` (Edmonds' blossom algorithm, exact) with max cardinality
   solves each block: the best total score among the matchings that leave the fewest out.
5. Members left over (odd blocks, a sparse candidate list) are matched among themselves, first
   without repeats, then allowing a repeat when nothing else exists (flagged).
6. A last odd one out joins the pair it fits best as a trio. Nobody is dropped unless blocks
   leave them no possible partner at all (reported in ``unplaced``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import rustworkx as rx

FORMATS: dict[str, str] = {
    "duet": "duets",
    "stitch": "stitches",
    "live": "joint LIVEs",
    "co-post": "co-posts",
    "voiceover": "voiceovers",
    "challenge": "challenges",
}
BANDS: tuple[str, ...] = ("under-1k", "1k-10k", "10k-50k", "50k-100k", "100k+")

# Score weights. Every allowed pair scores at least W_BASE, so matching more people always pays.
W_BASE = 1.0
W_SAME_NICHE = 4.0
W_RELATED_NICHE = 2.0
W_BAND_SAME = 2.0
W_BAND_NEAR = 1.0
W_FORMAT = 1.0  # per shared format, up to MAX_SHARED_FORMATS
MAX_SHARED_FORMATS = 3
W_LANGUAGE = 3.0
W_HOURS = 3.0  # all waking hours shared
WAKING_HOURS = 15.0  # 08:00-23:00 local
UNKNOWN = 0.5  # share of a component's weight when one side didn't say
MAX_SCORE = (
    W_BASE + W_SAME_NICHE + W_BAND_SAME + W_FORMAT * MAX_SHARED_FORMATS + W_LANGUAGE + W_HOURS
)
SCALE = 1000  # rustworkx wants integer weights
AUGMENT_MAX_LEFT = 200  # leftovers re-solved with their neighbourhood (a rare, small step)
AUGMENT_PARTNERS = 20
AUGMENT_DEPTH = 4
PLACE_DEPTH = 3  # how far an odd one out may push others around to fit in
PLACE_TRIES = 8
AUGMENT_MAX_NODES = 600

_FORMAT_BIT = {name: 1 << i for i, name in enumerate(FORMATS)}
ALL_FORMATS = frozenset(FORMATS)


@dataclass(frozen=True)
class Candidate:
    """What matching knows about one opted-in member."""

    user_id: int
    niches: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    band: int | None = None  # index into BANDS
    formats: frozenset[str] = ALL_FORMATS
    languages: frozenset[str] = frozenset()
    utc_offset: float | None = None  # hours, at the round's time


@dataclass(frozen=True)
class Group:
    """A pair or a trio, as indexes into the candidate list and user ids."""

    members: tuple[int, ...]  # user ids
    score: float  # mean pair score inside the group
    repeat: bool  # has a pair from the last K rounds (nothing else was possible)


@dataclass(frozen=True)
class MatchResult:
    groups: tuple[Group, ...]
    unplaced: tuple[int, ...]  # user ids no allowed partner exists for (blocks)
    pair_total: float  # total score of the underlying matching (before trios)
    repeats: int  # groups containing a repeat pair
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        return sum(len(g.members) for g in self.groups)


def _dtype_for(bits: int) -> type[np.unsignedinteger[Any]]:
    for dtype, size in ((np.uint8, 8), (np.uint16, 16), (np.uint32, 32)):
        if bits <= size:
            return dtype
    return np.uint64


class _Vocab:
    """Labels → bit positions for one round; past 64 labels bits are shared (blurs a little)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def mask(self, labels: Iterable[str]) -> int:
        value = 0
        for label in labels:
            bit = self.ids.setdefault(label.casefold(), len(self.ids))
            value |= 1 << (bit % 64)
        return value

    def array(self, masks: list[int]) -> npt.NDArray[Any]:
        return np.array(masks, dtype=_dtype_for(len(self.ids)))


def _codes(values: list[float | None]) -> tuple[npt.NDArray[np.int32], list[float | None]]:
    """Small integer codes for a few distinct values (None included), for table look-ups."""
    distinct: dict[float | None, int] = {}
    codes = np.array([distinct.setdefault(v, len(distinct)) for v in values], np.int32)
    return codes, list(distinct)


def _band_points(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return UNKNOWN * W_BAND_SAME
    gap = abs(a - b)
    return W_BAND_SAME if gap == 0 else W_BAND_NEAR if gap == 1 else 0.0


def hours_apart(a: float, b: float) -> float:
    gap = abs(a - b) % 24.0
    return min(gap, 24.0 - gap)


def _hour_points(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return UNKNOWN * W_HOURS
    overlap = max(0.0, WAKING_HOURS - hours_apart(a, b)) / WAKING_HOURS
    return overlap * W_HOURS


def _table(values: list[float | None], points: Any) -> npt.NDArray[np.float32]:
    return np.array([[points(a, b) for b in values] for a in values], np.float32)


@dataclass(frozen=True)
class Features:
    """Candidates encoded as arrays; index i is candidates[i]."""

    user_ids: npt.NDArray[np.int64]
    niche: npt.NDArray[Any]  # bit masks
    family: npt.NDArray[Any]
    fmt: npt.NDArray[np.uint8]
    lang: npt.NDArray[Any]
    band: npt.NDArray[np.int32]  # codes into band_table
    band_table: npt.NDArray[np.float32]
    tz: npt.NDArray[np.int32]  # codes into tz_table
    tz_table: npt.NDArray[np.float32]
    tz_hours: npt.NDArray[np.float32]  # nan when unknown (for blocking)
    primary_lang: npt.NDArray[np.int64]
    primary_family: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.user_ids)

    @classmethod
    def encode(cls, candidates: Sequence[Candidate]) -> Features:
        niches, families, langs = _Vocab(), _Vocab(), _Vocab()
        lang_ids: dict[str, int] = {}
        family_ids: dict[str, int] = {}
        niche_m, family_m, fmt_m, lang_m = [], [], [], []
        primary_lang, primary_family = [], []
        for c in candidates:
            niche_m.append(niches.mask(c.niches))
            family_m.append(families.mask(c.families))
            fmt_m.append(sum(_FORMAT_BIT.get(x, 0) for x in c.formats))
            lang_m.append(langs.mask(c.languages))
            first_lang = min(c.languages) if c.languages else ""
            primary_lang.append(lang_ids.setdefault(first_lang, len(lang_ids)))
            first_family = c.families[0] if c.families else ""
            primary_family.append(family_ids.setdefault(first_family, len(family_ids)))
        band, band_values = _codes([None if c.band is None else float(c.band) for c in candidates])
        tz, tz_values = _codes([c.utc_offset for c in candidates])
        return cls(
            user_ids=np.array([c.user_id for c in candidates], np.int64),
            niche=niches.array(niche_m),
            family=families.array(family_m),
            fmt=np.array(fmt_m, np.uint8),
            lang=langs.array(lang_m),
            band=band,
            band_table=_table(band_values, _band_points),
            tz=tz,
            tz_table=_table(tz_values, _hour_points),
            tz_hours=np.array(
                [np.nan if c.utc_offset is None else c.utc_offset for c in candidates], np.float32
            ),
            primary_lang=np.array(primary_lang, np.int64),
            primary_family=np.array(primary_family, np.int64),
        )


def scores(
    f: Features, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """Score matrix rows × cols (vectorised; no Python loop over pairs)."""
    out = f.band_table[f.band[rows][:, None], f.band[cols][None, :]]
    out += f.tz_table[f.tz[rows][:, None], f.tz[cols][None, :]]
    out += W_BASE

    related = (f.family[rows][:, None] & f.family[cols][None, :]) != 0
    same = (f.niche[rows][:, None] & f.niche[cols][None, :]) != 0
    related |= same
    out += related * np.float32(W_RELATED_NICHE)
    out += same * np.float32(W_SAME_NICHE - W_RELATED_NICHE)

    shared_formats = np.bitwise_count(f.fmt[rows][:, None] & f.fmt[cols][None, :])
    np.minimum(shared_formats, MAX_SHARED_FORMATS, out=shared_formats)
    out += shared_formats * np.float32(W_FORMAT)

    lang_r, lang_c = f.lang[rows], f.lang[cols]
    shared_lang = (lang_r[:, None] & lang_c[None, :]) != 0
    out += shared_lang * np.float32(W_LANGUAGE)
    unknown_r, unknown_c = lang_r == 0, lang_c == 0
    if unknown_r.any() or unknown_c.any():
        unknown = unknown_r[:, None] | unknown_c[None, :]
        out += unknown * np.float32(UNKNOWN * W_LANGUAGE)
    return out


def pair_score(a: Candidate, b: Candidate) -> float:
    f = Features.encode([a, b])
    return float(scores(f, np.array([0]), np.array([1]))[0, 0])


class _PairSet:
    """A set of unordered index pairs, testable in bulk."""

    def __init__(self, pairs: npt.NDArray[np.int64], n: int) -> None:
        self.n = n
        if len(pairs):
            lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
            self.keys = np.unique(lo * n + hi)
        else:
            self.keys = np.zeros(0, np.int64)
        self.pairs = pairs

    def contains(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        keys = np.minimum(a, b) * self.n + np.maximum(a, b)
        if not len(self.keys):
            return np.zeros(keys.shape, bool)
        pos = np.clip(np.searchsorted(self.keys, keys), 0, len(self.keys) - 1)
        return np.asarray(self.keys[pos] == keys)

    def mask(self, idx: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """m×m boolean matrix for the members idx (global indexes)."""
        m = len(idx)
        out = np.zeros((m, m), bool)
        if not len(self.pairs):
            return out
        local = np.full(self.n, -1, np.int64)
        local[idx] = np.arange(m)
        la, lb = local[self.pairs[:, 0]], local[self.pairs[:, 1]]
        ok = (la >= 0) & (lb >= 0)
        out[la[ok], lb[ok]] = True
        out[lb[ok], la[ok]] = True
        return out


def _index_pairs(
    user_pairs: Iterable[tuple[int, int]], index: dict[int, int]
) -> npt.NDArray[np.int64]:
    rows = [(index[a], index[b]) for a, b in user_pairs if a in index and b in index and a != b]
    return np.array(rows, np.int64).reshape(-1, 2)


def _partition(
    f: Features, block_size: int, idx: npt.NDArray[np.int64] | None = None
) -> list[npt.NDArray[np.int64]]:
    """Blocks of members who already fit: language, then time zone, then niche family."""
    members = np.arange(len(f), dtype=np.int64) if idx is None else idx
    n = len(members)
    if n <= block_size * 3 // 2:
        return [members]
    tz = np.nan_to_num(f.tz_hours[members], nan=99.0)
    keys = (f.primary_family[members], tz, f.primary_lang[members])
    order = members[np.lexsort(keys)]
    count = max(1, round(n / block_size))
    size = -(-n // count)
    size += size % 2  # even blocks: only the last one may leave someone over
    return [order[i : i + size] for i in range(0, n, size)]


def _solve(
    edges_u: npt.NDArray[np.int64],
    edges_v: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float32],
    m: int,
) -> list[tuple[int, int]]:
    """Exact max-cardinality, max-weight matching on one (sparse) graph; local indexes."""
    if not len(edges_u):
        return []
    graph: rx.PyGraph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(m))
    w = np.maximum(1, np.rint(weights * SCALE)).astype(np.int64)
    graph.extend_from_weighted_edge_list(
        list(zip(edges_u.tolist(), edges_v.tolist(), w.tolist(), strict=True))
    )
    found = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=lambda x: int(x))
    return sorted((min(int(a), int(b)), max(int(a), int(b))) for a, b in found)


def _match_block(
    f: Features,
    idx: npt.NDArray[np.int64],
    forbidden: _PairSet,
    *,
    k: int,
    exact_up_to: int,
    extra_forbidden: _PairSet | None = None,
) -> list[tuple[int, int, float]]:
    """Pairs (global i, global j, score) for one block."""
    m = len(idx)
    if m < 2:
        return []
    s = scores(f, idx, idx)
    banned = forbidden.mask(idx)
    if extra_forbidden is not None:
        banned |= extra_forbidden.mask(idx)
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
    pairs = _solve(u, v, s[u, v], m)
    return [(int(idx[a]), int(idx[b]), float(s[a, b])) for a, b in pairs]


class _TrioPlacer:
    """Puts an odd one out into the pair it fits best (one extra per pair), never across a block.

    If blocks leave no pair open to them, one pair is re-shuffled: the leftover takes one
    member's place and the displaced member joins another pair as the trio instead.
    """

    def __init__(
        self,
        f: Features,
        groups: list[list[int]],
        group_scores: list[list[float]],
        group_repeat: list[bool],
        blocked: _PairSet,
        recent: _PairSet,
    ) -> None:
        self.f, self.groups, self.scores, self.repeat = f, groups, group_scores, group_repeat
        self.blocked, self.recent = blocked, recent
        self.open = np.array([len(g) == 2 for g in groups], bool)

    def _fit(self, x: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], Any, Any]:
        ga = np.array([g[0] for g in self.groups], np.int64)
        gb = np.array([g[1] for g in self.groups], np.int64)
        one = np.array([x], np.int64)
        sa, sb = scores(self.f, one, ga)[0], scores(self.f, one, gb)[0]
        xs = np.full(len(ga), x, np.int64)
        banned = self.blocked.contains(xs, ga) | self.blocked.contains(xs, gb)
        repeat = self.recent.contains(xs, ga) | self.recent.contains(xs, gb)
        fit = (sa + sb).astype(np.float64) - np.where(repeat, 10 * MAX_SCORE, 0.0)
        fit[banned | ~self.open | np.isin(ga, xs)] = -np.inf
        return fit, repeat, sa, sb

    def _join(self, x: int, g: int, fit: Any) -> None:
        _fit, repeat, sa, sb = fit
        self.open[g] = False
        self.groups[g].append(x)
        self.scores[g] += [float(sa[g]), float(sb[g])]
        self.repeat[g] = self.repeat[g] or bool(repeat[g])

    def place(self, x: int, depth: int = PLACE_DEPTH, moving: frozenset[int] = frozenset()) -> bool:
        """Join the best open pair; failing that, take someone's place in a pair (or a trio)
        and place the member that moves instead, a few steps deep."""
        if not self.groups:
            return False
        fit = self._fit(x)
        best = int(np.argmax(fit[0]))
        if np.isfinite(fit[0][best]):
            self._join(x, best, fit)
            return True
        if depth == 0:
            return False
        one = np.array([x], np.int64)
        for g in self._swap_candidates(x):
            members = self.groups[g]
            for stay in list(members):
                if self.blocked.contains(one, np.array([stay]))[0]:
                    continue
                rest = [m for m in members if m != stay]
                saved = (list(members), list(self.scores[g]), self.repeat[g], bool(self.open[g]))
                pair = float(scores(self.f, one, np.array([stay]))[0, 0])
                self.groups[g] = [stay, x]
                self.scores[g] = [pair]
                self.repeat[g] = bool(self.recent.contains(one, np.array([stay]))[0])
                self.open[g] = True  # a pair again: open to an extra, blocks permitting
                if (
                    len(rest) == 2
                    and not self.blocked.contains(np.array([rest[0]]), np.array([rest[1]]))[0]
                ):  # a trio splits in two pairs: nobody has to move
                    a, b = rest
                    self.groups.append([a, b])
                    self.scores.append([float(scores(self.f, np.array([a]), np.array([b]))[0, 0])])
                    self.repeat.append(bool(self.recent.contains(np.array([a]), np.array([b]))[0]))
                    self.open = np.append(self.open, True)
                    return True
                if (
                    len(rest) == 1
                    and rest[0] not in moving
                    and self.place(rest[0], depth - 1, moving | {x})
                ):
                    return True
                self.groups[g], self.scores[g], self.repeat[g], self.open[g] = saved
        return False

    def _swap_candidates(self, x: int) -> list[int]:
        """Groups holding someone x may pair with, best fit first (a handful)."""
        members = np.array([m for g in self.groups for m in g], np.int64)
        owner = np.array([i for i, g in enumerate(self.groups) for _m in g], np.int64)
        xs = np.full(len(members), x, np.int64)
        ok = ~self.blocked.contains(xs, members)
        if not ok.any():
            return []
        fit = scores(self.f, np.array([x], np.int64), members)[0]
        fit[~ok] = -np.inf
        order = np.argsort(-fit, kind="stable")
        seen: list[int] = []
        for i in order.tolist():
            if not np.isfinite(fit[i]):
                break
            if int(owner[i]) not in seen:
                seen.append(int(owner[i]))
            if len(seen) >= PLACE_TRIES:
                break
        return seen


def match(
    candidates: Sequence[Candidate],
    *,
    blocked: Iterable[tuple[int, int]] = (),
    recent: Iterable[tuple[int, int]] = (),
    block_size: int = 500,
    k: int = 10,
    exact_up_to: int = 300,
) -> MatchResult:
    """Pair everyone (a trio for an odd one out), maximising the total fit score.

    ``blocked`` and ``recent`` are pairs of user ids (either order). Blocks are never crossed;
    recent pairs are used only when no other partner is possible, and flagged.
    """
    n = len(candidates)
    index = {c.user_id: i for i, c in enumerate(candidates)}
    if len(index) != n:
        raise ValueError("duplicate user ids in candidates")
    f = Features.encode(candidates)
    blocked_set = _PairSet(_index_pairs(blocked, index), n)
    recent_set = _PairSet(_index_pairs(recent, index), n)
    both = _PairSet(np.concatenate([blocked_set.pairs, recent_set.pairs]), n)

    pairs: list[tuple[int, int, float]] = []
    for block in _partition(f, block_size):
        pairs += _match_block(f, block, both, k=k, exact_up_to=exact_up_to)

    matched = np.zeros(n, bool)
    for a, b, _s in pairs:
        matched[a] = matched[b] = True

    def pair_up(forbidden: _PairSet) -> list[tuple[int, int, float]]:
        """Leftovers among themselves, in fitting blocks, every edge when small enough."""
        found: list[tuple[int, int, float]] = []
        while True:
            left = np.flatnonzero(~matched).astype(np.int64)
            if len(left) < 2:
                return found
            chunks = _partition(f, block_size, left)
            got: list[tuple[int, int, float]] = []
            for chunk in chunks:
                exact = max(exact_up_to, min(len(chunk), 2 * block_size))
                got += _match_block(f, chunk, forbidden, k=k, exact_up_to=exact)
            for a, b, _s in got:
                matched[a] = matched[b] = True
            found += got
            if not got or len(chunks) == 1:
                return found

    def augment(forbidden: _PairSet) -> None:
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
        placer = _TrioPlacer(f, groups, group_scores, group_repeat, blocked_set, recent_set)
        unplaced = [x for x in left.tolist() if not placer.place(x)]

    uid = f.user_ids.tolist()
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
        stats={"blocks": float(len(_partition(f, block_size)))},
    )


def best_partners(
    me: Candidate,
    others: Sequence[Candidate],
    *,
    exclude: Iterable[int] = (),
    limit: int = 5,
) -> list[tuple[Candidate, float]]:
    """The `limit` best-scoring others for one member (vectorised), excluding some user ids."""
    skip = set(exclude) | {me.user_id}
    pool = [c for c in others if c.user_id not in skip]
    if not pool:
        return []
    f = Features.encode([me, *pool])
    s = scores(f, np.array([0]), np.arange(1, len(pool) + 1))[0]
    order = np.argsort(-s, kind="stable")[:limit]
    return [(pool[i], float(s[i])) for i in order.tolist()]


def upper_bound(candidates: Sequence[Candidate], *, sample_block: int = 2000) -> float:
    """Half the sum of everyone's best possible score: no matching can beat it (for benchmarks).

    Computed in row blocks so it stays within memory at 50k members.
    """
    f = Features.encode(candidates)
    n = len(f)
    cols = np.arange(n, dtype=np.int64)
    total = 0.0
    for start in range(0, n, sample_block):
        rows = np.arange(start, min(n, start + sample_block), dtype=np.int64)
        s = scores(f, rows, cols)
        s[np.arange(len(rows)), rows] = -np.inf
        total += float(s.max(axis=1).sum())
    return total / 2


def synthetic_candidates(n: int, seed: int = 0) -> list[Candidate]:
    """Communities like ours (for tests and benchmarks): 1-3 niches in related families,
    follower bands, formats, 1-2 languages, time zones on three continents."""
    from services.niches import DEFAULT_NICHES  # a plain data import, no I/O

    rng = np.random.default_rng(seed)
    niches = [(x.name, x.family or "") for x in DEFAULT_NICHES]
    languages = ["English", "Spanish", "Portuguese", "French", "German", "Hindi", "Japanese"]
    lang_p = np.array([0.55, 0.15, 0.08, 0.07, 0.05, 0.05, 0.05])
    zones = [-8.0, -7.0, -6.0, -5.0, -3.0, 0.0, 1.0, 2.0, 5.5, 8.0, 9.0, 10.0]
    zone_p = np.array([0.12, 0.05, 0.1, 0.18, 0.07, 0.12, 0.14, 0.05, 0.06, 0.04, 0.04, 0.03])
    out: list[Candidate] = []
    fmts = list(FORMATS)
    for i in range(n):
        first = int(rng.integers(len(niches)))
        picked = {first}
        for _ in range(int(rng.integers(0, 3))):
            same_family = [j for j, x in enumerate(niches) if x[1] == niches[first][1]]
            pool = same_family if rng.random() < 0.6 else list(range(len(niches)))
            picked.add(int(rng.choice(pool)))
        chosen = [niches[j] for j in sorted(picked)]
        langs = {languages[int(rng.choice(len(languages), p=lang_p))]}
        if rng.random() < 0.3:
            langs.add(languages[int(rng.choice(len(languages), p=lang_p))])
        formats = frozenset(
            fmts[j] for j in rng.choice(len(fmts), size=int(rng.integers(1, 5)), replace=False)
        )
        out.append(
            Candidate(
                user_id=10_000 + i,
                niches=tuple(x[0] for x in chosen),
                families=tuple(dict.fromkeys(x[1] for x in chosen)),
                band=int(rng.choice(len(BANDS), p=[0.1, 0.45, 0.3, 0.12, 0.03])),
                formats=formats,
                languages=frozenset(langs),
                utc_offset=float(rng.choice(zones, p=zone_p)),
            )
        )
    return out


__all__ = [
    "BANDS",
    "FORMATS",
    "Candidate",
    "Group",
    "MatchResult",
    "best_partners",
    "match",
    "pair_score",
    "scores",
    "synthetic_candidates",
    "upper_bound",
]
