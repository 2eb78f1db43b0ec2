"""The papers' own words beside their sentence vectors, for the fit's neighbourhoods and clusters.

A sentence vector places a paper by what it is about as a whole: a mixture-of-experts paper on vision models sits
among vision papers, a KV-cache paper among long-context ones. A research line is often named by a few words that
cut across those neighbourhoods ("mixture of experts", "speculative decoding", "retrieval-augmented"). So the fit
clusters each paper's sentence vector beside a latent-semantic vector of its words (TF-IDF of words and word pairs,
reduced by a truncated SVD: words that occur together, as "moe" and "experts" do, point the same way), weighted
`[topics] lexical_weight` against `1 - lexical_weight` so that cosine similarity of the joined vectors is that mix
of the two cosines.

Measured on hf-daily-api (6,141 papers; docs/stability.md, README "Research lines checked"): the share of a
research line's papers among each of its papers' 15 nearest neighbours, over the 24 lines of `bench/trend_truth.py`,
0.44 with the sentence vectors alone, 0.51 with a weight of 0.3 (128 dimensions); lines with a topic of F1 >= 0.5,
9 of 24 before, 15 with it.

The words do not depend on the embedding runtime, so this part of every similarity is the same on every machine.
The areas still agree less across runtimes than with the sentence vectors alone (lowest ARI 0.86 against 0.91,
docs/stability.md): `lexical_weight = 0` gives that fit back exactly. New papers between refits are still placed
by their sentence vectors alone (`analysis.place_new_papers`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from papertrends.topics.neighbors import unit_rows

MIN_DF = 5  # a word or pair in fewer papers says little about its neighbours (2 did no better, 4x the vocabulary)
MAX_DF = 0.5  # one in more than half of them says nothing either


def lexical_vectors(texts: Sequence[str], dims: int, seed: int) -> np.ndarray:
    """Unit latent-semantic vectors of the texts (`dims` wide at most; zeros where a text has no counted word)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer

    from papertrends.vectorizer import CountingVectorizer

    # TfidfVectorizer's weights (sublinear TF, smoothed IDF, unit rows) on CountVectorizer's counts, counted on arrays
    vectorizer = CountingVectorizer(stop_words="english", ngram_range=(1, 2), min_df=MIN_DF, max_df=MAX_DF,
                                    dtype=np.float32)  # fmt: skip
    try:
        counts = TfidfTransformer(sublinear_tf=True).fit_transform(vectorizer.fit_transform(texts))
    except ValueError:  # no word in five papers and under half of them: nothing to add
        return np.zeros((len(texts), 0), dtype=np.float32)
    k = min(dims, counts.shape[1] - 1, len(texts) - 1)
    if k < 1:
        return np.zeros((len(texts), 0), dtype=np.float32)
    # One BLAS thread: with two, OpenBLAS gave other last bits (6,141 papers' vectors differed by up to 4e-9), and the
    # same inputs must give the same topics on one machine, however many threads it lends. The SVD's time is its
    # sparse products, which take one thread anyway (46k papers: 11.6 s on one thread, 10.6 s on two).
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        reduced = TruncatedSVD(n_components=k, random_state=seed).fit_transform(counts)
    return unit_rows(reduced)


def joined(embeddings: np.ndarray, lexical: np.ndarray, weight: float) -> np.ndarray:
    """The sentence vectors beside the lexical ones, scaled so that the cosine of two joined unit vectors is
    (1 - weight) x their sentence cosine + weight x their lexical cosine."""
    if weight <= 0 or lexical.shape[1] == 0:
        return np.asarray(embeddings, dtype=np.float32)  # as they came: a weight of 0 fits what it did before
    return np.hstack([np.sqrt(1 - weight) * unit_rows(embeddings), np.sqrt(weight) * lexical]).astype(np.float32)
