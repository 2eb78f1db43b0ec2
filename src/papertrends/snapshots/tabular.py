"""JSON Lines and CSV exports: one paper per row, field names mapped in config (`[snapshots.fields]`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from papertrends.snapshots.model import Entry, ParseError
from papertrends.snapshots.page import paper_id_in

# Our name -> the names an export may use, first match wins. `[snapshots.fields]` puts its own name first.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "paper_title", "name"),
    "abstract": ("abstract", "summary", "paper_abstract", "text"),
    "arxiv_id": ("arxiv_id", "arxiv", "paper_id", "id"),
    "url": ("url", "link", "paper_url", "arxiv_url", "arxivUrl", "abs_url", "pdf_url", "pdfUrl", "arxivPdfUrl"),
    "authors": ("authors", "author_names"),
    "n_authors": ("n_authors", "num_authors", "author_count"),
    "organization": ("organization", "organisation", "org"),
    "published": ("published", "published_at", "publishedAt", "publication_date", "date"),
    "upvotes": ("upvotes", "likes", "votes"),
    "digest_date": ("digest_date", "digest", "listed_on"),
}


def _field_names(mapping: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    return {k: ((mapping[k],) if k in mapping else ()) + v for k, v in DEFAULT_FIELDS.items()}


def _get(row: Mapping[str, Any], names: Sequence[str]) -> object:
    for name in names:
        value = row.get(name)
        if value not in (None, ""):
            return value
    return None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _int(value: object) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _authors(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in value if a)
    if isinstance(value, str) and value.strip():
        parts = value.split(";") if ";" in value else value.split(",")
        return tuple(p.strip() for p in parts if p.strip())
    return ()


def row_entry(row: Mapping[str, Any], rank: int, line: int, source: str, names: dict[str, tuple[str, ...]]) -> Entry:
    title = " ".join(str(_get(row, names["title"]) or "").split())
    if not title:
        raise ParseError(
            source,
            f"row {rank} has no title",
            line=line,
            hint=f"expected one of the fields {list(names['title'])}; map yours in [snapshots.fields]",
        )
    abstract = " ".join(str(_get(row, names["abstract"]) or "").split())
    raw_id = _get(row, names["arxiv_id"])
    arxiv_id = paper_id_in(f"arxiv.org/abs/{raw_id}") if raw_id else None
    links = (paper_id_in(str(row.get(name) or "")) for name in names["url"])  # any link field that names a paper
    arxiv_id = arxiv_id or next((found for found in links if found), None)
    authors = _authors(_get(row, names["authors"]))
    return Entry(
        title=title,
        abstract=abstract,
        rank=rank,
        line=line,
        arxiv_id=arxiv_id,
        n_authors=_int(_get(row, names["n_authors"])) or (len(authors) if authors else None),
        authors=authors,
        organization=(str(_get(row, names["organization"])) or None) if _get(row, names["organization"]) else None,
        published=_date(_get(row, names["published"])),
        upvotes=_int(_get(row, names["upvotes"])),
        truncated=not (abstract or arxiv_id),  # a row with neither an abstract nor a paper's id is no paper
        partial=not abstract,
        digest_date=_date(_get(row, names["digest_date"])),
    )


def parse_jsonl(text: str, source: str, fields: Mapping[str, str]) -> tuple[Entry, ...]:
    names = _field_names(fields)
    entries: list[Entry] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as e:
            if number == len(lines) and entries:  # the file was cut off in its last row
                entries.append(
                    Entry(
                        title=f"(row cut off at line {number})",
                        abstract="",
                        rank=len(entries) + 1,
                        line=number,
                        truncated=True,
                    )
                )
                break
            raise ParseError(source, f"invalid JSON on this line: {e}", line=number, n_entries=len(lines)) from e
        if not isinstance(row, dict):
            raise ParseError(
                source,
                f"a JSON {type(row).__name__} where an object per line was expected",
                line=number,
                n_entries=len(lines),
            )
        entries.append(row_entry(row, len(entries) + 1, number, source, names))
    return tuple(entries)


def parse_csv(text: str, source: str, fields: Mapping[str, str]) -> tuple[Entry, ...]:
    names = _field_names(fields)
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))  # a 5 MB abstract is one field
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=csv.excel, delimiter=delimiter)
    entries: list[Entry] = []
    try:
        header = reader.fieldnames or []
        if not any(n in header for n in names["title"]):
            raise ParseError(
                source,
                f"no title column among {header[:12]}",
                line=1,
                hint="map your column names in [snapshots.fields]",
            )
        for row in reader:
            entries.append(row_entry(row, len(entries) + 1, reader.line_num, source, names))
    except csv.Error as e:
        raise ParseError(source, f"malformed CSV: {e}", line=reader.line_num) from e
    return tuple(entries)
