"""The Hugging Face `api/daily_papers` JSON: a list of entries, or an object wrapping one."""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from papertrends.snapshots.model import Entry, ParseError
from papertrends.snapshots.page import paper_id_in

_ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$|^[a-z\-]+(\.[A-Z]{2})?/\d{7}(v\d+)?$")
_WRAPPER_KEYS = ("data", "papers", "items", "results")
_REDOWNLOAD = "re-download that day with `papertrends fetch`, or remove the file"


@dataclass(frozen=True, slots=True)
class JsonDigest:
    date: date | None
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()


def _salvage_list(text: str) -> tuple[list[Any], int] | None:
    """The whole elements of a JSON list cut off part-way, and the line of the cut; None if it is not that."""
    decoder = json.JSONDecoder()
    at = text.find("[")
    if at < 0 or text[:at].strip():
        return None
    at += 1
    elements: list[Any] = []
    while True:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        if at >= len(text) or text[at] == "]":
            return None  # complete, or empty: not a cut list
        try:
            element, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            return (elements, text.count("\n", 0, at) + 1) if elements else None
        elements.append(element)


def _entries_list(doc: object, source: str) -> tuple[list[Any], date | None]:
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        for key in _WRAPPER_KEYS:
            if isinstance(doc.get(key), list):
                return doc[key], iso_date(doc.get("date"))
        raise ParseError(
            source,
            f"a JSON object with keys {sorted(doc)[:8]} but no list of papers under any of {list(_WRAPPER_KEYS)}",
            line=1,
            hint="expected the list returned by api/daily_papers",
        )
    raise ParseError(source, f"JSON {type(doc).__name__} where a list of papers was expected", line=1)


def iso_date(value: object) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _clean(text: object) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def _int(value: object) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


# Where an export keeps a paper's link, most telling first: an arXiv id is taken from any of them.
_LINK_FIELDS = (
    "url",
    "paper_url",
    "link",
    "arxiv_url",
    "arxivUrl",
    "arxiv_page_url",
    "abs_url",
    "pdf_url",
    "pdfUrl",
    "arxivPdfUrl",
    "arxiv_pdf_url",
    "html_url",
    "hf_url",
    "source",
)


