"""Which topics rise, fade, appear or go: a trend test per topic, corrected across topics. Pure numpy/scipy.

The test is a weighted least-squares regression of a topic's share of each digest on time, weighted by the
digest's size, over a trailing window. Its variance comes from the residuals, so day-to-day noise beyond the
binomial (overdispersion) does not inflate the evidence. p-values are Benjamini-Hochberg corrected.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import stats

from papertrends.config import TrendsConfig

STATUSES = ("emerging", "rising", "steady", "fading", "gone")
COLUMNS = ["topic_id", "status", "effect", "p_value", "q_value", "window", "first_seen", "last_seen", "n"]


def slope_test(days: np.ndarray, share: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """(slope per 30 days, two-sided p-value) of a weighted linear fit of share on day number."""
    if len(days) < 4 or np.ptp(days) == 0 or np.all(share == share[0]):
        return 0.0, 1.0
    w = weight / weight.sum()
    x_bar, y_bar = w @ days, w @ share
    sxx = w @ (days - x_bar) ** 2
    slope = (w @ ((days - x_bar) * (share - y_bar))) / sxx
    resid = share - (y_bar + slope * (days - x_bar))
    dof = len(days) - 2
    sigma2 = (len(days) * (w @ resid**2)) / dof  # residual variance on the weights' scale
    se = np.sqrt(sigma2 / (len(days) * sxx))
    if se == 0 or not np.isfinite(se):
        return float(slope * 30), 0.0 if slope != 0 else 1.0
    p = 2 * stats.t.sf(abs(slope / se), dof)
    return float(slope * 30), float(p)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if not len(p):
        return p
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.clip(q, 0, 1)
    return out


def trend_table(daily: pd.DataFrame, config: TrendsConfig) -> pd.DataFrame:
    """One row per topic: status, effect (change in share, percentage points per 30 days), p and q values.

    `daily`: per-digest prevalence (window_start, topic_id, n, total, share), outliers included or not.
    """
    frame = daily[daily["topic_id"] >= 0]
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    dates = pd.to_datetime(frame["window_start"])
    end = dates.max()
    start = max(dates.min(), end - timedelta(days=config.window_days))
    window = f"{start.date()}..{end.date()}"
    rows = []
    for topic_id, group in frame.groupby("topic_id"):
        when = pd.to_datetime(group["window_start"])
        present = when[group["n"].to_numpy() > 0]
        recent = group[(when >= start).to_numpy()]
        days = (pd.to_datetime(recent["window_start"]) - start).dt.days.to_numpy(dtype=float)
        effect, p = slope_test(days, recent["share"].to_numpy(dtype=float), recent["total"].to_numpy(dtype=float))
        rows.append(
            {
                "topic_id": int(topic_id),
                "effect": round(effect * 100, 4),  # percentage points per 30 days
                "p_value": p,
                "window": window,
                "first_seen": present.min().date() if len(present) else None,
                "last_seen": present.max().date() if len(present) else None,
                "n": int(group["n"].sum()),
            }
        )
    table = pd.DataFrame(rows)
    table["q_value"] = benjamini_hochberg(table["p_value"].to_numpy())
    table["status"] = [_status(r, end, config) for r in table.itertuples()]
    return table[COLUMNS].sort_values(["status", "effect"], ascending=[True, False], ignore_index=True)


def _status(row: object, end: pd.Timestamp, config: TrendsConfig) -> str:
    significant = row.q_value < config.alpha and row.n >= config.min_papers  # type: ignore[attr-defined]
    first, last = pd.Timestamp(row.first_seen), pd.Timestamp(row.last_seen)  # type: ignore[attr-defined]
    if row.last_seen is None or end - last > timedelta(days=config.gone_days):  # type: ignore[attr-defined]
        return "gone"
    if end - first <= timedelta(days=config.emerging_days) and row.n >= config.min_papers:  # type: ignore[attr-defined]
        return "emerging"
    if significant:
        return "rising" if row.effect > 0 else "fading"  # type: ignore[attr-defined]
    return "steady"
