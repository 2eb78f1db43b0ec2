"""Change points in a topic's weekly share: where it last rose clearly above its own past, and how sure that is.
Pure.

The change points are PELT's on the share series under a least-squares (L2) cost, with a BIC-like penalty on the
series' own noise: the `ruptures` library's kernel change point search with its linear kernel, whose segment cost
is the L2 cost (a segment's squared deviation from its mean) and whose PELT is compiled C. ruptures' `Pelt` class
computes the same cost in Python, for every admissible segment of every series, every week: 32 times slower on
the status history's series (docs/benchmarks.md). The two prune candidates differently around the smallest
segment, so on 6% of those series they end their segments at other weeks; neither always finds the lower
penalised cost (`tests/test_trends.py`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import ruptures
from scipy import special

MIN_SEGMENT = 4  # weeks: a change point needs this much series on each side
FILTERED_WEEKS = 2000  # longer series skip `could_rise`: 2 million runs of weeks, 16 MB an array
DENSE = 0.1  # a week is dense when it holds this share of the papers of the week a typical paper was listed in
RISE = 2.0  # after a rising change point the share is at least this many times what it was


def welch_greater(after: np.ndarray, before: np.ndarray) -> float:
    """One-sided p-value that `after`'s mean exceeds `before`'s (Welch's t-test: unequal variances; scipy's
    `ttest_ind(equal_var=False, alternative="greater")`, computed here: it is called for every topic and week)."""
    if len(after) < 2 or len(before) < 2:
        return 1.0
    spread_after, spread_before = after.var(ddof=1) / len(after), before.var(ddof=1) / len(before)
    spread = spread_after + spread_before
    if not spread > 0:  # constant weeks on both sides: certain if they differ, as scipy has it
        return 0.0 if after.mean() > before.mean() else 1.0
    dof = spread**2 / (spread_after**2 / (len(after) - 1) + spread_before**2 / (len(before) - 1))
    t = (after.mean() - before.mean()) / np.sqrt(spread)
    return float(special.stdtr(dof, -t))  # scipy.stats.t.sf(t, dof), without its per-call overhead


def rise_p(n: np.ndarray, total: np.ndarray, after: np.ndarray, before: np.ndarray) -> float:
    """One-sided p-value that a topic's share is higher in the `after` weeks than in the `before` weeks (boolean
    masks over weekly counts `n` of `total` papers): the larger of two tests, each blind where the other sees.
    Welch's t-test on the weekly shares allows for weeks that vary more than counting alone would (overdispersion);
    an exact binomial test on the papers (given how many there are in both, are too many in `after`?) does not
    mistake a run of empty weeks for a certain zero, as the t-test does when few papers are in play."""
    share = n / np.maximum(total, 1)
    k_after = int(n[after].sum())
    k_both = k_after + int(n[before].sum())
    expected = total[after].sum() / max(total[after].sum() + total[before].sum(), 1)
    return max(welch_greater(share[after], share[before]), binomial_greater(k_after, k_both, expected))


def binomial_greater(k: int, n: int, p: float) -> float:
    """The exact binomial test's one-sided p-value of `k` or more successes in `n` trials of chance `p` (scipy's
    `binomtest(k, n, p, alternative="greater").pvalue`, its upper tail, computed here without the per-call cost
    of building a test result: it is called for every rising topic and week). 1 when there are no trials."""
    if n <= 0 or k <= 0:
        return 1.0
    return min(float(special.bdtrc(k - 1, n, p)), 1.0)


def segment_bounds(share: np.ndarray) -> list[int]:
    """0, then the end of each segment of a weekly share series between its change points (PELT under the L2
    cost, segments of at least `MIN_SEGMENT` weeks, a BIC-like penalty on the series' own noise)."""
    search = ruptures.KernelCPD(kernel="linear", min_size=MIN_SEGMENT).fit(share.reshape(-1, 1))
    return [0, *(int(end) for end in search.predict(pen=penalty(share)))]


def penalty(share: np.ndarray) -> float:
    """The price of one more segment: BIC's for a shift in the mean, on the series' noise (the spread of its
    week-to-week differences, robust to the shifts themselves)."""
    diffs = np.diff(share)
    sigma = 1.4826 * median(np.abs(diffs - median(diffs))) / np.sqrt(2)
    sigma = max(sigma, float(np.std(share)) / 10, 1e-6)
    return 2 * sigma**2 * np.log(len(share))


def median(x: np.ndarray) -> float:
    """`np.median` of a short 1-d array, without its per-call dispatch (called twice per series and week)."""
    ordered = np.sort(x)
    half = len(ordered) // 2
    return float(ordered[half]) if len(ordered) % 2 else float(ordered[half - 1] + ordered[half]) / 2


def rising_change_point(n: np.ndarray, total: np.ndarray) -> tuple[int, float] | None:
    """The last change point of a weekly share series after which the share is at least `RISE` times what it was
    in all the weeks before it, and the one-sided p-value of that rise; None when there is none. All of its past,
    not the segment just before: a topic at 10% that dipped to 2% for five weeks and came back has not emerged."""
    keep = total > 0
    n, total = n[keep], total[keep]
    if len(n) < 2 * MIN_SEGMENT or n.sum() == 0 or not could_rise(n, total):
        return None
    bounds = segment_bounds(n / total)
    weeks = np.arange(len(n))
    for k in range(len(bounds) - 2, 0, -1):
        before = weeks < bounds[k]
        after = (weeks >= bounds[k]) & (weeks < bounds[k + 1])
        rate_before, rate_after = n[before].sum() / total[before].sum(), n[after].sum() / total[after].sum()
        if rate_after >= RISE * max(rate_before, 1e-9) and rate_after > rate_before:
            p = rise_p(n, total, after, before)
            return int(np.flatnonzero(keep)[bounds[k]]), float(p) if np.isfinite(p) else 1.0
    return None


def could_rise(n: np.ndarray, total: np.ndarray) -> bool:
    """Whether some run of weeks has a share at least `RISE` times (and above) that of all the weeks before it: what
    `rising_change_point` needs of the segment after a change point, whatever the change points are. Most series
    have none, and then PELT, most of the trend test's time, is not run (docs/benchmarks.md). Every run of weeks
    is tried that could be such a segment (PELT's segments are at least `MIN_SEGMENT` weeks, the first one too):
    O(weeks^2), a small fraction of PELT's cost; a series longer than `FILTERED_WEEKS` goes to PELT untried (its
    runs of weeks would hold memory by the gigabyte)."""
    if len(n) > FILTERED_WEEKS:
        return True
    papers, all_papers = np.concatenate([[0.0], np.cumsum(n)]), np.concatenate([[0.0], np.cumsum(total)])
    start, end = _runs_of_weeks(len(n))
    after = (papers[end] - papers[start]) / (all_papers[end] - all_papers[start])
    before = papers[start] / all_papers[start]
    slack = 1 - 1e-9  # the sums in another order: never rule out a rise that the exact sums would find
    return bool(np.any((after >= slack * RISE * np.maximum(before, 1e-9)) & (after > slack * before)))


def climb_onset(share: np.ndarray, weight: np.ndarray) -> int | None:
    """The week a gradual climb began: the kink of a hinge (level, then a straight climb from week k on) fitted
    to a weekly share series by least squares weighted by each week's papers, over every k that leaves
    `MIN_SEGMENT` weeks of climb. A step is caught by the change points; a share that grows a little every week
    has no step, and this says since when it grows. None when no hinge climbs (its best slope is not positive)."""
    share, weight = np.asarray(share, dtype=float), np.asarray(weight, dtype=float)
    keep = weight > 0
    if keep.sum() < 2 * MIN_SEGMENT:
        return None
    weeks = np.flatnonzero(keep).astype(float)
    y, w = share[keep], weight[keep] / weight[keep].sum()
    kinks = weeks[: len(weeks) - MIN_SEGMENT + 1]
    h = np.maximum(0.0, weeks[:, None] - kinks[None, :])  # weeks x kinks: the climb's part of each fit
    h_bar, y_bar = w @ h, w @ y
    shh = w @ (h - h_bar) ** 2
    slope = (w @ ((h - h_bar) * (y - y_bar)[:, None])) / np.where(shh > 0, shh, np.inf)
    resid = (y - y_bar)[:, None] - (h - h_bar) * slope
    sse = w @ resid**2
    sse[slope <= 0] = np.inf
    if not np.isfinite(sse).any():
        return None
    return int(np.flatnonzero(keep)[int(np.argmin(sse))])


def dense_week(total: np.ndarray) -> int:
    """Of weekly totals in week order, the first dense week: one holding at least `DENSE` times the papers of the
    week a typical paper was listed in (the paper-weighted median of the totals). Where histories start
    (`trends.dense_start`, `term_weeks.phrase_history`)."""
    ordered = np.sort(total)
    typical = ordered[np.searchsorted(np.cumsum(ordered), ordered.sum() / 2)]
    return int(np.argmax(total >= DENSE * typical))


@lru_cache(maxsize=64)
def _runs_of_weeks(n_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of weeks [start, end) of a series of `n_weeks` that could follow a change point: at least
    `MIN_SEGMENT` weeks long, with `MIN_SEGMENT` weeks before it. The same for every topic of a week's history,
    so built once per length (read only)."""
    start, end = np.triu_indices(n_weeks + 1, k=MIN_SEGMENT)
    start, end = start[start >= MIN_SEGMENT], end[start >= MIN_SEGMENT]
    start.flags.writeable = end.flags.writeable = False
    return start, end
