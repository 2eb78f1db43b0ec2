"""Prevalence intervals and the trend test, with known answers and a permutation control."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from conftest import permuted_dates
from papertrends.changes import rising_change_point
from papertrends.config import TrendsConfig
from papertrends.prevalence import prevalence, wilson
from papertrends.series import DailyCounts
from papertrends.trends import (
    KEEP,
    benjamini_hochberg,
    first_change,
    history_and_table,
    history_key,
    reported_before,
    slope_test,
    status_history,
    status_periods,
    status_story,
    trend_table,
)

CONFIG = TrendsConfig(window_days=400, emerging_days=30, gone_days=30, min_papers=5)


def test_small_digests_get_wide_intervals() -> None:
    lo, hi = wilson(np.array([1, 100, 0, 3]), np.array([3, 1000, 3, 3]))
    assert hi[0] - lo[0] > 0.6 and hi[1] - lo[1] < 0.04
    assert lo[2] == 0 and hi[2] > 0.4 and hi[3] == 1 and lo[3] < 0.5


def test_prevalence_windows_and_upvote_share() -> None:
    sightings = pd.DataFrame(
        {
            "digest_date": [date(2025, 3, 3), date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5), date(2025, 3, 5)],
            "paper_id": ["a", "b", "c", "a", "d"],
            "upvotes": [10, 30, 5, 12, None],
        }
    )
    assignments = pd.DataFrame({"paper_id": ["a", "b", "c", "d"], "topic_id": [0, 1, 0, -1]})
    day = prevalence(assignments, sightings, "day")
    first = day[day["window_start"] == date(2025, 3, 3)].set_index("topic_id")
    assert first.loc[0, "share"] == 0.5 and first.loc[0, "upvote_share"] == 0.25 and first["share"].sum() == 1
    week = prevalence(assignments, sightings, "week").set_index("topic_id")
    assert week.loc[0, "n"] == 2 and week.loc[0, "total"] == 4  # paper a counts once in its week
    assert week.loc[0, "window_start"] == date(2025, 3, 3)  # Monday
    assert week.loc[0, "upvote_share"] == (12 + 5) / (12 + 30 + 5)  # a paper's upvotes counted once, its highest


def _series(slopes: list[float], days: int = 200, seed: int = 1, total: int = 30) -> pd.DataFrame:
    """Daily digests of `total` papers; topic k's share drifts by slopes[k] per day around 1/len."""
    rng = np.random.default_rng(seed)
    rows = []
    base = 1 / (len(slopes) + 1)
    for d in range(days):
        day = date(2025, 1, 1) + timedelta(days=d)
        shares = np.array([max(0.001, base + s * (d - days / 2)) for s in slopes])
        shares = rng.dirichlet(shares * 200)  # overdispersed, as real digests are
        counts = rng.multinomial(total, np.append(shares * (1 - base), base))
        for k, n in enumerate(counts[:-1]):
            rows.append({"window_start": day, "topic_id": k, "n": int(n), "total": total, "share": n / total})
    return pd.DataFrame(rows)


def test_a_rising_and_a_fading_topic_are_found_and_steady_ones_are_not() -> None:
    table = trend_table(_series([0.0006, -0.0006, 0, 0, 0]), CONFIG).set_index("topic_id")
    assert table.loc[0, "status"] == "rising" and table.loc[0, "effect"] > 0 and table.loc[0, "q_value"] < 0.05
    assert table.loc[1, "status"] == "fading" and table.loc[1, "effect"] < 0
    assert set(table.loc[[2, 3, 4], "status"]) == {"steady"}


def test_each_topic_is_tested_on_its_own_rows_all_at_once_or_alone() -> None:
    """The slope tests run on every topic at once where each has a row every day (as `prevalence` gives) and on
    each alone where some rows are missing: a topic's effect and p-value are the same either way, and a missing
    row is a day left out, not a day of zero papers."""
    frame = _series([0.0006, -0.0006, 0])
    alone = {k: trend_table(frame[frame["topic_id"] == k], CONFIG).iloc[0] for k in range(3)}
    together = trend_table(frame, CONFIG).set_index("topic_id")
    for k, row in alone.items():
        assert together.loc[k, "effect"] == row["effect"]
        assert together.loc[k, "p_value"] == pytest.approx(row["p_value"], rel=1e-9)
    days = sorted(frame["window_start"].unique())
    gappy = frame[~((frame["topic_id"] == 0) & frame["window_start"].isin(days[::3]))]
    mixed = trend_table(gappy, CONFIG).set_index("topic_id")
    own = trend_table(gappy[gappy["topic_id"] == 0], CONFIG).iloc[0]
    assert mixed.loc[0, "effect"] == own["effect"] and mixed.loc[0, "p_value"] == pytest.approx(own["p_value"])
    assert mixed.loc[0, "effect"] != together.loc[0, "effect"]
    assert mixed.loc[1, "p_value"] == pytest.approx(together.loc[1, "p_value"], rel=1e-9)


