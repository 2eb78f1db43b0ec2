"""The trend test of a share over days: a weighted least-squares slope of the daily share on the day, weighted by
the day's papers, for one series (a topic's, `slope_test`) or every column at once (the phrases', `slopes`, and the
weekly phrase history's, from running sums: `slope_from_sums`). Pure.

The plain test pools one residual variance over all days, so day-to-day noise beyond the binomial
(overdispersion) does not inflate the evidence as long as the days are alike. When a few days hold most papers
(arXiv's publication days: one with 700 papers among many with one) it counts every one-paper day as a day of
evidence, and with shuffled dates it flagged 12,037 of arXiv's 13,070 research terms. So the p-value kept is
the larger of the plain test's and a robust one (`robust_p`: each day's own residual, and the days the slope's
weights are worth). With even days, as in the Hugging Face digests, both agree.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def slope_test(days: np.ndarray, share: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """(slope per 30 days, two-sided p-value) of a weighted linear fit of share on day number."""
    effect, p = slopes(np.asarray(days, dtype=float), np.asarray(share, dtype=float)[:, None], weight)
    return float(effect[0]), float(p[0])


def slopes(days: np.ndarray, shares: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`slope_test` for every column of `shares` at once: (slope per 30 days, two-sided p-value, the larger of the
    plain test's and `robust_p`'s). Fewer than 4 days, all on one day, or a column whose share never changes: no
    slope (0, p-value 1), not one made of rounding."""
    effect, p = np.zeros(shares.shape[1]), np.ones(shares.shape[1])
    moving = ~(shares == shares[:1]).all(axis=0)
    if len(days) < 4 or np.ptp(days) == 0 or not moving.any():
        return effect, p
    x = days - days.mean()  # the same test wherever the days are counted from
    shares = shares[:, moving]
    papers = shares * weight[:, None]
    slope, plain = slope_from_sums(len(days), weight.sum(), weight @ x, weight @ x**2, papers.sum(axis=0),
                                   x @ papers, (papers * shares).sum(axis=0))  # fmt: skip
    effect[moving], p[moving] = slope, np.maximum(plain, robust_p(x, papers, weight, slope / 30))
    return effect, p


def slope_from_sums(n: int, total: float, day: float, day2: float, papers: np.ndarray, day_papers: np.ndarray,
                    papers2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The plain test from the window's sums (n days; all papers; their sums of day and day^2; each column's papers,
    day x papers and papers^2 / all papers): (slope per 30 days, two-sided p-value of its t statistic, n - 2
    degrees of freedom)."""
    mean_day = day / total
    sxx = day2 / total - mean_day**2
    y_bar = papers / total
    sxy = day_papers / total - mean_day * y_bar
    slope = sxy / sxx
    residual = np.maximum(papers2 / total - y_bar**2 - slope * sxy, 0)  # the weighted mean squared residual
    dof = n - 2
    se = np.sqrt(residual / dof / sxx)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, slope / se, 0.0)
    p = np.where(se > 0, 2 * stats.t.sf(np.abs(t), dof), np.where(slope != 0, 0.0, 1.0))
    return slope * 30, p


def robust_p(days: np.ndarray, papers: np.ndarray, weight: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """The two-sided p-value of each column's weighted slope (per day) with a variance that does not trust the
    days' sizes: the sandwich estimate from each day's own residual (HC3: each over (1 - the day's leverage)^2, so
    that a day holding most papers does not vouch for itself), and as degrees of freedom the days' count that the
    slope's weights are worth, (sum w u^2)^2 / sum w^2 u^4 (u: the day from the weighted mean day; the Satterthwaite
    count of that estimate under the binomial model: 0.56 n for n even days, about 3 when five days hold the
    papers). `papers`: days x columns. HC2 (over 1 - leverage) flagged up to 351 of arXiv's 13,070 research terms
    with shuffled days; HC3, at most 87."""
    total = weight.sum()
    u = days - (weight @ days) / total
    spread = weight @ u**2
    worth = spread**2 / max(weight**2 @ u**4, 1e-300)
    if len(days) < 4 or spread <= 0 or worth < 2:
        return np.ones(papers.shape[1])
    leverage = np.minimum(weight * (1 / total + u**2 / spread), 1 - 1e-9)
    fitted = papers.sum(axis=0) / total + np.outer(u, slope)
    residual = papers - weight[:, None] * fitted  # each day's papers less the fit's
    se = np.sqrt((u**2 / (1 - leverage) ** 2) @ residual**2) / spread
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, np.abs(slope) / se, 0.0)
    return np.where(se > 0, 2 * stats.t.sf(t, worth), np.where(slope != 0, 0.0, 1.0))
