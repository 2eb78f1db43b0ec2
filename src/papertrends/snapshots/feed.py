"""Feeds of a papers digest: RSS 2.0 and Atom (read by feedparser, a maintained parser of every RSS and Atom
dialect) and JSON Feed 1.0 / 1.1 (read by the standard JSON parser). One item is one paper; never regular
expressions over tags.

A feed is read as a digest only when it is one: most of its items link to a paper (arxiv.org/abs|pdf,
huggingface.co/papers/ID). Another blog's feed or a jobs board's is rejected whole, and in a digest an item that
links to no paper is left out, so a feed's chrome never becomes a paper.
"""

from __future__ import annotations

import calendar
import json
import re
import warnings as pywarnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from papertrends.snapshots.model import Entry, ParseError
from papertrends.snapshots.page import paper_id_in

PAPER_SHARE = 0.5  # of a feed's items that must link to a paper for the feed to be read as a digest
_CUT = re.compile(r"(?:\.\.\.|…|\[\.\.\.\]|\[…\]|\(\.\.\.\)|\(more\)|read more)\s*$", re.I)
_VOTES = re.compile(r"(?:\bupvotes?\b\s*[:=]?\s*(\d{1,7})|(\d{1,7})\s+upvotes?\b|👍\s*(\d{1,7}))", re.I)
_JSON_FEED = re.compile(r'"version"\s*:\s*"https?://jsonfeed\.org/version/', re.I)
_XML_FEED = re.compile(r"<(?:rss|feed|rdf:RDF)[\s>]", re.I)
_SPACE = re.compile(r"\s+")
_BEFORE_STOP = re.compile(r"\s+([.,;:!?)])")  # "We study <b>things</b>." read as text has no space before the stop
_HINT = "only digests of papers are read: move the file out of the snapshot folder"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A feed item in the terms both readers share."""

    title: str
    body: str  # the description or content, HTML or text
    links: tuple[str, ...]
    authors: tuple[str, ...]
    day: date | None
    position: int


@dataclass(frozen=True, slots=True)
class FeedDigest:
    date: date | None  # the feed's own date (its last build or update), else its newest item's
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()


def looks_like_feed(head: str) -> bool:
    """An RSS, Atom or RDF document, or a JSON Feed, from its first characters."""
    start = head.lstrip("\ufeff \t\r\n")
    if start.startswith("{"):
        return bool(_JSON_FEED.search(start[:20_000]))
    if not start.startswith("<"):
        return False
    prolog = start[:5000]
    return bool(_XML_FEED.search(prolog)) and "<html" not in prolog.lower()


def text_of(markup: str) -> str:
    """HTML (or plain text) as one line of text."""
    if "<" not in markup and "&" not in markup:
        return _SPACE.sub(" ", markup).strip()
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "img", "video", "audio", "iframe", "svg"]):
        tag.decompose()
    return _BEFORE_STOP.sub(r"\1", _SPACE.sub(" ", soup.get_text(" "))).strip()


def _day(value: object) -> date | None:
    """A date from feedparser's struct_time or an ISO 8601 string."""
    if value is None:
        return None
    if hasattr(value, "tm_year"):
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC).date()  # type: ignore[arg-type]
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            return None
    return None


def _xml_items(text: str, source: str) -> tuple[list[FeedItem], date | None]:
    import feedparser

    parsed = feedparser.parse(text, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.version:
        reason = f"not an RSS or Atom feed ({parsed.bozo_exception})" if parsed.bozo else "not an RSS or Atom feed"
        raise ParseError(source, reason, line=1, hint="save the feed as its server sends it")
    feed = parsed.feed
    day = _day(feed.get("updated_parsed")) or _day(feed.get("published_parsed"))
    items = []
    for n, item in enumerate(parsed.entries, 1):
        content = [c.get("value", "") for c in item.get("content", [])]
        body = max([item.get("summary", ""), *content], key=len)
        links = [item.get("link", ""), item.get("id", ""), *(link.get("href", "") for link in item.get("links", []))]
        authors = tuple(a["name"] for a in item.get("authors", []) if a.get("name"))
        when = _day(item.get("published_parsed")) or _day(item.get("updated_parsed"))
        items.append(FeedItem(text_of(item.get("title", "")), body, tuple(x for x in links if x), authors, when, n))
    return items, day


def _json_items(text: str, source: str) -> tuple[list[FeedItem], date | None]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(source, f"invalid JSON Feed: {e.msg} (column {e.colno})", line=e.lineno) from e
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise ParseError(source, "a JSON Feed without a list of items", line=1, hint="expected jsonfeed.org's items")
    items = []
    for n, item in enumerate(doc["items"], 1):
        if not isinstance(item, dict):
            continue
        body = max((str(item.get(k) or "") for k in ("content_html", "content_text", "summary")), key=len)
        links = [str(item.get(k) or "") for k in ("url", "external_url", "id")]
        people: list[Any] = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        authors = tuple(str(a["name"]) for a in people if isinstance(a, dict) and a.get("name"))
        when = _day(item.get("date_published")) or _day(item.get("date_modified"))
        items.append(FeedItem(text_of(str(item.get("title") or "")), body, tuple(x for x in links if x), authors,
                              when, n))  # fmt: skip
    return items, None


def _paper_id(item: FeedItem) -> str | None:
    for link in item.links:
        if found := paper_id_in(link):
            return found
    return paper_id_in(item.body)


def _entry(item: FeedItem, arxiv_id: str | None, rank: int) -> Entry:
    abstract = text_of(item.body)
    if abstract.startswith(item.title):  # a description that repeats the title before the abstract
        abstract = abstract[len(item.title) :].lstrip(" :.-–—")
    votes = _VOTES.search(abstract)
    if votes:  # a count the generator wrote into the description is no part of the abstract
        abstract = (abstract[: votes.start()] + abstract[votes.end() :]).strip(" |·•-–—")
    return Entry(
        title=item.title,
        abstract=abstract,
        rank=rank,
        line=None,
        arxiv_id=arxiv_id,
        n_authors=len(item.authors) or None,
        authors=item.authors,
        upvotes=int(next(g for g in votes.groups() if g)) if votes else None,
        partial=bool(_CUT.search(abstract)) or not abstract,
        digest_date=item.day,
    )


def parse_feed(text: str, source: str) -> FeedDigest:
    """Parse an RSS, Atom or JSON feed of papers. Raises ParseError when it is no feed, or a feed of something
    else than papers."""
    json_feed = text.lstrip("\ufeff \t\n").startswith("{")
    items, feed_day = _json_items(text, source) if json_feed else _xml_items(text, source)
    if not items:
        raise ParseError(source, "a feed with no items", line=1, hint=_HINT)
    ids = [_paper_id(i) for i in items]
    linked = sum(i is not None for i in ids)
    if linked < PAPER_SHARE * len(items):
        raise ParseError(
            source,
            f"a feed, but not of papers: {linked} of its {len(items)} items link to a paper "
            "(arxiv.org/abs, arxiv.org/pdf or huggingface.co/papers)",
            line=1,
            hint=_HINT,
        )
    entries = [_entry(item, found, rank) for rank, (item, found) in enumerate(zip(items, ids, strict=True), 1)
               if found is not None and item.title]  # fmt: skip
    warnings = []
    if left := len(items) - len(entries):
        warnings.append(f"{left} of {len(items)} items link to no paper or have no title: left out")
    days = [e.digest_date for e in entries if e.digest_date]
    return FeedDigest(feed_day or (max(days) if days else None), tuple(entries), tuple(warnings))
