"""Exact max-cardinality, max-weight matching of one sparse graph (rustworkx's blossom
algorithm). Its own small module so a worker process (core.worker_pool) imports numpy and
rustworkx only, not the rest of the bot: the arrays in, index pairs out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.lazy_import import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import rustworkx as rx
else:  # loaded when a round is matched, not at start-up
    np = lazy_module("numpy")
    rx = lazy_module("rustworkx")

SCALE = 1000  # rustworkx wants integer weights


def solve_exact(
    edges_u: npt.NDArray[np.int64],
    edges_v: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float32],
    m: int,
) -> list[tuple[int, int]]:
    """The best matching among those that leave the fewest out, on nodes 0..m-1 (local
    indexes), as sorted (low, high) pairs. Deterministic: the same arrays give the same pairs
    in any process."""
    if not len(edges_u):
        return []
    graph: rx.PyGraph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(m))
    w = np.maximum(1, np.rint(weights * SCALE)).astype(np.int64)
    graph.extend_from_weighted_edge_list(
        list(zip(edges_u.tolist(), edges_v.tolist(), w.tolist(), strict=True))
    )
    found = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    return sorted((min(int(a), int(b)), max(int(a), int(b))) for a, b in found)
