"""NPMI coherence and diversity, on documents where the answer is known."""

from __future__ import annotations

from papertrends.quality import diversity, evaluate, top_words


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
