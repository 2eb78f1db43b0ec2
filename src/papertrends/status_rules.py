"""The rules that turn a topic's tests into its status (emerging, rising, steady, fading, gone) and since when it
holds. Pure: each rule reads one row of the trend table being built (`trends.trend_table`).

A status already reported is kept while its evidence stays under a looser bar (`KEEP` times `alpha`): a flag is
raised at q < alpha and dropped at q >= 2 alpha, so a topic near the line is not called rising one week, steady the
next and rising again (hysteresis, as a thermostat has). The status at a week therefore depends on the week before.

A rising topic is said to rise since its significant rising change point within the window (a step) or, where
its share grew a little every week, since the kink of its climb (`changes.climb_onset`: a level, then a straight
climb, fitted by weighted least squares), whichever is earlier.

A change to these rules raises `trends.RULES`, so that no stored status history is taken as it was.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from papertrends.config import TrendsConfig

KEEP = 2.0  # a status already reported stays while its q value is under KEEP * alpha (hysteresis)
GONE_CHANCE = 0.001  # a topic is gone when a silence this unlikely at its own rate has passed (and gone_days)


def is_recent(day: object, end: pd.Timestamp, config: TrendsConfig) -> bool:
    """Whether `day` lies within `emerging_days` of `end`."""
    return day is not None and not pd.isna(day) and end - pd.Timestamp(day) <= timedelta(days=config.emerging_days)


def is_later(day: object, begin: pd.Timestamp, config: TrendsConfig) -> bool:
    """A first paper this long after the data's first digest: the topic was not there when the data began."""
    return pd.Timestamp(day) - begin > timedelta(days=config.emerging_days)


def bar(status: str, before: str | None, config: TrendsConfig) -> float:
    """The q value under which `status` is given: alpha, or KEEP times alpha for a status already reported (an
    emerging topic was reported rising too)."""
    kept = before == status or (status == "rising" and before == "emerging")
    return config.alpha * KEEP if kept else config.alpha


def is_emerging(row: object, end: pd.Timestamp, config: TrendsConfig, before: str | None) -> bool:
    r = row  # a row of the table being built: n, new, onset, onset_q, recent_q
    q_bar = bar("emerging", before, config)
    if r.n < config.min_papers:  # type: ignore[attr-defined]
        return False
    if r.new or r.recent_q < q_bar:  # type: ignore[attr-defined]
        return True  # a new topic, or most of its papers arrived within the window at twice its earlier rate
    return is_recent(r.onset, end, config) and r.onset_q < q_bar  # type: ignore[attr-defined]


def since_day(row: object, end: pd.Timestamp, config: TrendsConfig, before: str | None) -> object:
    """The day an emerging topic departed from its past: its rising change point, else its first paper, else the
    start of the window its papers arrived in. For a rising topic, the day its rise began: the earlier of its
    rising change point, when one is significant within the trend test's window (a step), and the kink of its
    climb (gradual: PELT cuts a climb into steps, the last of which is late)."""
    onset_q = row.onset_q  # type: ignore[attr-defined]
    if row.status == "rising":  # type: ignore[attr-defined]
        starts = [row.climb] if row.climb is not None and not pd.isna(row.climb) else []  # type: ignore[attr-defined]
        step = row.onset is not None and not pd.isna(row.onset) and onset_q < bar("rising", before, config)  # type: ignore[attr-defined]
        if step and end - pd.Timestamp(row.onset) <= timedelta(days=config.window_days):  # type: ignore[attr-defined]
            starts.append(row.onset)  # type: ignore[attr-defined]
        return min(starts) if starts else None  # a climb's change points are steps late in it: its kink is first
    if row.status != "emerging":  # type: ignore[attr-defined]
        return None
    if row.onset is not None and not pd.isna(row.onset) and onset_q < bar("emerging", before, config):  # type: ignore[attr-defined]
        return row.onset  # type: ignore[attr-defined]
    if row.new:  # type: ignore[attr-defined]
        return row.first_seen  # type: ignore[attr-defined]
    return (end - timedelta(days=config.emerging_days)).date()


def gone_after(row: object, config: TrendsConfig) -> float:
    """Days of silence after which a topic is gone: `gone_days`, or longer for a topic whose papers come seldom
    (a research line of 30 papers a year is often unseen for 45 days): the silence that its own rate, papers
    arriving at random, makes less likely than `GONE_CHANCE`. The test is asked of every topic every week (a year
    of 75 research lines asks it 3,900 times), so the chance it allows each time is small."""
    first, last = row.first_seen, row.last_seen  # type: ignore[attr-defined]
    if first is None or last is None or pd.isna(first) or row.n < 2:  # type: ignore[attr-defined]
        return float(config.gone_days)
    gap = max((pd.Timestamp(last) - pd.Timestamp(first)).days, 1) / (row.n - 1)  # type: ignore[attr-defined]
    return max(float(config.gone_days), -np.log(GONE_CHANCE) * gap)


def status_of(row: object, end: pd.Timestamp, config: TrendsConfig, before: str | None) -> str:
    """The topic's status at `end`, given the status `before` reported for it (None: none)."""
    if row.n == 0:  # type: ignore[attr-defined]
        return "steady"  # no paper in the digests tested (its papers are in undated ones only): nothing is called
    last = pd.Timestamp(row.last_seen) if row.last_seen is not None else None  # type: ignore[attr-defined]
    if last is None or end - last > timedelta(days=gone_after(row, config)):
        return "gone"
    if is_emerging(row, end, config, before):
        return "emerging"
    direction = "rising" if row.effect > 0 else "fading"  # type: ignore[attr-defined]
    if row.q_value < bar(direction, before, config) and row.n >= config.min_papers:  # type: ignore[attr-defined]
        return direction
    return "steady"
