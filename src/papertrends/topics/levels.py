"""What both levels of topics share: a level's labels, terms and centroids, the outlier bar, the grouping of
clusters into areas, the map's positions."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from papertrends.records import OUTLIER as OUTLIER  # the topics name it too
from papertrends.topics.neighbors import unit_rows


@dataclass(frozen=True, slots=True)
class Level:
    """One level of topics: a label per document and, per topic, its terms and centroid."""

    labels: np.ndarray
    terms: dict[int, list[tuple[str, float]]]
    centroids: dict[int, np.ndarray]


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """Unit-length mean embedding per label (outliers excluded)."""
    out = {}
    for t in sorted(set(labels.tolist()) - {OUTLIER}):
        c = embeddings[labels == t].mean(axis=0)
        out[int(t)] = c / (np.linalg.norm(c) or 1.0)
    return out


def matched_share(a: np.ndarray, b: np.ndarray, jaccard: float = 0.5) -> float:
    """The share of `a`'s assigned papers whose topic has a counterpart in `b`: a topic of `b` sharing at least
    `jaccard` of their union of papers. The stability bar of a level whose topics are many and small, where ARI
    alone weighs a few large topics."""
    from sklearn.metrics.cluster import contingency_matrix

    keep = (a != OUTLIER) & (b != OUTLIER)
    if not (a != OUTLIER).any():
        return 1.0
    table = contingency_matrix(a[keep], b[keep], sparse=False)
    ta, tb = np.unique(a[keep]), np.unique(b[keep])
    size_a = np.array([np.sum(a == t) for t in ta])[:, None]
    size_b = np.array([np.sum(b == t) for t in tb])[None, :]
    matched = (table / (size_a + size_b - table)).max(axis=1) >= jaccard
    return float(size_a[matched].sum() / np.sum(a != OUTLIER))


def similarity_floors(
    x: np.ndarray, labels: np.ndarray, centroids: np.ndarray, quantile: float, among: np.ndarray | None = None
) -> np.ndarray:
    """The outlier rule's bar, per topic: the similarity to its centroid that all but `quantile` of its members
    (those in `among`; all by default) reach, 1.0 for a topic without any. `labels` index `centroids`; a paper
    below its topic's bar is an outlier. The fit uses it on papers outside the consensus, placing on new papers."""
    closeness = np.einsum("nd,nd->n", x, centroids[labels]) if len(labels) else np.zeros(0)
    floors = np.ones(len(centroids))
    chosen = np.ones(len(labels), dtype=bool) if among is None else among
    for t in range(len(centroids)):
        typical = closeness[(labels == t) & chosen]
        if len(typical):
            floors[t] = np.quantile(typical, quantile)
    return floors


def numbered_by_size(groups: dict[int, list[int]], sizes: dict[int, int]) -> dict[int, int]:
    """Subtopic -> group number, largest group first (ties: the group with the smallest subtopic id)."""
    ordered = sorted(groups.values(), key=lambda ts: (-sum(sizes[t] for t in ts), min(ts)))
    return {t: rank for rank, ts in enumerate(ordered) for t in ts}


def group_topics(embeddings: np.ndarray, fine: np.ndarray, target: int, seed: int, runs: int = 40) -> dict[int, int]:
    """Cluster -> group, by a consensus of `runs` k-means partitions of the papers into `target` groups: the areas,
    when the consensus finds more clusters at an area's grain than the rule allows (a small corpus's areas would
    otherwise number 9 to 11 with the runtime).

    Each run (k-means++, one start, its own seed) sends every subtopic to the group that holds most of its
    papers; two subtopics are as close as the share of runs that put them together, and average linkage over
    that co-association cuts them into exactly `target` topics. A corpus of `target` subtopics or fewer keeps
    them as its topics.

    Why a consensus: k-means decides by every paper's vector, so a grouping moves only where many papers move,
    but keeping its best-inertia run picks one local optimum of several near-equal ones, and vectors that
    change in the fifth decimal pick another (ARI 0.89 between fp32 and int8 vectors on hf-daily-api). The
    share of runs that agree changes smoothly with the vectors (0.94); grouping the subtopics' centroids by
    linkage flips whole subtopics on a near tie (0.6).
    """
    ids = sorted(set(fine.tolist()) - {OUTLIER})
    sizes = {t: int(np.sum(fine == t)) for t in ids}
    if len(ids) <= target:
        return numbered_by_size({t: [t] for t in ids}, sizes)
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from threadpoolctl import threadpool_limits

    assigned = fine != OUTLIER
    x, labels = unit_rows(embeddings)[assigned], fine[assigned]

    def partition(run: int) -> np.ndarray:
        return KMeans(n_clusters=target, n_init=1, random_state=seed + run).fit(x).labels_

    together = np.zeros((len(ids), len(ids)))
    # The runs side by side, one thread each: scikit-learn's k-means spreads one small run over its OpenMP threads
    # at a loss, and runs side by side finish soonest (docs/benchmarks.md), with the same labels every way.
    with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for groups in pool.map(partition, range(runs)):
            choice = np.array([np.bincount(groups[labels == t], minlength=target).argmax() for t in ids])
            together += choice[:, None] == choice[None, :]
    cut = AgglomerativeClustering(n_clusters=target, metric="precomputed", linkage="average")
    choice = cut.fit_predict(1.0 - together / runs)
    members: dict[int, list[int]] = {}
    for t, group in zip(ids, choice, strict=True):
        members.setdefault(int(group), []).append(t)
    return numbered_by_size(members, sizes)


def map_coordinates(reduced: np.ndarray, seed: int) -> np.ndarray:
    """2-D positions for the topic map: the first two principal axes of UMAP's reduced space, scaled to [-1, 1]."""
    from sklearn.decomposition import PCA

    if reduced.shape[1] <= 2:
        xy = np.asarray(reduced[:, :2], dtype=float)
    else:
        xy = PCA(n_components=2, random_state=seed).fit_transform(reduced)
    span = np.abs(xy).max(axis=0)
    return np.round(xy / np.where(span > 0, span, 1.0), 4)