def test_new_and_gone_topics() -> None:
    frame = _series([0, 0, 0])
    end = frame["window_start"].max()
    frame.loc[(frame["topic_id"] == 0) & (frame["window_start"] < end - timedelta(days=20)), "n"] = 0
    frame.loc[(frame["topic_id"] == 1) & (frame["window_start"] > end - timedelta(days=60)), "n"] = 0
    frame["share"] = frame["n"] / frame["total"]
    table = trend_table(frame, CONFIG).set_index("topic_id")
    assert table.loc[0, "status"] == "emerging" and table.loc[1, "status"] == "gone"


def test_permuted_dates_flag_at_most_5_percent_of_topics() -> None:
    """The control: with trends in the data, shuffling which digest is which day leaves no trend to find."""
    frame = _series([0.0005, -0.0005, 0.0003, -0.0003] + [0] * 16, days=250, seed=7)
    assert (trend_table(frame, CONFIG)["status"].isin(["rising", "fading"])).sum() >= 3
    rng = np.random.default_rng(3)
    flagged = []
    for _ in range(20):
        status = trend_table(permuted_dates(frame, "window_start", rng), CONFIG)["status"]
        flagged.append(status.isin(["rising", "fading"]).mean())
    assert np.mean(flagged) <= 0.05 and max(flagged) <= 0.1


def test_slope_and_benjamini_hochberg() -> None:
    days = np.arange(60, dtype=float)
    effect, p = slope_test(days, 0.1 + days * 0.001, np.full(60, 20.0))
    assert abs(effect - 0.03) < 1e-9 and p < 1e-6  # 0.001 per day = 3 points per 30 days
    assert slope_test(days, np.full(60, 0.2), np.full(60, 20.0)) == (0.0, 1.0)
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5]))
    assert np.allclose(q, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])  # step-up: 0.03 takes 0.04's q


