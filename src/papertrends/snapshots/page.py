"""Entries from a page's lines: shared by the plain-text and the Markdown readers.

A reader turns its format into `Item`s (a line of text, a title it knows is a title, or a paper URL); the
assembler here turns items into entries. Metadata lines are recognised wherever they stand: `• N authors` or an
organisation followed by `·`, the publication date with an optional upvote count, `Upvote N`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from papertrends.identity import normalize_title
from papertrends.snapshots.dates import PUBLISHED_LINE, PartialDate, parse_partial
from papertrends.snapshots.items import Item, Page, PageEntry
from papertrends.snapshots.items import paper_id_in as paper_id_in  # the readers import it from here

_AUTHORS = re.compile(r"^[•*·\-]?\s*(?P<n>\d{1,5})\s+authors?$", re.I)
_UPVOTES = re.compile(r"^(?:upvotes?:?\s*(?P<a>\d{1,7})|(?P<b>\d{1,7})\s+upvotes?|(?P<c>\d{1,7}))$", re.I)
SEPARATOR = "·"
LONGEST_TITLE = 600  # characters; a longer "title" is an abstract seen out of step


@dataclass(slots=True)
class _Draft:
    title: str
    line: int
    arxiv_id: str | None = None
    abstract: str = ""
    n_authors: int | None = None
    organization: str | None = None
    published: PartialDate | None = None
    upvotes: int | None = None
    closed: bool = False  # its metadata has been read: the next text starts a new entry

    def freeze(self, truncated: bool = False) -> PageEntry:
        return PageEntry(
            title=self.title,
            abstract=self.abstract,
            line=self.line,
            arxiv_id=self.arxiv_id,
            n_authors=self.n_authors,
            organization=self.organization,
            published=self.published,
            upvotes=self.upvotes,
            truncated=truncated or not (self.abstract or self.arxiv_id),  # a title linked to a paper is one
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


def _date_text(text: str) -> str:
    """`·Oct 2, 2025` and `· Oct 2, 2025` are the separator and the date on one line."""
    return text.lstrip(SEPARATOR).strip() if text.startswith(SEPARATOR) else text


class _Assembler:
    def __init__(self, items: list[Item], explicit_titles: bool) -> None:
        self.items = items
        self.explicit = explicit_titles
        self.drafts: list[_Draft] = []
        self.warnings: list[str] = []
        self.current: _Draft | None = None
        self.pending_id: str | None = None
        self.pending_votes: tuple[str | None, int] | None = None

    def run(self) -> list[_Draft]:
        i = 0
        while i < len(self.items):
            i = self._step(i)
        return self.drafts

    def _following(self, i: int) -> str | None:
        return self.items[i + 1].text if i + 1 < len(self.items) and self.items[i + 1].kind == "text" else None

    def _step(self, i: int) -> int:
        item = self.items[i]
        if item.kind == "url":
            self._attach_id(item.arxiv_id)
            return i + 1
        if item.kind == "lead":  # a card's media, linked to the paper whose title comes next
            self.pending_id = item.arxiv_id
            return i + 1
        if item.kind == "org" and not (self._following(i) or "").startswith(SEPARATOR):
            if self.current is not None and self.current.organization is None:
                self.current.organization = clean_organization(item.text)  # a card's organisation, linked to it
            return i + 1
        if item.kind == "title":
            self._start(item)
            return i + 1
        if item.kind == "link":
            return self._link(item, i)
        if item.kind == "votes":
            self._votes(item)
            return i + 1
        text = item.text
        if item.arxiv_id and self.current is not None and self.current.arxiv_id in (None, item.arxiv_id):
            self.current.arxiv_id = item.arxiv_id  # a card's author count or upvotes, linked to its paper
            if votes := _UPVOTES.match(text):
                self.current.upvotes = int(votes["a"] or votes["b"] or votes["c"])
                return i + 1
        following = self._following(i)
        if (
            _AUTHORS.match(text)
            or text.startswith(SEPARATOR)
            or following is not None
            and following.startswith(SEPARATOR)
        ):
            return self._read_meta(i)
        if PUBLISHED_LINE.match(text) and self.current is not None and self.current.abstract:
            self._read_date(text)
            return i + 1
        upvotes = _UPVOTES.match(text)
        if upvotes and self.current is not None and (self.current.abstract or self.current.closed):
            self.current.upvotes = int(upvotes["a"] or upvotes["b"] or upvotes["c"])
            return i + 1
        if self.current is not None and not self.current.closed and (self.explicit or not self.current.abstract):
            self.current.abstract = f"{self.current.abstract} {text}".strip()
            return i + 1
        if self.explicit:
            return i + 1  # text between entries on a page whose titles are marked: chrome
        if len(text) > LONGEST_TITLE:
            self.warnings.append(f"line {item.line}: a {len(text)}-character line where a title was expected")
        self._start(item)
        return i + 1

    def _link(self, item: Item, i: int) -> int:
        """Text linked to a paper: its title when it opens that paper's entry, else the entry's abstract."""
        current = self.current
        if current is not None and current.arxiv_id == item.arxiv_id:
            if not current.closed and normalize_title(item.text) != normalize_title(current.title):
                current.abstract = f"{current.abstract} {item.text}".strip()
            return i + 1
        if current is not None and not current.closed and len(item.text) > LONGEST_TITLE:
            current.abstract = f"{current.abstract} {item.text}".strip()
            current.arxiv_id = current.arxiv_id or item.arxiv_id
            return i + 1
        self._start(item)
        return i + 1

    def _votes(self, item: Item) -> None:
        """An upvote button names its paper; it stands before or after that paper's card."""
        current = self.current
        if current is not None and (item.arxiv_id is None or item.arxiv_id == current.arxiv_id):
            current.upvotes = int(item.text)
        else:
            self.pending_votes = (item.arxiv_id, int(item.text))

    def _start(self, item: Item) -> None:
        self.current = _Draft(title=item.text, line=item.line, arxiv_id=item.arxiv_id or self.pending_id)
        self.pending_id = None
        if self.pending_votes is not None and self.pending_votes[0] in (None, self.current.arxiv_id):
            self.current.upvotes = self.pending_votes[1]
        self.pending_votes = None
        self.drafts.append(self.current)

    def _attach_id(self, arxiv_id: str | None) -> None:
        if self.current is not None and self.current.arxiv_id is None and not self.current.closed:
            self.current.arxiv_id = arxiv_id
        else:
            self.pending_id = arxiv_id

    def _read_date(self, text: str) -> None:
        match = PUBLISHED_LINE.match(_date_text(text))
        if match and self.current is not None:
            self.current.published = parse_partial(match)
            if match["upvotes"]:
                self.current.upvotes = int(match["upvotes"])

    def _read_meta(self, i: int) -> int:
        """`• N authors` or an organisation, `·`, and the date line; returns the next index."""
        item = self.items[i]
        current = self.current
        if current is None:
            self.warnings.append(f"line {item.line}: metadata before any title: {item.text[:60]!r}")
        else:
            current.closed = True
        text = item.text
        if not text.startswith(SEPARATOR):
            authors = _AUTHORS.match(text)
            if current is not None:
                if authors:
                    current.n_authors = int(authors["n"])
                else:
                    current.organization = clean_organization(text)
            i += 1
            following = self._following(i - 1)
            if following is None or not following.startswith(SEPARATOR):
                return i
            text = self.items[i].text
        rest = _date_text(text)
        i += 1
        if not rest and self._following(i - 1) is not None and PUBLISHED_LINE.match(self.items[i].text):
            rest = self.items[i].text
            i += 1
        if rest:
            self._read_date(rest)
        return i