def _parts(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry, its `paper`, and the objects nested one level inside either (a scraper's `details`)."""
    paper = raw.get("paper")
    tops = [p for p in (paper, raw) if isinstance(p, dict)]
    return tops + [v for p in tops for v in p.values() if isinstance(v, dict) and v is not paper]


def _first(parts: list[dict[str, Any]], *names: str) -> object:
    for name in names:
        for part in parts:
            value = part.get(name)
            if value not in (None, "", []):
                return value
    return None


def _arxiv_id(parts: list[dict[str, Any]]) -> str | None:
    own = str(parts[0].get("id") or "").strip()
    if own and _ARXIV_ID.match(own):
        return own
    for name in _LINK_FIELDS:
        for part in parts:
            value = part.get(name)
            found = paper_id_in(value) if isinstance(value, str) else None
            if found:
                return found
    return None


def literal_entry(raw: str, rank: int, source: str, line: int | None) -> dict[str, Any]:
    """An entry stored as the Python repr of a dict (`"{'paper': {...}}"`), read with a literal-only parser
    (`ast.literal_eval`: no names, calls or code). Anything else stays rejected, with its reason."""
    try:
        value = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError) as e:
        raise ParseError(
            source,
            f"entry {rank} is a string that is not a Python literal ({type(e).__name__})",
            line=line,
            hint=_REDOWNLOAD,
        ) from e
    if not isinstance(value, dict):
        raise ParseError(
            source,
            f"entry {rank} is a string holding a Python {type(value).__name__}, not an object",
            line=line,
            hint=_REDOWNLOAD,
        )
    return value


def entry_from_json(raw: object, rank: int, source: str, line: int | None) -> Entry:
    if isinstance(raw, str):
        if not raw.lstrip().startswith("{"):
            raise ParseError(source, f"entry {rank} is a string (text), not a JSON object", line=line, hint=_REDOWNLOAD)
        raw = literal_entry(raw, rank, source, line)
    if not isinstance(raw, dict):
        raise ParseError(source, f"entry {rank} is a JSON {type(raw).__name__}, not an object", line=line)
    paper = raw.get("paper", raw)
    if not isinstance(paper, dict):
        raise ParseError(source, f"entry {rank}: 'paper' is a {type(paper).__name__}, not an object", line=line)
    parts = _parts(raw)
    title = _clean(_first(parts, "title"))
    abstract = _clean(_first(parts, "summary", "abstract"))
    if not title:
        raise ParseError(source, f"entry {rank} has no title", line=line, hint="expected paper.title")
    authors_raw = paper.get("authors") if "authors" in paper else raw.get("authors")
    authors = tuple(
        _clean(a.get("name")) if isinstance(a, dict) else _clean(a)
        for a in (authors_raw if isinstance(authors_raw, list) else [])
    )
    org = raw.get("organization") or paper.get("organization")
    organization = _clean(org.get("fullname") or org.get("name")) if isinstance(org, dict) else None
    return Entry(
        title=title,
        abstract=abstract,
        rank=rank,
        line=line,
        arxiv_id=_arxiv_id(parts),
        n_authors=len(authors) if isinstance(authors_raw, list) and authors_raw else None,
        authors=tuple(a for a in authors if a),
        organization=organization or None,
        published=iso_date(_first(parts, "publishedAt", "published", "published_at")),
        upvotes=_int(_first(parts, "upvotes")),
        partial=not abstract,  # a title without its summary is still the paper: stored, flagged
    )


def parse_hf_json(text: str, source: str) -> JsonDigest:
    """Parse api/daily_papers JSON. Raises ParseError naming the file, line and what was expected."""
    warnings: list[str] = []
    cut_line = None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        salvaged = _salvage_list(text)
        if salvaged is None:
            raise ParseError(source, f"invalid JSON: {e.msg} (column {e.colno})", line=e.lineno) from e
        doc, cut_line = salvaged
        warnings.append(f"line {cut_line}: the file is cut off; the {len(doc)} whole entries before the cut are kept")
    except RecursionError as e:
        raise ParseError(source, "JSON nested too deeply to be a digest", line=1) from e
    raw_entries, wrapper_date = _entries_list(doc, source)
    entries = []
    cursor, cursor_line = 0, 1  # where each entry's id stands, to name its line in errors
    for rank, raw in enumerate(raw_entries, start=1):
        line = None
        if isinstance(raw, dict) and isinstance(raw.get("paper"), dict) and raw["paper"].get("id"):
            at = text.find(json.dumps(str(raw["paper"]["id"])), cursor)
            if at >= 0:
                cursor_line += text.count("\n", cursor, at)
                cursor, line = at, cursor_line
        try:
            entries.append(entry_from_json(raw, rank, source, line))
        except ParseError as e:
            e.n_entries = len(raw_entries)
            raise
    repaired = sum(isinstance(raw, str) for raw in raw_entries)
    if repaired:
        warnings.append(
            f"repaired: {repaired} of {len(raw_entries)} entries were Python-repr strings, not JSON objects; "
            "read with a literal-only parser (ast.literal_eval)"
        )
    literal = [literal_entry(r, n, source, None) if isinstance(r, str) else r for n, r in enumerate(raw_entries, 1)]
    daily = Counter(
        d
        for raw in literal
        if isinstance(raw, dict) and isinstance(raw.get("paper"), dict)
        for d in [iso_date(raw["paper"].get("submittedOnDailyAt"))]
        if d is not None
    )
    digest_date = wrapper_date or (daily.most_common(1)[0][0] if daily else None)
    if cut_line is not None:
        entries.append(
            Entry(title="(entry cut off)", abstract="", rank=len(entries) + 1, line=cut_line, truncated=True)
        )
    return JsonDigest(digest_date, tuple(entries), tuple(warnings))
