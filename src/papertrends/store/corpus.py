"""Snapshots, papers, their sightings and the rejected files: what ingest writes and the corpus queries."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from papertrends.catalog import Catalog, Paper
from papertrends.faults import crash_point
from papertrends.records import StoreCounts
from papertrends.snapshots import ParseError, Snapshot
from papertrends.snapshots.model import UNCERTAIN_RULES
from papertrends.store.database import Database, now

PAPER_COLUMNS = [
    "paper_id", "arxiv_id", "title_key", "title", "abstract", "text_hash", "published", "n_authors", "authors",
    "organization", "partial",
]  # fmt: skip


def ingest_frames(
    snapshots: Sequence[Snapshot], catalog: Catalog, rejected: Sequence[ParseError], rejected_hashes: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rows one ingest adds: snapshots (version 1 until the store numbers them), papers, sightings, rejections."""
    stamp = now()
    stored = {}
    for s in catalog.sightings:
        stored[s.snapshot_id] = stored.get(s.snapshot_id, 0) + 1
    snaps = pd.DataFrame(
        [
            {
                "snapshot_id": s.content_hash,
                "source": s.source,
                "digest_date": s.digest.value,
                "date_rule": s.digest.rule,
                "date_note": s.digest.note,
                "format": s.format,
                "n_entries": len(s.entries),
                "n_stored": stored.get(s.content_hash, 0),
                "warnings": list(s.warnings),
                "ingested_at": stamp,
                "version": 1,
                "superseded": False,
            }
            for s in snapshots
        ]
    )
    papers = pd.DataFrame(
        [{**asdict(p), "authors": list(p.authors), "updated_at": stamp} for p in catalog.changed.values()]
    )
    sightings = pd.DataFrame([asdict(s) for s in catalog.sightings])
    rejects = pd.DataFrame(
        [
            {
                "content_hash": h,
                "source": e.source,
                "line": e.line,
                "reason": str(e),
                "n_entries": e.n_entries,
                "rejected_at": stamp,
            }
            for e, h in zip(rejected, rejected_hashes, strict=True)
        ]
    )
    return snaps, papers, sightings, rejects


