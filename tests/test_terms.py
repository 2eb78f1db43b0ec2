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
    """Each day's papers: 'agent' grows from 2% to 20% of them, most in topic 0 of six and some in the others;
    'convolution' shrinks from 50% to 5%, most in topic 2; the filler words stay as they are, spread evenly."""
    rng = np.random.default_rng(seed)
    papers, sightings = [], []
    for d in range(days):
        t = d / (days - 1)
        for k in range(per_day):
            words = list(rng.choice(FILLER, size=3, replace=False))
            if rng.random() < 0.02 + 0.18 * t:
                words.append("agent")
            if rng.random() < 0.5 - 0.45 * t:
                words.append("convolution")
            pid = f"p{d}-{k}"
            topic = k % 6
            if "agent" in words and rng.random() < 0.8:
                topic = 0
            elif "convolution" in words and rng.random() < 0.8:
                topic = 2
            papers.append({"paper_id": pid, "title": " ".join(words), "abstract": " ".join(rng.permutation(words)),
                           "topic_id": topic})  # fmt: skip
            sightings.append({"paper_id": pid, "digest_date": date(2025, 1, 1) + timedelta(days=d)})
    papers_df, sightings_df = pd.DataFrame(papers), pd.DataFrame(sightings)
    topics = papers_df[["paper_id", "topic_id"]]
    papers_df = papers_df.drop(columns="topic_id")
    return papers_df, sightings_df, topics


def test_a_rising_and_a_fading_phrase_are_found_with_the_topics_they_spread_over() -> None:
    papers, sightings, topics = _digests()
    table = term_trends(papers, sightings, topics, CONFIG, VectorizerConfig()).set_index("term")
    assert table.loc["agent", "status"] in ("rising", "emerging") and table.loc["agent", "effect"] > 3
    assert table.loc["agent", "topic_ids"].split()[0] == "0" and table.loc["agent", "lift"] >= 2
    assert table.loc["convolution", "status"] == "fading" and table.loc["convolution", "relative"] < 0
    assert date(2025, 1, 1) <= table.loc["agent", "first_seen"] <= date(2025, 1, 15)  # 2% of 12 papers a day
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
    from papertrends.vectorizer import phrase_matrix

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


def test_boilerplate_and_link_fragments_are_not_movers_and_variants_are_one_line() -> None:
    """'new avenues data https' rises as fast as 'agent' but in papers of every topic alike, and 'data https' is a
    link's fragment; 'agents' and 'llm agents', in the agent papers, are 'agent' again."""
    papers, sightings, topics = _digests(seed=5)
    rng = np.random.default_rng(9)
    day = {p: d for p, d in zip(sightings["paper_id"], sightings["digest_date"], strict=True)}
    first = min(day.values())
    extra = []
    for r in papers.itertuples():
        words = r.title.split()
        grown = (day[r.paper_id] - first).days / 119
        more = " new avenues data https" if rng.random() < 0.02 + 0.18 * grown else ""
        if "agent" in words:
            more += (" agents" if rng.random() < 0.9 else "") + (" llm agents" if rng.random() < 0.5 else "")
        extra.append(more)
    papers = papers.assign(abstract=papers["abstract"] + pd.Series(extra))
    table = term_trends(papers, sightings, topics, CONFIG, VectorizerConfig()).set_index("term")
    assert table.loc["new avenues", "q_value"] < 0.05 and table.loc["new avenues", "lift"] < 2  # rose, everywhere
    assert table.loc["new avenues", "status"] == "steady" and table.loc["data https", "status"] == "steady"
    moving = table[table["status"] != "steady"]
    named = moving.index.intersection(["agent", "agents", "llm agents"])
    assert len(named) == 1  # one line for the three, the others its variants
    assert {"agents", "llm agents"} - {named[0]} <= set(moving.loc[named[0], "variants"].split("; "))


def test_a_generic_word_does_not_stand_for_the_research_term_that_contains_it() -> None:
    """'action' rises in papers of many kinds and "vision language action" (19) in robot papers alone: the phrase stays
    its own line. 'video world models' is as specific as 'world models' and is listed under it."""
    from scipy import sparse

    from papertrends.terms import merge_variants

    terms = np.array(["action", "vision language action", "world models", "video world models"])
    uses = {0: range(0, 60), 1: range(0, 20), 2: range(60, 90), 3: range(60, 70)}  # papers using each phrase
    rows = [i for j in uses for i in uses[j]]
    cols = [j for j in uses for _ in uses[j]]
    x = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(100, 4))
    status = np.array(["rising"] * 4)
    listed = merge_variants(terms, x, np.ones(4, dtype=bool), status, lift=np.array([9.7, 19.0, 6.8, 7.5]))
    assert listed == {0: 0, 1: 1, 2: 2, 3: 2}
    same = merge_variants(terms, x, np.ones(4, dtype=bool), status, lift=np.array([16.0, 19.0, 6.8, 7.5]))
    assert same[1] == 0  # a shorter phrase as specific as the longer one does list it


def test_phrases_counted_ahead_are_taken_only_for_the_papers_and_days_they_were_counted_from() -> None:
    """The update flow counts the phrases while the papers are embedded (`count_phrases`); the analysis takes those
    counts for the very papers and sightings they came from, and counts anew for any others."""
    from papertrends.phrase_counts import count_phrases
    from papertrends.terms import phrase_trends

    papers, sightings, topics = _digests()
    own = phrase_trends(papers, sightings, topics, CONFIG, VectorizerConfig())
    ahead = count_phrases(papers, sightings, CONFIG, VectorizerConfig())
    assert ahead is not None and ahead.fits(papers, sightings, CONFIG, VectorizerConfig())
    taken = phrase_trends(papers, sightings, topics, CONFIG, VectorizerConfig(), ahead)
    pd.testing.assert_frame_equal(taken[0], own[0])
    pd.testing.assert_frame_equal(taken[1], own[1])
    # One title changed, one sighting moved a day, or one paper gone: the counts are not theirs.
    edited = papers.assign(title=papers["title"].where(papers.index != 5, "agent agent agent"))
    moved = sightings.assign(digest_date=sightings["digest_date"].where(sightings.index != 7, date(2025, 4, 1)))
    for other_papers, other_sightings in ((edited, sightings), (papers, moved), (papers.iloc[1:], sightings)):
        assert not ahead.fits(other_papers, other_sightings, CONFIG, VectorizerConfig())
        got = phrase_trends(other_papers, other_sightings, topics, CONFIG, VectorizerConfig(), ahead)
        fresh = phrase_trends(other_papers, other_sightings, topics, CONFIG, VectorizerConfig())
        pd.testing.assert_frame_equal(got[0], fresh[0])
    # Counted with another trend window or other stop words: not these settings' counts either.
    assert not ahead.fits(papers, sightings, TrendsConfig(window_days=100, min_papers=5), VectorizerConfig())
    assert not ahead.fits(papers, sightings, CONFIG, VectorizerConfig(stop_words=None))
