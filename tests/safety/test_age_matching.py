"""Age groups in collab matching, pure (no database): adults and members not confirmed adult
are never in one group (pairs, trios, leftovers, big rounds split into blocks, suggestions),
everyone who can be matched is, and the rule costs the others little."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from services.collabs import (
    Candidate,
    MatchResult,
    best_partners,
    match,
    pair_score,
    synthetic_candidates,
    upper_bound,
)
from services.safety import ADULT_GROUP, NOT_CONFIRMED


def _with_groups(candidates: list[Candidate], young: set[int]) -> list[Candidate]:
    """The same members, those in ``young`` (user ids) not confirmed adult, the rest adults."""
    return [
        dataclasses.replace(c, age_group=NOT_CONFIRMED if c.user_id in young else ADULT_GROUP)
        for c in candidates
    ]


def _round_200(seed: int = 7) -> tuple[list[Candidate], set[int]]:
    """200 members like ours, 30 of them not confirmed adult (drawn at random)."""
    candidates = synthetic_candidates(200, seed=seed)
    rng = np.random.default_rng(seed)
    young = {candidates[i].user_id for i in rng.choice(200, 30, replace=False).tolist()}
    return _with_groups(candidates, young), young


def _mixed(result: MatchResult, young: set[int]) -> list[tuple[int, ...]]:
    return [g.members for g in result.groups if len({u in young for u in g.members}) > 1]


def _could_pair(a: Candidate, b: Candidate) -> bool:
    return a.age_group == b.age_group and np.isfinite(pair_score(a, b))


def _member_scores(result: MatchResult, who: set[int]) -> float:
    """The mean of each member's group score over ``who`` (0 for anyone left out)."""
    score = {u: g.score for g in result.groups for u in g.members}
    return float(np.mean([score.get(u, 0.0) for u in who]))


def test_a_round_of_200_with_30_not_confirmed_adult_never_mixes_and_matches_everyone_it_can() -> (
    None
):
    candidates, young = _round_200()
    result = match(candidates)
    assert _mixed(result, young) == []
    placed = {u for g in result.groups for u in g.members}
    assert len(placed) == result.matched == 200 - len(result.unplaced)
    by_id = {c.user_id: c for c in candidates}
    for uid in result.unplaced:  # left out only when nobody in the round could be their partner
        others = [c for c in candidates if c.user_id != uid]
        assert not any(_could_pair(by_id[uid], o) for o in others), (uid, result.reasons[uid])
    # both groups are really there, each matched among itself
    assert any(set(g.members) <= young for g in result.groups)
    assert any(not set(g.members) & young for g in result.groups)


def test_the_rule_costs_the_adults_under_2_percent_of_their_matching_quality() -> None:
    """The same 200 members with and without age groups: the 170 adults' own scores, and the
    round's score against the best it could reach, stay within 2% (bench/bench_collabs.py
    reports the same figures)."""
    candidates, young = _round_200()
    adults = {c.user_id for c in candidates} - young
    with_rule = match(candidates)
    without = match(_with_groups(candidates, set()))
    assert _mixed(without, young)  # without the rule the round does mix: the rule is real
    assert _member_scores(with_rule, adults) >= 0.98 * _member_scores(without, adults)
    quality_with = with_rule.pair_total / upper_bound(candidates)
    quality_without = without.pair_total / upper_bound(_with_groups(candidates, set()))
    assert quality_with >= quality_without - 0.02


def test_trios_and_leftovers_stay_in_their_age_group() -> None:
    english = frozenset({"English"})
    adults = [Candidate(user_id=i, languages=english, age_group=ADULT_GROUP) for i in (1, 2, 3)]
    young = [Candidate(user_id=i, languages=english, age_group=NOT_CONFIRMED) for i in (4, 5)]
    result = match(adults + young)
    assert sorted(sorted(g.members) for g in result.groups) == [[1, 2, 3], [4, 5]]

    # an odd one out whose only open pair is of the other group is left out, and told why
    lone = Candidate(user_id=9, languages=english, age_group=ADULT_GROUP)
    result = match([lone, *young])
    assert [sorted(g.members) for g in result.groups] == [[4, 5]]
    assert result.unplaced == (9,) and result.reasons == {9: "age"}

    # a young member alone in their group, with blocks and recent partners around
    fourth = Candidate(user_id=6, languages=english, age_group=ADULT_GROUP)
    result = match(
        [*adults, fourth, Candidate(user_id=4, languages=english, age_group=NOT_CONFIRMED)],
        blocked=[(1, 2)],
        recent=[(1, 3)],
    )
    assert result.reasons == {4: "age"}
    assert sorted(sorted(g.members) for g in result.groups) == [[1, 6], [2, 3]]


def test_reasons_name_the_age_group_before_the_language() -> None:
    spanish, english = frozenset({"Spanish"}), frozenset({"English"})
    result = match(
        [
            Candidate(user_id=1, languages=english, age_group=ADULT_GROUP),
            Candidate(user_id=2, languages=english, age_group=ADULT_GROUP),
            Candidate(user_id=3, languages=spanish, age_group=ADULT_GROUP),
            Candidate(user_id=4, languages=english, age_group=NOT_CONFIRMED),
        ]
    )
    # 3: adults are here, none speaks Spanish; 4: nobody else is in their age group
    assert result.reasons == {3: "language", 4: "age"}


def test_big_rounds_split_into_blocks_never_mix() -> None:
    """Past one block (here blocks of 100) members are split, age group first: still no mix,
    and the leftovers of different blocks are matched within their own group."""
    candidates = synthetic_candidates(1200, seed=3)
    young = {c.user_id for c in candidates[::7]}
    grouped = _with_groups(candidates, young)
    result = match(grouped, block_size=100, exact_up_to=60)
    assert result.stats["blocks"] > 1
    assert _mixed(result, young) == []
    by_id = {c.user_id: c for c in grouped}
    for a, b in itertools.combinations(result.unplaced, 2):
        assert not _could_pair(by_id[a], by_id[b])


def test_suggestions_never_cross_age_groups() -> None:
    english = frozenset({"English"})
    me = Candidate(
        user_id=1, niches=("BookTok",), languages=english, band=1, age_group=NOT_CONFIRMED
    )
    twin_adult = dataclasses.replace(me, user_id=2, age_group=ADULT_GROUP)  # a perfect fit
    others = [
        twin_adult,
        Candidate(user_id=3, niches=("Gaming",), languages=english, age_group=NOT_CONFIRMED),
    ]
    assert [c.user_id for c, _s in best_partners(me, others)] == [3]
    assert [c.user_id for c, _s in best_partners(twin_adult, [me, others[1]])] == []
