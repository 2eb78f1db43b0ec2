"""The n-grams of a corpus, counted as scikit-learn's CountVectorizer counts them (its tokens, stop words, n-grams
and vocabulary order), on arrays of word ids rather than phrase by phrase in Python: `ngram_matrix`, what
`vectorizer.CountingVectorizer` fits with (the fit's word counts, and the phrases `terms.term_trends` tests for
trends: `vectorizer.phrase_matrix`). Pure (docs/benchmarks.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from itertools import chain, filterfalse
from typing import NamedTuple

import numpy as np
from scipy import sparse

__all__ = ["Tokens", "ngram_matrix", "sortable", "word_ids"]

MAX_N = 3  # n-grams up to triples: a key is at most (frequent pairs x words), well inside 64 bits


class Tokens(NamedTuple):
    """A corpus's words, stop words out: their ids one after another, the text each is in, the words (id -> word)
    and how many texts there are."""

    words: np.ndarray
    text: np.ndarray
    vocabulary: np.ndarray
    n_texts: int


def word_ids(
    texts: list[str],
    preprocess: Callable[[str], str],
    tokenize: Callable[[str], list[str]],
    stop_words: Collection[str] | None,
) -> Tokens:
    """Every text's words as a CountVectorizer's preprocessor and tokenizer give them, its stop words out."""
    stop = frozenset(stop_words or ())
    ids: defaultdict[str, int] = defaultdict()
    ids.default_factory = ids.__len__  # a new word gets the next id (CountVectorizer's own trick)
    docs = [list(map(ids.__getitem__, filterfalse(stop.__contains__, tokenize(preprocess(text))))) for text in texts]
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    words = np.fromiter(chain.from_iterable(docs), dtype=np.int64, count=int(lengths.sum()))
    text = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    return Tokens(words, text, np.array(list(ids), dtype=object), len(texts))


def ngram_matrix(
    tokens: Tokens, ngram_range: tuple[int, int], min_count: float, max_count: float = np.inf
) -> tuple[sparse.csr_matrix, list[str]]:
    """Texts x n-grams (n in `ngram_range`, at most 3): how often each text holds each n-gram in at least
    `min_count` and at most `max_count` texts; and the n-grams, in CountVectorizer's order (sorted as strings).
    The matrix is CountVectorizer's to the order of each row's entries (its n-grams in the order the corpus first
    used them), so that sums over a row's floats come out the same to the last bit.

    An n-gram is in no more texts than each of its parts, so words are counted first, then the pairs of frequent
    words, and a triple only where both its pairs are frequent (the a-priori rule): the corpus's every phrase is
    never held at once. The order is found without sorting the phrases themselves: a word's characters all sort
    after the space that joins words (`sortable`), so phrases sort as their words' ranks do, a phrase after the
    shorter one it starts with."""
    low, high = ngram_range
    n_words = max(len(tokens.vocabulary), 1)
    grams = _occurrences(tokens.words, tokens.text, n_words, min_count, high)
    pairs = grams[1].keys[grams[1].kept] if high == 3 else None
    levels = [_level(grams[n - 1], n, n_words, max_count, pairs) for n in range(low, high + 1)]
    del grams  # every occurrence of every candidate: what is held from here on is what is counted (memory)
    sizes = [len(level.first) for level in levels]
    if not sum(sizes):
        return sparse.csr_matrix((tokens.n_texts, 0), dtype=np.int64), []
    offsets = np.cumsum([0, *sizes])
    alphabetical = _alphabetical(levels, tokens.vocabulary)
    appearance = _appearance(levels, tokens.text)
    n_features = len(alphabetical)
    # one key per occurrence counted, (text, n-gram in order of first use), sorted: each run of a key is one entry
    keys = np.concatenate([
        tokens.text[level.at[level.column >= 0]] * n_features + appearance[level.column[level.column >= 0] + offset]
        for level, offset in zip(levels, offsets, strict=False)
    ])  # fmt: skip
    words = [level.words for level in levels]
    del levels
    keys.sort()
    starts = np.flatnonzero(_run_starts(keys))
    counts = np.diff(np.append(starts, len(keys)))
    entries = keys[starts]
    del keys
    to_alphabetical = np.empty(n_features, dtype=np.int64)
    to_alphabetical[appearance] = alphabetical
    index = np.int32 if max(len(entries), n_features) < np.iinfo(np.int32).max else np.int64  # CountVectorizer's
    indptr = np.zeros(tokens.n_texts + 1, dtype=index)
    np.cumsum(np.bincount(entries // n_features, minlength=tokens.n_texts), out=indptr[1:])
    x = sparse.csr_matrix((counts, to_alphabetical[entries % n_features].astype(index), indptr),
                          shape=(tokens.n_texts, n_features))  # fmt: skip
    del entries, starts, to_alphabetical, appearance  # before the phrases' strings, the largest part of the peak
    names = list(chain.from_iterable(_phrases(level_words, tokens.vocabulary) for level_words in words))
    return x, np.array(names, dtype=object)[np.argsort(alphabetical)].tolist()


class Level(NamedTuple):
    """The n-grams of one n that a matrix counts: their words' ids (first word first), where each is first used,
    and for each occurrence of a key of `Grams`, its n-gram's index here (-1 when not counted) and its position."""

    words: list[np.ndarray]
    first: np.ndarray
    column: np.ndarray
    at: np.ndarray


