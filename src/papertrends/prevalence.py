"""Each topic's share of each digest. Pure pandas."""

from __future__ import annotations

import pandas as pd


def prevalence(assignments: pd.DataFrame, sightings: pd.DataFrame) -> pd.DataFrame:
    """Per digest date and topic: papers `n`, papers in that digest `total`, and `share` = n / total.

    `assignments` has paper_id, topic_id; `sightings` has digest_date, paper_id (one row per paper and date).
    Every topic gets a row on every date (zero where absent), so shares sum to 1 per date, outliers included.
    """
    seen = (
        sightings[["digest_date", "paper_id"]]
        .drop_duplicates()
        .merge(assignments[["paper_id", "topic_id"]], on="paper_id", how="inner")
    )
    if seen.empty:
        return pd.DataFrame({"digest_date": [], "topic_id": [], "n": [], "total": [], "share": []})
    counts = seen.groupby(["digest_date", "topic_id"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=sorted(assignments["topic_id"].unique()), fill_value=0)
    totals = counts.sum(axis=1)
    long = counts.stack().rename("n").reset_index()
    long["total"] = long["digest_date"].map(totals).astype(int)
    long["n"] = long["n"].astype(int)
    long["share"] = long["n"] / long["total"]
    return long.sort_values(["digest_date", "topic_id"], ignore_index=True)
