"""Daily Papers pages saved as Markdown (reader tools, browser extensions, html2text).

Titles are headings or links to a paper page (`### [Title](https://huggingface.co/papers/ID)`, `[Title][12]`
with `[12]: URL` at the bottom); the arXiv id comes from that URL. Images, avatars and navigation links are
chrome. Abstract paragraphs between a title and its metadata are joined, hard wraps included.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from papertrends.snapshots.dates import HEADER_LINE, PUBLISHED_LINE, PartialDate, parse_partial
from papertrends.snapshots.page import Item, Page, assemble, paper_id_in
from papertrends.snapshots.text import is_chrome, split_front_matter

_REF_DEF = re.compile(r"^\s{0,3}\[(?P<ref>[^\]]{1,40})\]:\s*<?(?P<url>\S+?)>?(?:\s+[\"'(].*)?$")
# `[![](thumbnail.png)](https://huggingface.co/papers/ID)` or `[<video src=...></video>](.../papers/ID "View paper")`:
# a clipped card opens with its media, linked to the paper whose title follows.
_MEDIA_LINK = re.compile(
    r"^\[\s*(?:!\[[^\]]{0,500}\]\([^)]{0,2000}\)|<(?:video|img|picture|source)\b[^>]{0,2000}>(?:\s*</video>)?)\s*\]"
    r"\((?P<url>[^)\s]{1,2000})(?:\s+\"[^\"]{0,200}\")?\)$",
    re.I,
)
_IMAGE = re.compile(r"!\[[^\]]{0,500}\]\([^)\s]{0,2000}(?:\s+\"[^\"]{0,200}\")?\)|!\[[^\]]{0,500}\]\[[^\]]{0,40}\]")
_LINK = re.compile(
    r"\[(?P<text>[^\[\]]{0,8000})\](?:\((?P<url>[^)\s]{0,2000})(?:\s+\"[^\"]{0,200}\")?\)|\[(?P<ref>[^\]]{0,40})\])"
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


_METAISH = re.compile(r"^(?:[-*•·\\\s]+)?(?:\d{1,7}|-|upvote\s*\d*|\d{1,5}\s+authors?)$", re.I)


def _link_text(match: re.Match[str]) -> str:
    """A link's text where it stands inside a line; a comment count (`May 29[6](...#community)`) is dropped."""
    return "" if (match["url"] or "").endswith("#community") else match["text"]


def _is_login(url: str) -> bool:
    return "huggingface.co/login" in url or url.startswith(("/login", "login?"))


def _classify(line: str, refs: dict[str, str]) -> tuple[str, str, str | None]:
    """(kind, text, arXiv id) for one Markdown line. Kinds: title, link (text linked to a paper), url (a bare
    paper link), lead (a card's thumbnail or video linked to its paper, before its title), text, chrome."""
    if (media := _MEDIA_LINK.match(line.strip())) is not None:
        return "lead", "", paper_id_in(media["url"])
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
        if _is_login(url):  # the upvote button: `[101](.../login?next=%2Fpapers%2F2606.00683)`, `[Upvote 42](...)`
            votes = re.fullmatch(r"(?:upvote\s*)?(\d{1,7})", text, re.I)
            target = "".join(parse_qs(urlsplit(url).query).get("next", []))  # `/papers/2606.00683`
            return ("votes", votes[1], paper_id_in(f"huggingface.co{target}")) if votes else ("chrome", text, None)
        arxiv_id = paper_id_in(url)
        if _METAISH.match(text) or PUBLISHED_LINE.match(text):  # `[- 3 authors](papers/ID)`, `[207](papers/ID)`
            return "text", _BULLET.sub("", text.lstrip("-*• ")).strip(), arxiv_id
        if arxiv_id and text and not _GENERIC_LINK_TEXT.match(text) and len(links) == 1:
            return ("title" if is_heading else "link"), text, arxiv_id
        if arxiv_id:
            return "url", text, arxiv_id
        if is_heading and len(links) == 1 and text and not url and link["ref"] is not None:
            return "title", text, None  # `### [Title][32]` whose reference list was cut off
        if len(links) == 1 and not url:
            return "text", text, None  # `[...][33]` whose reference list was cut off: the text is all there is
        if len(links) == 1 and url and "huggingface.co/" in url and not url.rstrip("/").endswith("/papers"):
            return "org", text, None  # an organisation or user link, e.g. before the `·` line
        return "chrome", text, None
    text = _plain(_LINK.sub(_link_text, line))
    if is_heading and text and not is_chrome(text) and not HEADER_LINE.match(text):
        return "title", text, None
    arxiv_id = paper_id_in(line) if re.fullmatch(r"<?https?://\S+>?", line) else None
    if arxiv_id:
        return "url", text, arxiv_id
    if re.fullmatch(r"<?https?://\S+>?", line):
        return "chrome", text, None
    return "text", text, None


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_BARE_URL = re.compile(r"^<?(https?://\S+?)>?$")
_LONGEST_LINK = 80  # lines a link's text may span (an abstract inside a link, hard-wrapped)