def _onsets(onsets: dict[int, int], n_topics: int = 12, days: int = 350, seed: int = 5) -> pd.DataFrame:
    """Daily digests of 30 papers; topic k's share is 2% and quadruples on day onsets[k], the rest share the
    remainder evenly (overdispersed, as real digests are)."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        day = date(2025, 1, 6) + timedelta(days=d)
        raised = np.array([0.08 if d >= onsets.get(k, days + 1) else 0.02 for k in range(n_topics)])
        shares = np.append(raised, max(0.05, 1 - raised.sum()))
        counts = rng.multinomial(30, rng.dirichlet(shares * 300))
        for k in range(n_topics):
            rows.append({"window_start": day, "topic_id": k, "n": int(counts[k]), "total": 30, "share": counts[k] / 30})
    return pd.DataFrame(rows)


EMERGING = TrendsConfig(window_days=365, emerging_days=60, gone_days=45, min_papers=5)


def test_a_change_point_with_a_rise_is_found_near_its_onset_and_flat_series_have_none() -> None:
    frame = _onsets({0: 200})
    weeks, counts, totals = DailyCounts.of(frame).weekly()
    found = rising_change_point(counts[:, 0], totals)
    assert found is not None and found[1] < 1e-4
    assert abs((weeks[found[0]] - pd.Timestamp(date(2025, 1, 6) + timedelta(days=200))).days) <= 14
    assert all(rising_change_point(counts[:, k], totals) is None for k in (3, 4, 5))


def test_the_pre_filter_never_rules_out_a_rise_that_pelt_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """`could_rise` skips PELT where no run of weeks could be the rise: on 400 series with steps up, down and none,
    gaps and short histories, every answer is the one PELT gives without it, and about half are skipped."""
    from papertrends import changes

    rng = np.random.default_rng(1)
    series = []
    for _ in range(400):
        weeks = int(rng.integers(8, 100))
        totals = rng.integers(0, 150, weeks).astype(float)
        totals[rng.random(weeks) < 0.05] = 0
        base, step = rng.uniform(0.001, 0.2), rng.choice([1, 1, 1.5, 2, 2.5, 3, 0.5])
        share = np.where(np.arange(weeks) >= rng.integers(0, weeks), min(base * step, 0.9), base)
        series.append((rng.binomial(totals.astype(int), share).astype(float), totals))
    filtered = [rising_change_point(n, totals) for n, totals in series]
    skipped = sum(not changes.could_rise(n[totals > 0], totals[totals > 0]) for n, totals in series)
    monkeypatch.setattr(changes, "could_rise", lambda n, total: True)
    assert filtered == [rising_change_point(n, totals) for n, totals in series]
    assert sum(f is not None for f in filtered) >= 40 and skipped >= 100


def test_a_topic_that_dipped_and_came_back_has_not_emerged() -> None:
    """A share of 10% for 32 weeks, 1.5% for 5, then 10% again (what three hf-daily-api areas did): the return is
    twice the dip, but not twice the topic's own past, so no rising change point; a topic from 1% to 5% has one."""
    rng = np.random.default_rng(3)
    weeks = 42
    totals = rng.integers(80, 140, size=weeks).astype(float)
    dipped = np.r_[np.full(32, 0.10), np.full(5, 0.015), np.full(5, 0.10)]
    risen = np.r_[np.full(34, 0.01), np.full(8, 0.05)]
    n_dipped, n_risen = rng.binomial(totals.astype(int), dipped), rng.binomial(totals.astype(int), risen)
    assert rising_change_point(n_dipped.astype(float), totals) is None
    found = rising_change_point(n_risen.astype(float), totals)
    assert found is not None and abs(found[0] - 34) <= 2 and found[1] < 0.001


def test_a_topic_whose_share_rose_recently_is_emerging_since_its_onset_though_its_first_paper_is_old() -> None:
    frame = _onsets({0: 320})  # 30 days before the last digest; every topic has papers from the first day
    table = trend_table(frame, EMERGING).set_index("topic_id")
    assert table.loc[0, "status"] == "emerging"
    assert abs((pd.Timestamp(table.loc[0, "since"]) - pd.Timestamp(date(2025, 1, 6) + timedelta(days=320))).days) <= 14
    assert (table.drop(index=0)["status"] == "emerging").sum() == 0


def test_the_history_says_when_a_topic_emerged_and_what_it_was_called_afterwards() -> None:
    frame = _onsets({0: 150})
    history = status_history(frame, EMERGING)
    zero = history[history["topic_id"] == 0].set_index("as_of")
    onset = date(2025, 1, 6) + timedelta(days=150)
    emerged = zero[zero["status"] == "emerging"]
    assert len(emerged) >= 3  # weeks during which it was reported as emerging
    # flagged within five weeks of the onset: a change point needs four weeks of series after it
    assert min(emerged.index) - onset <= timedelta(days=35)
    assert all(abs((pd.Timestamp(s) - pd.Timestamp(onset)).days) <= 14 for s in emerged["since"])
    assert zero.iloc[-1]["status"] != "emerging"  # 200 days later it is no longer new
    others = history[history["topic_id"] != 0]
    assert (others["status"] == "emerging").mean() <= 0.05


def test_a_history_taken_up_from_an_earlier_run_equals_one_computed_whole() -> None:
    """The weeks before the first changed day come from the earlier history (as a database gives them back:
    timestamps, NaT); the rest are computed; the result is the history computed from scratch."""
    frame = _onsets({0: 150})
    days = sorted(frame["window_start"].unique())
    before = frame[frame["window_start"] < days[-10]]
    stored = status_history(before, EMERGING)
    stored = stored.assign(as_of=pd.to_datetime(stored["as_of"]), since=pd.to_datetime(stored["since"]))
    # the last ten days arrive, and one day five weeks back gains a paper of topic 1
    late = frame.assign(n=np.where((frame["window_start"] == days[-40]) & (frame["topic_id"] == 1),
                                   frame["n"] + 1, frame["n"]))  # fmt: skip
    assert first_change(before, late) == pd.Timestamp(days[-40])
    whole = status_history(late, EMERGING)
    taken_up = status_history(late, EMERGING, earlier=(before, stored))
    pd.testing.assert_frame_equal(taken_up, whole)
    # nothing changed: every week is taken from the earlier history, which (altered here) shows through
    altered = stored.assign(effect=stored["effect"] + 1)
    again = status_history(before, EMERGING, earlier=(before, altered))
    assert np.allclose(again["effect"], status_history(before, EMERGING)["effect"] + 1)
    assert first_change(before, before) is None
    assert history_key(EMERGING) != history_key(CONFIG) and history_key(EMERGING) == history_key(EMERGING)


