"""What a topic is about, in words: BERTopic's c-TF-IDF (one document per topic), the top terms, a label."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

import numpy as np

from papertrends.config import Settings
from papertrends.topics.levels import OUTLIER

# Importing BERTopic imports its optional transformer-based parts (text generation, zero-shot, visual) and torch
# (to save models): memory and import time that a fit never uses (docs/benchmarks.md). They are imported as if not
# installed, BERTopic's own path for a `--no-deps` install (each becomes a `NotInstalled`), unless this process
# already has them.
_UNUSED_BY_A_FIT = (
    "bertopic.representation._textgeneration",
    "bertopic.representation._zeroshot",
    "bertopic.representation._visual",
    "torch",
)


# BERTopic's own preprocessing deletes every character but letters, digits and spaces before its c-TF-IDF, so a
# hyphenated compound became one word no paper uses ("visionlanguageaction", "lowrank"). What joins words is made
# a space first: the terms are the papers' words ("vision language action"), as the areas' own vectorizer sees them.
_JOINERS = re.compile(r"[-\u2010-\u2015/]")


def term_text(doc: str) -> str:
    """A document as BERTopic's c-TF-IDF should read it: words joined by hyphens or slashes apart."""
    return _JOINERS.sub(" ", doc)


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


def build_vectorizer(settings: Settings) -> CountVectorizer:
    from papertrends.vectorizer import CountingVectorizer  # CountVectorizer's counts, on arrays

    v = settings.vectorizer
    return CountingVectorizer(stop_words=v.stop_words, ngram_range=tuple(v.ngram_range), min_df=v.min_df)


def build_ctfidf(settings: Settings) -> ClassTfidfTransformer:
    from bertopic.vectorizers import ClassTfidfTransformer

    t = settings.topics
    return ClassTfidfTransformer(reduce_frequent_words=t.reduce_frequent_words, bm25_weighting=t.bm25_weighting)


def make_label(terms: Sequence[str], n: int = 3, avoid: str = "", taken: Collection[str] = ()) -> str:
    """A readable label from ranked top terms: 'language models' stands for 'language' and 'models'.

    Terms made only of `avoid`'s words (a research line's area's label) are passed over while others remain, and
    a label already `taken` (another topic's) takes in the next terms until it differs."""
    plain = set(avoid.replace(",", " ").split())
    own = [t for t in terms if not set(t.split()) <= plain]
    ranked = own if len(own) >= n else list(terms)
    label = "(no terms)"
    for more in range(n, max(n, len(ranked)) + 1):
        label = _joined(ranked, more) or label
        if label not in taken:
            return label
    return label


def _joined(terms: Sequence[str], n: int) -> str:
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
    return ", ".join(chosen)


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
