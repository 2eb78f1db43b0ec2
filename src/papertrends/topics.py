"""The topic model: BERTopic built explicitly from the config (UMAP, HDBSCAN, CountVectorizer, c-TF-IDF), seeded."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from papertrends.config import Settings

log = logging.getLogger(__name__)

OUTLIER = -1


def build_bertopic(settings: Settings, n_docs: int):  # noqa: ANN201 - bertopic is imported only here
    """A BERTopic whose every component comes from the config; nothing is left to library defaults."""
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    u, h, v, t = settings.umap, settings.hdbscan, settings.vectorizer, settings.topics
    umap_model = UMAP(
        n_neighbors=min(u.n_neighbors, max(2, n_docs - 1)),
        n_components=u.n_components,
        min_dist=u.min_dist,
        metric=u.metric,
        random_state=t.seed,
        low_memory=True,
    )
    hdbscan_model = HDBSCAN(
        min_cluster_size=h.min_cluster_size,
        min_samples=h.min_samples,
        metric=h.metric,
        cluster_selection_method=h.cluster_selection_method,
        prediction_data=False,
        core_dist_n_jobs=1,
    )
    vectorizer_model = CountVectorizer(stop_words=v.stop_words, ngram_range=tuple(v.ngram_range), min_df=v.min_df)
    ctfidf_model = ClassTfidfTransformer(reduce_frequent_words=t.reduce_frequent_words, bm25_weighting=t.bm25_weighting)
    return BERTopic(
        embedding_model=None,
        umap_model=umap_model,
        hdbscan_model=hdbscan_model,
        vectorizer_model=vectorizer_model,
        ctfidf_model=ctfidf_model,
        top_n_words=t.top_n_words,
        calculate_probabilities=False,
        verbose=False,
    )


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


class TopicModel:
    """Estimator contract: __init__ stores settings, fit returns self, learned state ends in `_`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def fit(self, docs: Sequence[str], embeddings: np.ndarray, paper_ids: Sequence[str]) -> TopicModel:
        if len(docs) != len(embeddings) or len(docs) != len(paper_ids):
            raise ValueError(f"{len(docs)} documents, {len(embeddings)} embeddings, {len(paper_ids)} ids")
        min_docs = self.settings.hdbscan.min_cluster_size * 2
        if len(docs) < min_docs:
            raise ValueError(
                f"{len(docs)} papers are too few to find topics with min_cluster_size="
                f"{self.settings.hdbscan.min_cluster_size}: add snapshots or lower [hdbscan] min_cluster_size"
            )
        model = build_bertopic(self.settings, len(docs))
        topics, _ = model.fit_transform(list(docs), embeddings)
        self.model_ = model
        self.topics_ = np.asarray(topics, dtype=int)
        self.paper_ids_ = list(paper_ids)
        self.topic_table_ = self._topic_table(embeddings)
        return self

    @property
    def outlier_share_(self) -> float:
        return float(np.mean(self.topics_ == OUTLIER)) if len(self.topics_) else 0.0

    def _topic_table(self, embeddings: np.ndarray) -> pd.DataFrame:
        rows = []
        n_rep = self.settings.topics.representative_docs
        for topic_id in sorted(set(self.topics_.tolist())):
            members = np.flatnonzero(self.topics_ == topic_id)
            terms = [] if topic_id == OUTLIER else [(w, float(s)) for w, s in self.model_.get_topic(topic_id) if w]
            centroid = embeddings[members].mean(axis=0)
            centroid /= np.linalg.norm(centroid) or 1.0
            closeness = embeddings[members] @ centroid
            order = members[np.lexsort((members, -closeness))][:n_rep]
            rows.append(
                {
                    "topic_id": int(topic_id),
                    "label": "outliers" if topic_id == OUTLIER else make_label([w for w, _ in terms]),
                    "size": int(len(members)),
                    "top_terms": terms,
                    "representative": [self.paper_ids_[i] for i in order],
                }
            )
        return pd.DataFrame(rows)

    def assignments(self) -> pd.DataFrame:
        return pd.DataFrame({"paper_id": self.paper_ids_, "topic_id": self.topics_})
