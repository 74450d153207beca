"""The matching algorithm (pure): constraints, odd counts, history, and quality vs the optimum."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import random
import statistics

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.collabs import (
    Candidate,
    Features,
    MatchResult,
    best_partners,
    match,
    pair_score,
    scores,
    synthetic_candidates,
)


def _community(n: int, seed: int = 0) -> list[Candidate]:
    """Simulated members who all speak English too (for tests about anything but language)."""
    return [
        dataclasses.replace(c, languages=c.languages | {"English"})
        for c in synthetic_candidates(n, seed=seed)
    ]


def _pairs_in(result: MatchResult) -> set[frozenset[int]]:
    return {frozenset(p) for g in result.groups for p in itertools.combinations(g.members, 2)}


def _everyone_once(result: MatchResult, candidates: list[Candidate]) -> None:
    seen = [u for g in result.groups for u in g.members] + list(result.unplaced)
    assert sorted(seen) == sorted(c.user_id for c in candidates)


# ---------------------------------------------------------------- the score


def test_score_prefers_fit_and_is_symmetric() -> None:
    base = Candidate(1, ("PlantTok",), ("home",), 2, frozenset({"duet"}), frozenset({"en"}), 0.0)
    twin = Candidate(2, ("PlantTok",), ("home",), 2, frozenset({"duet"}), frozenset({"en"}), 1.0)
    related = Candidate(3, ("HomeTok",), ("home",), 2, frozenset({"duet"}), frozenset({"en"}), 1.0)
    far = Candidate(4, ("Gaming",), ("play",), 4, frozenset({"live"}), frozenset({"ja"}), 12.0)
    assert pair_score(base, twin) > pair_score(base, related) > pair_score(base, far)
    assert pair_score(base, twin) == pair_score(twin, base)
    f = Features.encode([base, twin, related, far])
    s = scores(f, np.arange(4), np.arange(4))
    assert np.allclose(s, s.T)
    # 12 hours apart shares 3 of 15 waking hours; same zone shares them all
    assert s[0, 1] - s[0, 3] > 0


# ---------------------------------------------------------------- a round's constraints


@pytest.mark.parametrize("n", [2, 3, 5, 7, 20, 101])
def test_odd_counts_make_one_trio_and_drop_nobody(n: int) -> None:
    candidates = _community(n, seed=n)
    result = match(candidates)
    _everyone_once(result, candidates)
    assert result.unplaced == ()
    sizes = sorted(len(g.members) for g in result.groups)
    assert sizes == [2] * (n // 2 - 1) + [2 + n % 2]


def test_one_member_alone_is_reported_unplaced() -> None:
    result = match(_community(1))
    assert result.groups == () and result.unplaced == (10_000,)


def test_blocks_are_never_crossed_even_in_trios() -> None:
    rng = random.Random(5)
    for n in (9, 15, 40):
        candidates = _community(n, seed=n)
        ids = [c.user_id for c in candidates]
        blocked = {(a, b) for a, b in (rng.sample(ids, 2) for _ in range(n))}
        result = match(candidates, blocked=blocked)
        _everyone_once(result, candidates)
        assert not _pairs_in(result) & {frozenset(p) for p in blocked}
        assert result.unplaced == ()


def test_a_member_who_blocked_everyone_is_unplaced_not_paired() -> None:
    candidates = _community(4)
    me = candidates[0].user_id
    blocked = [(me, c.user_id) for c in candidates[1:]]
    result = match(candidates, blocked=blocked)
    assert result.unplaced == (me,)
    assert all(me not in g.members for g in result.groups)
    assert [len(g.members) for g in result.groups] == [3]


def test_no_repeat_pairs_across_six_rounds_when_avoidable() -> None:
    candidates = _community(12, seed=3)
    history: list[set[frozenset[int]]] = []
    for _round in range(6):
        recent = [tuple(p) for rnd in history[-6:] for p in rnd]
        result = match(candidates, recent=recent)  # type: ignore[arg-type]
        assert result.repeats == 0
        pairs = _pairs_in(result)
        assert all(not pairs & earlier for earlier in history)
        history.append(pairs)
    assert len(set().union(*history)) == 36  # 6 rounds × 6 new pairs


def test_repeats_are_flagged_when_nothing_else_exists() -> None:
    a, b = _community(2)
    result = match([a, b], recent=[(a.user_id, b.user_id)])
    assert [g.members for g in result.groups] == [(a.user_id, b.user_id)]
    assert result.groups[0].repeat and result.repeats == 1


def test_repeat_used_only_for_the_member_who_needs_it() -> None:
    candidates = _community(6, seed=9)
    ids = [c.user_id for c in candidates]
    # the first member was recently paired with everyone but one...
    recent = [(ids[0], other) for other in ids[1:5]]
    result = match(candidates, recent=recent)
    assert result.repeats == 0
    assert frozenset((ids[0], ids[5])) in _pairs_in(result)
    # ...and with everyone: one repeat, flagged, and only that one
    result = match(candidates, recent=[(ids[0], other) for other in ids[1:]])
    assert result.repeats == 1
    assert sum(1 for g in result.groups if ids[0] in g.members and g.repeat) == 1


def test_best_partners_exclude_and_rank() -> None:
    candidates = synthetic_candidates(30, seed=2)
    me, others = candidates[0], candidates[1:]
    excluded = {others[0].user_id, others[1].user_id}
    top = best_partners(me, others, exclude=excluded, limit=5)
    assert len(top) == 5
    assert not {c.user_id for c, _s in top} & excluded
    values = [s for _c, s in top]
    assert values == sorted(values, reverse=True)
    everyone = sorted(
        (pair_score(me, o) for o in others if o.user_id not in excluded), reverse=True
    )
    assert values == pytest.approx(everyone[:5], rel=1e-5)


# ---------------------------------------------------------------- a shared language


def _speaker(uid: int, *languages: str, niche: str = "PlantTok", zone: float = 0.0) -> Candidate:
    return Candidate(uid, (niche,), (niche,), 1, frozenset({"duet"}), frozenset(languages), zone)


def test_members_who_share_no_language_are_never_grouped_round_after_round() -> None:
    """The reported rounds: a Spanish-only and a Portuguese-only creator whose niche fits
    English-only members perfectly, and a bilingual member free to take one of them."""
    es = _speaker(1, "Spanish", niche="PlantTok")
    pt = _speaker(2, "Portuguese", niche="BookTok")
    english = [
        _speaker(3, "English", niche="PlantTok"),
        _speaker(4, "English", niche="BookTok"),
        _speaker(5, "English", niche="Gaming"),
        _speaker(6, "English", niche="Gaming"),
    ]
    bilingual = _speaker(7, "English", "Spanish", niche="Gaming", zone=9.0)
    candidates = [es, pt, *english, bilingual]
    by_id = {c.user_id: c for c in candidates}
    recent: list[tuple[int, int]] = []
    for _round in range(2):
        result = match(candidates, recent=recent)
        _everyone_once(result, candidates)
        for g in result.groups:
            assert _speak_together(*(by_id[u] for u in g.members)), g.members
        assert frozenset((es.user_id, bilingual.user_id)) in _pairs_in(result)
        assert result.unplaced == (pt.user_id,)
        assert result.reasons == {pt.user_id: "language"}
        assert result.matched == 6
        recent += [(a, b) for p in _pairs_in(result) for a, b in [tuple(p)]]


def test_a_trio_shares_one_language_not_just_pairwise_ones() -> None:
    a = _speaker(1, "English", "Spanish")
    b = _speaker(2, "Spanish", "Portuguese")
    c = _speaker(3, "Portuguese", "English")
    result = match([a, b, c])
    assert [len(g.members) for g in result.groups] == [2]
    assert len(result.unplaced) == 1
    assert result.reasons == {result.unplaced[0]: "full"}  # a partner existed, already taken


def test_why_a_member_was_left_out() -> None:
    alone = match([_speaker(1, "English")])
    assert alone.reasons == {1: "alone"}
    blocked = match(
        [
            _speaker(1, "English"),
            _speaker(2, "English"),
            _speaker(3, "English"),
            _speaker(4, "Hindi"),
            _speaker(5, "English"),
        ],
        blocked=[(1, 2)],
    )
    assert blocked.reasons == {4: "language"}
    everyone_blocked = match(
        [
            _speaker(1, "Hindi"),
            _speaker(2, "Hindi"),
            _speaker(3, "English"),
            _speaker(4, "English"),
        ],
        blocked=[(1, 2)],
    )
    assert everyone_blocked.reasons == {1: "blocked", 2: "blocked"}


def test_suggestions_only_name_members_who_share_a_language() -> None:
    me = _speaker(1, "English")
    twin_in_spanish = _speaker(2, "Spanish")  # the same niche, zone and band: a perfect fit
    far_in_english = _speaker(3, "English", niche="Gaming", zone=9.0)
    found = best_partners(me, [twin_in_spanish, far_in_english])
    assert [c.user_id for c, _s in found] == [3]
    assert best_partners(me, [twin_in_spanish]) == []


# ---------------------------------------------------------------- quality vs exact optimum


def _optimum(candidates: list[Candidate], banned: set[frozenset[int]]) -> float:
    n = len(candidates)
    s = scores(Features.encode(candidates), np.arange(n), np.arange(n))
    graph = nx.Graph()
    for i, j in itertools.combinations(range(n), 2):
        pair = frozenset((candidates[i].user_id, candidates[j].user_id))
        if pair not in banned and np.isfinite(s[i, j]):  # no shared language: no edge
            graph.add_edge(i, j, weight=float(s[i, j]))
    chosen = nx.max_weight_matching(graph)
    return float(sum(graph[a][b]["weight"] for a, b in chosen))


def test_quality_against_exact_max_weight_matching() -> None:
    """Random instances of 20–200 members with blocks and history: ≥95% of the optimum,
    both on the exact path (small rounds) and on the scalable path (blocks + top-k graph)."""
    rng = random.Random(2026)
    exact_ratios: list[float] = []
    scaled_ratios: list[float] = []
    for n in (20, 31, 50, 77, 120, 200):
        candidates = synthetic_candidates(n, seed=rng.randrange(10**6))
        ids = [c.user_id for c in candidates]
        blocked = [tuple(rng.sample(ids, 2)) for _ in range(n // 10)]
        recent = [tuple(rng.sample(ids, 2)) for _ in range(n)]
        banned = {frozenset(p) for p in blocked + recent}
        best = _optimum(candidates, banned)
        exact = match(candidates, blocked=blocked, recent=recent)  # type: ignore[arg-type]
        scaled = match(
            candidates,
            blocked=blocked,  # type: ignore[arg-type]
            recent=recent,  # type: ignore[arg-type]
            block_size=40,
            k=6,
            exact_up_to=0,
        )
        for result in (exact, scaled):
            _everyone_once(result, candidates)
            assert not _pairs_in(result) & {frozenset(p) for p in blocked}
        exact_ratios.append(exact.pair_total / best)
        scaled_ratios.append(scaled.pair_total / best)
    print(
        f"\nexact path: min {min(exact_ratios):.4f} mean {statistics.mean(exact_ratios):.4f}; "
        f"scalable path: min {min(scaled_ratios):.4f} mean {statistics.mean(scaled_ratios):.4f}"
    )
    assert min(exact_ratios) >= 0.95
    assert min(scaled_ratios) >= 0.95


def test_odd_one_out_blocked_from_every_pair_gets_a_reshuffle() -> None:
    def creator(uid: int, niche: str, zone: float, lang: str) -> Candidate:
        return Candidate(uid, (niche,), (niche,), 1, frozenset({"duet"}), frozenset({lang}), zone)

    a, b = creator(1, "PlantTok", 0.0, "en"), creator(2, "PlantTok", 0.0, "en")
    c, d = creator(3, "BookTok", 0.0, "en"), creator(4, "BookTok", 0.0, "en")
    e = creator(5, "Gaming", 9.0, "en")  # fits nobody well: the matching leaves them over
    blocked = [(5, 1), (3, 5)]  # ...and they blocked one member of each pair
    result = match([a, b, c, d, e], blocked=blocked)
    assert result.unplaced == ()
    assert sorted(len(g.members) for g in result.groups) == [2, 3]
    assert not _pairs_in(result) & {frozenset(p) for p in blocked}


def _speak_together(*members: Candidate) -> bool:
    """Every member of the group shares one language (a member who gave none fits anyone)."""
    known = [c.languages for c in members if c.languages]
    return not known or bool(frozenset.intersection(*known))


def _best_coverage(candidates: list[Candidate], banned: set[frozenset[int]]) -> int:
    """Brute force: the most members that disjoint pairs and trios can hold, with no block
    inside a group and one language every member of the group speaks (any number of trios)."""

    def ok(*members: Candidate) -> bool:
        return _speak_together(*members) and all(
            frozenset((a.user_id, b.user_id)) not in banned
            for a, b in itertools.combinations(members, 2)
        )

    @functools.cache
    def best(rest: frozenset[int]) -> int:
        if len(rest) < 2:
            return 0
        first = min(rest)
        others = sorted(rest - {first})
        value = best(rest - {first})  # the first one stays out
        me = candidates[first]
        for i, b in enumerate(others):
            if not ok(me, candidates[b]):
                continue
            value = max(value, 2 + best(rest - {first, b}))
            for c in others[i + 1 :]:
                if ok(me, candidates[b], candidates[c]):
                    value = max(value, 3 + best(rest - {first, b, c}))
        return value

    return best(frozenset(range(len(candidates))))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=12),
    seed=st.integers(min_value=0, max_value=10_000),
    block_density=st.floats(min_value=0.0, max_value=0.4),
    recent_density=st.floats(min_value=0.0, max_value=0.8),
    block_size=st.sampled_from([4, 6, 500]),
)
def test_round_invariants_hold_on_any_instance(
    n: int, seed: int, block_density: float, recent_density: float, block_size: int
) -> None:
    rng = random.Random(seed)
    candidates = synthetic_candidates(n, seed=seed)
    ids = [c.user_id for c in candidates]
    every_pair = list(itertools.combinations(ids, 2))
    blocked = [p for p in every_pair if rng.random() < block_density]
    recent = [p for p in every_pair if rng.random() < recent_density]
    result = match(
        candidates, blocked=blocked, recent=recent, block_size=block_size, k=3, exact_up_to=4
    )
    _everyone_once(result, candidates)
    banned = {frozenset(p) for p in blocked}
    assert not _pairs_in(result) & banned  # blocks: never
    recent_set = {frozenset(p) for p in recent}
    for g in result.groups:
        assert 2 <= len(g.members) <= 3
        inside = {frozenset(p) for p in itertools.combinations(g.members, 2)}
        assert g.repeat == bool(inside & recent_set)  # flagged exactly when it repeats
    by_id = {c.user_id: c for c in candidates}
    for g in result.groups:  # a shared language is a requirement, in pairs and trios alike
        assert _speak_together(*(by_id[u] for u in g.members)), g
    # everyone who can be matched is: as many placed as any grouping could place
    assert result.matched == _best_coverage(candidates, banned)
    for uid in result.unplaced:  # and each one left out is told why
        assert result.reasons[uid] in ("alone", "language", "blocked", "full")
