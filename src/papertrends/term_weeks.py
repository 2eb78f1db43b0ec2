"""Each phrase's status week by week, as each week's report would have said it from the digests up to then. Pure.

A research line that no topic holds can still be named by its words: "world models" rose in the digests' share
weeks before any topic did. `terms.term_trends` tests every phrase once, over the trailing year; this module asks
each week whether a phrase's share of the papers listed recently (the last `SHORT_DAYS`, and the last
`emerging_days`) is at least `RISE` times its share in the rest of the trailing `window_days` (or at most 1 / `RISE`
of it). The test counts papers: an exact binomial test, and the same count's z-test with its variance widened by
the phrase's own overdispersion in the earlier weeks (a quasi-binomial test: a phrase whose weekly count swings
more than chance would have it needs a larger step); the larger p-value of the two is kept. The p-values are
Benjamini-Hochberg corrected across the phrases tested that week, Bonferroni across the two windows, and a phrase
flagged one week keeps its flag under `KEEP` times alpha (the topics' hysteresis).

Welch's t-test on the weekly shares, the topics' guard against overdispersion, was tried first: with eight recent
weeks against 4,000 phrases it flagged two of them in 70 weeks of hf-daily-api. The dispersion estimated from a
phrase's own past weeks guards the same way without giving up the counts (with shuffled dates: 0-6 of 2,600 terms).

The topics' change points (PELT per series, per week) cost 650 s for the 3,785 research terms of 6,141 papers:
this test is the same comparison of a recent window with the past, computed for every phrase at once.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import stats

from papertrends import frames
from papertrends.changes import MIN_SEGMENT, RISE, dense_week
from papertrends.config import TrendsConfig
from papertrends.series import weekly_sums
from papertrends.slopes import robust_p, slope_from_sums
from papertrends.status_rules import KEEP
from papertrends.trends import MIN_WEEKS, benjamini_hochberg

COLUMNS = list(frames.TERM_HISTORY)
SHORT_DAYS = 28  # a step is also looked for in the last four weeks: a line that jumped this month shows this month


Weeks = tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, pd.DatetimeIndex]


def weekly(counts: np.ndarray, totals: np.ndarray, when: pd.DatetimeIndex) -> Weeks:
    """Per ISO week (Monday) with a digest: each phrase's papers (weeks x phrases), the week's papers in all, and
    the week's last digest day (what a report at the end of that week had read)."""
    weeks, index, summed, week_totals = weekly_sums(counts, totals, when)
    last = pd.Series(when).groupby(index).max()
    return weeks, summed, week_totals, pd.DatetimeIndex(last.to_numpy())


