"""What the `papertrends` command prints: a run's summary, one paper with its sightings, a parsed entry as JSON.

Pure: text and dicts from the records the subcommands in `cli` get back; nothing here reads a file or the store.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from papertrends.catalog import Paper
    from papertrends.records import RunSummary
    from papertrends.snapshots import Entry, Snapshot


def format_summary(s: RunSummary) -> str:
    i, m = s.ingest, s.metrics
    steps = {k: v for k, v in s.seconds.items() if k != "first_file"}
    lines = [
        "",
        f"papertrends run {s.run_id}: {s.status}",
        f"  snapshots   {i.new_snapshots} new, {s.snapshots_total} total"
        f" ({i.unchanged} unchanged, {i.rejected_files} rejected now, {s.rejected_total} in all;"
        f" {s.digest_dates} digest dates)",
        f"  entries     {i.entries_read} read = {i.entries_stored} stored + {i.entries_rejected} rejected"
        + ("" if i.adds_up else "  (DOES NOT ADD UP)"),
        f"  papers      {i.new_papers} new, {i.updated_papers} updated, {s.papers_total} total"
        + (f" ({s.partial_total} partial: the source cut the abstract)" if s.partial_total else ""),
        f"  embeddings  {s.embeddings_computed} computed"
        + (" (all cached)" if s.embeddings_computed == 0 else "")
        + (f" by {s.embedding_runtime}" if s.embedding_runtime and s.embeddings_computed else ""),
        f"  topics      {s.n_topics} areas, {s.n_subtopics} research lines, outliers {s.outlier_share:.1%}"
        + (f" ({m.outliers_before:.0%} outside the members' consensus)" if m.outliers_before is not None else "")
        + (f", fit reused from run {m.reused_run}" if m.reused_run is not None else "")
        + (f", {m.placed_papers} new papers placed in the last fit's topics" if m.placed_papers is not None else ""),
        "  trends      "
        + (", ".join(f"{n} {k}" for k, n in sorted(s.statuses.items())) or "-")
        + (f"; ids kept for {m.id_retention.by_topic:.0%} of assigned papers" if m.id_retention is not None else ""),
        "  seconds     "  # first_file is a moment (from the command's start), not a step: not in the total
        + ", ".join(f"{k} {v:.1f}" for k, v in steps.items())
        + f", total {sum(steps.values()):.1f}"
        + (f"; first file parsed at {s.seconds['first_file']:.1f}" if "first_file" in s.seconds else ""),
    ]
    if i.rejections:
        lines.append(f"  rejected files ({len(i.rejections)}):")
        lines += [f"    {r}" for r in i.rejections]
    lines.append(f"report: {s.report}")
    return "\n".join(lines)


def format_paper(paper: Paper, history: pd.DataFrame) -> str:
    lines = [paper.title, "", f"  id            {paper.paper_id}", f"  arXiv         {paper.arxiv_id or '-'}"]
    if paper.arxiv_id:
        lines.append(
            f"                https://arxiv.org/abs/{paper.arxiv_id}  https://huggingface.co/papers/{paper.arxiv_id}"
        )
    lines += [
        f"  published     {paper.published or '-'}",
        f"  authors       {', '.join(paper.authors) if paper.authors else '-'}"
        + (f" ({paper.n_authors})" if paper.n_authors else ""),
        f"  organisation  {paper.organization or '-'}",
        "",
        f"  {len(history)} sightings:",
        "    digest date  rank  upvotes  snapshot",
    ]
    lines += [
        f"    {r.digest_date}  {r.rank:>4}  {'' if r.upvotes is None else r.upvotes:>7}  {r.source}"
        for r in history.itertuples()
    ]
    lines += ["", "  " + "\n  ".join(textwrap.wrap(paper.abstract, 100))]
    return "\n".join(lines)


def entry_record(snap: Snapshot, e: Entry) -> dict[str, object]:
    """One parsed entry as `papertrends parse --format jsonl` prints it: its fields, and its digest date with the rule
    that gave it (the row's own date, else the file's)."""
    return {
        "source": snap.source,
        "digest_date": (e.digest_date or snap.digest.value).isoformat(),
        "date_rule": "row" if e.digest_date else snap.digest.rule,
        "rank": e.rank,
        "line": e.line,
        "title": e.title,
        "abstract": e.abstract,
        "arxiv_id": e.arxiv_id,
        "n_authors": e.n_authors,
        "authors": list(e.authors) or None,
        "organization": e.organization,
        "published": e.published.isoformat() if e.published else None,
        "upvotes": e.upvotes,
        "truncated": e.truncated,
        "partial": e.partial,
    }
