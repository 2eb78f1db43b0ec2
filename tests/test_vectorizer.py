"""`CountingVectorizer` is scikit-learn's CountVectorizer, counted on arrays: on real abstracts, every option the fit
uses and others, the same vocabulary and the same matrix to the order of each row's entries and their type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

from papertrends.vectorizer import CountingVectorizer


@pytest.fixture(scope="module")
def abstracts() -> list[str]:
    from papertrends.catalog import build_catalog
    from papertrends.ingest import read_snapshots

    snapshots = read_snapshots(Path(__file__).resolve().parents[1] / "snapshots").snapshots
    papers = sorted(build_catalog(snapshots, {}).changed.values(), key=lambda p: p.title)
    return [f"{p.title}. {p.abstract or ''}" for p in papers]


def assert_same(mine: CountVectorizer, theirs: CountVectorizer, texts: list[str]) -> None:
    got, want = mine.fit_transform(texts), theirs.fit_transform(texts)
    assert mine.vocabulary_ == theirs.vocabulary_
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    for part in ("data", "indices", "indptr"):  # the entries in CountVectorizer's order, not only equal matrices
        assert np.array_equal(getattr(got, part), getattr(want, part)), part
        assert getattr(got, part).dtype == getattr(want, part).dtype, part
    assert np.array_equal(mine.transform(texts[:40]).toarray(), theirs.transform(texts[:40]).toarray())


OPTIONS = [
    {},
    {"stop_words": "english", "ngram_range": (1, 2), "min_df": 1},  # BERTopic's c-TF-IDF and the areas' terms
    {"stop_words": "english", "ngram_range": (1, 2), "min_df": 5, "max_df": 0.5, "dtype": np.float32},  # lexical
    {"stop_words": "english", "ngram_range": (1, 3), "min_df": 3, "binary": True},  # the phrases
    {"ngram_range": (2, 3), "min_df": 0.01, "max_df": 0.9},
    {"ngram_range": (3, 3), "max_df": 40},
    {"lowercase": False, "stop_words": ["the", "of", "and", "a"], "ngram_range": (1, 2), "dtype": np.float64},
    {"token_pattern": r"(?u)\b\w+\b", "strip_accents": "unicode", "ngram_range": (1, 2)},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_the_counts_are_count_vectorizers_on_real_abstracts(abstracts: list[str], options: dict) -> None:
    assert len(abstracts) >= 300
    assert_same(CountingVectorizer(**options), CountVectorizer(**options), abstracts)


def test_one_document_per_topic_as_bertopic_joins_them(abstracts: list[str]) -> None:
    """c-TF-IDF counts a topic's papers joined into one text: pairs across two papers' seams included."""
    joined = [" ".join(abstracts[k::7]) for k in range(7)]
    options = {"stop_words": "english", "ngram_range": (1, 2)}
    assert_same(CountingVectorizer(**options), CountVectorizer(**options), joined)


def test_tf_idf_on_the_counts_is_tfidf_vectorizers(abstracts: list[str]) -> None:
    options = {"stop_words": "english", "ngram_range": (1, 2), "min_df": 2, "max_df": 0.5, "dtype": np.float32}
    want = TfidfVectorizer(sublinear_tf=True, **options).fit_transform(abstracts)
    got = TfidfTransformer(sublinear_tf=True).fit_transform(CountingVectorizer(**options).fit_transform(abstracts))
    assert np.array_equal(got.data, want.data) and np.array_equal(got.indices, want.indices)


def test_what_it_does_not_count_itself_is_count_vectorizers(abstracts: list[str]) -> None:
    """A fixed vocabulary, max_features, character n-grams, tokens holding a space (a tokenizer of one's own),
    and the sparse type the config asks for."""
    for options in (
        {"vocabulary": ["agents", "language", "model", "zebra"]},
        {"max_features": 50, "ngram_range": (1, 2)},
        {"analyzer": "char_wb", "ngram_range": (2, 3)},
        {"tokenizer": lambda text: [text[i : i + 7] for i in range(0, len(text), 5)], "token_pattern": None},
    ):
        assert_same(CountingVectorizer(**options), CountVectorizer(**options), abstracts[:80])
    with sklearn.config_context(sparse_interface="sparray"):
        got = CountingVectorizer(ngram_range=(1, 2)).fit_transform(abstracts[:20])
        want = CountVectorizer(ngram_range=(1, 2)).fit_transform(abstracts[:20])
    assert isinstance(got, sparse.sparray) and type(got) is type(want)


def test_it_refuses_what_count_vectorizer_refuses(abstracts: list[str]) -> None:
    for texts, options in (
        (["the and of", "a an the"], {"stop_words": "english"}),  # nothing but stop words
        (abstracts[:30], {"min_df": 31}),  # nothing left after pruning
        (abstracts[:30], {"min_df": 10, "max_df": 5}),
        (["one", "two"], {"ngram_range": (2, 2)}),  # no pair at all
    ):
        with pytest.raises(ValueError) as theirs:
            CountVectorizer(**options).fit_transform(texts)
        with pytest.raises(ValueError, match=str(theirs.value).split(";")[0][:40]):
            CountingVectorizer(**options).fit_transform(texts)
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        CountingVectorizer().fit_transform("one text, not a list of them")


def test_its_words_are_the_default_patterns_on_any_text(abstracts: list[str]) -> None:
    """The default token pattern's words by the faster pattern: the same tokens on the abstracts and on text made
    to find a difference (one-letter words, underscores, digits, accents, combining marks, other scripts)."""
    from papertrends.vectorizer import WORDS

    tricky = ["a b cd e_f _ __x é ée e\u0301e 3 33 3d x1 ß ΣΑΣ 中文 한국어 ٣٤ a-b a.b a'b", "", " ", "x", "ab",
              "naïve café\u200bbar tab\tnew\nline", "\U0001d400\U0001d401 emoji🙂word 🙂🙂"]  # fmt: skip
    default = CountVectorizer().build_tokenizer()
    assert CountingVectorizer().build_tokenizer() == WORDS.findall  # the fast pattern is the one in use
    assert CountingVectorizer(token_pattern=r"\b\w+\b").build_tokenizer()("a bc") == ["a", "bc"]  # others are theirs
    for text in [*abstracts, *tricky]:
        assert WORDS.findall(text) == default(text), text
    random = np.random.default_rng(0)
    alphabet = np.array(list("ab_1 .-\u0301é中\n"))
    for _ in range(2000):  # random strings of word and non-word characters
        text = "".join(random.choice(alphabet, size=int(random.integers(0, 12))))
        assert WORDS.findall(text) == default(text), repr(text)
