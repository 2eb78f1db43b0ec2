"""Plain-text dumps of Hugging Face "Daily Papers" pages (as copied from a browser, or saved by a reader tool).

Two layouts are understood: entries with metadata lines (title, abstract, then `• N authors` or an organisation
line, `·`, the publication date with an optional upvote count), and bare title/abstract pairs. Page chrome
("Subscribe", "Get trending papers...", menus, footers) never becomes part of a paper, also when a copy glued it
onto the first title. Where paragraphs are separated by blank lines, a paragraph hard-wrapped over several lines
is joined back into one.
"""

from __future__ import annotations

import re

from papertrends.snapshots.dates import HEADER_LINE, PUBLISHED_LINE, PartialDate, parse_partial
from papertrends.snapshots.page import _AUTHORS, SEPARATOR, Item, Page, assemble, paper_id_in

CHROME = frozenset(
    s.lower()
    for s in (
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "Daily Papers",
        "Trending Papers",
        "byAK and the research community",
        "by AK and the research community",
        "Submit paper",
        "Load more",
        "Previous",
        "Next",
        "Search",
        "Models",
        "Datasets",
        "Spaces",
        "Posts",
        "Docs",
        "Enterprise",
        "Pricing",
        "Log In",
        "Sign Up",
        "Community",
        "Papers",
        "Daily",
        "Weekly",
        "Monthly",
        "System theme",
        "Company",
        "Website",
        "TOS",
        "Privacy",
        "About",
        "Jobs",
        "Blog",
        "Learn",
        "Discord",
        "Forum",
        "GitHub",
        "Hugging Face",
        "View all",
        "upvote",
    )
)
_GLUED_CHROME = re.compile(r"^(?:Subscribe|Get trending papers in your email inbox(?: once a day)?!)(?=\S)")
_FOOTER = re.compile(r"^(?:©|\(c\)|copyright\b|submitted by \S+$)", re.I)  # and a card's submitter
_URL_LINE = re.compile(r"^<?https?://\S+>?$")


def is_chrome(line: str) -> bool:
    return line.lower() in CHROME or bool(_FOOTER.match(line))


def _fields(lines: list[str]) -> dict[str, str]:
    fields = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip():
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields


# `URL: ...`, `- Captured (UTC): ...`, `**Page Title:** ...`, `SOURCE-URL: ...`: the lines a capture tool writes
# above the page it saved.
_HEADER_FIELD = re.compile(
    r"^[-*]?\s*(?:\*\*)?(?P<key>[A-Za-z][\w()-]*(?: [\w()-]+){0,2}?)(?:\*\*)?\s*:(?:\*\*)?\s+(?P<value>\S.*)$"
)
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,}|={3,})$")


def _header_block(lines: list[str]) -> tuple[dict[str, str], int] | None:
    """A capture tool's header: an optional `# heading`, then two or more `Key: value` lines (blank lines
    between them allowed), ended by a rule, a blank line or the page. Returns its fields and the lines taken."""
    at = 0
    fields: dict[str, str] = {}
    if lines and lines[0].startswith("# "):
        fields["heading"] = lines[0][2:].strip()
        at = 1
    taken = 0
    end = at
    while at < min(len(lines), 40):
        line = lines[at].strip()
        match = _HEADER_FIELD.match(line)
        if match and "://" not in match["key"]:
            fields[match["key"].strip().lower()] = match["value"].strip().strip("`\"'")
            taken += 1
            end = at + 1
        elif line and not (taken and _RULE.match(line)):
            break
        elif taken and _RULE.match(line):
            end = at + 1
            break
        at += 1
    return (fields, end) if taken >= 2 else None