def _unfence(lines: list[str]) -> list[str]:
    """A capture that wraps the whole page in a code fence (```text ... ```): the fence lines are dropped."""
    opened = [i for i, line in enumerate(lines) if _FENCE.match(line)]
    if not opened:
        return lines
    first, last = opened[0], opened[-1] if len(opened) > 1 else len(lines)
    inside = sum(1 for line in lines[first:last] if line.strip())
    if inside < 0.5 * sum(1 for line in lines if line.strip()):
        return lines
    return [("" if i in (first, last) else line) for i, line in enumerate(lines)]


def _balance(line: str) -> int:
    return line.count("[") - line.count("]")


def _join_open_links(lines: list[str]) -> list[tuple[int, str]]:
    """A link whose text goes over several lines, blank lines included (`[Title that goes\non](url)`, an
    abstract inside `[...](url)`, a heading continued on a second `### ` line) becomes one line. A bracket
    that never closes is left as it is."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _balance(line) > 0:
            joined, j = line.rstrip(), i
            while _balance(joined) > 0 and j + 1 < len(lines) and j - i < _LONGEST_LINK:
                j += 1
                follow = lines[j].strip()
                heading = _HEADING.match(follow)
                joined = f"{joined} {heading['text'] if heading and joined.startswith('#') else follow}".rstrip()
            if _balance(joined) == 0:
                out.append((i, joined))
                i = j + 1
                continue
        out.append((i, line))
        i += 1
    return out


def _continued_headings(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """`### A title that goes on` followed at once by an indented `  on a second line`: one heading."""
    out: list[tuple[int, str]] = []
    for number, line in lines:
        previous = out[-1][1] if out else ""
        if (
            previous.startswith("#")
            and line[:1] in (" ", "\t")
            and line.strip()
            and not _BULLET.match(line.strip())
            and out[-1][0] == number - 1
        ):
            out[-1] = (out[-1][0], f"{previous.rstrip()} {line.strip()}")
            continue
        out.append((number, line))
    return out


def _urls_after_text(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A line of text followed by a paper's bare URL on its own line (a notebook tool's web-source format)
    is that text linked to the paper: `Title` + `https://huggingface.co/papers/ID` becomes `[Title](URL)`."""
    out: list[tuple[int, str]] = []
    last_text: int | None = None  # index in `out` of the last text line, while only blank lines follow it
    for number, line in lines:
        bare = _BARE_URL.match(line.strip())
        if bare and last_text is not None and paper_id_in(bare[1]):
            at, text = out[last_text]
            if "](" not in text and not text.lstrip().startswith(("#", "[", "!")):
                out[last_text] = (at, f"[{text.strip()}]({bare[1]})")
                last_text = None
                continue
        if line.strip():
            last_text = None if bare else len(out)
        out.append((number, line))
    return out


def plain_lines(body: str) -> list[str]:
    """The page's lines as plain text: no heading marks, bullets, images or emphasis; a link is its text."""
    out = []
    for line in _unfence(body.splitlines()):
        line = _IMAGE.sub("", line).strip()
        line = _BULLET.sub("", line).lstrip("> ").strip()
        heading = _HEADING.match(line)
        line = heading["text"] if heading else line
        out.append(_plain(_LINK.sub(lambda m: m["text"], line)))
    return out


def parse_markdown(text: str) -> Page:
    """Entries of a Markdown page. Pure."""
    front, body, offset = split_front_matter(text)
    lines = _unfence(body.splitlines())
    refs = {}
    for line in lines:
        match = _REF_DEF.match(line)
        if match:
            refs[match["ref"].lower()] = match["url"]
    items: list[Item] = []
    dates: list[tuple[int, PartialDate | None]] = []  # `Jan 9` lines: the first above the papers is the page's
    explicit = False
    for index, raw in _urls_after_text(_continued_headings(_join_open_links(lines))):
        number = index + offset + 1
        if not raw.strip() or _REF_DEF.match(raw) or _SETEXT.match(raw.strip()):
            continue
        kind, content, arxiv_id = _classify(raw, refs)
        if kind == "chrome" or not content and kind not in ("url", "lead") or content and is_chrome(content):
            continue
        header_line = HEADER_LINE.match(content)
        if header_line and kind == "text" and not dates:
            dates.append((number, parse_partial(header_line)))
            continue
        explicit = explicit or kind in ("title", "link")
        items.append(Item(number, content, kind, arxiv_id))
    if not explicit:
        items = [Item(i.line, i.text, "text" if i.kind == "title" else i.kind, i.arxiv_id) for i in items]
    page = assemble(items, header=None, explicit_titles=explicit, front_matter=front)
    first = page.entries[0].line if page.entries else None
    header = next((d for n, d in dates if first is None or n < first), None)
    return replace(page, header=header)