class CorpusTables(Database):
    """The ingested corpus."""

    def seen_hashes(self) -> set[str]:
        rows = self.db.execute("SELECT snapshot_id FROM snapshots UNION SELECT content_hash FROM rejections")
        return {r[0] for r in rows.fetchall()}

    def papers(self) -> dict[str, Paper]:
        rows = self.db.execute(f"SELECT {', '.join(PAPER_COLUMNS)} FROM papers").fetchall()
        return {
            r[0]: Paper(
                paper_id=r[0],
                arxiv_id=r[1],
                title_key=r[2],
                title=r[3],
                abstract=r[4],
                text_hash=r[5],
                published=r[6],
                n_authors=r[7],
                authors=tuple(r[8] or ()),
                organization=r[9],
                partial=bool(r[10]),
            )
            for r in rows
        }

    def save_ingest(
        self,
        snapshots: Sequence[Snapshot],
        catalog: Catalog,
        rejected: Sequence[ParseError],
        rejected_hashes: Sequence[str],
    ) -> None:
        """Write a batch of snapshots, their papers and sightings, and the rejected files, in one transaction."""
        snaps, papers, sightings, rejects = ingest_frames(snapshots, catalog, rejected, rejected_hashes)
        with self.transaction():
            crash_point("ingest")
            if not snaps.empty:
                versions = dict(
                    self.db.execute(
                        "SELECT source, max(version) FROM snapshots WHERE source IN (SELECT unnest(?)) GROUP BY source",
                        [snaps["source"].tolist()],
                    ).fetchall()
                )
                snaps["version"] = [versions.get(src, 0) + 1 for src in snaps["source"]]
                self.db.execute(
                    "UPDATE snapshots SET superseded = true WHERE source IN (SELECT unnest(?))",
                    [snaps["source"].tolist()],
                )
            self._insert("snapshots", snaps)
            self._insert("papers", papers, on_conflict="replace")
            self._insert("sightings", sightings)
            self._insert("rejections", rejects)

    def texts(self) -> pd.DataFrame:
        """Every paper's id, title, abstract and text hash, in paper_id order: the texts `Store.corpus` gives the
        papers with vectors (what the phrase layer counts, before the new papers' vectors are there)."""
        return self.db.execute("SELECT paper_id, title, abstract, text_hash FROM papers ORDER BY paper_id").df()

    def sightings(self) -> pd.DataFrame:
        """One row per (digest date, paper): re-saved snapshots of one digest count once. `certain`: some snapshot
        that lists the paper on that date states the date itself (`snapshots.model.UNCERTAIN_RULES`)."""
        frame = self.db.execute(
            f"""SELECT s.digest_date, s.paper_id, min(s.rank) AS rank, max(s.upvotes) AS upvotes,
                      bool_or(n.date_rule NOT IN ({", ".join("?" for _ in UNCERTAIN_RULES)})) AS certain
               FROM sightings s JOIN snapshots n ON n.snapshot_id = s.snapshot_id AND NOT n.superseded
               GROUP BY s.digest_date, s.paper_id ORDER BY s.digest_date, s.paper_id""",
            list(UNCERTAIN_RULES),
        ).df()
        frame["digest_date"] = pd.to_datetime(frame["digest_date"]).dt.date
        return frame

    def uncertain_dates(self) -> tuple[str, ...]:
        """'file: date (rule)' for each current snapshot whose digest does not state its own date."""
        rows = self.db.execute(
            f"""SELECT source, digest_date, date_rule FROM snapshots
                WHERE NOT superseded AND date_rule IN ({", ".join("?" for _ in UNCERTAIN_RULES)})
                ORDER BY source""",
            list(UNCERTAIN_RULES),
        ).fetchall()
        return tuple(f"{Path(source).name}: {day} ({rule})" for source, day, rule in rows)

    def counts(self) -> StoreCounts:
        one = self.db.execute(
            """SELECT (SELECT count(*) FROM snapshots), (SELECT count(*) FROM papers),
                      (SELECT count(*) FROM sightings), (SELECT count(*) FROM rejections),
                      (SELECT count(DISTINCT digest_date) FROM snapshots),
                      (SELECT count(*) FROM papers WHERE partial)"""
        ).fetchone()
        assert one is not None
        return StoreCounts(*(int(n) for n in one))

    def find_papers(self, query: str) -> list[Paper]:
        """By paper id, arXiv id (any version), or else the words of the title."""
        from papertrends.identity import normalize_arxiv_id, normalize_title

        papers = self.papers()
        arxiv = normalize_arxiv_id(query.removeprefix("arxiv:"))
        exact = [p for p in papers.values() if query in (p.paper_id,) or (arxiv and p.arxiv_id == arxiv)]
        if exact:
            return exact
        words = normalize_title(query)
        return sorted(
            (p for p in papers.values() if words and words in normalize_title(p.title)), key=lambda p: p.title
        )

    def paper_history(self, paper_id: str) -> pd.DataFrame:
        """Every sighting of a paper: digest date, rank, upvotes, and the snapshot it came from."""
        return self.db.execute(
            """SELECT s.digest_date, s.rank, s.upvotes, n.source, n.version, n.superseded
               FROM sightings s JOIN snapshots n USING (snapshot_id)
               WHERE s.paper_id = ? ORDER BY s.digest_date, n.version""",
            [paper_id],
        ).df()

    def rejections(self) -> pd.DataFrame:
        return self.db.execute("SELECT source, line, reason, n_entries FROM rejections ORDER BY source").df()

    def current_snapshots(self) -> int:
        return self.db.execute("SELECT count(*) FROM snapshots WHERE NOT superseded").fetchone()[0]

    def paper_listings(self) -> pd.DataFrame:
        """Per paper (current snapshot versions): the digest dates it was listed on and its highest upvotes."""
        frame = self.db.execute(
            """SELECT s.paper_id, list(DISTINCT s.digest_date ORDER BY s.digest_date) AS digest_dates,
                      max(s.upvotes) AS upvotes
               FROM sightings s JOIN snapshots n ON n.snapshot_id = s.snapshot_id AND NOT n.superseded
               GROUP BY s.paper_id"""
        ).df()
        frame["digest_dates"] = frame["digest_dates"].map(lambda ds: [str(d)[:10] for d in ds])
        return frame

    def snapshot_fingerprint(self) -> tuple[int, str]:
        """How many current snapshots there are, and a hash of their contents' hashes."""

        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT snapshot_id FROM snapshots WHERE NOT superseded ORDER BY snapshot_id"
            ).fetchall()
        ]
        return len(ids), hashlib.sha256("".join(ids).encode()).hexdigest()[:16]