def test_permuted_dates_make_at_most_5_percent_of_old_topics_emerging() -> None:
    frame = _onsets({0: 300, 1: 310, 2: 320}, n_topics=20, seed=9)
    assert (trend_table(frame, EMERGING)["status"] == "emerging").sum() >= 2
    rng = np.random.default_rng(4)
    flagged = []
    for _ in range(20):
        status = trend_table(permuted_dates(frame, "window_start", rng), EMERGING)["status"]
        flagged.append((status == "emerging").mean())
    assert np.mean(flagged) <= 0.05, flagged


def _runs(statuses: list[str]) -> list[int]:
    """Lengths of the runs of one status in a topic's weekly statuses."""
    lengths: list[int] = []
    for k, status in enumerate(statuses):
        if k and status == statuses[k - 1]:
            lengths[-1] += 1
        else:
            lengths.append(1)
    return lengths


def test_a_status_already_reported_is_kept_under_the_looser_bar_and_only_there() -> None:
    frame = _series([0.0003, -0.0003, 0.0002, -0.0002, 0.00015, -0.00015] + [0] * 6, days=250, seed=11)
    fresh = trend_table(frame, CONFIG).set_index("topic_id")
    direction = np.where(fresh["effect"] > 0, "rising", "fading")
    kept = trend_table(frame, CONFIG, dict(zip(fresh.index, direction, strict=True))).set_index("topic_id")
    band = (fresh["q_value"] >= CONFIG.alpha) & (fresh["q_value"] < KEEP * CONFIG.alpha)
    assert band.any(), fresh  # the series is built to have a topic between the two bars
    assert (fresh.loc[band, "status"] == "steady").all() and (kept.loc[band, "status"] == direction[band]).all()
    outside = ~band
    assert (kept.loc[outside, "status"] == fresh.loc[outside, "status"]).all()
    # the other direction is not kept: a topic reported fading that now leans up is held to the first bar
    flipped = trend_table(
        frame, CONFIG, {t: "fading" if d == "rising" else "rising" for t, d in zip(fresh.index, direction, strict=True)}
    )
    assert (flipped.set_index("topic_id")["status"] == fresh["status"]).all()


def test_the_history_flips_less_than_memoryless_weekly_statuses_and_ends_where_the_run_does() -> None:
    frame = _series([0.00025, -0.00025, 0.00015, -0.00015] + [0] * 4, days=300, seed=13)
    history = status_history(frame, CONFIG)
    dates = pd.to_datetime(frame["window_start"])
    memoryless = pd.concat(
        [trend_table(frame[(dates <= pd.Timestamp(d)).to_numpy()], CONFIG).assign(as_of=d)
         for d in sorted(history["as_of"].unique())]
    )  # fmt: skip
    runs = [[_runs(g.sort_values("as_of")["status"].tolist()) for _, g in h.groupby("topic_id")]
            for h in (history, memoryless)]  # fmt: skip
    changes = [sum(len(r) - 1 for r in topics) for topics in runs]
    single = [sum(n == 1 for r in topics for n in r[1:-1]) for topics in runs]  # one-week statuses between others
    assert changes[0] < changes[1] and single[0] < single[1], (changes, single)
    # the run's own table, given the week before, says what the history's last week says
    last = history[history["as_of"] == history["as_of"].max()].set_index("topic_id")["status"]
    table = trend_table(frame, CONFIG, reported_before(history))
    assert table.set_index("topic_id")["status"].reindex(last.index).equals(last)
    # ... and is what `history_and_table` gives beside the history, computed once, or taken up from a stored one
    both, own = history_and_table(frame, CONFIG)
    assert both.equals(history) and own.equals(table)
    again, own_again = history_and_table(frame, CONFIG, earlier=(frame, history))
    assert again.equals(history) and own_again.equals(table)


