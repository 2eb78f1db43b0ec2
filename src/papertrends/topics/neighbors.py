"""Exact cosine neighbours by blocked matrix products: for UMAP, for placing new papers, for the candidates
that the ensemble's members perturb."""

from __future__ import annotations

import numpy as np


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


# Entries of one block's similarity matrix: 16 MB of float32 and 32 MB of argpartition's int64 positions. A block
# of a fixed 1,024 rows held 12 bytes x 1,024 x the corpus: 75 MB at 6k papers, 565 MB at 46k.
BLOCK_ENTRIES = 4_000_000


def most_similar(
    queries: np.ndarray, points: np.ndarray, k: int, *, block: int | None = None, same: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` points of highest cosine similarity to each query, best first: (indices, similarities).

    Exact, by blocked matrix products of `block` queries (by default as many as keep a block's similarities
    under `BLOCK_ENTRIES`). `same`: the queries are the points, and each comes first in its own list, even among
    duplicates.
    """
    q = np.ascontiguousarray(unit_rows(queries))
    x = q if same else unit_rows(points)
    k = min(k, len(x))
    block = block or max(1, min(len(q), BLOCK_ENTRIES // max(1, len(x))))
    indices = np.empty((len(q), k), dtype=np.int64)
    values = np.empty((len(q), k), dtype=np.float32)
    for start in range(0, len(q), block):
        sims = q[start : start + block] @ x.T
        if same:
            rows = np.arange(len(sims))
            sims[rows, start + rows] = np.inf
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        best = np.take_along_axis(sims, part, axis=1)
        order = np.argsort(-best, axis=1, kind="stable")
        indices[start : start + block] = np.take_along_axis(part, order, axis=1)
        values[start : start + block] = np.take_along_axis(best, order, axis=1)
    return indices, values


def exact_neighbors(embeddings: np.ndarray, k: int, block: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine k-nearest neighbours (self first, as UMAP expects): indices and cosine distances.

    UMAP's own approximate search (pynndescent) is as fast once compiled, but its numba functions are compiled
    again in every new process, which costs every run more than this exact search (docs/benchmarks.md).
    """
    indices, sims = most_similar(embeddings, embeddings, k, block=block, same=True)
    return indices, np.clip(1 - sims, 0, 2)
