"""The topic model: BERTopic built explicitly from the config (UMAP, HDBSCAN, CountVectorizer, c-TF-IDF), seeded.

On top of BERTopic's clusters ("subtopics"): outliers are reassigned to the nearest topic by embedding when close
enough, and subtopics are grouped into readable top-level topics by their centroids; both levels get c-TF-IDF
terms computed the way BERTopic does (one document per topic, ClassTfidfTransformer).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from papertrends.config import Settings

log = logging.getLogger(__name__)

OUTLIER = -1


def reduction_and_clustering(backend: str) -> tuple[type, type, str]:
    """UMAP and HDBSCAN classes: cuML's on a GPU when asked for and importable, else umap-learn and hdbscan."""
    if backend == "cuml":
        try:
            from cuml.cluster import HDBSCAN as CumlHDBSCAN
            from cuml.manifold import UMAP as CumlUMAP

            return CumlUMAP, CumlHDBSCAN, "cuml"
        except ImportError as e:  # also when CUDA is missing under an installed cuml
            log.warning("[topics] backend = 'cuml', but cuML cannot be imported (%s): using umap-learn and "
                        "hdbscan on the CPU", e)  # fmt: skip
    from hdbscan import HDBSCAN
    from umap import UMAP

    return UMAP, HDBSCAN, "cpu"


EXACT_NEIGHBORS_UP_TO = 150_000