def test_permuted_dates_flag_at_most_5_percent_of_topics_in_the_history_too() -> None:
    """The control, week by week with the looser bar for what was reported: no trend, few flags."""
    frame = _series([0.0005, -0.0005, 0.0003, -0.0003] + [0] * 16, days=250, seed=7)
    rng = np.random.default_rng(8)
    flagged = []
    for _ in range(4):
        history = status_history(permuted_dates(frame, "window_start", rng), CONFIG)
        flagged.append(history["status"].isin(["rising", "fading", "emerging"]).mean())
    assert np.mean(flagged) <= 0.05, flagged


def test_a_subtopic_that_rises_inside_a_flat_topic_is_emerging_and_its_topic_is_not() -> None:
    """Video generation inside image generation: the topic's share holds while one of its subtopics takes over."""
    from papertrends.analysis import subtopic_trends
    from papertrends.config import Settings
    from papertrends.prevalence import prevalence

    rng = np.random.default_rng(21)
    rows, sightings = [], []
    for d in range(300):
        day = date(2025, 1, 6) + timedelta(days=d)
        late = d >= 250  # subtopic 10 goes from a fifth of topic 0 to four fifths of it
        weights = [0.1, 0.4, 0.25, 0.25] if not late else [0.4, 0.1, 0.25, 0.25]
        for k, sub in enumerate(rng.choice([10, 11, 12, 13], size=30, p=weights)):
            paper = f"{d}-{k}"
            rows.append({"paper_id": paper, "topic_id": 0 if sub in (10, 11) else 1, "subtopic_id": int(sub)})
            sightings.append({"digest_date": day, "paper_id": paper, "upvotes": 1})
    assignments, sightings = pd.DataFrame(rows), pd.DataFrame(sightings)
    topics = pd.DataFrame({"topic_id": [0, 1, 10, 11, 12, 13], "level": ["topic"] * 2 + ["subtopic"] * 4})
    settings = Settings().with_overrides(trends={"emerging_days": 60})
    subs = subtopic_trends(assignments, sightings, topics, settings).set_index("topic_id")
    assert subs.loc[10, "status"] == "emerging" and subs.loc[11, "status"] in ("fading", "steady")
    assert set(subs.loc[[12, 13], "status"]) == {"steady"}
    whole = trend_table(prevalence(assignments, sightings, "day"), settings.trends).set_index("topic_id")
    assert set(whole["status"]) == {"steady"}  # the topics did not move


def test_a_topic_only_an_undated_file_holds_is_not_called_emerging() -> None:
    """Twenty weekly digests that state their dates hold topics 0 and 1; one more file, dated only by its time (a
    checkout's day, after them), holds all of topic 2. On every sighting topic 2 looks new, so emerging; on the
    sightings a trend may rest on it is steady, and the dated topics keep their statuses."""
    from papertrends.analysis import dated

    start = date(2025, 1, 5)
    rows = []
    for week in range(20):
        day = start + timedelta(weeks=week)
        rows += [(day, f"w{week}-{i}", i % 2, True) for i in range(10)]
    last = start + timedelta(weeks=20)
    rows += [(last, f"u-{i}", 2, False) for i in range(14)]
    sightings = pd.DataFrame(rows, columns=["digest_date", "paper_id", "topic_id", "certain"]).assign(upvotes=1)
    assignments = sightings[["paper_id", "topic_id"]]

    def statuses(seen: pd.DataFrame) -> dict[int, str]:
        table = trend_table(prevalence(assignments, seen, "day"), CONFIG)
        return dict(zip(table["topic_id"], table["status"], strict=True))

    assert statuses(sightings)[2] == "emerging"  # what the file's time alone would have said
    tested = dated(sightings)
    assert len(tested) == 200 and tested["certain"].all()
    assert statuses(tested) == {0: "steady", 1: "steady", 2: "steady"}
    assert dated(sightings.assign(certain=False)) is not None and len(dated(sightings.assign(certain=False))) == 214


