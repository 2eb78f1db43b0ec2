"""Each research term's status week by week: a step in a phrase's share is flagged in the weeks after it and not
before, a steady phrase is never flagged, shuffled dates flag next to nothing, and a week reads no later digest."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import sparse

from conftest import permuted_dates
from papertrends.config import TrendsConfig, VectorizerConfig
from papertrends.term_weeks import phrase_history, weekly
from papertrends.terms import lifts, phrase_trends

CONFIG = TrendsConfig(window_days=365, emerging_days=60, min_papers=5)
START = date(2025, 1, 6)  # a Monday
STEP = 140  # the day "world model" goes from 1% to 8% of the papers


def _series(days: int = 280, per_day: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Per digest day: papers using "world model" (1% of them, then 8% from day STEP) and "benchmark" (10%
    throughout), and the day's papers."""
    rng = np.random.default_rng(seed)
    step = rng.binomial(per_day, np.where(np.arange(days) < STEP, 0.01, 0.08))
    steady = rng.binomial(per_day, 0.10, size=days)
    when = pd.DatetimeIndex([pd.Timestamp(START) + timedelta(days=d) for d in range(days)])
    return np.column_stack([step, steady]).astype(float), np.full(days, float(per_day)), when


def test_a_step_is_flagged_in_the_weeks_after_it_and_a_steady_phrase_never() -> None:
    counts, totals, when = _series()
    history = phrase_history(counts, totals, when, np.array(["world model", "benchmark"]), CONFIG)
    assert "benchmark" not in set(history["term"])
    mine = history[history["term"] == "world model"]
    first = pd.Timestamp(mine["as_of"].min())
    step = pd.Timestamp(START) + timedelta(days=STEP)
    assert step <= first <= step + timedelta(days=30), first
    assert set(mine["status"]) <= {"emerging", "rising"}
    assert (pd.to_datetime(mine["since"]) <= pd.to_datetime(mine["as_of"])).all()
    assert mine["since"].nunique() == 1 and mine["since"].iloc[0] == mine["as_of"].min()  # emerging, rising: one run


def test_a_week_reads_no_digest_after_it() -> None:
    """The history up to a week is the same whether or not later digests exist (as each week's report said it)."""
    counts, totals, when = _series()
    cut = STEP + 35
    terms = np.array(["world model", "benchmark"])
    whole = phrase_history(counts, totals, when, terms, CONFIG)
    early = phrase_history(counts[:cut], totals[:cut], when[:cut], terms, CONFIG)
    last_full_week = pd.Timestamp(when[cut - 1]) - timedelta(days=when[cut - 1].day_of_week + 1)
    keep = pd.to_datetime(whole["as_of"]) <= last_full_week
    pd.testing.assert_frame_equal(
        whole[keep].reset_index(drop=True),
        early[pd.to_datetime(early["as_of"]) <= last_full_week].reset_index(drop=True),
    )


def test_weekly_counts_sum_the_days_of_each_week() -> None:
    counts, totals, when = _series(days=21)
    weeks, n, total, ends = weekly(counts, totals, when)
    assert list(weeks) == [pd.Timestamp(START) + timedelta(weeks=k) for k in range(3)]
    assert np.array_equal(n.sum(axis=0), counts.sum(axis=0)) and total.tolist() == [140.0] * 3
    assert ends[-1] == when[-1]


