"""The topic model: BERTopic, with an ensemble of UMAP layouts and a consensus of their HDBSCAN clusters as its
reduction and clustering steps, over each paper's sentence vector beside a vector of its words (topics.lexical),
and c-TF-IDF terms. Two levels: areas (the top-level topics) and the research lines inside them (subtopics), both
found by the consensus (topics.consensus)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from papertrends.config import Settings
from papertrends.topics.consensus import ClusterSettings, ConsensusClusterer
from papertrends.topics.ensemble import EnsembleReducer, EnsembleSettings
from papertrends.topics.levels import OUTLIER, Level, centroids, group_topics, map_coordinates
from papertrends.topics.lexical import joined, lexical_vectors
from papertrends.topics.sizes import FitSizes, fit_sizes
from papertrends.topics.terms import (
    build_ctfidf,
    build_vectorizer,
    import_bertopic,
    make_label,
    term_text,
    topic_terms,
)

if TYPE_CHECKING:
    from bertopic import BERTopic

FEWEST_PAPERS = 10


def build_bertopic(settings: Settings, sizes: FitSizes) -> BERTopic:
    """A BERTopic whose every component comes from the config; nothing is left to library defaults."""
    BERTopic = import_bertopic()  # noqa: N806
    u, h, t = settings.umap, settings.hdbscan, settings.topics
    reducer = EnsembleReducer(
        EnsembleSettings(members=t.members, n_neighbors=sizes.n_neighbors, n_components=u.n_components,
                         min_dist=u.min_dist, n_epochs=sizes.n_epochs, augment=t.augment, seed=t.seed,
                         backend=t.backend)
    )  # fmt: skip
    clusterer = ConsensusClusterer(
        ClusterSettings(members=t.members, n_components=u.n_components, min_cluster_size=sizes.min_cluster_size,
                        area_cluster_size=sizes.area_size, min_samples=h.min_samples,
                        selection=h.cluster_selection_method, outlier_strategy=t.outlier_strategy,
                        outlier_quantile=t.outlier_quantile, backend=t.backend)
    )  # fmt: skip

    class TopicsOnly(BERTopic):  # type: ignore[misc, valid-type]
        def _save_representative_docs(self, documents: pd.DataFrame) -> None:
            # BERTopic samples 500 papers per topic for its own 3 representative papers, time a fit spends for
            # nothing: `TopicModel.representatives` picks ours from the centroids, so BERTopic keeps none.
            self.representative_docs_ = {}

    return TopicsOnly(
        embedding_model=None,
        umap_model=reducer,
        hdbscan_model=clusterer,
        vectorizer_model=build_vectorizer(settings),
        ctfidf_model=build_ctfidf(settings),
        top_n_words=t.top_n_words,
        calculate_probabilities=False,
        verbose=False,
    )


class TopicModel:
    """Estimator contract: __init__ stores settings, fit returns self, learned state ends in `_`.

    After fit: `subtopics_` (the research lines), `topics_` (the areas that hold them), `outliers_before_`
    (the share of papers outside every consensus cluster), `parent_of_` (subtopic -> topic), `sizes_` (the
    size-dependent settings used), `coordinates_` (the map's 2-D positions). The fitted BERTopic is not kept (its
    vocabulary is the fit's largest object).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def fit(
        self,
        docs: Sequence[str],
        embeddings: np.ndarray,
        paper_ids: Sequence[str],
    ) -> TopicModel:
        """Fit both levels on all papers."""
        if len(docs) != len(embeddings) or len(docs) != len(paper_ids):
            raise ValueError(f"{len(docs)} documents, {len(embeddings)} embeddings, {len(paper_ids)} ids")
        if len(docs) < FEWEST_PAPERS:
            raise ValueError(f"{len(docs)} papers are too few to find topics: add snapshots (at least {FEWEST_PAPERS})")
        t = self.settings.topics
        self.sizes_ = fit_sizes(self.settings, len(docs))
        model = build_bertopic(self.settings, self.sizes_)
        texts = [term_text(d) for d in docs]
        lexical = lexical_vectors(texts, t.lexical_dims, t.seed) if t.lexical_weight > 0 else np.zeros((len(docs), 0))
        model.fit(texts, joined(np.asarray(embeddings, dtype=np.float32), lexical, t.lexical_weight))
        fine = np.asarray(model.hdbscan_model.labels_, dtype=int)
        areas = np.asarray(model.hdbscan_model.areas_, dtype=int)
        group = group_topics(embeddings, areas, self.sizes_.top_level_topics, t.seed)
        top = np.array([group.get(int(a), OUTLIER) for a in areas], dtype=int)
        self.outliers_before_ = model.hdbscan_model.outliers_before_
        self.subtopics_ = Level(fine, self._subtopic_terms(model, fine), centroids(embeddings, fine))
        self.coordinates_ = map_coordinates(model.umap_model.embedding_, t.seed)
        # BERTopic is not kept: its vectorizer's 1-2-gram vocabulary and c-TF-IDF matrix go before the top level's
        # terms build their own, where both together would make the run's peak (docs/benchmarks.md).
        del model
        self.parent_of_ = {int(k): int(top[np.argmax(fine == k)]) for k in sorted(set(fine.tolist()) - {OUTLIER})}
        self.topics_ = Level(top, topic_terms(docs, top, self.settings), centroids(embeddings, top))
        self.paper_ids_ = list(paper_ids)
        self.embeddings_ = embeddings
        return self

    def _subtopic_terms(self, model: object, fine: np.ndarray) -> dict[int, list[tuple[str, float]]]:
        """BERTopic's c-TF-IDF terms of each subtopic (BERTopic may renumber topics: matched by its papers)."""
        theirs = np.asarray(model.topics_)  # type: ignore[attr-defined]
        out = {}
        for t in sorted(set(fine.tolist()) - {OUTLIER}):
            values, counts = np.unique(theirs[fine == t], return_counts=True)
            words = model.get_topic(int(values[counts.argmax()])) or []  # type: ignore[attr-defined]
            out[t] = [(str(w), round(float(v), 6)) for w, v in words if w and v > 0]
        return out

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
        rows: list[dict] = []
        labels: dict[int, str] = {}  # the areas', for their lines to differ from
        for level, data in (("topic", self.topics_), ("subtopic", self.subtopics_)):
            reps = self.representatives(data.labels, data.centroids, n)
            for t in sorted(data.centroids):
                if level == "subtopic" and children.get(self.parent_of_[t], 0) < 2:
                    continue  # a topic with one subtopic is that subtopic: no second row for it
                terms = data.terms.get(t, [])
                avoid = labels.get(self.parent_of_[t], "") if level == "subtopic" else ""
                label = make_label([w for w, _ in terms], avoid=avoid, taken={r["label"] for r in rows})
                if level == "topic":
                    labels[t] = label
                rows.append(
                    {
                        "level": level,
                        "local_id": t,
                        "parent_local": self.parent_of_.get(t) if level == "subtopic" else None,
                        "size": int(np.sum(data.labels == t)),
                        "top_terms": terms,
                        "representative": reps[t],
                        "label": label,
                    }
                )
        return pd.DataFrame(rows)
