"""The phrases of a corpus, counted: which 1-3-grams of titles and abstracts are in enough papers, and which papers
use each (`phrase_matrix`). Pure; `terms.term_trends` tests them for trends."""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

import numpy as np
from scipy import sparse

__all__ = ["phrase_matrix"]


def phrase_matrix(
    texts: list[str], stop_words: str | list[str] | None, min_df: int
) -> tuple[sparse.csc_matrix, np.ndarray]:
    """Papers x phrases (1-3-grams, stop words out, in at least `min_df` papers; 1 where a paper uses it) and the
    phrases: what scikit-learn's CountVectorizer(ngram_range=(1, 3), binary=True, min_df=min_df) gives, with its
    tokens and its sorted vocabulary.

    Counted on arrays of word ids rather than phrase by phrase in Python (12.5 s to 5.6 s on 46k abstracts:
    docs/benchmarks.md), and without first holding every phrase of the corpus: a phrase is in no more papers than
    each of its parts, so words are counted first, then the pairs of frequent words, and a triple only where both
    its pairs are frequent (the a-priori rule). Raises ValueError when no phrase is in `min_df` papers."""
    words, paper, vocabulary = _word_ids(texts, stop_words)
    n_words = max(len(vocabulary), 1)
    grams = _occurrences(words, paper, n_words, min_df)
    pairs = grams[1].keys
    columns: list[np.ndarray] = []
    names: list[str] = []
    for n, gram in enumerate(grams, start=1):
        column = np.full(len(gram.keys), -1, dtype=np.int64)
        column[gram.kept] = np.arange(gram.kept.sum()) + len(names)
        names += _phrases(gram.keys[gram.kept], n, n_words, vocabulary, pairs)
        columns.append(column[gram.of])
    if not names:
        raise ValueError("no phrase is in enough papers")
    order = sorted(range(len(names)), key=names.__getitem__)  # CountVectorizer's vocabulary order
    position = np.empty(len(names), dtype=np.int64)
    position[order] = np.arange(len(names))
    rows = np.concatenate([paper[gram.at] for gram in grams])
    cols = np.concatenate(columns)
    found = cols >= 0
    ones = np.ones(int(found.sum()), dtype=np.int64)
    x = sparse.coo_matrix((ones, (rows[found], position[cols[found]])), shape=(len(texts), len(names))).tocsr()
    x.data[:] = 1  # binary: a paper uses a phrase or not
    return x.tocsc(), np.array([names[i] for i in order], dtype=object)


def _word_ids(texts: list[str], stop_words: str | list[str] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every text's words as CountVectorizer tokenizes them, stop words out: their ids one after another, the
    paper each is in, and the words (id -> word)."""
    from sklearn.feature_extraction.text import CountVectorizer

    plain = CountVectorizer(stop_words=stop_words)
    preprocess, tokenize, stop = plain.build_preprocessor(), plain.build_tokenizer(), plain.get_stop_words() or ()
    ids: dict[str, int] = {}
    docs = [[ids.setdefault(w, len(ids)) for w in tokenize(preprocess(text)) if w not in stop] for text in texts]
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    words = np.fromiter(chain.from_iterable(docs), dtype=np.int64, count=int(lengths.sum()))
    paper = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    return words, paper, np.array(list(ids), dtype=object)


class Grams(NamedTuple):
    """The occurrences of one n's n-grams that the a-priori rule keeps: their distinct keys (a word's key is its id;
    a pair's, its words' ids combined; a triple's, its first pair's rank among the frequent pairs combined with its
    last word), the key of each occurrence as an index into them, where each occurrence starts, and which keys are
    in enough papers."""

    keys: np.ndarray
    of: np.ndarray
    at: np.ndarray
    kept: np.ndarray


def _occurrences(words: np.ndarray, paper: np.ndarray, n_words: int, min_df: int) -> tuple[Grams, Grams, Grams]:
    """The words, the pairs of frequent words that are frequent themselves, and the triples of two frequent pairs;
    each key's papers are counted once."""
    frequent_word = _document_frequency(paper, words, n_words) >= min_df
    same = paper[:-1] == paper[1:]
    pair_at = np.flatnonzero(same & frequent_word[words[:-1]] & frequent_word[words[1:]])
    pair_keys, pair_of = _unique(words[pair_at] * n_words + words[pair_at + 1])
    frequent_pair = _document_frequency(paper[pair_at], pair_of, len(pair_keys)) >= min_df
    keep = frequent_pair[pair_of]
    pair_at, pair_of = pair_at[keep], (np.cumsum(frequent_pair) - 1)[pair_of[keep]]  # ranks among the frequent
    pairs = Grams(pair_keys[frequent_pair], pair_of, pair_at, np.ones(int(frequent_pair.sum()), dtype=bool))
    # a triple starts where a frequent pair is followed, one word on, by another
    is_pair = np.zeros(len(words), dtype=bool)
    is_pair[pair_at] = True
    triple_at = np.flatnonzero(is_pair[:-1] & is_pair[1:]) if len(words) > 1 else np.zeros(0, dtype=np.int64)
    first_pair = np.full(len(words), -1, dtype=np.int64)
    first_pair[pair_at] = pair_of
    triple_keys, triple_of = _unique(first_pair[triple_at] * n_words + words[triple_at + 2])
    triples = Grams(triple_keys, triple_of, triple_at,
                    _document_frequency(paper[triple_at], triple_of, len(triple_keys)) >= min_df)  # fmt: skip
    return Grams(np.arange(n_words), words, np.arange(len(words)), frequent_word), pairs, triples


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` for integers, by one sort (numpy 2.4's own takes 10x longer on
    millions of phrase occurrences)."""
    order = np.argsort(values)
    ranked = values[order]
    new = _run_starts(ranked)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ranked[new], inverse


def _run_starts(ranked: np.ndarray) -> np.ndarray:
    """True where a sorted array's value differs from the one before it (and at its first value)."""
    new = np.empty(len(ranked), dtype=bool)
    new[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    return new


def _document_frequency(paper: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key in 0..n_keys-1: in how many papers it occurs (`paper` and `key`: one entry an occurrence)."""
    pairs = np.sort(paper * n_keys + key)
    once = pairs[_run_starts(pairs)]  # each (paper, key) once
    return np.bincount(once % n_keys, minlength=n_keys)


def _phrases(keys: np.ndarray, n: int, n_words: int, vocabulary: np.ndarray, pairs: np.ndarray) -> list[str]:
    """The text of n-gram keys (see `phrase_matrix`)."""
    if n == 1:
        return list(vocabulary[keys])
    if n == 2:
        return [f"{a} {b}" for a, b in zip(vocabulary[keys // n_words], vocabulary[keys % n_words], strict=True)]
    first = pairs[keys // n_words]
    return [
        f"{a} {b} {c}"
        for a, b, c in zip(
            vocabulary[first // n_words], vocabulary[first % n_words], vocabulary[keys % n_words], strict=True
        )
    ]
