"""What a page reader hands the assembler (`Item`s) and what the assembler gives back (`PageEntry`s in a
`Page`), and how a paper's URL is told in any text (`paper_id_in`): the vocabulary the page readers share with
`snapshots.page`, apart from its assembling rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from papertrends.snapshots.dates import PartialDate

_PAPER_URL = re.compile(
    r"(?:huggingface\.co/papers/|arxiv\.org/(?:abs|pdf|html)/|alphaxiv\.org/abs/)"
    r"(?P<id>\d{4}\.\d{4,5})(?:v\d+)?",
    re.I,
)


def paper_id_in(text: str) -> str | None:
    """The arXiv id of the first paper URL in `text`, if any."""
    match = _PAPER_URL.search(text)
    return match["id"] if match else None


@dataclass(frozen=True, slots=True)
class Item:
    line: int
    text: str
    kind: str = "text"  # text | title | link (text linked to a paper) | url | lead (media before a title) | votes
    arxiv_id: str | None = None


@dataclass(frozen=True, slots=True)
class PageEntry:
    title: str
    abstract: str
    line: int
    arxiv_id: str | None = None
    n_authors: int | None = None
    organization: str | None = None
    published: PartialDate | None = None
    upvotes: int | None = None
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    header: PartialDate | None
    entries: tuple[PageEntry, ...]
    warnings: tuple[str, ...] = field(default=())
    front_matter: dict[str, str] = field(default_factory=dict)
    kind: str = "list"  # list (a digest, search or trending page) | paper (one paper's own page)
