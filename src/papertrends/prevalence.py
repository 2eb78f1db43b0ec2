"""Each topic's share of the papers per digest date, week or month, with 95% intervals. Pure pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from papertrends import frames

WINDOWS = ("day", "week", "month")
COLUMNS = list(frames.PREVALENCE)
Z95 = 1.959963984540054


def wilson(n: np.ndarray, total: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for n successes in total trials: wide for small digests, never outside [0, 1]."""
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    safe = np.where(total > 0, total, 1.0)
    p = n / safe
    denom = 1 + z**2 / safe
    centre = (p + z**2 / (2 * safe)) / denom
    half = z * np.sqrt(p * (1 - p) / safe + z**2 / (4 * safe**2)) / denom
    lo = np.where(n <= 0, 0.0, np.clip(centre - half, 0, p))  # exact at the ends, where rounding would stray
    hi = np.where(n >= safe, 1.0, np.clip(centre + half, p, 1))
    return np.where(total > 0, lo, np.nan), np.where(total > 0, hi, np.nan)


def window_start(days: pd.Series, window: str) -> pd.Series:
    stamps = pd.to_datetime(days)
    if window == "day":
        start = stamps
    elif window == "week":
        start = stamps - pd.to_timedelta(stamps.dt.day_of_week, unit="D")
    elif window == "month":
        start = stamps.dt.to_period("M").dt.start_time
    else:
        raise ValueError(f"window {window!r}: use one of {', '.join(WINDOWS)}")
    return start.dt.date


def prevalence(assignments: pd.DataFrame, sightings: pd.DataFrame, window: str = "day") -> pd.DataFrame:
    """Per window and topic: papers `n`, papers in the window `total`, `share` = n / total with a 95% interval,
    and `upvote_share`, the topic's share of the window's upvotes.

    `assignments`: paper_id, topic_id. `sightings`: digest_date, paper_id, upvotes (one row per paper and date).
    A paper counts once per window. Every topic gets a row in every window (zero where absent), so shares sum to 1,
    outliers (topic -1) included.
    """
    seen = sightings[["digest_date", "paper_id", "upvotes"]].merge(
        assignments[["paper_id", "topic_id"]], on="paper_id", how="inner"
    )
    if seen.empty:
        return pd.DataFrame(columns=COLUMNS)
    seen = seen.assign(window_start=window_start(seen["digest_date"], window), upvotes=seen["upvotes"].fillna(0))
    per_paper = seen.groupby(["window_start", "paper_id", "topic_id"], as_index=False)["upvotes"].max()
    counts = per_paper.groupby(["window_start", "topic_id"]).size().unstack(fill_value=0)
    votes = per_paper.groupby(["window_start", "topic_id"])["upvotes"].sum().unstack(fill_value=0)
    topics = sorted(assignments["topic_id"].unique())
    counts = counts.reindex(columns=topics, fill_value=0)
    votes = votes.reindex(columns=topics, fill_value=0)
    long = counts.stack().rename("n").reset_index()
    long["total"] = long["window_start"].map(counts.sum(axis=1)).astype(int)
    long["n"] = long["n"].astype(int)
    long["share"] = long["n"] / long["total"]
    long["lo"], long["hi"] = wilson(long["n"].to_numpy(), long["total"].to_numpy())
    vote_totals = long["window_start"].map(votes.sum(axis=1)).astype(float)
    topic_votes = votes.stack().reindex(pd.MultiIndex.from_frame(long[["window_start", "topic_id"]])).to_numpy()
    long["upvote_share"] = np.where(vote_totals > 0, topic_votes / vote_totals.where(vote_totals > 0, 1), np.nan)
    long["window"] = window
    return long[COLUMNS].sort_values(["window_start", "topic_id"], ignore_index=True)


def prevalence_by_published(assignments: pd.DataFrame, papers: pd.DataFrame) -> pd.DataFrame:
    """The same shares by the papers' publication month (each paper once, no upvotes)."""
    dated = papers.dropna(subset=["published"])[["paper_id", "published"]]
    frame = dated.assign(digest_date=dated["published"], upvotes=np.nan)
    out = prevalence(assignments, frame, "month")
    return out.assign(window="published-month")


def overall_shares(prevalence: pd.DataFrame) -> dict[int, float]:
    """Each topic's share of all sightings: its daily counts summed, over every topic's (outliers included)."""
    daily = prevalence[prevalence["window"] == "day"]
    counts = daily.groupby("topic_id")["n"].sum()
    return {int(t): float(v) for t, v in (counts / max(1, counts.sum())).items()}
