"""How papertrends grows with the corpus: cold runs on 5k, 10k, 20k and all 45,904 arXiv abstracts.

    python bench/scale.py [--arxiv ../shared/data/arxiv-2025.jsonl.gz] [--sizes 5000 10000 20000 0]
                          [--json docs/bench-scale.json]

Each size is a seeded random sample (0: every paper), written as one JSON Lines export per month with the
publication date as the digest date, and run through `papertrends run` on an empty database. Prints wall time,
peak memory of the whole process tree (sampled every 0.1 s) and the run's own step times per size.

`--keep DIR` keeps each size's corpus, store and reports as the cold run left them, under DIR/<papers>/, to time
later runs on them.

`--add-papers N` holds the sample's last publication days back until they make at least N papers (a day of arXiv
is about 700), and after the cold run adds them as one more file and runs again: what a daily run costs at that
scale.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import SHARED, papertrends_run  # noqa: E402


def write_corpus(rows: list[dict[str, Any]], folder: Path, name: str = "arxiv") -> None:
    by_month: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        day = str(r["published"])[:10]
        record = {"arxiv_id": r["arxiv_id"], "title": r["title"], "abstract": r["abstract"], "published": day,
                  "digest_date": day}  # fmt: skip
        by_month[day[:7]].append(json.dumps(record))
    folder.mkdir(parents=True, exist_ok=True)
    for month, lines in by_month.items():
        (folder / f"{name}-{month}.jsonl").write_text("\n".join(lines) + "\n")


def held_back(rows: list[dict[str, Any]], papers: int) -> set[str]:
    """The last publication days of `rows` that together hold at least `papers` papers (none for 0)."""
    per_day: dict[str, int] = defaultdict(int)
    for r in rows:
        per_day[str(r["published"])[:10]] += 1
    days: set[str] = set()
    for day in sorted(per_day, reverse=True):
        if sum(per_day[d] for d in days) >= papers:
            break
        days.add(day)
    return days


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arxiv", type=Path, default=SHARED / "arxiv-2025.jsonl.gz")
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000, 0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--add-papers", type=int, default=0, help="hold back the last days' papers, then add them")
    parser.add_argument("--keep", type=Path, help="copy each size's work folder (store, reports) here, as <size>/")
    args = parser.parse_args()
    with gzip.open(args.arxiv, "rt") as lines:
        rows = [json.loads(line) for line in lines]
    order = list(range(len(rows)))
    random.Random(42).shuffle(order)
    results = []
    for size in args.sizes:
        n = size or len(rows)
        with tempfile.TemporaryDirectory(prefix="ptscale-") as tmp:
            work = Path(tmp)
            sample = [rows[i] for i in order[:n]]
            held = held_back(sample, args.add_papers)
            write_corpus([r for r in sample if str(r["published"])[:10] not in held], work / "corpus")
            print(f"{n} papers ...", file=sys.stderr, flush=True)
            run = papertrends_run(work / "corpus", work, "cold")
            s = run["summary"]
            results.append(
                {"papers": s["papers_total"], "wall": run["wall"], "peak_mb": run["peak_mb"], "seconds": run["seconds"],
                 "embed_papers_per_s": s["embeddings_computed"] / max(run["seconds"]["embed"], 1e-9),
                 "topics": s["n_topics"], "subtopics": s["n_subtopics"], "outliers": s["outlier_share"],
                 "report_mb": sum(f.stat().st_size for f in (work / "reports").rglob("*") if f.is_file()) / 2**20}
            )  # fmt: skip
            if args.keep:  # as the cold run left it, before any paper is added
                shutil.copytree(work, args.keep / str(n), dirs_exist_ok=True)
            if held:
                added = [r for r in sample if str(r["published"])[:10] in held]
                write_corpus(added, work / "corpus", name="arxiv-added")
                again = papertrends_run(work / "corpus", work, "added")
                a = again["summary"]
                results[-1]["added"] = {"papers": len(added), "days": sorted(held), "wall": again["wall"],
                                        "peak_mb": again["peak_mb"], "seconds": again["seconds"],
                                        "placed": a["metrics"].get("placed_papers")}  # fmt: skip
            r = results[-1]
            print(json.dumps(r), file=sys.stderr, flush=True)
    print(f"\npapertrends on arXiv samples, cold runs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    head = ("papers", "wall s", "peak MB", "start", "read+store", "embed", "papers/s", "fit", "report", "topics",
            "outliers", "report MB")  # fmt: skip
    table = [head]
    for r in results:
        sec = r["seconds"]
        table.append(
            (str(r["papers"]), f"{r['wall']:.0f}", f"{r['peak_mb']:.0f}", f"{sec['import']:.0f}",
             f"{sec['read'] + sec['store']:.0f}", f"{sec['embed']:.0f}", f"{r['embed_papers_per_s']:.1f}",
             f"{sec['fit']:.0f}", f"{sec['report']:.0f}", f"{r['topics']} (+{r['subtopics']})",
             f"{r['outliers']:.1%}", f"{r['report_mb']:.1f}")
        )  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    for r in results:
        if "added" in r:
            a = r["added"]
            print(f"{r['papers']} papers + {a['papers']} added ({', '.join(a['days'])}): {a['wall']:.1f} s wall, "
                  f"peak {a['peak_mb']:.0f} MB, steps {a['seconds']}, placed {a['placed']}")  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                         "runs": results}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
