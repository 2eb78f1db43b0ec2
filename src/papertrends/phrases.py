"""The phrases of a corpus, counted: which 1-3-grams of titles and abstracts are in enough papers, and which papers
use each (`phrase_matrix`). Pure; `terms.term_trends` tests them for trends."""

from __future__ import annotations

from itertools import chain

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
    keys, at, pairs = _occurrences(words, paper, n_words, min_df)
    columns: list[np.ndarray] = []
    names: list[str] = []
    for n, (key, where) in enumerate(zip(keys, at, strict=True), start=1):
        uniq, inverse = (np.arange(n_words), key) if n == 1 else _unique(key)  # word ids are their own ranks
        kept = _document_frequency(paper[where], inverse, len(uniq)) >= min_df
        column = np.full(len(uniq), -1, dtype=np.int64)
        column[kept] = np.arange(kept.sum()) + len(names)
        names += _phrases(uniq[kept], n, n_words, vocabulary, pairs)
        columns.append(column[inverse])
    if not names:
        raise ValueError("no phrase is in enough papers")
    order = sorted(range(len(names)), key=names.__getitem__)  # CountVectorizer's vocabulary order
    position = np.empty(len(names), dtype=np.int64)
    position[order] = np.arange(len(names))
    rows = np.concatenate([paper[where] for where in at])
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


def _occurrences(
    words: np.ndarray, paper: np.ndarray, n_words: int, min_df: int
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Each 1-, 2- and 3-gram occurrence that the a-priori rule keeps, as a key and the position it starts at (one
    list entry for each n), and the frequent pairs' keys. A word's key is its id; a pair's, its words' ids
    combined; a triple's, its first pair's rank among the frequent pairs combined with its last word."""
    frequent_word = _document_frequency(paper, words, n_words) >= min_df
    same = paper[:-1] == paper[1:]
    pair_at = np.flatnonzero(same & frequent_word[words[:-1]] & frequent_word[words[1:]])
    pair_key = words[pair_at] * n_words + words[pair_at + 1]
    pair_keys, pair_of = _unique(pair_key)
    frequent_pair = _document_frequency(paper[pair_at], pair_of, len(pair_keys)) >= min_df
    keep = frequent_pair[pair_of]
    pair_at, pair_key, pair_of = pair_at[keep], pair_key[keep], pair_of[keep]
    rank = np.cumsum(frequent_pair) - 1  # a frequent pair's rank among them
    # a triple starts where a frequent pair is followed, one word on, by another
    is_pair = np.zeros(len(words), dtype=bool)
    is_pair[pair_at] = True
    triple_at = np.flatnonzero(is_pair[:-1] & is_pair[1:]) if len(words) > 1 else np.zeros(0, dtype=np.int64)
    first_pair = np.full(len(words), -1, dtype=np.int64)
    first_pair[pair_at] = rank[pair_of]
    keys = [words, pair_key, first_pair[triple_at] * n_words + words[triple_at + 2]]
    return keys, [np.arange(len(words)), pair_at, triple_at], pair_keys[frequent_pair]


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` for integers, by one sort (numpy 2.4's own takes 10x longer on
    millions of phrase occurrences)."""
    order = np.argsort(values)
    ranked = values[order]
    new = np.empty(len(ranked), dtype=bool)
    new[:1] = True
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ranked[new], inverse


def _document_frequency(paper: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key in 0..n_keys-1: in how many papers it occurs (`paper` and `key`: one entry an occurrence)."""
    pairs = np.sort(paper * n_keys + key)
    once = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # each (paper, key) once
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
