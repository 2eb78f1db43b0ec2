"""Daily Papers pages saved as Markdown (reader tools, browser extensions, html2text).

Titles are headings or links to a paper page (`### [Title](https://huggingface.co/papers/ID)`, `[Title][12]`
with `[12]: URL` at the bottom); the arXiv id comes from that URL. Images, avatars and navigation links are
chrome. Abstract paragraphs between a title and its metadata are joined, hard wraps included.
"""

from __future__ import annotations

import re

from papertrends.snapshots.dates import HEADER_LINE, PartialDate, parse_partial
from papertrends.snapshots.page import Item, Page, assemble, paper_id_in
from papertrends.snapshots.text import is_chrome, split_front_matter

_REF_DEF = re.compile(r"^\s{0,3}\[(?P<ref>[^\]]{1,40})\]:\s*<?(?P<url>\S+?)>?(?:\s+[\"'(].*)?$")
_IMAGE = re.compile(r"!\[[^\]]{0,500}\]\([^)\s]{0,2000}(?:\s+\"[^\"]{0,200}\")?\)|!\[[^\]]{0,500}\]\[[^\]]{0,40}\]")
_LINK = re.compile(
    r"\[(?P<text>[^\]]{0,1000})\](?:\((?P<url>[^)\s]{0,2000})(?:\s+\"[^\"]{0,200}\")?\)|\[(?P<ref>[^\]]{0,40})\])"
)
_BULLET = re.compile(r"^(?:[*+\-]|\d{1,3}[.)])(?:\s+|$)")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.*?)\s*#*$")
_SETEXT = re.compile(r"^(?:=+|-+)$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_GENERIC_LINK_TEXT = re.compile(
    r"^(?:pdf|arxiv|abs|paper|view|view paper|link|html|read more|code|project page|\d+)$", re.I
)
MARKERS = re.compile(r"^#{1,6}\s|\]\(https?://|^\s{0,3}\[[^\]]+\]:\s*\S|^---\s*$|\]\[\d+\]", re.M)


def looks_like_markdown(text: str) -> bool:
    return len(MARKERS.findall(text[:200_000])) >= 2


def _plain(text: str) -> str:
    text = _EMPHASIS.sub(r"\2", text)
    return " ".join(text.replace("\\", "").split())


def _classify(line: str, refs: dict[str, str]) -> tuple[str, str, str | None]:
    """(kind, text, arXiv id) for one Markdown line."""
    line = _IMAGE.sub("", line).strip()
    line = _BULLET.sub("", line).lstrip("> ").strip()
    heading = _HEADING.match(line)
    is_heading = heading is not None
    if heading:
        line = heading["text"]
    links = list(_LINK.finditer(line))
    outside = _LINK.sub("", line).strip(" *_·|-")
    if links and not outside:
        link = links[0]
        url = link["url"] or refs.get((link["ref"] or "").lower(), "")
        text = _plain(link["text"])
        arxiv_id = paper_id_in(url)
        if arxiv_id and text and not _GENERIC_LINK_TEXT.match(text) and len(links) == 1:
            return "title", text, arxiv_id
        if arxiv_id:
            return "url", text, arxiv_id
        if len(links) == 1 and url and "huggingface.co/" in url and not url.rstrip("/").endswith("/papers"):
            return "text", text, None  # an organisation or user link, e.g. before the `·` line
        return "chrome", text, None
    text = _plain(_LINK.sub(lambda m: m["text"], line))
    if is_heading and text and not is_chrome(text) and not HEADER_LINE.match(text):
        return "title", text, None
    arxiv_id = paper_id_in(line) if re.fullmatch(r"<?https?://\S+>?", line) else None
    if arxiv_id:
        return "url", text, arxiv_id
    if re.fullmatch(r"<?https?://\S+>?", line):
        return "chrome", text, None
    return "text", text, None


def _join_open_links(lines: list[str]) -> list[tuple[int, str]]:
    """A link whose text is wrapped over lines (`[Title that goes\non](url)`) becomes one line."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        number, line = i, lines[i]
        while line.count("[") > line.count("]") and i + 1 < len(lines) and i - number < 4 and lines[i + 1].strip():
            i += 1
            line = f"{line.rstrip()} {lines[i].strip()}"
        out.append((number, line))
        i += 1
    return out


def parse_markdown(text: str) -> Page:
    """Entries of a Markdown page. Pure."""
    front, body, offset = split_front_matter(text)
    lines = body.splitlines()
    refs = {}
    for line in lines:
        match = _REF_DEF.match(line)
        if match:
            refs[match["ref"].lower()] = match["url"]
    items: list[Item] = []
    header: PartialDate | None = None
    explicit = False
    for index, raw in _join_open_links(lines):
        number = index + offset + 1
        if not raw.strip() or _REF_DEF.match(raw) or _SETEXT.match(raw.strip()):
            continue
        kind, content, arxiv_id = _classify(raw, refs)
        if kind == "chrome" or not content and kind != "url" or is_chrome(content):
            continue
        if header is None and not items and HEADER_LINE.match(content):
            header = parse_partial(HEADER_LINE.match(content))  # type: ignore[arg-type]
            continue
        explicit = explicit or kind == "title"
        items.append(Item(number, content, kind, arxiv_id))
    if not explicit:
        items = [Item(i.line, i.text, "text" if i.kind == "title" else i.kind, i.arxiv_id) for i in items]
    return assemble(items, header=header, explicit_titles=explicit, front_matter=front)