def _level(gram: Grams, n: int, n_words: int, max_count: float, pairs: np.ndarray | None) -> Level:
    """The n-grams of `gram` that are in enough texts and in no more than `max_count`."""
    counted = np.flatnonzero(gram.kept & (gram.df <= max_count))
    column = np.full(len(gram.keys), -1, dtype=np.int64)
    column[counted] = np.arange(len(counted))
    first = np.full(len(gram.keys), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, gram.of, gram.at)
    return Level(_words(gram.keys[counted], n, n_words, pairs), first[counted], column[gram.of], gram.at)


def _alphabetical(levels: list[Level], vocabulary: np.ndarray) -> np.ndarray:
    """Each n-gram's position among all of them sorted as strings (see `ngram_matrix`)."""
    rank = np.zeros(max(len(vocabulary), 1), dtype=np.int64)
    rank[sorted(range(len(vocabulary)), key=vocabulary.__getitem__)] = np.arange(len(vocabulary))
    by_word = [
        np.concatenate(
            [rank[level.words[i]] if i < len(level.words) else np.full(len(level.first), -1) for level in levels]
        )  # fmt: skip
        for i in range(MAX_N)
    ]
    return _positions(np.lexsort(by_word[::-1]))


def _appearance(levels: list[Level], text: np.ndarray) -> np.ndarray:
    """Each n-gram's position in the order CountVectorizer first meets them: by text, in a text its words before
    its pairs before its triples, each in the order they start."""
    first = np.concatenate([level.first for level in levels])
    n = np.concatenate([np.full(len(level.first), len(level.words)) for level in levels])
    return _positions(np.lexsort((first, n, text[first])))


def _positions(order: np.ndarray) -> np.ndarray:
    """The inverse of a permutation: where each item went."""
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return position


def sortable(vocabulary: np.ndarray) -> bool:
    """Whether `ngram_matrix`'s order is the strings' order: no word holds a space or a character before it (a
    tokenizer of its own could make "a b" one word, and then phrases of other words would meet)."""
    return all(min(w) > " " for w in vocabulary if w)  # an empty word sorts first, as an empty string does


class Grams(NamedTuple):
    """The occurrences of one n's n-grams that the a-priori rule keeps: their distinct keys (a word's key is its id;
    a pair's, its words' ids combined; a triple's, its first pair's rank among the frequent pairs combined with its
    last word), the key of each occurrence as an index into them, where each occurrence starts, in how many texts
    each key is, and which keys are in enough texts."""

    keys: np.ndarray
    of: np.ndarray
    at: np.ndarray
    df: np.ndarray
    kept: np.ndarray


def _occurrences(words: np.ndarray, text: np.ndarray, n_words: int, min_count: float, high: int) -> list[Grams]:
    """The words, the pairs of frequent words (when `high` >= 2) and the triples of two frequent pairs (when
    `high` is 3); each key's texts are counted once."""
    word_df = _document_frequency(text, words, n_words)
    out = [Grams(np.arange(n_words), words, np.arange(len(words)), word_df, word_df >= min_count)]
    if high < 2:
        return out
    frequent_word = out[0].kept
    same = text[:-1] == text[1:]
    pair_at = np.flatnonzero(same & frequent_word[words[:-1]] & frequent_word[words[1:]])
    pair_keys, pair_of = _unique(words[pair_at] * n_words + words[pair_at + 1])
    pair_df = _document_frequency(text[pair_at], pair_of, len(pair_keys))
    out.append(Grams(pair_keys, pair_of, pair_at, pair_df, pair_df >= min_count))
    if high < 3:
        return out
    frequent_pair = out[1].kept
    keep = frequent_pair[pair_of]
    pair_at, pair_of = pair_at[keep], (np.cumsum(frequent_pair) - 1)[pair_of[keep]]  # ranks among the frequent
    # a triple starts where a frequent pair is followed, one word on, by another
    is_pair = np.zeros(len(words), dtype=bool)
    is_pair[pair_at] = True
    triple_at = np.flatnonzero(is_pair[:-1] & is_pair[1:]) if len(words) > 1 else np.zeros(0, dtype=np.int64)
    first_pair = np.full(len(words), -1, dtype=np.int64)
    first_pair[pair_at] = pair_of
    triple_keys, triple_of = _unique(first_pair[triple_at] * n_words + words[triple_at + 2])
    triple_df = _document_frequency(text[triple_at], triple_of, len(triple_keys))
    out.append(Grams(triple_keys, triple_of, triple_at, triple_df, triple_df >= min_count))
    return out


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


def _document_frequency(text: np.ndarray, key: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key in 0..n_keys-1: in how many texts it occurs (`text` and `key`: one entry an occurrence)."""
    pairs = np.sort(text * n_keys + key)
    once = pairs[_run_starts(pairs)]  # each (text, key) once
    return np.bincount(once % n_keys, minlength=n_keys)


def _words(keys: np.ndarray, n: int, n_words: int, pairs: np.ndarray | None) -> list[np.ndarray]:
    """The word ids of n-gram keys (see `Grams`), first word first; `pairs`: the frequent pairs' keys, for n = 3."""
    if n == 1:
        return [keys]
    if n == 2:
        return [keys // n_words, keys % n_words]
    assert pairs is not None
    first = pairs[keys // n_words]
    return [first // n_words, first % n_words, keys % n_words]


def _phrases(words: list[np.ndarray], vocabulary: np.ndarray) -> list[str]:
    """The text of n-grams given as their words' ids."""
    if len(words) == 1:
        return list(vocabulary[words[0]])
    return [" ".join(parts) for parts in zip(*(vocabulary[w] for w in words), strict=True)]
