"""Sets of unordered member pairs (who blocked whom, who were partners lately), as indexes
into one round's candidate list, testable in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.lazy_import import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
else:  # loaded when a round is matched, not at start-up
    np = lazy_module("numpy")


class PairSet:
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


def index_pairs(
    user_pairs: Iterable[tuple[int, int]], index: dict[int, int]
) -> npt.NDArray[np.int64]:
    rows = [(index[a], index[b]) for a, b in user_pairs if a in index and b in index and a != b]
    return np.array(rows, np.int64).reshape(-1, 2)
