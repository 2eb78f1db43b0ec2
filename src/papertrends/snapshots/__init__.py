"""Snapshot files in, parsed snapshots out: one parser per format, and format detection.

`parse_snapshot` is pure (bytes in, `Snapshot` out) and raises nothing but `ParseError`; `read_snapshot` is the
edge that reads a file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from papertrends.snapshots.checks import NOT_A_DIGEST_HINT, not_a_digest, titled
from papertrends.snapshots.checks import coverage_warnings as _coverage  # its name here before checks.py
from papertrends.snapshots.dates import PartialDate, capture_date, decide_digest_date, front_matter_date
from papertrends.snapshots.feed import looks_like_feed, parse_feed
from papertrends.snapshots.hfjson import parse_hf_json
from papertrends.snapshots.html import looks_like_html, parse_html
from papertrends.snapshots.markdown import looks_like_markdown, parse_markdown, plain_lines
from papertrends.snapshots.model import DigestDate, Entry, ParseError, Snapshot
from papertrends.snapshots.page import Page, PageEntry
from papertrends.snapshots.paperpage import paper_page
from papertrends.snapshots.tabular import parse_csv, parse_jsonl
from papertrends.snapshots.text import parse_text, split_front_matter

__all__ = [
    "FORMATS",
    "DigestDate",
    "Entry",
    "ParseError",
    "Snapshot",
    "detect_format",
    "list_snapshot_files",
    "other_files",
    "parse_snapshot",
    "read_snapshot",
]

FORMATS = ("auto", "text", "markdown", "html", "hf-json", "jsonl", "csv", "feed")
SNAPSHOT_SUFFIXES = (
    ".txt",
    ".text",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".json",
    ".jsonl",
    ".ndjson",
    ".csv",
    ".tsv",
    ".xml",
    ".rss",
    ".atom",
)
_JSONL_START = re.compile(r"\A\s*\{[^\n]*\}\s*\n\s*\{", re.S)


def detect_format(data: bytes, name: str) -> str:
    """The format of a snapshot, from its name's suffix and its first bytes."""
    suffix = Path(name).suffix.lower()
    by_suffix = {
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".csv": "csv",
        ".tsv": "csv",
        ".md": "markdown",
        ".markdown": "markdown",
        ".html": "html",
        ".htm": "html",
        ".xml": "feed",
        ".rss": "feed",
        ".atom": "feed",
    }
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if looks_like_feed(data[:20_000].decode("utf-8", "replace")):
        return "feed"
    if looks_like_html(data[:8192].decode("utf-8", "replace")):
        return "html"
    if head[:1] == b"{" and _JSONL_START.match(head.decode("utf-8", "replace")):
        return "jsonl"
    if suffix == ".json" or head[:1] in (b"[", b"{"):
        return "hf-json"
    return "markdown" if looks_like_markdown(data[:200_000].decode("utf-8", "replace")) else "text"


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ParseError(
            source,
            "NUL byte: this is a binary file, not a digest",
            line=line,
            hint="save the page as text, Markdown or JSON",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ParseError(source, f"invalid UTF-8 at byte {e.start}", line=line, hint="re-save the file as UTF-8") from e
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _from_page(entry: PageEntry, rank: int, digest_day: date) -> Entry:
    published = entry.published.latest_not_after(digest_day) if entry.published else None
    return Entry(
        title=entry.title,
        abstract=entry.abstract,
        rank=rank,
        line=entry.line,
        arxiv_id=entry.arxiv_id,
        n_authors=entry.n_authors,
        organization=entry.organization,
        published=published,
        upvotes=entry.upvotes,
        truncated=entry.truncated,
        partial=not entry.abstract,  # a title linked to its paper, without the abstract: stored, flagged
    )


def _page_snapshot(
    page: Page, name: str, explicit: date | None, mtime: datetime | None
) -> tuple[DigestDate | None, tuple[Entry, ...]]:
    listed: list[PartialDate] = [e.published for e in page.entries if e.published is not None]
    when = decide_digest_date(
        explicit=explicit,
        filename=name,
        header=page.header,
        listed=listed,
        json_date=None,
        mtime=mtime,
        page_date=front_matter_date(page.front_matter),
        captured=capture_date(page.front_matter),
    )
    entries = tuple(_from_page(e, r, when.value) for r, e in enumerate(page.entries, 1)) if when else ()
    return when, entries


def parse_snapshot(
    data: bytes,
    source: str,
    *,
    fmt: str = "auto",
    explicit_date: date | None = None,
    mtime: datetime | None = None,
    fields: Mapping[str, str] | None = None,
    approximate_date: date | None = None,
) -> Snapshot:
    """Parse one snapshot's bytes. Raises ParseError (file, line, what was expected) and nothing else.

    `approximate_date`: the user's date for a digest that states none, taken instead of the file's time and, like
    it, uncertain (the report shows it; no trend rests on it alone)."""
    if fmt not in FORMATS:
        raise ParseError(source, f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    fmt = detect_format(data, source) if fmt == "auto" else fmt
    text = _decode(data, source)
    if not text.strip():
        raise ParseError(source, "the file is empty: no papers found", line=1, hint="save the page again")
    name = Path(source).name
    warnings: list[str] = []
    try:
        when, entries = _parse(fmt, text, source, name, explicit_date, mtime, fields or {}, warnings)
    except RecursionError as e:
        raise ParseError(source, "nested too deeply to be a digest", line=1) from e
    entries = titled(entries, warnings)
    if (reason := not_a_digest(fmt, text, entries)) is not None:
        raise ParseError(source, reason, line=1, hint=NOT_A_DIGEST_HINT)
    if when is None:
        raise ParseError(source, "nothing dates this digest", hint="give its date in [snapshots.dates] or --date")
    if when.rule == "mtime" and approximate_date is not None:
        when = DigestDate(approximate_date, "approximate", "given by the user as approximate: the page states no date")
    if when.rule in ("explicit", "approximate"):
        entries = tuple(replace(e, digest_date=None) for e in entries)  # the user's date wins over the rows'
    if when.rule == "mtime":
        warnings.append(f"digest date {when.value} taken from the file's modification time: {when.note}")
    if not entries:
        raise ParseError(
            source,
            "no papers found",
            line=1,
            hint=f"read as {fmt}: expected a Daily Papers page, api/daily_papers JSON or an export",
        )
    warnings.extend(
        f"line {e.line}: entry {e.title[:60]!r} is cut off; it is not stored" for e in entries if e.truncated
    )
    if partial := sum(e.partial and not e.truncated for e in entries):
        warnings.append(f"{partial} entries carry only part of their abstract (cut by the source): stored, flagged")
    return Snapshot(source, hashlib.sha256(data).hexdigest(), fmt, when, entries, tuple(warnings))


def _read_page(text: str, fmt: str, fields: Mapping[str, str] | None = None) -> Page:
    """A page saved as text or Markdown: a paper's own page, else a list of papers."""
    front, body, offset = split_front_matter(text)
    front = {**(fields or {}), **front}
    lines = plain_lines(body) if fmt == "markdown" else [s.strip() for s in body.split("\n")]
    return paper_page(front, lines, offset) or (parse_text(text) if fmt == "text" else parse_markdown(text))


def _parse(
    fmt: str,
    text: str,
    source: str,
    name: str,
    explicit: date | None,
    mtime: datetime | None,
    fields: Mapping[str, str],
    warnings: list[str],
) -> tuple[DigestDate | None, tuple[Entry, ...]]:
    if fmt == "html":
        saved = parse_html(text, source)
        if not saved.entries:
            page = _read_page(saved.markdown, "markdown", saved.front_matter)
            warnings.extend(page.warnings + _coverage(page, saved.markdown, source))
            return _page_snapshot(page, name, explicit, mtime)
        json_date, entries = saved.date, saved.entries
    elif fmt in ("text", "markdown"):
        page = _read_page(text, fmt)
        warnings.extend(page.warnings + _coverage(page, text, source))
        return _page_snapshot(page, name, explicit, mtime)
    elif fmt == "hf-json":
        digest = parse_hf_json(text, source)
        warnings.extend(digest.warnings)
        json_date = digest.date
        entries = digest.entries
    elif fmt == "feed":
        feed = parse_feed(text, source)
        warnings.extend(feed.warnings)
        when = decide_digest_date(
            explicit=explicit, filename=name, header=None, listed=[], json_date=feed.date, mtime=mtime
        )
        if when is not None and when.rule == "json":
            when = DigestDate(when.value, "feed", "the feed's own date (its items keep theirs)")
        return when, feed.entries
    else:
        entries = parse_jsonl(text, source, fields) if fmt == "jsonl" else parse_csv(text, source, fields)
        row_dates = sorted({e.digest_date for e in entries if e.digest_date})
        json_date = row_dates[-1] if row_dates else None
    when = decide_digest_date(
        explicit=explicit, filename=name, header=None, listed=[], json_date=json_date, mtime=mtime
    )
    return when, entries


def read_snapshot(
    path: Path, *, fmt: str = "auto", explicit_date: date | None = None, fields: Mapping[str, str] | None = None
) -> Snapshot:
    """Read and parse one file. OSError becomes ParseError so a bad file never stops the others."""
    try:
        data = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError as e:
        raise ParseError(str(path), f"cannot read: {e.strerror or e}") from e
    return parse_snapshot(data, str(path), fmt=fmt, explicit_date=explicit_date, mtime=mtime, fields=fields)


# A download still under way, an editor's backup, a lock, a database: a folder's files that are nobody's content.
_NOT_CONTENT = (".tmp", ".part", ".crdownload", ".download", ".swp", ".lock", ".duckdb", ".wal")


def other_files(folder: Path) -> list[Path]:
    """The files under `folder` that are not read as snapshots (another kind of file: an image, a PDF, a Word
    file), hidden and temporary files left out: a run names them rather than passing over them in silence."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() not in SNAPSHOT_SUFFIXES
        and p.suffix.lower() not in _NOT_CONTENT
        and not p.name.endswith("~")
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def list_snapshot_files(folder: Path) -> list[Path]:
    """Snapshot files under `folder`, in name order (hidden and temporary files left out)."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise FileNotFoundError(f"snapshot folder {folder} does not exist: create it or pass --snapshots")
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SNAPSHOT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
