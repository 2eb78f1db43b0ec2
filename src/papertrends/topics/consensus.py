"""The ensemble's consensus: the clusters most of its members find, and every paper's place among them.

1. HDBSCAN (leaf clusters) on each member's layout.
2. Meta-clustering (Strehl and Ghosh's MCLA): the members' clusters are grouped by the overlap of their papers
   (Jaccard, average linkage, cut at 0.5). A paper's membership in a group is the share of members that put it
   there; the group's core is its papers of membership at least one half. A group is a consensus cluster when
   its core alone is as large as HDBSCAN asks of a cluster (`min_cluster_size`). So a group that only half of the
   members find, or whose members disagree on its papers, has too small a core: a count of members alone (at
   least half of them) kept such groups on a coin's toss, and k-means then grew each into a subtopic of ~250
   papers, so a fit on vectors moved by noise kept another one (ARI 0.80 on hf-daily-api; 0.95 with the core
   rule, docs/stability.md).
3. Each consensus cluster's centroid is the mean of its papers' vectors weighted by the square of their
   membership; spherical k-means from those centroids gives every paper its subtopic, so a boundary paper goes
   where the vectors put it, not where one member's layout happened to. It stops when a step raises the papers'
   mean similarity to their centroids by less than `KMEANS_REL_TOL` of what its first step did, not at its fixed
   point: after a few steps of refinement (gains of 6e-4, 2e-4, 9e-5, 4e-5 ... on hf-daily-api) Lloyd's steps can
   start to roll a centroid along a continuum of papers, dozens of papers a step for a few millionths each, and
   where that drift starts and ends hangs on the vectors' last bits. Cores agreed at ARI 0.998 between fits on
   two runtimes' vectors while the fixed points agreed at 0.87-0.90 (docs/stability.md). The bar is relative so
   that it means the same at 300 papers as at 30,000, where each step moves a smaller share of them.
4. A paper outside every core (in no consensus cluster for half of the members) stays an outlier unless it is as
   close to its subtopic's centroid as that subtopic's typical members (`[topics] outlier_quantile`).

5. All of the above twice, at two grains from the same layouts: areas (HDBSCAN's smallest cluster
   `area_cluster_size`) and, inside each area, research lines (`min_cluster_size`, a few times smaller). A line's
   consensus cluster belongs to the area that holds most of its weight; each paper of an area goes to the nearest
   centroid among its area's lines, in one step. Lines are nested in areas by construction, so an area is as stable
   as a fit at its grain alone; and one step, not Lloyd's iterations, because at this grain the iterations roll
   centroids between neighbouring lines: on hf-daily-api (77 lines) one step agreed at ARI 0.79 / 0.85 (f32
   against bf16 / against noise) where k-means did 0.76 / 0.82; lines fitted over the whole corpus, not inside
   areas, agreed at 0.73 / 0.70 with 95 lines (docs/stability.md).

`ConsensusClusterer` is BERTopic's `hdbscan_model`: it receives the vectors beside every member's layout
(`EnsembleReducer.transform`) and leaves the research lines in `labels_`, their areas in `areas_`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from papertrends.topics.backends import reduction_and_clustering
from papertrends.topics.levels import OUTLIER, similarity_floors
from papertrends.topics.memory import release_freed_memory
from papertrends.topics.neighbors import unit_rows

JACCARD_CUT = 0.5  # member clusters sharing at least this much (on average) are one meta-cluster
CORE = 0.5  # a paper in its consensus cluster for at least this share of the members belongs to its core
KMEANS_REL_TOL = 0.05  # k-means stops when a step gains less than this share of its first step's gain


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    members: int
    n_components: int
    min_cluster_size: int  # a research line's, the finer grain
    area_cluster_size: int  # an area's
    min_samples: int | None
    selection: str
    outlier_strategy: str
    outlier_quantile: float
    backend: str = "cpu"


def membership(member_labels: list[np.ndarray], n: int, min_core: int = 1) -> np.ndarray:
    """(papers x consensus clusters): the share of members that put each paper in each consensus cluster, the
    meta-clusters whose core (papers of membership >= CORE) holds at least `min_core` papers."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse import csr_matrix
    from scipy.spatial.distance import squareform

    rows: list[np.ndarray] = []
    for labels in member_labels:
        for t in sorted(set(labels.tolist()) - {OUTLIER}):
            rows.append(np.flatnonzero(labels == t))
    if not rows:
        return np.zeros((n, 0))
    indptr = np.cumsum([0, *map(len, rows)])
    clusters = csr_matrix((np.ones(indptr[-1]), np.concatenate(rows), indptr), shape=(len(rows), n))
    if len(rows) == 1:
        meta = np.array([1])
    else:
        shared = (clusters @ clusters.T).toarray()
        size = np.diag(shared)
        distance = 1 - shared / (size[:, None] + size[None, :] - shared)
        np.fill_diagonal(distance, 0)
        meta = fcluster(linkage(squareform(distance, checks=False), "average"), 1 - JACCARD_CUT, "distance")
    weights = np.stack([np.asarray(clusters[meta == m].sum(axis=0)).ravel() for m in np.unique(meta)], axis=1)
    weights /= len(member_labels)
    return weights[:, (weights >= CORE).sum(axis=0) >= max(min_core, 1)]