def split_front_matter(text: str) -> tuple[dict[str, str], str, int]:
    """Leading metadata: a `---` block of `key: value` lines, a reader tool's `Title:`/`URL Source:` lines
    before `Markdown Content:`, or a capture tool's `Key: value` header. Returns (its fields, the rest of the
    text, lines taken)."""
    lines = text.split("\n")
    if lines and lines[0].startswith("Title:"):
        for end in range(1, min(len(lines), 30)):
            if lines[end].strip() == "Markdown Content:":
                fields = _fields(lines[:end])
                if "url source" in fields:
                    fields["url"] = fields["url source"]
                return fields, "\n".join(lines[end + 1 :]), end + 1
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 60)):
            if lines[end].strip() in ("---", "..."):
                return _yaml_fields(lines[1:end]), "\n".join(lines[end + 1 :]), end + 1
    header = _header_block(lines)
    if header is not None:
        fields, end = header
        return fields, "\n".join(lines[end:]), end
    return {}, text, 0


def _yaml_fields(lines: list[str]) -> dict[str, str]:
    """Front matter's top-level `key: value` pairs; a value folded onto indented lines is joined back."""
    joined: list[str] = []
    for line in lines:
        if joined and line[:1] in (" ", "\t") and not line.strip().startswith("- ") and ":" not in line.strip()[:1]:
            joined[-1] = f"{joined[-1]} {line.strip()}"
        else:
            joined.append(line)
    return _fields([line for line in joined if line[:1] not in (" ", "\t", "-")])


def _is_meta(line: str, following: str | None) -> bool:
    return bool(
        _AUTHORS.match(line)
        or line.startswith(SEPARATOR)
        or PUBLISHED_LINE.match(line)
        or (following is not None and following.startswith(SEPARATOR))
    )


def _paragraphs(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join hard-wrapped lines of one paragraph (blank-line separated layout), never across metadata."""
    out: list[tuple[int, str]] = []
    joinable = False
    for i, (number, line) in enumerate(lines):
        if not line:
            joinable = False
            continue
        following = lines[i + 1][1] if i + 1 < len(lines) else None
        meta = _is_meta(line, following) or is_chrome(line) or _URL_LINE.match(line) is not None
        # A wrapped line is never much longer than the one before it: a short title followed by a long
        # abstract line are two paragraphs without a blank line between them, not one wrapped paragraph.
        wrapped = joinable and len(line) <= len(lines[i - 1][1]) + 12
        if wrapped and not meta:
            out[-1] = (out[-1][0], f"{out[-1][1]} {line}")
        else:
            out.append((number, line))
        joinable = not meta
    return out


def _blank_separated(lines: list[tuple[int, str]]) -> bool:
    blanks = sum(1 for _, s in lines if not s)
    return blanks >= 0.3 * (len(lines) - blanks)


def text_items(text: str) -> tuple[PartialDate | None, dict[str, str], list[Item]]:
    """The header date, the front matter, and the content as items (chrome and header removed)."""
    front, body, offset = split_front_matter(text)
    raw = [(n, s.strip()) for n, s in enumerate(body.splitlines(), start=offset + 1)]
    lines = _paragraphs(raw) if _blank_separated(raw) else [(n, s) for n, s in raw if s]
    header: PartialDate | None = None
    start = 0
    while start < len(lines):
        number, line = lines[start]
        if is_chrome(line):
            start += 1
            continue
        match = HEADER_LINE.match(line)
        if match and header is None:
            header = parse_partial(match)
            start += 1
            continue
        glued = _GLUED_CHROME.match(line)
        if glued:
            lines[start] = (number, line[glued.end() :].strip())
            continue
        break
    items = []
    for number, line in lines[start:]:
        if is_chrome(line):
            continue
        if _URL_LINE.match(line):
            arxiv_id = paper_id_in(line)
            if arxiv_id:
                items.append(Item(number, line, "url", arxiv_id))
            continue
        items.append(Item(number, line))
    return header, front, items


def parse_text(text: str) -> Page:
    """Split a page dump into entries. Pure: no file, no clock."""
    header, front, items = text_items(text)
    return assemble(items, header=header, front_matter=front)
