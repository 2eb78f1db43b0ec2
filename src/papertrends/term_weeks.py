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
from papertrends.status_rules import KEEP
from papertrends.trends import MIN_WEEKS, benjamini_hochberg

COLUMNS = list(frames.TERM_HISTORY)
SHORT_DAYS = 28  # a step is also looked for in the last four weeks: a line that jumped this month shows this month


Weeks = tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, pd.DatetimeIndex]


def weekly(counts: np.ndarray, totals: np.ndarray, when: pd.DatetimeIndex) -> Weeks:
    """Per ISO week (Monday) with a digest: each phrase's papers (weeks x phrases), the week's papers in all, and
    the week's last digest day (what a report at the end of that week had read)."""
    monday = (when - pd.to_timedelta(when.day_of_week, unit="D")).normalize()
    weeks, index = np.unique(monday.to_numpy(), return_inverse=True)
    summed = np.zeros((len(weeks), counts.shape[1]))
    np.add.at(summed, index, counts)
    last = pd.Series(when).groupby(index).max()
    return pd.DatetimeIndex(weeks), summed, np.bincount(index, weights=totals), pd.DatetimeIndex(last.to_numpy())


def phrase_history(
    counts: np.ndarray, totals: np.ndarray, when: pd.DatetimeIndex, terms: np.ndarray, config: TrendsConfig
) -> pd.DataFrame:
    """The weeks each phrase was emerging, rising or fading: as_of (the end of the week), term, status, ratio (its
    recent share over its earlier share), q value and since (the first week of this run of flags). `counts`:
    digest days x phrases, the papers listed that day that use each phrase; `totals`: the day's papers; `when`:
    the days, sorted. Weeks start `MIN_WEEKS` after the first dense week (`changes.dense_week`: arXiv's thin tail
    back to 1999 starts no history, as it starts none for the topics)."""
    weeks, n, total, ends = weekly(counts, totals, when)
    rows = []
    flagged = np.zeros(n.shape[1], dtype="U8")
    started = np.full(n.shape[1], None, dtype=object)
    index = np.arange(len(weeks))
    for w in range(dense_week(total) + MIN_WEEKS, len(weeks)):
        as_of = weeks[w] + timedelta(days=6) if w < len(weeks) - 1 else ends[w]
        year = (weeks >= as_of - timedelta(days=config.window_days)) & (index <= w)
        windows = []
        for recent_days in sorted({SHORT_DAYS, config.emerging_days}):
            recent = year & (weeks > as_of - timedelta(days=recent_days))
            if (year & ~recent).sum() >= MIN_SEGMENT and recent.sum() >= 2:
                windows.append((recent, year & ~recent))
        if not windows:
            continue
        days = (when <= as_of) & (when >= as_of - timedelta(days=config.window_days)) & (totals > 0)
        status, ratio, q = _step(n, total, windows, flagged, config)
        slope, slope_q = _slope_status((when[days] - when[days].min()).days.to_numpy(dtype=float),
                                       counts[days], totals[days], flagged, config)  # fmt: skip
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


def _slope_status(days: np.ndarray, counts: np.ndarray, totals: np.ndarray, before: np.ndarray,
                  config: TrendsConfig) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The trailing window's trend test of every phrase (what `terms.term_trends` reports on the week's last day):
    "rising", "fading" or "", and the q values. A flag of the week before is kept under `KEEP` times alpha."""
    if len(days) < 4 or np.ptp(days) == 0:
        return np.zeros(counts.shape[1], dtype="U8"), np.ones(counts.shape[1])
    effect, p = slopes(days, counts / totals[:, None], totals)
    p = np.where(counts.sum(axis=0) >= config.min_papers, p, 1.0)
    q = benjamini_hochberg(p)
    direction = np.where(effect > 0, "rising", "fading")
    kept = (before == direction) | ((before == "emerging") & (direction == "rising"))
    moving = q < np.where(kept, config.alpha * KEEP, config.alpha)
    return np.where(moving, direction, ""), q


def slopes(days: np.ndarray, shares: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`trends.slope_test` for every column of `shares` at once: (slope per 30 days, two-sided p-value)."""
    n = len(days)
    w = weight / weight.sum()
    x = days - w @ days
    sxx = w @ x**2
    y_bar = w @ shares
    slope = (w * x) @ (shares - y_bar) / sxx
    resid = shares - (y_bar + np.outer(x, slope))
    dof = n - 2
    se = np.sqrt(np.maximum(n * (w @ resid**2) / dof, 0) / (n * sxx))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, slope / se, 0.0)
    p = np.where(se > 0, 2 * stats.t.sf(np.abs(t), dof), 1.0)
    return slope * 30, p


