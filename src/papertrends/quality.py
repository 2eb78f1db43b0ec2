"""Topic quality: NPMI coherence (gensim's c_npmi) and topic diversity, on the top 10 words of each topic.

Documents are tokenised the same way for every model compared: scikit-learn's English analyzer, unigrams. Topic
terms that are n-grams are split into their words; each topic's first 10 distinct words are scored.

gensim scores NPMI from how many sliding windows of 10 tokens hold each word and each pair of words. Its counter
(`WordOccurrenceAccumulator`) walks the windows in Python, one at a time, which is most of the scoring's time
(docs/benchmarks.md). `window_counts` gives the same counts from numpy arrays, and gensim's own measure turns them
into NPMI (tests/test_quality.py checks both against gensim's CoherenceModel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
from scipy import sparse

TOP_WORDS = 10
WINDOW = 10  # gensim's sliding window for c_npmi
DENSE_WORDS = 4000  # up to this many scored words, their pair counts are held as an array (128 MB at most)


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


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """How many windows hold each word (by its index), and each pair; gensim's accumulator protocol."""

    together: sparse.csr_matrix | np.ndarray  # windows holding both words; the diagonal: windows holding the word
    num_docs: int  # gensim's name for the number of windows

    def __getitem__(self, word_or_pair: int | Sequence[int]) -> int:
        if isinstance(word_or_pair, int | np.integer):
            return int(self.together[word_or_pair, word_or_pair])
        a, b = word_or_pair
        return int(self.together[a, b])


def window_counts(texts: Sequence[Sequence[str]], words: Sequence[str], window: int = WINDOW) -> WindowCounts:
    """Count `words` and their pairs over every sliding window of `window` tokens, as gensim's
    `WordOccurrenceAccumulator` counts them for `c_npmi`.

    A text of n >= `window` tokens has n - window + 1 windows; a shorter one (an empty one too) is one window.
    gensim slides a window by dropping the token that leaves it and adding the one that enters, so a word that
    leaves while another copy of it stays inside counts as absent until a copy of it enters again. The same
    rule here, in arrays: an occurrence at position p enters at window max(0, p - window + 1), and the word
    stays present until the window after the first occurrence at or after that window's start has left.
    """
    index = {w: i for i, w in enumerate(words)}
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    windows = np.maximum(1, lengths - window + 1)
    first_window = np.concatenate([[0], np.cumsum(windows)[:-1]])
    # every token's word (-1: not one of `words`), text and position, read in C by map rather than token by token
    tokens = int(lengths.sum())
    every = np.fromiter(map(index.get, chain.from_iterable(texts), repeat(-1, tokens)), dtype=np.int64, count=tokens)
    found = every >= 0
    t = np.repeat(np.arange(len(texts)), lengths)[found]  # text, position and word of each token of `words`
    p = (np.arange(tokens) - np.repeat(np.cumsum(lengths) - lengths, lengths))[found]
    w = every[found]
    together = sparse.csr_matrix((len(words), len(words)), dtype=np.int64)
    if len(w):
        # the occurrences of each word in each text, in order of position
        order = np.lexsort((p, w, t))
        t, p, w = t[order], p[order], w[order]
        group = np.concatenate([[0], np.cumsum((np.diff(t) != 0) | (np.diff(w) != 0))])
        stride = int(lengths.max()) + 1
        enter = np.maximum(0, p - window + 1)
        first_inside = np.searchsorted(group * stride + p, group * stride + enter)  # never past this occurrence
        last = np.minimum(p[first_inside], windows[t] - 1)
        span = last - enter + 1
        rows = np.repeat(first_window[t] + enter, span) + (
            np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
        )
        present = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, np.repeat(w, span))),
                                    shape=(int(windows.sum()), len(words)))  # fmt: skip
        present.data[:] = 1  # a window holds a word once, however many of its copies entered it
        together = (present.T @ present).tocsr()
    # gensim reads it one count at a time: from an array when it is small (a sparse lookup costs 20 us)
    small = len(words) <= DENSE_WORDS
    return WindowCounts(together.toarray() if small else together, int(windows.sum()))


def npmi(topics: Sequence[Sequence[str]], texts: Sequence[Sequence[str]], vocabulary: set[str]) -> float:
    """Mean c_npmi over topics: gensim's normalised log-ratio measure on the window counts, its arithmetic mean."""
    from gensim.topic_coherence import aggregation, direct_confirmation_measure, segmentation

    usable = [kept for t in topics if len(kept := [w for w in t[:TOP_WORDS] if w in vocabulary]) >= 2]
    if not usable:
        return float("nan")
    words = sorted({w for t in usable for w in t})
    counts = window_counts(texts, words)
    ids = {w: i for i, w in enumerate(words)}
    segmented = segmentation.s_one_one([np.array([ids[w] for w in t]) for t in usable])
    per_topic = direct_confirmation_measure.log_ratio_measure(segmented, counts, normalize=True)
    return float(aggregation.arithmetic_mean(per_topic))


def evaluate(models: Mapping[str, Mapping[int, list[str]]], docs: Sequence[str]) -> dict[str, dict[str, float]]:
    """NPMI and diversity of each named set of topics (topic -> ranked terms), on the same tokenised documents."""
    analyse = tokenizer()
    texts = [analyse(d) for d in docs]
    vocabulary = set().union(*texts)
    out = {}
    for name, topic_terms in models.items():
        topics = [top_words(terms, vocabulary) for _, terms in sorted(topic_terms.items()) if terms]
        out[name] = {"npmi": round(npmi(topics, texts, vocabulary), 4), "diversity": round(diversity(topics), 4),
                     "topics": len(topics)}  # fmt: skip
    return out
