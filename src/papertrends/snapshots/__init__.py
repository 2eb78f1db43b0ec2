"""Snapshot files in, parsed snapshots out: one parser per format, and format detection.

`parse_snapshot` is pure (bytes in, `Snapshot` out); `read_snapshot` is the edge that reads a file.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from papertrends.snapshots.dates import PartialDate, decide_digest_date
from papertrends.snapshots.hfjson import parse_hf_json
from papertrends.snapshots.model import DigestDate, Entry, ParseError, Snapshot
from papertrends.snapshots.text import TextEntry, parse_text

__all__ = [
    "FORMATS",
    "DigestDate",
    "Entry",
    "ParseError",
    "Snapshot",
    "detect_format",
    "list_snapshot_files",
    "parse_snapshot",
    "read_snapshot",
]

FORMATS = ("auto", "text", "hf-json")
SNAPSHOT_SUFFIXES = (".txt", ".text", ".md", ".json")


def detect_format(data: bytes, name: str) -> str:
    """`hf-json` for JSON documents, else `text`."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.lower().endswith(".json") or head[:1] in (b"[", b"{"):
        return "hf-json"
    return "text"


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:65536] or b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ParseError(
            source,
            "NUL byte: this is a binary file, not a digest",
            line=line,
            hint="save the page as text or JSON",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ParseError(source, f"invalid UTF-8 at byte {e.start}", line=line, hint="re-save the file as UTF-8") from e


def _from_text(entry: TextEntry, rank: int, digest_day: date) -> Entry:
    published = entry.published.latest_not_after(digest_day) if entry.published else None
    return Entry(
        title=entry.title,
        abstract=entry.abstract,
        rank=rank,
        line=entry.line,
        n_authors=entry.n_authors,
        organization=entry.organization,
        published=published,
        upvotes=entry.upvotes,
        truncated=entry.truncated,
    )


def parse_snapshot(
    data: bytes,
    source: str,
    *,
    fmt: str = "auto",
    explicit_date: date | None = None,
    mtime: datetime | None = None,
) -> Snapshot:
    """Parse one snapshot's bytes. Raises ParseError (file, line, what was expected) and nothing else."""
    if fmt not in FORMATS:
        raise ParseError(source, f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    fmt = detect_format(data, source) if fmt == "auto" else fmt
    text = _decode(data, source)
    name = Path(source).name
    content_hash = hashlib.sha256(data).hexdigest()
    warnings: list[str] = []
    if fmt == "hf-json":
        digest = parse_hf_json(text, source)
        when = decide_digest_date(
            explicit=explicit_date, filename=name, header=None, listed=[], json_date=digest.date, mtime=mtime
        )
        entries = digest.entries
    else:
        page = parse_text(text)
        listed: list[PartialDate] = [e.published for e in page.entries if e.published is not None]
        when = decide_digest_date(
            explicit=explicit_date,
            filename=name,
            header=page.header,
            listed=listed,
            json_date=None,
            mtime=mtime,
        )
        entries = tuple(_from_text(e, r, when.value) for r, e in enumerate(page.entries, 1)) if when else ()
        warnings.extend(page.warnings)
    if when is None:
        raise ParseError(source, "nothing dates this digest", hint="give its date in [snapshots.dates] or --date")
    if when.rule == "mtime":
        warnings.append(f"digest date {when.value} taken from the file's modification time: {when.note}")
    if not entries:
        raise ParseError(
            source,
            "no papers found",
            line=1,
            hint="expected a Daily Papers page dump (title, abstract, ...) or api/daily_papers JSON",
        )
    warnings.extend(
        f"line {e.line}: entry {e.title[:60]!r} is cut off; it is not stored" for e in entries if e.truncated
    )
    return Snapshot(source, content_hash, fmt, when, entries, tuple(warnings))


def read_snapshot(path: Path, *, fmt: str = "auto", explicit_date: date | None = None) -> Snapshot:
    """Read and parse one file. OSError becomes ParseError so a bad file never stops the others."""
    try:
        data = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError as e:
        raise ParseError(str(path), f"cannot read: {e.strerror or e}") from e
    return parse_snapshot(data, str(path), fmt=fmt, explicit_date=explicit_date, mtime=mtime)


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


def with_date(snapshot: Snapshot, when: DigestDate) -> Snapshot:
    return replace(snapshot, digest=when)
