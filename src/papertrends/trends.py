"""Which topics rise, fade, appear or go, and since when: a trend test per topic, corrected across topics, change
points in each topic's weekly share, and the status as it would have been reported at every past week. Pure.

The trend test (`slopes.slope_test`) is a weighted least-squares regression of a topic's share of each digest on
time, weighted by the digest's size, over a trailing window. Its variance comes from the residuals, so day-to-day
noise beyond the binomial (overdispersion) does not inflate the evidence, pooled over the days and each day's own
(the larger p-value of the two: a few large days do not count as many). p-values are Benjamini-Hochberg
corrected.

A topic is emerging when it departs from its own past, not only when its first paper is recent: its weekly share
has a change point (PELT, from the `ruptures` library, with a BIC-like penalty on the series' own noise: `changes.py`)
after which the share is at least twice what it was in all the weeks before, the rise is significant (by both
Welch's t-test on the weekly shares after vs before and an exact binomial test on the papers: `rise_p`;
Benjamini-Hochberg corrected across topics), and the change point lies within `emerging_days`; or most of its
papers arrived within `emerging_days` (the same two tests); or its first paper did.

The rules that name a topic's status and since when it holds are in `status_rules`. A status already reported is
kept under a looser bar there (hysteresis), so the status at a week depends on the week before: `status_history`
walks the weeks in order, and the run's own table takes the last reported week's statuses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta

import numpy as np
import pandas as pd

from papertrends import frames
from papertrends.changes import MIN_SEGMENT, RISE, climb_onset, dense_week, rise_p, rising_change_point
from papertrends.config import TrendsConfig
from papertrends.series import DailyCounts
from papertrends.slopes import slope_test as slope_test  # still importable from here
from papertrends.slopes import slopes
from papertrends.status_rules import GONE_CHANCE as GONE_CHANCE  # still importable from here
from papertrends.status_rules import KEEP as KEEP  # still importable from here
from papertrends.status_rules import is_later, is_recent, since_day, status_of

STATUSES = ("emerging", "rising", "steady", "fading", "gone")
COLUMNS = list(frames.TRENDS)
HISTORY_COLUMNS = list(frames.HISTORY)
RULES = 10  # the rules' version: raise it with them, and no stored history is taken as it was
MIN_WEEKS = 8  # weeks of dense data before a status is given at all (the history starts there)


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


def emergence(counts: DailyCounts, end: pd.Timestamp, config: TrendsConfig) -> pd.DataFrame:
    """Per topic: the week its share last rose clearly above its own past (`onset`) and that rise's p-value; and
    whether its papers arrived mostly within `emerging_days` of `end`, at `RISE` times its earlier rate
    (`recent_p`: Welch's t-test of the weekly shares in the window against those before it); and the week a
    gradual climb within the trend test's window began (`climb`: `changes.climb_onset`)."""
    weeks, weekly, totals = counts.weekly()
    recent = np.asarray(weeks >= end - timedelta(days=config.emerging_days))
    tested = np.asarray(weeks >= end - timedelta(days=config.window_days))
    past_weeks = (~recent) & (totals > 0)
    dates = [week.date() for week in weeks]  # read per topic below: no Timestamp boxed each time
    tested_dates = [d for d, t in zip(dates, tested, strict=True) if t]
    rows = []
    for j, topic_id in enumerate(counts.topics):
        n = weekly[:, j]
        found = rising_change_point(n, totals)
        climb = climb_onset(n[tested] / np.maximum(totals[tested], 1), totals[tested])
        recent_p = 1.0
        if n[recent].sum() >= config.min_papers and past_weeks.sum() >= MIN_SEGMENT and recent.sum() >= 2:
            rate_now = n[recent].sum() / totals[recent].sum()
            rate_before = n[past_weeks].sum() / totals[past_weeks].sum()
            if rate_now >= RISE * rate_before and n[recent].sum() >= 0.5 * n.sum():
                recent_p = rise_p(n, totals, recent & (totals > 0), past_weeks)
        rows.append((int(topic_id), dates[found[0]] if found else None, found[1] if found else 1.0, recent_p,
                     tested_dates[climb] if climb is not None else None))  # fmt: skip
    return pd.DataFrame(rows, columns=["topic_id", "onset", "onset_p", "recent_p", "climb"])


def trend_table(daily: pd.DataFrame, config: TrendsConfig, previous: Mapping[int, str] | None = None) -> pd.DataFrame:
    """One row per topic: status, effect (change in share, percentage points per 30 days), p and q values, and
    since when it is emerging or rising (`since`).

    `daily`: per-digest prevalence (window_start, topic_id, n, total), outliers included or not.
    `previous`: each topic's status as last reported; a status in it is kept under the looser bar (`KEEP`).
    """
    frame = daily[daily["topic_id"] >= 0]
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    return counted_table(DailyCounts.of(frame), config, previous)


def counted_table(counts: DailyCounts, config: TrendsConfig, previous: Mapping[int, str] | None) -> pd.DataFrame:
    """`trend_table` of the series as arrays."""
    first, end = counts.days[0], counts.days[-1]
    start = max(first, end - timedelta(days=config.window_days))
    effect, p = window_slopes(counts, start)
    seen = counts.n > 0
    days = [day.date() for day in counts.days]
    first_seen = [days[k] if any_ else None for k, any_ in zip(seen.argmax(axis=0), seen.any(axis=0), strict=True)]
    last_seen = [days[len(days) - 1 - k] if any_ else None
                 for k, any_ in zip(seen[::-1].argmax(axis=0), seen.any(axis=0), strict=True)]  # fmt: skip
    table = pd.DataFrame({"topic_id": counts.topics.astype(int), "effect": [round(float(e) * 100, 4) for e in effect],
                          "p_value": p, "window": f"{start.date()}..{end.date()}", "first_seen": first_seen,
                          "last_seen": last_seen, "n": np.nansum(counts.n, axis=0).astype(int)})  # fmt: skip
    table = table.merge(emergence(counts, end, config), on="topic_id", how="left")
    table["q_value"] = benjamini_hochberg(table["p_value"].to_numpy())
    table["onset_q"] = benjamini_hochberg(table["onset_p"].fillna(1.0).to_numpy())
    table["recent_q"] = benjamini_hochberg(table["recent_p"].fillna(1.0).to_numpy())
    table["new"] = [is_recent(seen, end, config) and is_later(seen, first, config) for seen in table["first_seen"]]
    before = previous or {}
    rows = list(table.assign(status="").itertuples())  # once: pandas reads every column anew for each pass
    table["status"] = status = [status_of(r, end, config, before.get(r.topic_id)) for r in rows]
    table["since"] = [since_day(r._replace(status=s), end, config, before.get(r.topic_id))
                      for r, s in zip(rows, status, strict=True)]  # fmt: skip
    return table[COLUMNS].sort_values(["status", "effect"], ascending=[True, False], ignore_index=True)


def window_slopes(counts: DailyCounts, start: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Each topic's slope test (`slope_test`: share per 30 days, p-value) over the days from `start`: every topic
    with a row on each of those days at once, any other on its own days."""
    recent = np.asarray(counts.days >= start)
    days = np.asarray((counts.days[recent] - start).days, dtype=float)
    weight = counts.total[recent]
    share = counts.n[recent] / np.where(weight > 0, weight, 1)[:, None]
    effect, p = np.zeros(len(counts.topics)), np.ones(len(counts.topics))
    complete = ~np.isnan(share).any(axis=0)
    effect[complete], p[complete] = slopes(days, share[:, complete], weight)
    for j in np.flatnonzero(~complete):
        rows = ~np.isnan(share[:, j])
        effect[j], p[j] = slope_test(days[rows], share[rows, j], weight[rows])
    return effect, p


def history_key(config: TrendsConfig) -> str:
    """What a stored history was computed under (these rules and the trend settings): reused only under the same."""
    identity = {"rules": RULES, **config.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def first_change(before: pd.DataFrame, now: pd.DataFrame) -> pd.Timestamp | None:
    """The first digest day whose prevalence (a topic's papers, or the day's total) differs between two daily
    frames (window_start, topic_id, n, total); None when none does."""
    keys = ["window_start", "topic_id"]

    def counts(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["topic_id"] >= 0]
        return frame.assign(window_start=pd.to_datetime(frame["window_start"]))[[*keys, "n", "total"]]

    both = counts(before).merge(counts(now), on=keys, how="outer", suffixes=("_before", "_now"))
    differs = ~(both["n_before"].eq(both["n_now"]) & both["total_before"].eq(both["total_now"]))
    return both.loc[differs, "window_start"].min() if differs.any() else None


def status_history(
    daily: pd.DataFrame, config: TrendsConfig, earlier: tuple[pd.DataFrame, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """Every topic's status and effect as they would have been reported at the end of each week, from the digests
    up to that week only (the topics are today's: a replay of past fits is `papertrends backtest`'s work).

    `earlier`: a previous run's daily prevalence and its history, under the same settings. A week that ends before
    the first day whose prevalence changed since then reads the same digests as it did: its rows are taken from
    that history, not computed again (a run that adds one digest computes one week, not a year of them). A week in
    which no digest arrived reports what the week before did, as a run with nothing new writes no new report. The
    history starts `MIN_WEEKS` after the first dense week (`dense_start`), not in a thin tail of old papers."""
    return history_and_table(daily, config, earlier)[0]


def history_and_table(
    daily: pd.DataFrame, config: TrendsConfig, earlier: tuple[pd.DataFrame, pd.DataFrame] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`status_history`, and the run's own trend table: the history's last week (the data's last day) in full,
    given the week before's statuses. It is computed once for both: a research line's week costs PELT per line."""
    frame = daily[daily["topic_id"] >= 0]
    if frame.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS), pd.DataFrame(columns=COLUMNS)
    dates = pd.to_datetime(frame["window_start"])
    first, last = dense_start(frame, dates), dates.max()
    ends = pd.date_range(first + timedelta(weeks=MIN_WEEKS), last, freq="W-SUN")
    if len(ends) == 0 or ends[-1] < last:
        ends = ends.append(pd.DatetimeIndex([last]))
    known: dict[pd.Timestamp, pd.DataFrame] = {}
    if earlier is not None and not earlier[1].empty:
        changed = first_change(earlier[0], frame)
        rows = earlier[1].assign(as_of=pd.to_datetime(earlier[1]["as_of"]))
        for end, done in rows.groupby("as_of"):
            if changed is None or end < changed:
                known[end] = done.assign(as_of=end.date(), since=done["since"].map(as_date))[HISTORY_COLUMNS]
    rows = []
    previous: dict[int, str] = {}
    table = None
    counts = DailyCounts.of(frame)
    days = counts.days.to_numpy()
    for k, end in enumerate(ends):
        if end in known:
            rows.append(known[end])
        elif rows and _no_digest(days, ends[k - 1], end):
            rows.append(rows[-1].assign(as_of=end.date()))  # nothing new that week: its report is the last one
        else:
            table = counted_table(counts.until(end), config, previous)
            present = table[table["n"] > 0]
            rows.append(present.assign(as_of=end.date())[HISTORY_COLUMNS])
        if end < ends[-1]:
            previous = dict(zip(rows[-1]["topic_id"], rows[-1]["status"], strict=True))
    if ends[-1] in known:  # nothing new in the last week: its full table was not computed
        table = counted_table(counts, config, previous)
    return pd.concat(rows, ignore_index=True), table


def dense_start(frame: pd.DataFrame, dates: pd.Series) -> pd.Timestamp:
    """The first day of the first dense week (`changes.dense_week`). A thin tail of old papers before it (arXiv's
    publication dates reach back to 1999, a paper or two a week) starts no history: a status at a week of two papers
    says nothing, and computing those weeks was most of a large corpus's history."""
    days = frame.assign(day=dates.to_numpy()).drop_duplicates("day")[["day", "total"]]
    weekly = days.groupby(days["day"].dt.to_period("W-SUN"))["total"].sum().sort_index()
    start = weekly.index[dense_week(weekly.to_numpy(dtype=float))].start_time
    return max(start, dates.min())


def _no_digest(days: np.ndarray, after: pd.Timestamp, until: pd.Timestamp) -> bool:
    """Whether no digest day lies in (after, until]: `days` sorted."""
    lo, hi = np.searchsorted(days, np.datetime64(after), "right"), np.searchsorted(days, np.datetime64(until), "right")
    return bool(lo == hi)


def reported_before(history: pd.DataFrame) -> dict[int, str]:
    """Each topic's status at the week before the history's last (its last row is the run's own day): what the
    run's own trend table keeps under the looser bar, so that it says what the history's last week says."""
    weeks = sorted(pd.to_datetime(history["as_of"]).unique())
    if len(weeks) < 2:
        return {}
    last = history[(pd.to_datetime(history["as_of"]) == weeks[-2]).to_numpy()]
    return dict(zip(last["topic_id"].astype(int), last["status"], strict=True))


def as_date(value: object) -> object:
    """A date, or None, from what a database or a frame holds (date, Timestamp, NaT, None)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def status_periods(history: pd.DataFrame) -> list[dict[str, object]]:
    """One topic's history (as_of, status, since) as runs of one status: status, start, end (the weeks it was
    reported so) and, for emerging and rising, since when it departed from its past or began to climb."""
    periods: list[dict[str, object]] = []
    for row in history.sort_values("as_of").itertuples():
        if periods and periods[-1]["status"] == row.status:
            periods[-1]["end"] = row.as_of
            continue
        moving = row.status in ("emerging", "rising")
        since = row.since if moving and row.since is not None and not pd.isna(row.since) else None
        periods.append({"status": row.status, "start": row.as_of, "end": row.as_of, "since": since})
    return periods


def status_story(periods: list[dict[str, object]]) -> str:
    """`emerging since 2025-06-02 (reported 2025-06-29 .. 2025-08-17), rising 2025-08-24 .. 2025-12-21, steady
    since 2025-12-28`: what a reader of the report asks of a topic's past."""
    parts = []
    for k, period in enumerate(periods):
        last = k == len(periods) - 1
        span = f"since {period['start']}" if last else f"{period['start']} .. {period['end']}"
        if period["since"] is not None:
            reported = f"from {period['start']}" if last else f"{period['start']} .. {period['end']}"
            span = f"since {period['since']} (reported {reported})"
        parts.append(f"{period['status']} {span}")
    return ", ".join(parts)