def most_similar(
    queries: np.ndarray, points: np.ndarray, k: int, *, block: int = 1024, same: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` points of highest cosine similarity to each query, best first: (indices, similarities).

    Exact, by blocked matrix products in `block` x len(points) floats of memory. `same`: the queries are the
    points, and each comes first in its own list, even among duplicates.
    """
    q = np.ascontiguousarray(queries, dtype=np.float32)
    q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    x = q if same else points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-12)
    k = min(k, len(x))
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


def exact_neighbors(embeddings: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine k-nearest neighbours (self first, as UMAP expects): indices and cosine distances.

    About 1 s for 6k papers and 15 s for 46k on 2 cores. UMAP's own approximate search (pynndescent) is as fast
    once compiled, but its numba functions are compiled again in every new process: about 25 s of every run here.
    """
    indices, sims = most_similar(embeddings, embeddings, k, block=block, same=True)
    return indices, np.clip(1 - sims, 0, 2)


# Importing BERTopic imports its optional transformer-based parts (text generation, zero-shot, visual) and torch
# (to save models): about 450 MB and 3 s that a fit never uses. They are imported as if not installed, BERTopic's
# own path for a `--no-deps` install (each becomes a `NotInstalled`), unless this process already has them.
_UNUSED_BY_A_FIT = (
    "bertopic.representation._textgeneration",
    "bertopic.representation._zeroshot",
    "bertopic.representation._visual",
    "torch",
)


def import_bertopic() -> type:
    if "bertopic" not in sys.modules:
        import hdbscan  # noqa: F401 - imported first: scipy's array-api checks do not expect torch to be None
        import sklearn.feature_extraction.text  # noqa: F401
        import umap  # noqa: F401

        blocked = [name for name in _UNUSED_BY_A_FIT if name not in sys.modules]
        for name in blocked:
            sys.modules[name] = None  # type: ignore[assignment] - `import name` now raises ModuleNotFoundError
        try:
            import bertopic  # noqa: F401
        finally:
            for name in blocked:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]
    from bertopic import BERTopic

    return BERTopic


def build_bertopic(settings: Settings, n_docs: int, embeddings: np.ndarray | None = None):  # noqa: ANN201
    """A BERTopic whose every component comes from the config; nothing is left to library defaults.

    With `embeddings` (cosine metric, CPU, up to EXACT_NEIGHBORS_UP_TO papers) UMAP gets their exact neighbours.
    """
    BERTopic = import_bertopic()  # noqa: N806

    UMAP, HDBSCAN, backend = reduction_and_clustering(settings.topics.backend)  # noqa: N806
    u, h, t = settings.umap, settings.hdbscan, settings.topics
    n_neighbors = min(u.n_neighbors, max(2, n_docs - 1))
    extra: dict = {"low_memory": True} if backend == "cpu" else {}
    if embeddings is not None and backend == "cpu" and u.metric == "cosine" and n_docs <= EXACT_NEIGHBORS_UP_TO:
        extra["precomputed_knn"] = (*exact_neighbors(embeddings, n_neighbors), None)
    umap_model = UMAP(
        n_neighbors=n_neighbors,
        n_components=u.n_components,
        min_dist=u.min_dist,
        metric=u.metric,
        random_state=t.seed,
        **extra,
    )
    hdbscan_model = HDBSCAN(
        min_cluster_size=h.min_cluster_size,
        min_samples=h.min_samples,
        metric=h.metric,
        cluster_selection_method=h.cluster_selection_method,
        prediction_data=False,
        **({"core_dist_n_jobs": 1} if backend == "cpu" else {}),
    )
    return BERTopic(
        embedding_model=None,
        umap_model=umap_model,
        hdbscan_model=hdbscan_model,
        vectorizer_model=build_vectorizer(settings),
        ctfidf_model=build_ctfidf(settings),
        top_n_words=t.top_n_words,
        calculate_probabilities=False,
        verbose=False,
    )


def build_vectorizer(settings: Settings):  # noqa: ANN201
    from sklearn.feature_extraction.text import CountVectorizer

    v = settings.vectorizer
    return CountVectorizer(stop_words=v.stop_words, ngram_range=tuple(v.ngram_range), min_df=v.min_df)


def build_ctfidf(settings: Settings):  # noqa: ANN201
    from bertopic.vectorizers import ClassTfidfTransformer

    t = settings.topics
    return ClassTfidfTransformer(reduce_frequent_words=t.reduce_frequent_words, bm25_weighting=t.bm25_weighting)


def make_label(terms: Sequence[str], n: int = 3) -> str:
    """A readable label from ranked top terms: 'language models' stands for 'language' and 'models'."""
    chosen: list[str] = []
    for term in terms[: n * 4]:
        words = set(term.split())
        if any(words <= set(c.split()) for c in chosen):
            continue
        covered = [i for i, c in enumerate(chosen) if set(c.split()) <= words]
        if covered:
            chosen[covered[0]] = term
            chosen = [c for i, c in enumerate(chosen) if i not in covered[1:]]
        elif len(chosen) < n:
            chosen.append(term)
    return ", ".join(chosen) if chosen else "(no terms)"


def topic_terms(docs: Sequence[str], labels: np.ndarray, settings: Settings) -> dict[int, list[tuple[str, float]]]:
    """c-TF-IDF top terms per label (outliers excluded), as BERTopic computes them."""
    ids = sorted(int(t) for t in set(labels.tolist()) if t != OUTLIER)
    if not ids:
        return {}
    joined = [" ".join(docs[i] for i in np.flatnonzero(labels == t)) for t in ids]
    vectorizer = build_vectorizer(settings)
    try:
        counts = vectorizer.fit_transform(joined)
    except ValueError:  # every word a stop word
        return {t: [] for t in ids}
    # Sparse throughout: with 1-2-grams the vocabulary of 46k abstracts runs to millions of terms, and a dense
    # topics x terms matrix to gigabytes.
    weights = build_ctfidf(settings).fit_transform(counts).tocsr()
    words = vectorizer.get_feature_names_out()
    top = settings.topics.top_n_words
    out = {}
    for row, t in enumerate(ids):
        values = weights.data[weights.indptr[row] : weights.indptr[row + 1]]
        columns = weights.indices[weights.indptr[row] : weights.indptr[row + 1]]
        order = np.lexsort((columns, -values))[:top]  # by weight, ties in vocabulary order
        out[t] = [(str(words[columns[j]]), round(float(values[j]), 6)) for j in order if values[j] > 0]
    return out


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """Unit-length mean embedding per label (outliers excluded)."""
    out = {}
    for t in sorted(set(labels.tolist()) - {OUTLIER}):
        c = embeddings[labels == t].mean(axis=0)
        out[int(t)] = c / (np.linalg.norm(c) or 1.0)
    return out


def reassign_outliers(embeddings: np.ndarray, labels: np.ndarray, quantile: float) -> np.ndarray:
    """Each outlier joins the topic whose centroid is most similar, if it is at least as close to it as the
    topic's own members are at their `quantile` (0.05: closer than the 5% least typical members)."""
    cents = centroids(embeddings, labels)
    out = labels.copy()
    outliers = np.flatnonzero(labels == OUTLIER)
    if not cents or not len(outliers):
        return out
    ids = np.array(list(cents))
    floor = np.array([np.quantile(embeddings[labels == t] @ cents[t], quantile) for t in ids])
    sims = embeddings[outliers] @ np.stack(list(cents.values())).T
    best = sims.argmax(axis=1)
    close = sims[np.arange(len(outliers)), best] >= floor[best]
    out[outliers[close]] = ids[best[close]]
    return out


def group_topics(cents: dict[int, np.ndarray], sizes: dict[int, int], target: int) -> dict[int, int]:
    """Subtopic -> top-level group, by average-linkage clustering of centroids into `target` groups.

    Groups are numbered by size, largest first, so the numbering does not depend on the clustering's order.
    """
    ids = sorted(cents)
    if len(ids) <= target:
        return {t: t for t in ids}
    from sklearn.cluster import AgglomerativeClustering

    matrix = np.stack([cents[t] for t in ids])
    raw = AgglomerativeClustering(n_clusters=target, metric="cosine", linkage="average").fit_predict(matrix)
    members: dict[int, list[int]] = {}
    for t, g in zip(ids, raw, strict=True):
        members.setdefault(int(g), []).append(t)
    ordered = sorted(members.values(), key=lambda ts: (-sum(sizes[t] for t in ts), min(ts)))
    return {t: rank for rank, ts in enumerate(ordered) for t in ts}


def anchored_groups(
    fine: np.ndarray, paper_ids: Sequence[str], anchors: dict[int, frozenset[str]], min_share: float = 0.5
) -> dict[int, int]:
    """Subtopic -> top-level group, keeping the previous run's top-level topics ("anchors") where they still hold.

    A subtopic joins the anchor that held most of its already-seen papers when that is at least `min_share` of
    them; a subtopic of mostly new papers, or of papers scattered over anchors, becomes a top-level topic of its
    own. So a run that adds a month regroups nothing that was grouped before, and new themes surface as new topics.
    Groups are numbered by size, largest first.
    """
    owner = {p: a for a, members in anchors.items() for p in members}
    ids = np.asarray(paper_ids)
    groups: dict[tuple[str, int], list[int]] = {}
    for t in sorted(set(fine.tolist()) - {OUTLIER}):
        votes: dict[int, int] = {}
        for p in ids[fine == t]:
            if p in owner:
                votes[owner[p]] = votes.get(owner[p], 0) + 1
        seen = sum(votes.values())
        best = max(votes, key=lambda a: (votes[a], -a)) if votes else None
        key = ("anchor", best) if best is not None and votes[best] >= min_share * seen and seen else ("new", t)
        groups.setdefault(key, []).append(t)
    sizes = {t: int(np.sum(fine == t)) for ts in groups.values() for t in ts}
    ordered = sorted(groups.values(), key=lambda ts: (-sum(sizes[t] for t in ts), min(ts)))
    return {t: rank for rank, ts in enumerate(ordered) for t in ts}


def map_coordinates(reduced: np.ndarray, seed: int) -> np.ndarray:
    """2-D positions for the topic map: the first two principal axes of UMAP's reduced space, scaled to [-1, 1]."""
    from sklearn.decomposition import PCA

    if reduced.shape[1] <= 2:
        xy = np.asarray(reduced[:, :2], dtype=float)
    else:
        xy = PCA(n_components=2, random_state=seed).fit_transform(reduced)
    span = np.abs(xy).max(axis=0)
    return np.round(xy / np.where(span > 0, span, 1.0), 4)


@dataclass(frozen=True, slots=True)
class Level:
    """One level of topics: a label per document and, per topic, its terms and centroid."""

    labels: np.ndarray
    terms: dict[int, list[tuple[str, float]]]
    centroids: dict[int, np.ndarray]


class TopicModel:
    """Estimator contract: __init__ stores settings, fit returns self, learned state ends in `_`.

    After fit: `subtopics_` (BERTopic's clusters, outliers reassigned), `topics_` (top-level groups of them),
    `outliers_before_` (the share BERTopic left as outliers), `parent_of_` (subtopic -> topic).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def fit(
        self,
        docs: Sequence[str],
        embeddings: np.ndarray,
        paper_ids: Sequence[str],
        anchors: dict[int, frozenset[str]] | None = None,
    ) -> TopicModel:
        """Fit on all papers. `anchors`, the previous run's top-level topics (id -> papers), keeps their grouping."""
        if len(docs) != len(embeddings) or len(docs) != len(paper_ids):
            raise ValueError(f"{len(docs)} documents, {len(embeddings)} embeddings, {len(paper_ids)} ids")
        min_docs = self.settings.hdbscan.min_cluster_size * 2
        if len(docs) < min_docs:
            raise ValueError(
                f"{len(docs)} papers are too few to find topics with min_cluster_size="
                f"{self.settings.hdbscan.min_cluster_size}: add snapshots or lower [hdbscan] min_cluster_size"
            )
        t = self.settings.topics
        model = build_bertopic(self.settings, len(docs), embeddings)
        raw, _ = model.fit_transform(list(docs), embeddings)
        raw = np.asarray(raw, dtype=int)
        self.outliers_before_ = float(np.mean(raw == OUTLIER))
        fine = reassign_outliers(embeddings, raw, t.outlier_quantile) if t.outlier_strategy == "embeddings" else raw
        fine_cents = centroids(embeddings, fine)
        sizes = {k: int(np.sum(fine == k)) for k in fine_cents}
        if anchors:
            self.parent_of_ = anchored_groups(fine, paper_ids, anchors)
        else:
            self.parent_of_ = group_topics(fine_cents, sizes, t.top_level_topics)
        top = np.array([self.parent_of_.get(int(k), OUTLIER) for k in fine], dtype=int)
        self.subtopics_ = Level(fine, topic_terms(docs, fine, self.settings), fine_cents)
        self.topics_ = Level(top, topic_terms(docs, top, self.settings), centroids(embeddings, top))
        self.model_ = model
        self.paper_ids_ = list(paper_ids)
        self.embeddings_ = embeddings
        self.coordinates_ = map_coordinates(model.umap_model.embedding_, t.seed)
        return self

    @property
    def outlier_share_(self) -> float:
        return float(np.mean(self.topics_.labels == OUTLIER)) if len(self.topics_.labels) else 0.0

    def representatives(self, labels: np.ndarray, cents: dict[int, np.ndarray], n: int) -> dict[int, list[str]]:
        """The `n` papers closest to each topic's centroid."""
        out = {}
        for t, c in cents.items():
            members = np.flatnonzero(labels == t)
            closeness = self.embeddings_[members] @ c
            order = members[np.lexsort((members, -closeness))][:n]
            out[t] = [self.paper_ids_[i] for i in order]
        return out

    def local_table(self) -> pd.DataFrame:
        """Both levels with local ids: level, local_id, parent_local, size, top_terms, representative, label.

        Subtopics are listed only under topics that have two or more of them."""
        n = self.settings.topics.representative_docs
        children: dict[int, int] = {}
        for parent in self.parent_of_.values():
            children[parent] = children.get(parent, 0) + 1
        rows = []
        for level, data in (("topic", self.topics_), ("subtopic", self.subtopics_)):
            reps = self.representatives(data.labels, data.centroids, n)
            for t in sorted(data.centroids):
                if level == "subtopic" and children.get(self.parent_of_[t], 0) < 2:
                    continue  # a topic with one subtopic is that subtopic: no second row for it
                terms = data.terms.get(t, [])
                rows.append(
                    {
                        "level": level,
                        "local_id": t,
                        "parent_local": self.parent_of_.get(t) if level == "subtopic" else None,
                        "size": int(np.sum(data.labels == t)),
                        "top_terms": terms,
                        "representative": reps[t],
                        "label": make_label([w for w, _ in terms]),
                    }
                )
        return pd.DataFrame(rows)