def _step(n: np.ndarray, total: np.ndarray, windows: list[tuple[np.ndarray, np.ndarray]], before: np.ndarray,
          config: TrendsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """One week's step test over its (recent, past) windows of weeks: "rising" (to be called emerging), "fading" or
    "" for every phrase, its ratio and q value (in the window that moved it most surely)."""
    best_q, best_ratio, best_big = np.full(n.shape[1], 2.0), np.ones(n.shape[1]), np.zeros(n.shape[1], dtype=bool)
    for recent, past in windows:
        ratio, q = _counted(n, total, recent, past, config)
        q = np.minimum(q * len(windows), 1.0)  # Bonferroni across the windows
        big = np.where(ratio >= 1, ratio >= RISE, ratio <= 1 / RISE)  # a step of at least RISE either way
        take = (big > best_big) | ((big == best_big) & (q < best_q))
        best_q, best_ratio, best_big = np.where(take, q, best_q), np.where(take, ratio, best_ratio), big | best_big
    kept = config.alpha * KEEP
    rising = (best_ratio >= RISE) & (best_q < np.where(before == "emerging", kept, config.alpha))
    fading = (best_ratio <= 1 / RISE) & (best_q < np.where(before == "fading", kept, config.alpha))
    return np.where(rising, "rising", np.where(fading, "fading", "")), best_ratio, best_q


def _counted(n: np.ndarray, total: np.ndarray, recent: np.ndarray, past: np.ndarray,
             config: TrendsConfig) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Every phrase's share in the `recent` weeks over its share in the `past` ones, and the BH q value that the
    recent papers are as many as the past share would give: the larger p of the exact binomial test and the
    quasi-binomial one (its variance times the dispersion of the phrase's past weekly counts, at least 1)."""
    k1, k0 = n[recent].sum(axis=0), n[past].sum(axis=0)
    n1, n0 = total[recent].sum(), total[past].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(k0 > 0, (k1 / n1) / (k0 / n0), np.inf)
    up = ratio >= 1
    expected = n1 / (n1 + n0)
    m = k1 + k0
    exact = np.where(up, stats.binom.sf(k1 - 1, m, expected), stats.binom.cdf(k1, m, expected))
    rate = k0 / n0
    weekly_expected = np.outer(total[past], rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.where(weekly_expected > 0, (n[past] - weekly_expected) ** 2 / (weekly_expected * (1 - rate)), 0)
        dispersion = np.maximum(1.0, pearson.sum(axis=0) / max(int(past.sum()) - 1, 1))
        z = (k1 - m * expected) / np.sqrt(dispersion * m * expected * (1 - expected))
    quasi = np.nan_to_num(np.where(up, stats.norm.sf(z), stats.norm.cdf(z)), nan=1.0)
    tested = np.where(up, k1, k0 * expected / (1 - expected)) >= config.min_papers
    p = np.where(tested & (m > 0), np.maximum(exact, quasi), 1.0)
    return ratio, benjamini_hochberg(p)


def since(history: pd.DataFrame, status: pd.Series, as_of: object) -> pd.Series:
    """For each phrase (the index of `status`, its status by the trailing year's test): the first week of its
    current run of weekly flags, when the week `as_of` (the data's last day) flags it in the same direction (an
    emerging phrase rises); None otherwise."""
    last = history[history["as_of"] == as_of].set_index("term")
    agrees = last["status"].replace("emerging", "rising").reindex(status.index) == status
    return last["since"].reindex(status.index).where(agrees.to_numpy(), None).astype(object)
