"""The UMAP/HDBSCAN backend: cuML when asked for and importable, else the CPU libraries with a clear warning."""

from __future__ import annotations

import importlib.util
import logging

import numpy as np
import pytest

from papertrends.topics import reduction_and_clustering


@pytest.mark.skipif(importlib.util.find_spec("cuml") is not None, reason="cuML is installed here")
def test_cuml_asked_for_but_missing_falls_back_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="papertrends.topics"):
        umap_class, hdbscan_class, backend = reduction_and_clustering("cuml")
    assert (
        backend == "cpu" and umap_class.__module__.startswith("umap") and hdbscan_class.__module__.startswith("hdbscan")
    )
    assert "cuML cannot be imported" in caplog.text and "on the CPU" in caplog.text


def test_cpu_by_default() -> None:
    assert reduction_and_clustering("cpu")[2] == "cpu"


def test_exact_neighbours_match_a_brute_force_search() -> None:
    """UMAP gets exact cosine neighbours, self first, the same as scikit-learn's brute-force search finds."""
    from sklearn.neighbors import NearestNeighbors

    from papertrends.topics import exact_neighbors

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2500, 24)).astype(np.float32)
    x[7] = x[6]  # a duplicate: each copy is still its own first neighbour
    indices, distances = exact_neighbors(x, 15, block=512)  # several blocks, the last one short
    reference = NearestNeighbors(n_neighbors=15, metric="cosine", algorithm="brute").fit(x)
    ref_dist, ref_idx = reference.kneighbors(x)
    assert (indices[:, 0] == np.arange(len(x))).all() and np.allclose(distances[:, 0], 0, atol=1e-6)
    assert indices[6, 1] == 7 and indices[7, 1] == 6
    assert np.allclose(distances, ref_dist, atol=1e-5)
    same = np.mean([len(set(a) & set(b)) / 15 for a, b in zip(indices[8:], ref_idx[8:], strict=True)])
    assert same > 0.999  # ties aside, the very same neighbours


def test_topic_terms_are_the_dense_c_tf_idf_top_terms() -> None:
    """Top terms come from the sparse c-TF-IDF matrix (a dense one is gigabytes at 46k papers), unchanged."""
    from papertrends.config import Settings
    from papertrends.topics import build_ctfidf, build_vectorizer, topic_terms

    words = [
        "graph",
        "neural",
        "network",
        "molecule",
        "robot",
        "policy",
        "reward",
        "vision",
        "language",
        "model",
        "token",
        "attention",
    ]
    rng = np.random.default_rng(5)
    docs = [" ".join(rng.choice(words, size=12)) for _ in range(300)]
    labels = rng.integers(-1, 6, size=300)
    settings = Settings()
    got = topic_terms(docs, labels, settings)
    ids = sorted(set(labels.tolist()) - {-1})
    vectorizer = build_vectorizer(settings)
    dense = (
        build_ctfidf(settings)
        .fit_transform(
            vectorizer.fit_transform(
                [" ".join(d for d, lab in zip(docs, labels, strict=True) if lab == t) for t in ids]
            )
        )
        .toarray()
    )
    names = vectorizer.get_feature_names_out()
    for row, t in enumerate(ids):
        order = np.argsort(-dense[row], kind="stable")[: settings.topics.top_n_words]
        assert got[t] == [(str(names[j]), round(float(dense[row, j]), 6)) for j in order if dense[row, j] > 0]
