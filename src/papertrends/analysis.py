"""Fit topics over every stored paper and measure each topic's share of each digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from papertrends.config import Settings
from papertrends.prevalence import prevalence
from papertrends.store import Store, embedding_text
from papertrends.topics import OUTLIER, TopicModel


@dataclass(frozen=True, slots=True)
class Analysis:
    corpus_hash: str
    papers: pd.DataFrame  # paper_id, title, abstract, text_hash, published, arxiv_id
    topics: pd.DataFrame
    assignments: pd.DataFrame
    prevalence: pd.DataFrame

    @property
    def n_topics(self) -> int:
        return int((self.topics["topic_id"] != OUTLIER).sum())

    @property
    def outlier_share(self) -> float:
        return float((self.assignments["topic_id"] == OUTLIER).mean()) if len(self.assignments) else 0.0


def corpus_hash(text_hashes: list[str], fit_hash: str) -> str:
    """The same papers with the same texts and the same fit settings give the same hash."""
    digest = hashlib.sha256(fit_hash.encode())
    for h in sorted(text_hashes):
        digest.update(h.encode())
    return digest.hexdigest()[:16]


def fit_topics(papers: pd.DataFrame, embeddings: np.ndarray, settings: Settings) -> TopicModel:
    docs = [embedding_text(t, a) for t, a in zip(papers["title"], papers["abstract"], strict=True)]
    return TopicModel(settings).fit(docs, embeddings, papers["paper_id"].tolist())


def analyse(store: Store, settings: Settings, model_id: str) -> Analysis:
    """Fit over the whole corpus, then compute prevalence per digest date."""
    papers, embeddings = store.corpus(model_id)
    model = fit_topics(papers, embeddings, settings)
    assignments = model.assignments()
    return Analysis(
        corpus_hash=corpus_hash(papers["text_hash"].tolist(), settings.fit_hash()),
        papers=papers,
        topics=model.topic_table_,
        assignments=assignments,
        prevalence=prevalence(assignments, store.sightings()),
    )