def _digests(days: int = 200, per_day: int = 15, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Papers of six topics with filler words, and "gaussian splatting" in topic 1 rising from day 120."""
    rng = np.random.default_rng(seed)
    filler = ["graph", "protein", "speech", "table", "music", "weather", "chemistry", "robot", "legal", "finance"]
    papers, sightings = [], []
    for d in range(days):
        for k in range(per_day):
            words = list(rng.choice(filler, size=3, replace=False))
            topic = k % 6
            if rng.random() < (0.01 if d < 120 else 0.12):
                words.append("gaussian splatting")
                topic = 1
            pid = f"p{d}-{k}"
            papers.append({"paper_id": pid, "title": " ".join(words), "abstract": " ".join(rng.permutation(words)),
                           "topic_id": topic})  # fmt: skip
            sightings.append({"paper_id": pid, "digest_date": date(2025, 1, 1) + timedelta(days=d)})
    papers_df = pd.DataFrame(papers)
    return papers_df.drop(columns="topic_id"), pd.DataFrame(sightings), papers_df[["paper_id", "topic_id"]]


def test_the_table_says_since_when_a_research_term_is_flagged_and_shuffled_dates_flag_next_to_nothing() -> None:
    papers, sightings, topics = _digests()
    table, history = phrase_trends(papers, sightings, topics, CONFIG, VectorizerConfig())
    listed = table[table["status"] != "steady"].set_index("term")  # one of the three words, the others its variants
    last = history[history["as_of"] == history["as_of"].max()].set_index("term")["status"]
    assert listed["status"].to_dict() == last[last.index.isin(listed.index)].to_dict()  # the table says this week's
    assert len(listed) == 1 and listed.index[0] in {"gaussian", "splatting", "gaussian splatting"}
    row = listed.iloc[0]
    assert row["status"] in ("rising", "emerging") and row["since"] is not None  # as the last week says
    assert date(2025, 5, 1) <= row["since"] <= date(2025, 6, 15), row["since"]
    rising = history.loc[history["status"] != "fading", "term"]
    assert len(rising) and all("gaussian" in t or "splatting" in t for t in rising)
    rng = np.random.default_rng(1)
    flagged = []
    for _ in range(5):
        _, shuffled = phrase_trends(papers, permuted_dates(sightings, "digest_date", rng), topics, CONFIG,
                                    VectorizerConfig())  # fmt: skip
        flagged.append(shuffled["term"].nunique() / len(table))
    assert np.mean(flagged) <= 0.05, flagged


def test_lifts_are_each_phrase_s_largest_area_over_its_share_of_all_papers() -> None:
    """Phrase 0 is in papers 0, 3 and 4: two of its three in area 1, which holds 2 of the 8 assigned papers, so
    (2 / 3) / (2 / 8) = 8 / 3. Phrase 1 is only in an unassigned paper: 1."""
    topic_of = np.array([0, 0, 0, 1, 1, 0, 0, 0, -1])
    rows, cols = [0, 3, 4, 8], [0, 0, 0, 1]
    x = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(9, 2))
    assert np.allclose(lifts(x, topic_of, np.array([0, 1])), [8 / 3, 1.0])
    assert np.allclose(lifts(x, topic_of, np.array([1])), [1.0])


def test_a_thin_tail_of_old_papers_starts_no_history() -> None:
    """Two papers a week for 50 weeks (arXiv's tail back to 1999), then 100 a week: the history starts
    MIN_WEEKS after the first full week, as the topics' does."""
    from papertrends.changes import dense_week

    assert dense_week(np.array([2.0] * 50 + [100.0] * 30)) == 50
    assert dense_week(np.array([100.0] * 30)) == 0


def test_a_phrase_whose_weekly_count_swings_needs_a_larger_step() -> None:
    """Two phrases with 4 papers a week on average for 30 weeks, then 8 a week for 4: the same counts, twice the
    rate. One had 4 every week: the step is flagged. The other came in bursts (12 every third week): its past
    swings 8 times as much as chance would have it, and the same step is within those swings."""
    from papertrends.term_weeks import _counted, _running

    even = np.r_[[4.0] * 30, [8.0] * 4]
    bursts = np.r_[[0.0, 0.0, 12.0] * 10, [16.0, 0.0, 16.0, 0.0]]
    n, total = np.column_stack([even, bursts]), np.full(34, 140.0)
    ratio, q = _counted(_running(n, total, n**2 / total[:, None]), (30, 34), (0, 30), CONFIG)
    assert np.allclose(ratio, 2.0)
    assert q[0] < 0.01 and q[1] > 0.05, q


def test_a_research_term_gathers_in_one_area_beyond_chance_and_is_more_than_numbers() -> None:
    """Two areas of four papers each. A phrase in 3 papers, all in area 0: the chance that some area holds all 3
    of them is 2 x 0.5^3 = 0.25. "14b" and "2025" are only numbers, "gpt 4o" names a model."""
    from papertrends.terms import gathering_chance, research_terms

    topic_of = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    x = sparse.csc_matrix((np.ones(3), ([0, 1, 2], [0, 0, 0])), shape=(8, 1))
    assert np.allclose(gathering_chance(x, topic_of, np.array([0])), [0.25])

    many = 40  # papers in area 0 of 160 (a quarter): each phrase is in all of them
    topic_of = np.r_[np.zeros(many, dtype=int), np.arange(120) % 3 + 1]
    x = sparse.csc_matrix(np.r_[np.ones((many, 3)), np.zeros((120, 3))])
    named, lift = research_terms(x, np.array(["14b", "2025", "gpt 4o"]), topic_of)
    assert np.allclose(lift, 4.0) and named.tolist() == [False, False, True]


def test_a_slope_carried_by_a_few_heavy_days_is_tested_on_those_days() -> None:
    """100 days: 10 hold 700 papers each, the rest one paper (arXiv's publication days). 400 phrases with no trend,
    each heavy day's share swinging by 2 points around 5% (days differ in what they hold). Pooling one residual
    variance over all days counts each one-paper day as evidence, and calls a third of those phrases rising or
    fading at p < 0.05; the test used takes each day's own residual and the days that the slope's weights are
    worth, and keeps to its level. A true climb over the heavy days, from 3% to 9%, is still found."""
    from papertrends.slopes import slope_from_sums, slopes

    rng = np.random.default_rng(0)
    days = np.arange(100, dtype=float)
    heavy = days % 10 == 5
    weight = np.where(heavy, 700.0, 1.0)
    rate = np.where(heavy[:, None], rng.normal(0.05, 0.02, (100, 400)), 0.05)
    rate[:, 0] = np.where(heavy, 0.03 + 0.06 * days / 100, 0.05)
    shares = rng.binomial(weight.astype(int)[:, None], np.clip(rate, 0, 1)) / weight[:, None]
    x = days - days.mean()
    papers = shares * weight[:, None]
    _, pooled = slope_from_sums(100, weight.sum(), weight @ x, weight @ x**2, papers.sum(axis=0), x @ papers,
                                (papers * shares).sum(axis=0))  # fmt: skip
    effect, p = slopes(days, shares, weight)
    assert (pooled[1:] < 0.05).mean() > 0.25  # the failure this guards against
    assert (p[1:] < 0.05).mean() <= 0.10, (p[1:] < 0.05).mean()
    assert effect[0] > 0 and p[0] < 0.05, p[0]


def test_days_sum_to_their_weeks_in_any_order() -> None:
    """`series.weekly_sums` sums a run of days in order at once, and days in any other order one by one: the
    same weeks, sums and each day's week either way (the weeks with a digest only)."""
    from papertrends.series import weekly_sums

    random = np.random.default_rng(3)
    days = pd.DatetimeIndex(sorted(pd.Timestamp("2025-01-01") + pd.to_timedelta(random.choice(90, 40), unit="D")))
    counts, totals = random.integers(0, 9, size=(40, 5)).astype(float), random.integers(1, 30, size=40).astype(float)
    weeks, at, summed, week_totals = weekly_sums(counts, totals, days)
    shuffled = random.permutation(40)
    weeks2, at2, summed2, week_totals2 = weekly_sums(counts[shuffled], totals[shuffled], days[shuffled])
    assert weeks.equals(weeks2) and np.array_equal(at[shuffled], at2)
    assert np.array_equal(summed, summed2) and np.array_equal(week_totals, week_totals2)
    monday = days - pd.to_timedelta(days.day_of_week, unit="D")
    expected = pd.DataFrame(counts).groupby(monday.to_numpy()).sum()
    assert np.array_equal(summed, expected.to_numpy()) and weeks.equals(pd.DatetimeIndex(expected.index))
    assert weekly_sums(np.zeros((0, 3)), np.zeros(0), pd.DatetimeIndex([]))[2].shape == (0, 3)
