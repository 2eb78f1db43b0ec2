"""Pages saved as HTML ("Save page as", a crawler's raw response): read with a real HTML parser.

Hugging Face renders its pages with their data embedded: an element's `data-props` attribute holds the JSON the
page was drawn from (`dailyPapers` on a daily page, `paper` on a paper's page). That data is read first, as the
api/daily_papers JSON is. A page without it is read from its markup: converted to Markdown (links made absolute
against the page's own URL) and read as a saved Markdown page is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from markdownify import markdownify

from papertrends.snapshots.hfjson import entry_from_json, iso_date
from papertrends.snapshots.model import Entry, ParseError

_BASE = "https://huggingface.co/"
_DROP = ("script", "style", "noscript", "svg", "template", "iframe", "head")


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """What a saved page gave: entries from its embedded data, or Markdown made from its markup."""

    entries: tuple[Entry, ...] = ()
    date: date | None = None
    markdown: str = ""
    url: str = ""
    title: str = ""

    @property
    def front_matter(self) -> dict[str, str]:
        return {k: v for k, v in (("url", self.url), ("title", self.title)) if v}


def looks_like_html(head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n")[:200].lower()
    return start.startswith(("<!doctype html", "<html", "<?xml")) and "<html" in head[:5000].lower()


def _props(soup: BeautifulSoup) -> list[dict[str, Any]]:
    out = []
    for element in soup.find_all(attrs={"data-props": True}):
        try:
            props = json.loads(str(element["data-props"]))
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(props, dict):
            out.append(props)
    return out


def _is_paper_item(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    paper = item.get("paper", item)
    return isinstance(paper, dict) and bool(paper.get("title")) and ("summary" in paper or "id" in paper)


def _embedded(props: list[dict[str, Any]], source: str) -> tuple[list[Any], date | None]:
    """The longest list of papers in the page's data, or its one `paper`, and the page's date."""
    best: list[Any] = []
    when = None
    for data in props:
        for value in data.values():
            if isinstance(value, list) and len(value) > len(best) and value and all(map(_is_paper_item, value)):
                best, when = value, iso_date(data.get("date"))
    if best:
        return best, when
    for data in props:
        if _is_paper_item(data.get("paper")):
            return [data["paper"]], None
    return [], None


def parse_html(text: str, source: str) -> HtmlPage:
    """Entries from the page's embedded data, else its markup as Markdown. Raises ParseError."""
    try:
        soup = BeautifulSoup(text, "html.parser")
    except (ValueError, AssertionError, RecursionError) as e:  # html.parser gives up on some broken markup
        raise ParseError(source, f"unreadable HTML: {e}", line=1, hint="save the page again") from e
    meta = soup.find("meta", attrs={"property": "og:url"})
    url = str(meta.get("content", "")) if meta else ""
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    raw, when = _embedded(_props(soup), source)
    if raw:
        entries = tuple(entry_from_json(item, rank, source, None) for rank, item in enumerate(raw, start=1))
        return HtmlPage(entries=entries, date=when, url=url, title=title)
    base = url or _BASE
    for link in soup.find_all("a", href=True):
        link["href"] = urljoin(base, str(link["href"]))
    for tag in soup.find_all(_DROP):
        tag.decompose()
    body = soup.body or soup
    markdown = markdownify(str(body), heading_style="ATX", bullets="*", strip=["img"])
    return HtmlPage(markdown=markdown, url=url, title=title)
