"""From parsed snapshots to papers and sightings: one paper however many digests list it. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from papertrends.identity import new_paper_id, normalize_arxiv_id, text_hash, title_key
from papertrends.snapshots import Entry, Snapshot


@dataclass(frozen=True, slots=True)
class Paper:
    paper_id: str
    title: str
    abstract: str
    title_key: str
    text_hash: str
    arxiv_id: str | None = None
    published: date | None = None
    n_authors: int | None = None
    authors: tuple[str, ...] = ()
    organization: str | None = None
    partial: bool = False  # its abstract is known only in part: a later listing with the whole one completes it


@dataclass(frozen=True, slots=True)
class Sighting:
    snapshot_id: str
    paper_id: str
    digest_date: date
    rank: int
    upvotes: int | None


@dataclass(frozen=True, slots=True)
class Catalog:
    changed: dict[str, Paper]  # new papers and papers whose fields a snapshot updated
    new_ids: frozenset[str]
    sightings: tuple[Sighting, ...]
    entries_stored: int
    entries_cut: int
    warnings: tuple[str, ...] = field(default=())


def merge(old: Paper, entry: Entry) -> Paper:
    """A later listing fills in and updates fields; an abstract is never replaced by a shorter (cut) one, and a
    partial one is completed by a whole one (the paper's text, and so its embedding, changes once)."""
    longer = len(entry.abstract) > len(old.abstract)
    whole = not entry.partial and (longer or (old.partial and entry.abstract == old.abstract))
    abstract = entry.abstract if longer else old.abstract
    title = entry.title or old.title
    return replace(
        old,
        title=title,
        abstract=abstract,
        partial=False if whole else (entry.partial if longer else old.partial),
        text_hash=text_hash(title, abstract),
        arxiv_id=old.arxiv_id or normalize_arxiv_id(entry.arxiv_id),
        published=entry.published or old.published,
        n_authors=max(entry.n_authors or 0, old.n_authors or 0) or None,  # the fullest count any listing gave
        authors=entry.authors if len(entry.authors) >= len(old.authors) else old.authors,  # a feed names only 3
        organization=entry.organization or old.organization,
    )


def _new_paper(entry: Entry) -> Paper:
    return Paper(
        paper_id=new_paper_id(entry.arxiv_id, entry.title),
        title=entry.title,
        abstract=entry.abstract,
        title_key=title_key(entry.title),
        text_hash=text_hash(entry.title, entry.abstract),
        arxiv_id=normalize_arxiv_id(entry.arxiv_id),
        published=entry.published,
        n_authors=entry.n_authors,
        authors=entry.authors,
        organization=entry.organization,
        partial=entry.partial,
    )


def build_catalog(snapshots: Iterable[Snapshot], known: Mapping[str, Paper]) -> Catalog:
    """Resolve each entry to a paper (arXiv id first, else normalised title) given the papers already stored.

    Snapshots are taken in digest-date order so that later listings update earlier ones, whatever the order
    of the files on disk.
    """
    by_arxiv = {p.arxiv_id: pid for pid, p in known.items() if p.arxiv_id}
    by_title = {p.title_key: pid for pid, p in known.items()}
    papers: dict[str, Paper] = {}
    new_ids: set[str] = set()
    sightings: dict[tuple[str, str], Sighting] = {}
    stored = cut = 0
    for snap in sorted(snapshots, key=lambda s: (s.digest.value, s.source)):
        for entry in snap.entries:
            if entry.truncated:
                cut += 1
                continue
            arxiv = normalize_arxiv_id(entry.arxiv_id)
            key = title_key(entry.title)
            pid = (by_arxiv.get(arxiv) if arxiv else None) or by_title.get(key)
            if pid is None:
                paper = _new_paper(entry)
                pid = paper.paper_id
                new_ids.add(pid)
            else:
                paper = merge(papers.get(pid) or known[pid], entry)
            papers[pid] = paper
            if paper.arxiv_id:
                by_arxiv[paper.arxiv_id] = pid
            by_title[key] = pid
            stored += 1
            day = entry.digest_date or snap.digest.value
            sightings.setdefault(
                (snap.content_hash, pid), Sighting(snap.content_hash, pid, day, entry.rank, entry.upvotes)
            )
    changed = {pid: p for pid, p in papers.items() if pid in new_ids or p != known.get(pid)}
    return Catalog(changed, frozenset(new_ids), tuple(sightings.values()), stored, cut)