def test_a_seldom_topic_is_not_gone_after_a_silence_its_own_rate_makes_likely() -> None:
    """A research line with a paper every three weeks is often unseen for 45 days: gone only after a silence that
    its rate makes unlikely (1%: about 4.6 gaps), while a frequent topic is gone after `gone_days`."""
    days = [date(2025, 1, 1) + timedelta(days=d) for d in range(300)]
    rows = []
    for k, day in enumerate(days):
        seldom = int(k % 21 == 0 and k < 240)  # every 21 days, silent for the last 60 (under 4.6 x 21 = 97)
        frequent = int(k < 240)  # every day, then silent for the last 60 (over gone_days = 45)
        for topic, n in ((0, seldom), (1, frequent), (2, 5)):
            rows.append({"window_start": day, "topic_id": topic, "n": n, "total": 10, "share": n / 10})
    table = trend_table(pd.DataFrame(rows), TrendsConfig(window_days=400, gone_days=45, min_papers=5))
    status = table.set_index("topic_id")["status"]
    assert status[1] == "gone" and status[0] != "gone"


def least_penalised_cost(share: np.ndarray, price: float, smallest: int = 4) -> float:
    """The exact optimum that PELT searches for: segments of at least `smallest` weeks, each costing its squared
    deviation from its mean plus `price`, by dynamic programming over every split (no pruning)."""
    sums, squares = np.concatenate([[0], np.cumsum(share)]), np.concatenate([[0], np.cumsum(share**2)])
    best = np.full(len(share) + 1, np.inf)
    best[0] = 0
    for end in range(smallest, len(share) + 1):
        start = np.array([0, *range(smallest, end - smallest + 1)])
        cost = squares[end] - squares[start] - (sums[end] - sums[start]) ** 2 / (end - start)
        best[end] = (best[start] + cost + price).min()
    return float(best[-1])


def test_the_welch_test_is_scipys() -> None:
    """`welch_greater` computes scipy's one-sided Welch test itself (it runs for every topic, every week): the same
    p-value on weekly shares of every size, constant weeks on either side or both included."""
    import warnings

    from scipy import stats

    from papertrends.changes import welch_greater

    rng = np.random.default_rng(8)
    for _ in range(2000):
        after = rng.binomial(20, rng.uniform(0, 0.3), int(rng.integers(1, 30))) / 20
        before = rng.binomial(20, rng.uniform(0, 0.3), int(rng.integers(1, 60))) / 20
        if rng.random() < 0.15:
            after = np.full(len(after), after[0])
        if rng.random() < 0.15:
            before = np.zeros(len(before))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            theirs = stats.ttest_ind(after, before, equal_var=False, alternative="greater").pvalue
        assert welch_greater(after, before) == pytest.approx(theirs if np.isfinite(theirs) else 1.0, rel=1e-10)


def test_the_binomial_test_is_scipys() -> None:
    """`binomial_greater` is scipy's exact one-sided binomial test (`binomtest(...).pvalue`, computed without its
    per-call cost), from no papers at all to hundreds; tails below 1e-250 may differ in their last digits."""
    from scipy import stats

    from papertrends.changes import binomial_greater

    rng = np.random.default_rng(9)
    for _ in range(2000):
        n = int(rng.integers(0, 400))
        k = int(rng.integers(0, n + 1))
        p = float(rng.uniform(0.001, 0.999))
        theirs = stats.binomtest(k, n, p, alternative="greater").pvalue if n else 1.0
        assert binomial_greater(k, n, p) == pytest.approx(theirs, rel=1e-9, abs=1e-250)


def test_the_penalty_median_is_numpys() -> None:
    from papertrends.changes import median

    rng = np.random.default_rng(10)
    for size in range(1, 12):
        x = rng.normal(size=size)
        assert median(x) == np.median(x)


def test_the_change_points_reach_the_least_penalised_cost() -> None:
    """ruptures' compiled kernel search (linear kernel: the L2 cost) finds segments whose penalised cost is the
    exact optimum on nearly every series like a topic's weeks (small, noisy, stepped), and near it on the rest
    (PELT's pruning around the smallest segment is a heuristic: ruptures' Python `Pelt` misses as often)."""
    from papertrends.changes import penalty, segment_bounds

    rng = np.random.default_rng(4)
    optimal, worst = 0, 0.0
    for _ in range(300):
        weeks = int(rng.integers(8, 120))
        rate = rng.uniform(0.001, 0.1) * np.where(np.arange(weeks) >= rng.integers(0, weeks), rng.uniform(1, 4), 1)
        share = rng.binomial(100, np.clip(rate, 0, 1)) / 100
        bounds, price = segment_bounds(share), penalty(share)
        found = sum(float(((share[a:b] - share[a:b].mean()) ** 2).sum()) + price for a, b in itertools.pairwise(bounds))
        best = least_penalised_cost(share, price)
        optimal += found <= best * (1 + 1e-9) + 1e-15
        worst = max(worst, (found - best) / best)
    assert optimal >= 0.98 * 300
    assert worst < 0.05