def _anchored(items: list[Item]) -> list[Item]:
    """On a page whose titles link to their papers, a heading that links to no paper is page chrome
    ("Daily Papers", "Extracted Text", the capture tool's own headings), never an entry."""
    titles = [i for i in items if i.kind in ("title", "link")]
    with_id = sum(1 for i in titles if i.arxiv_id)
    if with_id < 2 or with_id < 0.5 * len(titles):
        return items
    return [i for i in items if not (i.kind == "title" and i.arxiv_id is None)]


def _merge_repeats(drafts: list[_Draft]) -> list[_Draft]:
    """One paper is one entry of a page: a card shown twice (a page's two responsive layouts, a sidebar) is
    merged into its first showing, which keeps what it lacked from the second."""
    seen: dict[str, _Draft] = {}
    out: list[_Draft] = []
    for draft in drafts:
        key = draft.arxiv_id or normalize_title(draft.title)
        first = seen.get(key) or seen.get(normalize_title(draft.title))
        if first is None:
            seen[key] = seen[normalize_title(draft.title)] = draft
            out.append(draft)
            continue
        for name in ("arxiv_id", "abstract", "n_authors", "organization", "published", "upvotes"):
            if not getattr(first, name):
                setattr(first, name, getattr(draft, name))
        first.closed = first.closed or draft.closed
    return out


def _bodiless(draft: _Draft) -> bool:
    return not draft.abstract and not draft.closed and draft.arxiv_id is None


def assemble(
    items: list[Item],
    *,
    header: PartialDate | None,
    explicit_titles: bool = False,
    front_matter: dict[str, str] | None = None,
    warnings: list[str] | None = None,
) -> Page:
    """Entries from items. In a page whose entries carry metadata, a last entry without it was cut off."""
    assembler = _Assembler(_anchored(items) if explicit_titles else items, explicit_titles)
    drafts = _merge_repeats(assembler.run())
    if explicit_titles and sum(not _bodiless(d) for d in drafts) >= 2:
        drafts = [d for d in drafts if not _bodiless(d)]  # a heading with nothing under it is not a paper
    with_meta = sum(d.closed for d in drafts)
    cut_last = bool(drafts) and not drafts[-1].closed and with_meta >= max(2, len(drafts) // 2)
    entries = [d.freeze(truncated=cut_last and n == len(drafts) - 1) for n, d in enumerate(drafts)]
    return Page(header, tuple(entries), tuple((warnings or []) + assembler.warnings), dict(front_matter or {}))
