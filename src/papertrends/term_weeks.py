"""Each phrase's status week by week, as each week's report would have said it from the digests up to then. Pure.

A research line that no topic holds can still be named by its words: "world models" rose in the digests' share
weeks before any topic did. `terms.term_trends` tests every phrase once, over the trailing year; this module asks
each week whether a phrase's share of the papers listed in the last `emerging_days` is at least `RISE` times its
share in the rest of the trailing `window_days` (or at most 1 / `RISE` of it), by both tests that a topic's rise
gets (`changes.rise_p`): Welch's t-test on the weekly shares and an exact binomial test on the papers, the larger
p-value of the two. The p-values are Benjamini-Hochberg corrected across the phrases tested that week, and a phrase
flagged one week keeps its flag under `KEEP` times alpha (the topics' hysteresis).

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
    share = n / np.maximum(total, 1)[:, None]
    for w in range(dense_week(total) + MIN_WEEKS, len(weeks)):
        as_of = weeks[w] + timedelta(days=6) if w < len(weeks) - 1 else ends[w]
        recent = (weeks > as_of - timedelta(days=config.emerging_days)) & (index <= w)
        past = (weeks >= as_of - timedelta(days=config.window_days)) & ~recent & (index < w)
        if past.sum() < MIN_SEGMENT or recent.sum() < 2:
            continue
        days = (when <= as_of) & (when >= as_of - timedelta(days=config.window_days)) & (totals > 0)
        status, ratio, q = _week(n, share, total, recent, past, flagged, config)
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


def _week(n: np.ndarray, share: np.ndarray, total: np.ndarray, recent: np.ndarray, past: np.ndarray, before: np.ndarray,
          config: TrendsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """One week's step test: "rising" (to be called emerging), "fading" or "" for every phrase, its ratio and q
    value."""
    k1, k0 = n[recent].sum(axis=0), n[past].sum(axis=0)
    n1, n0 = total[recent].sum(), total[past].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(k0 > 0, (k1 / n1) / (k0 / n0), np.inf)
    up = ratio >= 1
    expected = n1 / (n1 + n0)
    counted = np.where(up, stats.binom.sf(k1 - 1, k1 + k0, expected), stats.binom.cdf(k1, k1 + k0, expected))
    p = np.maximum(counted, _welch(share[recent], share[past], up))
    tested = np.where(up, k1, k0 * expected / (1 - expected)) >= config.min_papers
    p = np.where(tested & (k1 + k0 > 0), p, 1.0)
    q = benjamini_hochberg(p)
    kept = config.alpha * KEEP
    rising = up & (ratio >= RISE) & (q < np.where(before == "emerging", kept, config.alpha))
    fading = ~up & (ratio <= 1 / RISE) & (q < np.where(before == "fading", kept, config.alpha))
    return np.where(rising, "rising", np.where(fading, "fading", "")), ratio, q


def _welch(after: np.ndarray, before: np.ndarray, greater: np.ndarray) -> np.ndarray:
    """One-sided Welch p-values per column: that `after`'s mean exceeds `before`'s where `greater`, else that it
    is below it (rows: weeks). A column whose weeks do not vary at all gives 1 (nothing to test), as does a
    t statistic that points the other way."""
    m1, m0 = after.mean(axis=0), before.mean(axis=0)
    v1, v0 = after.var(axis=0, ddof=1) / len(after), before.var(axis=0, ddof=1) / len(before)
    se2 = v1 + v0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (m1 - m0) / np.sqrt(se2)
        dof = se2**2 / (v1**2 / (len(after) - 1) + v0**2 / (len(before) - 1))
    p = stats.t.sf(np.where(greater, t, -t), np.nan_to_num(dof, nan=1.0))
    return np.where(np.isfinite(t) & (se2 > 0), p, 1.0)


def since(history: pd.DataFrame, status: pd.Series, as_of: object) -> pd.Series:
    """For each phrase (the index of `status`, its status by the trailing year's test): the first week of its
    current run of weekly flags, when the week `as_of` (the data's last day) flags it in the same direction (an
    emerging phrase rises); None otherwise."""
    last = history[history["as_of"] == as_of].set_index("term")
    agrees = last["status"].replace("emerging", "rising").reindex(status.index) == status
    return last["since"].reindex(status.index).where(agrees.to_numpy(), None).astype(object)
