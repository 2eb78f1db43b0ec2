"""Topic quality: NPMI coherence (gensim's c_npmi) and topic diversity, on the top 10 words of each topic.

Documents are tokenised the same way for every model compared: scikit-learn's English analyzer, unigrams. Topic
terms that are n-grams are split into their words; each topic's first 10 distinct words are scored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gensim.corpora import Dictionary

TOP_WORDS = 10


def tokenizer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(stop_words="english").build_analyzer()


def top_words(terms: Iterable[str], vocabulary: set[str] | None = None, n: int = TOP_WORDS) -> list[str]:
    words: list[str] = []
    for term in terms:
        for word in term.split():
            if word not in words and (vocabulary is None or word in vocabulary):
                words.append(word)
    return words[:n]


def diversity(topics: Sequence[Sequence[str]]) -> float:
    """Share of unique words among all topics' top words (1 = no topic repeats another's words)."""
    words = [w for t in topics for w in t[:TOP_WORDS]]
    return len(set(words)) / len(words) if words else 0.0


def npmi(topics: Sequence[Sequence[str]], texts: Sequence[Sequence[str]], dictionary: Dictionary) -> float:
    """Mean c_npmi over topics (gensim CoherenceModel, its default sliding window)."""
    from gensim.models.coherencemodel import CoherenceModel

    usable = [kept for t in topics if len(kept := [w for w in t if w in dictionary.token2id]) >= 2]
    if not usable:
        return float("nan")
    model = CoherenceModel(
        topics=usable, texts=texts, dictionary=dictionary, coherence="c_npmi", topn=TOP_WORDS, processes=1
    )
    return float(model.get_coherence())


def evaluate(models: Mapping[str, Mapping[int, list[str]]], docs: Sequence[str]) -> dict[str, dict[str, float]]:
    """NPMI and diversity of each named set of topics (topic -> ranked terms), on the same tokenised documents."""
    from gensim.corpora import Dictionary

    analyse = tokenizer()
    texts = [analyse(d) for d in docs]
    dictionary = Dictionary(texts)
    vocabulary = set(dictionary.token2id)
    out = {}
    for name, topic_terms in models.items():
        topics = [top_words(terms, vocabulary) for _, terms in sorted(topic_terms.items()) if terms]
        out[name] = {"npmi": round(npmi(topics, texts, dictionary), 4), "diversity": round(diversity(topics), 4),
                     "topics": len(topics)}  # fmt: skip
    return out