def phrase_history(
    counts: np.ndarray, totals: np.ndarray, when: pd.DatetimeIndex, terms: np.ndarray, config: TrendsConfig
) -> pd.DataFrame:
    """The weeks each phrase was emerging, rising or fading: as_of (the end of the week), term, status, ratio (its
    recent share over its earlier share), q value and since (the first week of this run of flags). `counts`:
    digest days x phrases, the papers listed that day that use each phrase; `totals`: the day's papers; `when`:
    the days, sorted. Weeks start `MIN_WEEKS` after the first dense week (`changes.dense_week`: arXiv's thin tail
    back to 1999 starts no history, as it starts none for the topics). Every window's sums are differences of
    running sums, so a week costs the same whatever its windows' lengths."""
    weeks, n, total, ends = weekly(counts, totals, when)
    begin = dense_week(total) + MIN_WEEKS
    if begin >= len(weeks):
        return pd.DataFrame(columns=COLUMNS)
    earliest = weeks[begin] - timedelta(days=config.window_days)  # no window reads a day before it
    cut = int(weeks.searchsorted(earliest))
    weeks, n, total, ends, begin = weeks[cut:], n[cut:], total[cut:], ends[cut:], begin - cut
    week_sums = _running(n, total, n**2 / np.maximum(total, 1)[:, None])
    live = (totals > 0) & (when >= earliest)
    day, day_when, papers, weight = _day_numbers(when[live]), when[live], counts[live], totals[live]
    day_sums = _running(papers, weight, weight * day, weight * day**2, papers * day[:, None],
                        papers**2 / weight[:, None])  # fmt: skip
    rows = []
    flagged = np.zeros(n.shape[1], dtype="U8")
    started = np.full(n.shape[1], None, dtype=object)
    for w in range(begin, len(weeks)):
        as_of = weeks[w] + timedelta(days=6) if w < len(weeks) - 1 else ends[w]
        first = int(weeks.searchsorted(as_of - timedelta(days=config.window_days)))
        windows = []
        for recent_days in sorted({SHORT_DAYS, config.emerging_days}):
            cut = max(int(weeks.searchsorted(as_of - timedelta(days=recent_days), side="right")), first)
            if cut - first >= MIN_SEGMENT and w + 1 - cut >= 2:
                windows.append(((cut, w + 1), (first, cut)))
        if not windows:
            continue
        status, ratio, q = _step(week_sums, windows, flagged, config)
        days = (int(day_when.searchsorted(as_of - timedelta(days=config.window_days))),
                int(day_when.searchsorted(as_of, side="right")))  # fmt: skip
        slope, slope_q = _slope_status(day_sums, days, (day, papers, weight), flagged, config)
        status = np.where(status == "rising", "emerging", np.where(status == "", slope, status))
        q = np.where(status == slope, slope_q, q)
        direction = np.where(status == "emerging", "rising", status)  # emerging, then rising: one run of flags
        started[(direction != "") & (direction != np.where(flagged == "emerging", "rising", flagged))] = as_of.date()
        flagged = status
        for j in np.flatnonzero(status != ""):
            rows.append(
                (as_of.date(), str(terms[j]), str(status[j]), round(float(ratio[j]), 3), float(q[j]), started[j])
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _running(*series: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each series' running sums along its first axis, from a row of zeros: the sum over rows [a, b) is
    sums[b] - sums[a]."""
    return tuple(np.concatenate([np.zeros((1, *x.shape[1:])), np.cumsum(x, axis=0)]) for x in series)


def _day_numbers(when: pd.DatetimeIndex) -> np.ndarray:
    """Days counted back from the last: the windows tested lie near 0, where squares lose no digits."""
    return (when - when[-1]).days.to_numpy(dtype=float) if len(when) else np.zeros(0)


def _slope_status(sums: tuple[np.ndarray, ...], days: tuple[int, int], daily: tuple[np.ndarray, ...],
                  before: np.ndarray, config: TrendsConfig) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The trailing window's trend test of every phrase (what `terms.term_trends` reports on the week's last day)
    over the digest days [a, b) of the running sums (papers, all papers, all papers x day and x day^2, papers x
    day, papers^2 / all papers): "rising", "fading" or "", and the q values. A flag of the week before is kept under
    `KEEP` times alpha. `daily`: the days' numbers, papers per phrase and all papers, for the robust check of the
    phrases that could be flagged (`slopes.robust_p`)."""
    a, b = days
    papers, total, day, day2, day_papers, papers2 = (s[b] - s[a] for s in sums)
    if b - a < 4 or total <= 0 or day2 * total - day**2 <= 0:
        return np.zeros(len(papers), dtype="U8"), np.ones(len(papers))
    effect, p = slope_from_sums(b - a, total, day, day2, papers, day_papers, papers2)
    p = np.where(papers >= config.min_papers, p, 1.0)
    near = np.flatnonzero(p < config.alpha * KEEP)  # q >= p: no other phrase can be flagged this week
    x, counts, weight = (d[a:b] for d in daily)
    p[near] = np.maximum(p[near], robust_p(x, counts[:, near], weight, effect[near] / 30))
    q = benjamini_hochberg(p)
    direction = np.where(effect > 0, "rising", "fading")
    kept = (before == direction) | ((before == "emerging") & (direction == "rising"))
    moving = q < np.where(kept, config.alpha * KEEP, config.alpha)
    return np.where(moving, direction, ""), q


def _step(sums: tuple[np.ndarray, ...], windows: list[tuple[tuple[int, int], tuple[int, int]]],
          before: np.ndarray, config: TrendsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """One week's step test over its (recent, past) ranges of weeks: "rising" (to be called emerging), "fading" or
    "" for every phrase, its ratio and q value (in the window that moved it most surely)."""
    size = len(before)
    best_q, best_ratio, best_big = np.full(size, 2.0), np.ones(size), np.zeros(size, dtype=bool)
    for recent, past in windows:
        ratio, q = _counted(sums, recent, past, config)
        q = np.minimum(q * len(windows), 1.0)  # Bonferroni across the windows
        big = np.where(ratio >= 1, ratio >= RISE, ratio <= 1 / RISE)  # a step of at least RISE either way
        take = (big > best_big) | ((big == best_big) & (q < best_q))
        best_q, best_ratio, best_big = np.where(take, q, best_q), np.where(take, ratio, best_ratio), big | best_big
    kept = config.alpha * KEEP
    rising = (best_ratio >= RISE) & (best_q < np.where(before == "emerging", kept, config.alpha))
    fading = (best_ratio <= 1 / RISE) & (best_q < np.where(before == "fading", kept, config.alpha))
    return np.where(rising, "rising", np.where(fading, "fading", "")), best_ratio, best_q


def _counted(sums: tuple[np.ndarray, ...], recent: tuple[int, int], past: tuple[int, int],
             config: TrendsConfig) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Every phrase's share in the `recent` weeks [a, b) over its share in the `past` ones, and the BH q value
    that the recent papers are as many as the past share would give: the larger p of the exact binomial test and
    the quasi-binomial one (its variance times the dispersion of the phrase's past weekly counts, at least 1).
    `sums`: the running sums over weeks of each phrase's papers, all papers, and papers^2 / all papers."""
    k1, n1, _ = (s[recent[1]] - s[recent[0]] for s in sums)
    k0, n0, squares = (s[past[1]] - s[past[0]] for s in sums)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(k0 > 0, (k1 / n1) / (k0 / n0), np.inf)
    up = ratio >= 1
    expected = n1 / (n1 + n0)
    m = k1 + k0
    exact = np.where(up, stats.binom.sf(k1 - 1, m, expected), stats.binom.cdf(k1, m, expected))
    rate = k0 / n0
    with np.errstate(divide="ignore", invalid="ignore"):  # Pearson's chi-square of the past weeks, from sums
        pearson = np.where(rate > 0, (squares - k0 * rate) / (rate * (1 - rate)), 0.0)
        dispersion = np.maximum(1.0, pearson / max(past[1] - past[0] - 1, 1))
        z = (k1 - m * expected) / np.sqrt(dispersion * m * expected * (1 - expected))
    quasi = np.nan_to_num(np.where(up, stats.norm.sf(z), stats.norm.cdf(z)), nan=1.0)
    tested = np.where(up, k1, k0 * expected / (1 - expected)) >= config.min_papers
    p = np.where(tested & (m > 0), np.maximum(exact, quasi), 1.0)
    return ratio, benjamini_hochberg(p)


def this_week(history: pd.DataFrame, terms: np.ndarray, as_of: object, tested: np.ndarray) -> np.ndarray:
    """Each phrase's status as the week `as_of` (the data's last day) of the weekly history gives it: emerging,
    rising or fading, what this week's report says of it; steady otherwise. Where no week has a history (fewer than
    `MIN_WEEKS` dense weeks, or no phrase ever flagged), `tested`: the trailing year's test alone."""
    if history.empty:
        return tested
    last = history[history["as_of"] == as_of]
    said = dict(zip(last["term"].astype(str), last["status"].astype(str), strict=True))
    return np.array([said.get(str(t), "steady") for t in terms], dtype=object)


def since(history: pd.DataFrame, status: pd.Series, as_of: object) -> pd.Series:
    """For each phrase (the index of `status`): the first week of its current run of weekly flags, when the week
    `as_of` (the data's last day) gives it that status (an emerging phrase rises); None otherwise."""
    last = history[history["as_of"] == as_of].set_index("term")
    direction = status.replace("emerging", "rising")
    agrees = last["status"].replace("emerging", "rising").reindex(status.index) == direction
    return last["since"].reindex(status.index).where(agrees.to_numpy(), None).astype(object)
