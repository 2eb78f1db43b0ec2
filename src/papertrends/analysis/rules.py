"""Rules the analysis applies in more than one place, each written once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pandas as pd

from papertrends.embedding.text import embedding_text


def corpus_hash(text_hashes: list[str], fit_hash: str) -> str:
    """The same papers with the same texts and the same fit settings give the same hash."""
    digest = hashlib.sha256(fit_hash.encode())
    for h in sorted(text_hashes):
        digest.update(h.encode())
    return digest.hexdigest()[:16]


def documents(papers: pd.DataFrame) -> list[str]:
    """The texts a fit sees, one per paper (the embedding's text recipe)."""
    return [embedding_text(t, a) for t, a in zip(papers["title"], papers["abstract"], strict=True)]


def with_user_labels(topics: pd.DataFrame, labels: Mapping[int, str]) -> pd.DataFrame:
    """Topics with `[topics.labels]` applied: a label the user gave a registry id wins over the fitted one."""
    return topics.assign(
        label=[labels.get(int(i), lab) for i, lab in zip(topics["topic_id"], topics["label"], strict=True)]
    )
