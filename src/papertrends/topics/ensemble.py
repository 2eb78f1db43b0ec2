"""Several UMAP layouts of one corpus, each of the vectors moved by a little noise: the ensemble's members.

One UMAP layout is chaotic: vectors that differ in the fifth decimal (bf16 against fp32) give another layout,
and HDBSCAN other clusters (ARI 0.67 between two such fits on hf-daily-api). The members here differ from one
another by design, so what they agree on does not hang on any one of them:

- every member starts from the same layout, the first principal axes of the vectors (deterministic, and
  continuous in the vectors, where UMAP's spectral start is not);
- each sees the vectors moved by isotropic noise to a cosine of `[topics] augment` (0.995, the size of an int8
  model's error), through its neighbours among the 3 x n_neighbors exact candidates, and runs UMAP's own
  optimisation with its own seed.

`EnsembleReducer` is BERTopic's `umap_model`: `fit` lays out the members (in threads, one per core); `transform`
of the training vectors hands BERTopic the vectors beside every member's layout, for the consensus clusterer.
"""

from __future__ import annotations

import logging
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from papertrends.topics.backends import reduction_and_clustering
from papertrends.topics.memory import release_freed_memory
from papertrends.topics.neighbors import most_similar, unit_rows

log = logging.getLogger(__name__)

CANDIDATES = 3  # candidates per neighbour: a member picks its n_neighbors among 3 x n_neighbors exact ones
BLOCK = 256  # papers whose candidates are gathered at once: 256 x 45 x 384 floats, 18 MB (2,048 held 141 MB)


@dataclass(frozen=True, slots=True)
class EnsembleSettings:
    members: int
    n_neighbors: int
    n_components: int
    min_dist: float
    n_epochs: int | None
    augment: float
    seed: int
    backend: str = "cpu"


def shared_start(x: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    """Every member's first layout: the vectors' first principal axes, each signed so its largest entry is
    positive (an axis's sign is arbitrary; this makes it the same on every machine)."""
    from sklearn.decomposition import PCA

    k = min(n_components, x.shape[1], len(x))
    start = PCA(n_components=k, random_state=seed).fit_transform(x)
    if k < n_components:
        start = np.hstack([start, np.zeros((len(x), n_components - k))])
    biggest = np.abs(start).argmax(axis=0)
    signs = np.sign(start[biggest, np.arange(n_components)])
    start = start * np.where(signs == 0, 1.0, signs)
    return (10 * start / max(float(np.abs(start).max()), 1e-12)).astype(np.float32)


def moved(x: np.ndarray, augment: float, seed: int) -> np.ndarray:
    """Unit vectors moved by isotropic noise to a mean cosine of about `augment` with where they were."""
    if augment >= 1:
        return x
    sigma = float(np.sqrt(2 * (1 - augment) / x.shape[1]))
    return unit_rows(x + np.random.default_rng(seed).normal(0, sigma, x.shape).astype(np.float32))


def member_neighbors(moved: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """One member's k nearest neighbours (self first) and cosine distances, among each paper's candidates."""
    sims = np.empty(candidates.shape, dtype=np.float32)
    for start in range(0, len(moved), BLOCK):
        rows = slice(start, start + BLOCK)
        sims[rows] = np.einsum("nd,nkd->nk", moved[rows], moved[candidates[rows]])
    sims[:, 0] = np.inf  # each paper stays its own first neighbour
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    indices = np.take_along_axis(candidates, order, axis=1)
    distances = np.clip(1 - np.take_along_axis(sims, order, axis=1), 0, 2)
    distances[:, 0] = 0
    return indices, distances


class EnsembleReducer:
    """BERTopic's dimensionality reduction step, done `members` times (see the module's notes)."""

    def __init__(self, settings: EnsembleSettings) -> None:
        self.settings = settings

    def fit(self, X: np.ndarray, y: object = None) -> EnsembleReducer:  # noqa: N803 - scikit-learn's name
        s = self.settings
        x = unit_rows(X)
        n = len(x)
        k = min(s.n_neighbors, max(2, n - 1))
        umap_class, _, backend = reduction_and_clustering(s.backend)
        candidates = most_similar(x, x, min(n, CANDIDATES * k), same=True)[0] if backend == "cpu" else None
        start = shared_start(x, s.n_components, s.seed)

        def member(r: int) -> np.ndarray:
            vectors = moved(x, s.augment, s.seed + r)
            extra: dict[str, Any] = {}
            if backend == "cpu":  # cuML finds the moved vectors' neighbours itself, on the GPU
                indices, distances = member_neighbors(vectors, candidates, k)
                extra = {"precomputed_knn": (indices, distances, None), "init": start, "n_jobs": 1}
            model = umap_class(n_neighbors=k, n_components=s.n_components, min_dist=s.min_dist, metric="cosine",
                               n_epochs=s.n_epochs, random_state=s.seed + r, **extra)  # fmt: skip
            return np.asarray(model.fit_transform(vectors), dtype=np.float32)

        workers = min(s.members, os.cpu_count() or 1) if backend == "cpu" else 1
        with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=workers) as pool:
            # umap-learn warns that neighbours given without its search index cannot place new papers: we place
            # them ourselves (analysis.place_new_papers).
            warnings.filterwarnings("ignore", message=r"precomputed_knn", category=UserWarning)
            self.layouts_ = list(pool.map(member, range(s.members)))
        self.embeddings_ = x
        # BERTopic's map of the corpus: the first member's layout stands for all.
        self.embedding_ = self.layouts_[0]
        release_freed_memory()  # the members' neighbour graphs and optimisation arrays
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """The training vectors beside every member's layout, as one array (for `ConsensusClusterer`)."""
        if len(X) != len(self.embeddings_):
            raise ValueError("an ensemble layout transforms only the papers it was fitted on")
        return np.hstack([self.embeddings_, *self.layouts_])
