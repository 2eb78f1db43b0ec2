"""The weekly status history on all of arXiv 2025, each paper's primary category as its topic: what the history
costs at 46k papers with a thin tail of old papers, with and without starting where the digests are dense.

    python bench/history_scale.py [--arxiv ../shared/data/arxiv-2025.jsonl.gz] [--json FILE]

No embedding and no fit: the categories stand in for topics (the 30 most common, the rest as outliers), each
paper is sighted once on its publication day. Both histories are computed in this process, one after the other;
the weeks both report are compared (the first dense weeks may differ: a status carries over from the week before).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from unittest import mock

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from compare import SHARED  # noqa: E402
from stability import cpu  # noqa: E402

from papertrends import trends  # noqa: E402
from papertrends.config import TrendsConfig  # noqa: E402
from papertrends.prevalence import prevalence  # noqa: E402


def daily_shares(path: Path, topics: int = 30) -> pd.DataFrame:
    with gzip.open(path, "rt") as lines:
        rows = [json.loads(line) for line in lines]
    papers = pd.DataFrame({"paper_id": [r["arxiv_id"] for r in rows], "category": [r["primary_category"] for r in rows],
                           "digest_date": [pd.Timestamp(r["published"][:10]).date() for r in rows]})  # fmt: skip
    top = papers["category"].value_counts().index[:topics]
    ids = {c: k for k, c in enumerate(top)}
    assignments = pd.DataFrame({"paper_id": papers["paper_id"], "topic_id": papers["category"].map(ids).fillna(-1)})
    sightings = papers[["digest_date", "paper_id"]].assign(upvotes=0, rank=1)
    return prevalence(assignments.astype({"topic_id": int}), sightings, "day")


def timed(daily: pd.DataFrame, dense: bool) -> tuple[pd.DataFrame, float]:
    start = time.perf_counter()
    if dense:
        history = trends.status_history(daily, TrendsConfig())
    else:
        with mock.patch.object(trends, "dense_start", lambda frame, dates: dates.min()):
            history = trends.status_history(daily, TrendsConfig())
    return history, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arxiv", type=Path, default=SHARED / "arxiv-2025.jsonl.gz")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    daily = daily_shares(args.arxiv)
    whole, whole_s = timed(daily, dense=False)
    dense, dense_s = timed(daily, dense=True)
    both = whole.merge(dense, on=["as_of", "topic_id"], suffixes=("_every", "_dense"))
    differ = int((both["status_every"] != both["status_dense"]).sum())
    result = {"cpu": cpu(), "days": int(daily["window_start"].nunique()),
              "every_week": {"weeks": int(whole["as_of"].nunique()), "seconds": round(whole_s, 1)},
              "dense_start": {"weeks": int(dense["as_of"].nunique()), "seconds": round(dense_s, 1),
                              "first_week": str(min(dense["as_of"]))},
              "rows_both_report": len(both), "statuses_that_differ": differ}  # fmt: skip
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
