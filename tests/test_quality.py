"""NPMI coherence and diversity, on documents where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SAMPLES
from papertrends.quality import diversity, evaluate, npmi, top_words, window_counts


def test_words_that_occur_together_are_more_coherent_than_words_that_never_do() -> None:
    docs = ["graph neural network node edge"] * 30 + ["protein folding structure"] * 30 + ["weather rain"] * 30
    scores = evaluate(
        {
            "together": {0: ["graph", "node", "edge"], 1: ["protein", "folding", "structure"]},
            "apart": {0: ["graph", "protein", "rain"], 1: ["node", "folding", "weather"]},
        },
        docs,
    )
    assert scores["together"]["npmi"] > 0.5 > scores["apart"]["npmi"]
    assert scores["together"]["topics"] == 2


def test_diversity_and_top_words() -> None:
    assert diversity([["a", "b"], ["c", "d"]]) == 1.0 and diversity([["a", "b"], ["a", "b"]]) == 0.5
    assert top_words(["language models", "language", "llm"], {"language", "models", "llm"}) == [
        "language",
        "models",
        "llm",
    ]


def gensim_counts(texts: list[list[str]], words: list[str], window: int) -> tuple[dict, int]:
    """Every word's and pair's window count as gensim's own accumulator finds them."""
    from gensim.corpora import Dictionary
    from gensim.topic_coherence.text_analysis import WordOccurrenceAccumulator

    dictionary = Dictionary(texts)
    ids = [dictionary.token2id[w] for w in words]
    acc = WordOccurrenceAccumulator(set(ids), dictionary).accumulate(texts, window)
    counts = {(a, b): acc[[ids[a], ids[b]]] for a in range(len(words)) for b in range(len(words)) if a != b}
    counts |= {(a, a): acc[ids[a]] for a in range(len(words))}
    return counts, acc.num_docs


def test_window_counts_are_gensims_on_texts_that_repeat_words_inside_a_window() -> None:
    """Short texts, empty ones, and words repeated a few tokens apart: where gensim's sliding drops a word that
    is still inside the window. Three window sizes, 200 random texts each."""
    rng = np.random.default_rng(0)
    vocabulary = [f"w{i}" for i in range(12)]
    texts = [list(rng.choice(vocabulary, size=rng.integers(0, 40))) for _ in range(200)] + [[]]
    words = vocabulary[:7]
    for window in (3, 5, 10):
        ours = window_counts(texts, words, window)
        theirs, windows = gensim_counts(texts, words, window)
        assert ours.num_docs == windows
        assert {(a, b): ours[a] if a == b else ours[a, b] for a, b in theirs} == theirs


def test_npmi_is_gensims_coherence_model_on_real_abstracts() -> None:
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    from papertrends.ingest import read_snapshots
    from papertrends.quality import tokenizer

    papers = {e.title: e.abstract for s in read_snapshots(SAMPLES).snapshots for e in s.entries}
    analyse = tokenizer()
    texts = [analyse(f"{title}. {abstract}") for title, abstract in papers.items()]
    topics = [
        ["language", "models", "reasoning", "llms", "tasks"],
        ["video", "generation", "diffusion", "image"],
        ["agents", "tool", "benchmark", "web"],
        ["3d", "scene", "reconstruction", "gaussian", "view"],
    ]
    expected = CoherenceModel(topics=topics, texts=texts, dictionary=Dictionary(texts), coherence="c_npmi",
                              processes=1).get_coherence()  # fmt: skip
    assert len(texts) > 300
    assert npmi(topics, texts, set().union(*texts)) == pytest.approx(expected, abs=1e-12)
