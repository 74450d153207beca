"""The odd one out of a round joins the pair it fits best as a trio; when blocks leave no pair
open to them, others are reshuffled a few steps deep to make room."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.lazy_import import lazy_module
from services.collabs.pairs import PairSet
from services.collabs.scoring import MAX_SCORE, Features, scores, speak_together

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
else:  # loaded when a round is matched, not at start-up
    np = lazy_module("numpy")

PLACE_DEPTH = 3  # how far an odd one out may push others around to fit in
PLACE_TRIES = 8


class TrioPlacer:
    """Puts an odd one out into the pair it fits best (one extra per pair), never across a block
    and only where all three share a language.

    If blocks leave no pair open to them, one pair is re-shuffled: the leftover takes one
    member's place and the displaced member joins another pair as the trio instead.
    """

    def __init__(
        self,
        f: Features,
        groups: list[list[int]],
        group_scores: list[list[float]],
        group_repeat: list[bool],
        blocked: PairSet,
        recent: PairSet,
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
        mute = ~speak_together(self.f, xs, ga, gb)  # a trio needs one language all three speak
        fit[banned | mute | ~self.open | np.isin(ga, xs)] = -np.inf
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
                pair = float(scores(self.f, one, np.array([stay]))[0, 0])
                if not np.isfinite(pair):
                    continue  # no language in common: never a pair
                rest = [m for m in members if m != stay]
                saved = (list(members), list(self.scores[g]), self.repeat[g], bool(self.open[g]))
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