def test_a_gradual_climb_is_rising_since_its_kink_not_since_a_step() -> None:
    """A line flat at 2% for 30 weeks, then 0.25 points more each week (no step to find): it is rising, since a
    week near the kink; a steady topic beside it has no such day. The story names that day."""
    rng = np.random.default_rng(11)
    rows, kink = [], date(2025, 1, 6) + timedelta(weeks=30)
    for d in range(7 * 52):
        day = date(2025, 1, 6) + timedelta(days=d)
        climb = max(0, (day - kink).days) / 7 * 0.0025
        for topic, share in ((0, 0.02 + climb), (1, 0.05)):
            n = int(rng.binomial(40, share))
            rows.append({"window_start": day, "topic_id": topic, "n": n, "total": 40, "share": n / 40})
    frame = pd.DataFrame(rows)
    config = TrendsConfig(window_days=400, emerging_days=30, gone_days=30, min_papers=5)
    table = trend_table(frame, config).set_index("topic_id")
    assert table.loc[0, "status"] == "rising" and table.loc[1, "status"] == "steady"
    assert abs((pd.Timestamp(table.loc[0, "since"]) - pd.Timestamp(kink)).days) <= 6 * 7, table.loc[0, "since"]
    assert table.loc[1, "since"] is None or pd.isna(table.loc[1, "since"])
    history = status_history(frame, config)
    story = status_story(status_periods(history[history["topic_id"] == 0]))
    assert "rising since 2025-" in story and "(reported" in story, story


def test_a_week_without_a_digest_reports_what_the_week_before_did_and_is_not_computed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty weeks of digests, ten without any, ten more: the empty weeks' rows are the last report's (a run with
    nothing new writes none), and only weeks with a digest run the trend test."""
    from papertrends import trends

    frame = _series([0.0004, -0.0004, 0], days=280, seed=5)
    day = pd.to_datetime(frame["window_start"])
    gap = (day >= pd.Timestamp("2025-05-26")) & (day < pd.Timestamp("2025-08-04"))  # ten whole weeks
    frame = frame[~gap.to_numpy()]
    calls = []
    real = trends.counted_table
    monkeypatch.setattr(trends, "counted_table", lambda *a, **k: calls.append(1) or real(*a, **k))
    history = status_history(frame, CONFIG)
    weeks = sorted(history["as_of"].unique())
    empty = [w for w in weeks if date(2025, 6, 1) <= w <= date(2025, 8, 3)]
    assert len(empty) == 10 and len(calls) == len(weeks) - len(empty)
    before = history[history["as_of"] == date(2025, 5, 25)].set_index("topic_id")[["status", "effect", "since"]]
    for w in empty:
        assert history[history["as_of"] == w].set_index("topic_id")[["status", "effect", "since"]].equals(before)


def test_the_history_starts_where_the_digests_are_dense_not_in_a_thin_tail_of_old_papers() -> None:
    """A dense year of daily digests, then the same year behind a tail of one paper a month going back 20 years (as
    arXiv's publication dates do): the tail starts no history, which has the same weeks as without the tail."""
    dense = _series([0.0006, -0.0006, 0, 0], days=200)
    tail = pd.DataFrame([{"window_start": date(2005, 1, 3) + timedelta(days=30 * k), "topic_id": k % 4, "n": 1,
                          "total": 1, "share": 1.0} for k in range(240)])  # fmt: skip
    alone = status_history(dense, CONFIG)
    behind = status_history(pd.concat([tail, dense], ignore_index=True), CONFIG)
    first = pd.Timestamp(dense["window_start"].min())
    assert pd.Timestamp(min(behind["as_of"])) >= first + timedelta(weeks=8)
    assert pd.Timestamp(min(alone["as_of"])) == pd.Timestamp(min(behind["as_of"]))
    assert len(behind) == len(alone) and set(behind["as_of"]) == set(alone["as_of"])
