"""Plain-text dumps of Hugging Face "Daily Papers" pages.

Two layouts are understood, as saved by copying a page: entries with metadata lines (title, abstract, then
`• N authors` or an organisation line, `·`, the publication date with an optional upvote count), and bare
title/abstract pairs. Page chrome ("Subscribe", "Get trending papers...") never becomes part of a paper, also
when a copy glued it onto the first title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from papertrends.snapshots.dates import HEADER_LINE, PUBLISHED_LINE, PartialDate, parse_partial

CHROME = frozenset(
    s.lower()
    for s in (
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
        "Submit paper",
        "Load more",
        "Previous",
        "Next",
    )
)
_GLUED_CHROME = re.compile(r"^(?:Subscribe|Get trending papers in your email inbox(?: once a day)?!)(?=\S)")
_AUTHORS = re.compile(r"^•?\s*(?P<n>\d+)\s+authors?$")
_SEPARATOR = "·"
_LONGEST_TITLE = 600  # characters; a longer "title" is an abstract seen out of step


@dataclass(frozen=True, slots=True)
class TextEntry:
    title: str
    abstract: str
    line: int
    n_authors: int | None = None
    organization: str | None = None
    published: PartialDate | None = None
    upvotes: int | None = None
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class TextPage:
    header: PartialDate | None
    entries: tuple[TextEntry, ...]
    warnings: tuple[str, ...]


@dataclass(slots=True)
class _Draft:
    title: str
    line: int
    abstract: str = ""
    n_authors: int | None = None
    organization: str | None = None
    published: PartialDate | None = None
    upvotes: int | None = None
    closed: bool = False  # its metadata has been read: the next line starts a new entry

    def freeze(self) -> TextEntry:
        return TextEntry(
            title=self.title,
            abstract=self.abstract,
            line=self.line,
            n_authors=self.n_authors,
            organization=self.organization,
            published=self.published,
            upvotes=self.upvotes,
            truncated=not self.abstract,
        )


def clean_organization(line: str) -> str:
    """`MediaTek-Research MediaTek Research` (handle, then display name) becomes `MediaTek Research`."""
    words = line.split()
    for cut in range(1, len(words)):
        handle, name = " ".join(words[:cut]), " ".join(words[cut:])
        if _squash(handle) == _squash(name):
            return name
    return line


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _content_lines(text: str) -> tuple[PartialDate | None, list[tuple[int, str]]]:
    """Non-empty lines with their 1-based numbers, the header chrome and header date taken off."""
    items = [(n, s.strip()) for n, s in enumerate(text.splitlines(), start=1) if s.strip()]
    header: PartialDate | None = None
    start = 0
    while start < len(items):
        number, line = items[start]
        if line.lower() in CHROME:
            start += 1
            continue
        match = HEADER_LINE.match(line)
        if match and header is None:
            header = parse_partial(match)
            start += 1
            continue
        glued = _GLUED_CHROME.match(line)
        if glued:
            items[start] = (number, line[glued.end() :].strip())
            continue
        break
    return header, [(n, s) for n, s in items[start:] if s.lower() not in CHROME]


def parse_text(text: str) -> TextPage:
    """Split a page dump into entries. Pure: no file, no clock."""
    header, items = _content_lines(text)
    drafts: list[_Draft] = []
    warnings: list[str] = []
    current: _Draft | None = None
    i = 0
    while i < len(items):
        number, line = items[i]
        following = items[i + 1][1] if i + 1 < len(items) else None
        authors = _AUTHORS.match(line)
        if authors or following == _SEPARATOR or line == _SEPARATOR:
            i = _read_meta(items, i, current, warnings)
            continue
        if current is not None and not current.abstract and not current.closed:
            current.abstract = line
        else:
            if len(line) > _LONGEST_TITLE:
                warnings.append(f"line {number}: a {len(line)}-character line where a title was expected")
            current = _Draft(title=line, line=number)
            drafts.append(current)
        i += 1
    return TextPage(header, tuple(d.freeze() for d in drafts), tuple(warnings))


def _read_meta(items: list[tuple[int, str]], i: int, current: _Draft | None, warnings: list[str]) -> int:
    """Read `• N authors` or an organisation, `·`, and the date line into `current`; return the next index."""
    number, line = items[i]
    if current is None:
        warnings.append(f"line {number}: metadata before any title: {line[:60]!r}")
    if line != _SEPARATOR:
        authors = _AUTHORS.match(line)
        if current is not None:
            current.closed = True
            if authors:
                current.n_authors = int(authors["n"])
            else:
                current.organization = clean_organization(line)
        i += 1
        if i >= len(items) or items[i][1] != _SEPARATOR:
            return i
    i += 1  # the separator
    if current is not None:
        current.closed = True
    if i < len(items):
        match = PUBLISHED_LINE.match(items[i][1])
        if match:
            if current is not None:
                current.published = parse_partial(match)
                current.upvotes = int(match["upvotes"]) if match["upvotes"] else None
            i += 1
    return i
