"""Phrases that rise or fall across topics: known answers on synthetic digests, and a permutation control."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from conftest import permuted_dates
from papertrends.config import TrendsConfig, VectorizerConfig
from papertrends.terms import term_trends

CONFIG = TrendsConfig(window_days=400, min_papers=5)
FILLER = ["graph", "protein", "speech", "table", "music", "weather", "chemistry", "robot", "legal", "finance"]


def _digests(days: int = 120, per_day: int = 12, seed: int = 2) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Each day's papers: 'agent' grows from 5% to 60% of them, in three topics; 'convolution' shrinks from 50% to
    5%; the filler words stay as they are."""
    rng = np.random.default_rng(seed)
    papers, sightings = [], []
    for d in range(days):
        t = d / (days - 1)
        for k in range(per_day):
            words = list(rng.choice(FILLER, size=3, replace=False))
            if rng.random() < 0.05 + 0.55 * t:
                words.append("agent")
            if rng.random() < 0.5 - 0.45 * t:
                words.append("convolution")
            pid = f"p{d}-{k}"
            papers.append({"paper_id": pid, "title": " ".join(words), "abstract": " ".join(rng.permutation(words))})
            sightings.append({"paper_id": pid, "digest_date": date(2025, 1, 1) + timedelta(days=d)})
    papers_df, sightings_df = pd.DataFrame(papers), pd.DataFrame(sightings)
    topics = pd.DataFrame({"paper_id": papers_df["paper_id"], "topic_id": np.arange(len(papers_df)) % 3})
    return papers_df, sightings_df, topics


def test_a_rising_and_a_fading_phrase_are_found_with_the_topics_they_spread_over() -> None:
    papers, sightings, topics = _digests()
    table = term_trends(papers, sightings, topics, CONFIG, VectorizerConfig()).set_index("term")
    assert table.loc["agent", "status"] == "rising" and table.loc["agent", "effect"] > 10
    assert table.loc["agent", "topic_ids"] == "0 1 2" and table.loc["agent", "n_topics"] == 3
    assert table.loc["convolution", "status"] == "fading" and table.loc["convolution", "relative"] < 0
    assert date(2025, 1, 1) <= table.loc["agent", "first_seen"] <= date(2025, 1, 8)  # 5% of 12 papers a day
    assert (table.loc[FILLER, "status"] == "steady").mean() >= 0.9


def test_permuted_dates_flag_almost_no_phrase() -> None:
    papers, sightings, topics = _digests(seed=3)
    rng = np.random.default_rng(1)
    flagged = []
    for _ in range(10):
        table = term_trends(papers, permuted_dates(sightings, "digest_date", rng), topics, CONFIG, VectorizerConfig())
        flagged.append((table["status"] != "steady").mean())
    assert np.mean(flagged) <= 0.05, flagged


def test_phrases_are_what_a_plain_count_vectorizer_finds_on_real_abstracts() -> None:
    """The a-priori counting (words, then pairs of frequent words, then triples of frequent pairs) only saves
    memory: on the shipped samples' abstracts it gives scikit-learn's 1-3-gram vocabulary and matrix exactly."""
    from pathlib import Path

    from sklearn.feature_extraction.text import CountVectorizer

    from papertrends.catalog import build_catalog
    from papertrends.ingest import read_snapshots
    from papertrends.terms import phrase_matrix

    snapshots = read_snapshots(Path(__file__).resolve().parents[1] / "snapshots").snapshots
    papers = build_catalog(snapshots, {}).changed.values()
    texts = [f"{p.title}. {p.abstract or ''}" for p in papers]
    assert len(texts) >= 300
    for min_df in (2, 5, 20):
        x, terms = phrase_matrix(texts, "english", min_df)
        plain = CountVectorizer(stop_words="english", ngram_range=(1, 3), binary=True, min_df=min_df)
        want = plain.fit_transform(texts)
        assert list(terms) == list(plain.get_feature_names_out())
        assert (x != want.tocsc()).nnz == 0
        assert any(len(t.split()) == 3 for t in terms)  # triples are found, not only words


def test_a_label_differs_from_its_areas_and_from_every_label_before_it() -> None:
    from papertrends.topics import make_label

    area = make_label(["agents", "agent", "tool", "llm"])
    assert area == "agents, agent, tool"
    line = make_label(["agents", "agent", "memory", "long term", "tool", "retrieval"], avoid=area)
    assert line == "memory, long term, retrieval"  # the area's own words are passed over
    assert make_label(["agents", "agent"], avoid=area) == "agents, agent"  # nothing else: its own words after all
    taken = {"memory, long term, retrieval"}
    assert make_label(["memory", "long term", "retrieval", "episodic"], taken=taken) == (
        "memory, long term, retrieval, episodic"
    )