def spherical_kmeans(
    x: np.ndarray, centroids: np.ndarray, max_iter: int = 300, rel_tol: float = KMEANS_REL_TOL
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's iterations on unit vectors from the given centroids, empty clusters dropped, until the assignment
    is a fixed point or a step raises the mean similarity of papers to their centroids by less than `rel_tol`
    times what the first step raised it (0: run to the fixed point)."""
    c = unit_rows(centroids)
    sims = x @ c.T
    labels = sims.argmax(axis=1)
    score = float(sims.max(axis=1).mean()) if len(x) else 0.0
    first: float | None = None
    for _ in range(max_iter):
        used = np.unique(labels)
        c = unit_rows(np.stack([x[labels == t].mean(axis=0) for t in used]))
        sims = x @ c.T
        new = sims.argmax(axis=1)
        gain = float(sims.max(axis=1).mean()) - score  # each paper's similarity to its nearest centroid
        first = gain if first is None else first
        if np.array_equal(new, np.searchsorted(used, labels)) or gain < rel_tol * first:
            return new, c
        labels, score = new, score + gain
    return labels, c


def nested_lines(x: np.ndarray, areas: np.ndarray, weights: np.ndarray, smallest: int = 1) -> np.ndarray:
    """Research lines inside areas: each consensus cluster of `weights` (papers x clusters) belongs to the area
    holding most of its weight, and each paper of an area goes to the nearest of its area's clusters' centroids
    (an area without one, or with one, is one line). A line left with fewer than `smallest` papers gives them to
    its area's other lines, the smallest first. Outliers of the areas stay outliers."""
    lines = np.full(len(x), OUTLIER)
    known = areas != OUTLIER
    if weights.shape[1] == 0 or not known.any():
        return areas.copy()
    centroids = unit_rows((weights**2).T @ x)
    mass = np.stack([np.bincount(areas[known], weights=weights[known, j], minlength=areas.max() + 1)
                     for j in range(weights.shape[1])])  # fmt: skip
    owner = np.where(mass.sum(axis=1) > 0, mass.argmax(axis=1), OUTLIER)
    first = 0
    for area in np.unique(areas[known]):
        papers = np.flatnonzero(areas == area)
        seeds = centroids[owner == area]
        nearest = np.zeros(len(papers), dtype=int)
        while len(seeds) > 1:
            nearest = (x[papers] @ seeds.T).argmax(axis=1)
            counts = np.bincount(nearest, minlength=len(seeds))
            if counts.min() >= smallest:
                break
            seeds = np.delete(seeds, int(np.argmin(counts)), axis=0)
        if len(seeds) <= 1:
            nearest[:] = 0
        lines[papers] = first + nearest
        first += max(len(seeds), 1)
    return lines


def by_size(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, ... from the largest cluster down (ties: the one whose first paper comes first)."""
    ids = [t for t in np.unique(labels) if t != OUTLIER]
    order = sorted(ids, key=lambda t: (-int(np.sum(labels == t)), int(np.argmax(labels == t))))
    mapping = {t: i for i, t in enumerate(order)}
    return np.array([mapping.get(t, OUTLIER) for t in labels.tolist()], dtype=int)


class ConsensusClusterer:
    """BERTopic's clustering step over an ensemble (see the module's notes). After fit: `labels_`,
    `membership_` (papers x consensus clusters), `outliers_before_` (the share outside every consensus cluster),
    `member_labels_` (each member's HDBSCAN labels)."""

    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings

    def fit(self, X: np.ndarray, y: object = None) -> ConsensusClusterer:  # noqa: N803 - scikit-learn's name
        s = self.settings
        width = s.members * s.n_components
        x = unit_rows(X[:, :-width])
        layouts = [X[:, -width + r * s.n_components : X.shape[1] - width + (r + 1) * s.n_components]
                   for r in range(s.members)]  # fmt: skip
        area_size = min(s.area_cluster_size, max(2, len(x) // 2))
        line_size = min(s.min_cluster_size, area_size)
        self.member_labels_ = self._members(layouts, area_size)
        weights = membership(self.member_labels_, len(x), area_size)
        self.membership_ = weights
        core = weights.max(axis=1) >= CORE if weights.shape[1] else np.zeros(len(x), dtype=bool)
        self.outliers_before_ = float(1 - core.mean()) if len(x) else 0.0
        if weights.shape[1] == 0:  # no cluster most members agree on: the corpus is one topic
            self.areas_ = self.labels_ = np.zeros(len(x), dtype=int)
            return self
        labels, centroids = spherical_kmeans(x, (weights**2).T @ x)
        self.areas_ = by_size(self._outliers(x, labels, centroids, core))
        lines = membership(self._members(layouts, line_size), len(x), line_size) if line_size < area_size else weights
        self.labels_ = by_size(nested_lines(x, self.areas_, lines, line_size))
        release_freed_memory()  # the members' HDBSCAN trees, before BERTopic's c-TF-IDF adds its own
        return self

    def _members(self, layouts: list[np.ndarray], size: int) -> list[np.ndarray]:
        """Each member's HDBSCAN clusters at one grain."""
        s = self.settings
        _, hdbscan_class, backend = reduction_and_clustering(s.backend)
        extra = {"core_dist_n_jobs": 1} if backend == "cpu" else {}
        return [
            np.asarray(hdbscan_class(min_cluster_size=size, min_samples=s.min_samples, metric="euclidean",
                                     cluster_selection_method=s.selection, **extra).fit_predict(layout), dtype=int)
            for layout in layouts
        ]  # fmt: skip

    def _outliers(self, x: np.ndarray, labels: np.ndarray, centroids: np.ndarray, core: np.ndarray) -> np.ndarray:
        s = self.settings
        if s.outlier_strategy == "none":
            return np.where(core, labels, OUTLIER)
        closeness = np.einsum("nd,nd->n", x, centroids[labels])
        floor = similarity_floors(x, labels, centroids, s.outlier_quantile, among=core)
        keep = core | (closeness >= floor[labels])
        return np.where(keep, labels, OUTLIER)
