"""scikit-learn's CountVectorizer, fitted on arrays: the same vocabulary and the same matrix, in a fraction of the
time. The fit counts its words three times over every abstract (the lexical vectors' TF-IDF, BERTopic's c-TF-IDF
of the research lines, the areas' terms); CountVectorizer counts each n-gram of each text in a Python loop and
then sorts and prunes its vocabulary in another, 6 s of the 37 s fit step on 6,141 papers (docs/benchmarks.md).

`CountingVectorizer.fit_transform` tokenises as CountVectorizer does (its own preprocessor, tokenizer and stop
words, so every option of theirs holds) and counts the n-grams with `phrases.ngram_matrix`. What it does not
count itself it leaves to CountVectorizer: a fixed vocabulary, `max_features`, analyzers other than "word",
n-grams longer than three words, and tokens that hold a space. `transform` is CountVectorizer's, on the fitted
vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from numbers import Integral

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import _fit_context
from sklearn.feature_extraction.text import CountVectorizer

from papertrends.phrases import MAX_N, ngram_matrix, sortable, word_ids

DEFAULT_PATTERN = r"(?u)\b\w\w+\b"  # CountVectorizer's token_pattern
# What findall gives for the default pattern, without its word boundaries: a greedy run of two or more word
# characters starts where the scan finds one and ends where the run does, so the matches are the same runs.
WORDS = re.compile(r"\w\w+")


class CountingVectorizer(CountVectorizer):
    """A CountVectorizer whose `fit_transform` (and so `fit`) counts on arrays."""

    @_fit_context(prefer_skip_nested_validation=True)  # type: ignore[misc] - the parameter checks CountVectorizer's has
    def fit_transform(self, raw_documents: Iterable[str], y: object = None) -> sparse.spmatrix:
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        if (self.input != "content" or self.analyzer != "word" or self.vocabulary is not None
                or self.max_features is not None):  # fmt: skip
            return super().fit_transform(raw_documents, y)
        texts = [self.decode(doc) for doc in raw_documents]  # bytes decoded, NaN refused, as CountVectorizer does
        self._validate_ngram_range()
        self._warn_for_unused_params()
        self._validate_vocabulary()
        self.build_analyzer()  # its checks and warnings (stop words the tokenizer would split), as CountVectorizer's
        low, high = self.ngram_range
        tokens = word_ids(texts, self.build_preprocessor(), self.build_tokenizer(), self.get_stop_words())
        if high > MAX_N or not sortable(tokens.vocabulary):
            return super().fit_transform(texts, y)
        max_count = self.max_df if isinstance(self.max_df, Integral) else self.max_df * len(texts)
        min_count = self.min_df if isinstance(self.min_df, Integral) else self.min_df * len(texts)
        if max_count < min_count:
            raise ValueError("max_df corresponds to < documents than min_df")
        x, names = ngram_matrix(tokens, (low, high), min_count, max_count)
        if not names:  # no n-gram at all, or none left by min_df and max_df: CountVectorizer's own error
            return super().fit_transform(texts, y)
        # built anew rather than by astype, which sorts each row's entries: CountVectorizer's keep their order
        x = sparse.csr_matrix((x.data.astype(self.dtype), x.indices, x.indptr), shape=x.shape)
        if self.binary:
            x.data.fill(1)
        self.vocabulary_ = dict(zip(names, range(len(names)), strict=True))
        return _as_configured(x)

    def build_tokenizer(self) -> Callable[[str], list[str]]:
        """CountVectorizer's tokenizer; for its default pattern, the same tokens by a pattern a quarter faster
        (`WORDS`), wherever CountVectorizer tokenises (its analyzer, so `transform` too)."""
        if self.tokenizer is None and self.token_pattern == DEFAULT_PATTERN:
            return WORDS.findall
        return super().build_tokenizer()


def _as_configured(x: sparse.csr_matrix) -> sparse.spmatrix | sparse.sparray:
    """The sparse type scikit-learn's config asks estimators to return (`sparse_interface`)."""
    if sklearn.get_config().get("sparse_interface", "spmatrix") == "sparray":
        return sparse.csr_array(x)
    return x


def phrase_matrix(
    texts: list[str], stop_words: str | list[str] | None, min_df: int
) -> tuple[sparse.csc_matrix, np.ndarray]:
    """Papers x phrases (1-3-grams, stop words out, in at least `min_df` papers; 1 where a paper uses it) and the
    phrases: what scikit-learn's CountVectorizer(ngram_range=(1, 3), binary=True, min_df=min_df) gives, with its
    tokens and its sorted vocabulary (12.5 s to 5.6 s on 46k abstracts: docs/benchmarks.md). Raises ValueError
    when no phrase is in `min_df` papers."""
    vectorizer = CountingVectorizer(stop_words=stop_words, ngram_range=(1, 3), binary=True, min_df=min_df)
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError as e:  # CountVectorizer's: nothing left after min_df, or no word at all
        raise ValueError("no phrase is in enough papers") from e
    return sparse.csc_matrix(x), vectorizer.get_feature_names_out()
