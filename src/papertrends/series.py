"""A daily prevalence frame as arrays: the days in order, each topic's papers per day and each day's papers in
all, and the same summed by ISO week. Pure.

The trend test reads every topic's series at every week of its status history: 76 weeks x 100 research lines on
hf-daily-api. Grouping and date-parsing a frame for each of those was most of the history's time; the arrays are
built once and each week reads the first rows of them (`until`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True)
class DailyCounts:
    days: pd.DatetimeIndex  # sorted, one per digest day
    topics: np.ndarray  # topic ids, ascending
    n: np.ndarray  # days x topics: the topic's papers that day, NaN where the frame has no row for it
    total: np.ndarray  # days: the day's papers in all

    @classmethod
    def of(cls, daily: pd.DataFrame) -> DailyCounts:
        """From per-day rows (window_start, topic_id, n, total): one row per topic and day, as `prevalence` gives."""
        day, at = np.unique(pd.to_datetime(daily["window_start"]).to_numpy(), return_inverse=True)
        topics, column = np.unique(daily["topic_id"].to_numpy(), return_inverse=True)
        n = np.full((len(day), len(topics)), np.nan)
        n[at, column] = daily["n"].to_numpy(dtype=float)
        total = np.zeros(len(day))
        total[at] = daily["total"].to_numpy(dtype=float)
        return cls(pd.DatetimeIndex(day), topics, n, total)

    def until(self, end: pd.Timestamp) -> DailyCounts:
        """The days up to `end` (inclusive), and the topics that have a row in them."""
        k = int(np.searchsorted(self.days.to_numpy(), np.datetime64(end), "right"))
        listed = ~np.isnan(self.n[:k]).all(axis=0)
        return DailyCounts(self.days[:k], self.topics[listed], self.n[:k, listed], self.total[:k])

    def weekly(self) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
        """Per ISO week (Monday) with a digest: each topic's papers (weeks x topics, zero where it had no row) and
        the week's papers in all."""
        weeks, _, counts, totals = weekly_sums(np.nan_to_num(self.n), self.total, self.days)
        return weeks, counts, totals


def weekly_sums(
    counts: np.ndarray, totals: np.ndarray, when: pd.DatetimeIndex
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    """Days summed by ISO week (Monday), for the weeks with a digest: the weeks, each day's week (an index into
    them), the columns' sums (weeks x columns) and the totals' (`counts`: days x columns; `totals`: days)."""
    monday = (when - pd.to_timedelta(when.day_of_week, unit="D")).normalize()
    weeks, at = np.unique(monday.to_numpy(), return_inverse=True)
    rows, in_order = counts, at
    if np.any(at[1:] < at[:-1]):  # days out of order (callers pass them sorted): each week's rows put together
        order = np.argsort(at, kind="stable")
        rows, in_order = counts[order], at[order]
    starts = np.searchsorted(in_order, np.arange(len(weeks)))  # each week's rows are one run, summed at once
    summed = np.add.reduceat(np.asarray(rows, dtype=float), starts, axis=0)
    return pd.DatetimeIndex(weeks), at, summed, np.bincount(at, weights=totals, minlength=len(weeks))
