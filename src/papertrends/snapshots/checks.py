"""Whether what a reader found in a file is a digest of papers, and how much of a page it understood.

`parse_snapshot` asks these after a format's reader has run: entries whose titles cannot be titles are left out
(`titled`), a file whose entries do not show papers is refused (`not_a_digest`), and a list page whose entries
cover little of its text is named in a warning (`coverage_warnings`).
"""

from __future__ import annotations

import re

from papertrends.snapshots.model import PAPER_SHARE, Entry, is_title, paper_like
from papertrends.snapshots.page import Page

SHORTEST_ABSTRACT = 5  # words: on a page that says it is HF's papers list, an entry's text must be this long
HF_PAGE = re.compile(
    r"^\W*(?:daily papers|trending papers)\W*$|get trending papers in your email inbox|"
    r"(?:daily|trending) papers\W+hugging ?face|^\W*(?:url source|url|source|canonical)\W*:?\W*https?://huggingface\.co/papers",
    re.I | re.M,
)
NOT_A_DIGEST_HINT = "only digests of papers are read: move the file out of the snapshot folder, or report its tool"


def titled(entries: tuple[Entry, ...], warnings: list[str]) -> tuple[Entry, ...]:
    """The entries whose titles can be titles; the others (markup, links, symbols) are left out, with a warning."""
    if dropped := [e for e in entries if not e.truncated and not is_title(e.title)]:
        warnings.append(f"{len(dropped)} 'titles' are markup, links or symbols, not papers: left out "
                        f"(first: line {dropped[0].line}, {dropped[0].title[:60]!r})")  # fmt: skip
    return tuple(e for e in entries if e.truncated or is_title(e.title))


def not_a_digest(fmt: str, text: str, entries: tuple[Entry, ...]) -> str | None:
    """Why a file is no digest of papers (a blog, a README, a shop, a CSV of other data), or None if it is one.

    Most of its whole entries must show they are papers (`paper_like`: an arXiv id, or an abstract that reads as
    one); a page that says it is Hugging Face's papers list needs only entries with some text. A feed was judged by
    its reader (most items link to a paper)."""
    whole = [e for e in entries if not e.truncated]
    if fmt == "feed" or not entries:
        return None
    if not whole:
        return f"none of its {len(entries)} entries is whole: nothing in it is a paper"
    shown = sum(paper_like(e) for e in whole)
    if shown >= PAPER_SHARE * len(whole):
        return None
    texts = sum(len(e.abstract.split()) >= SHORTEST_ABSTRACT for e in whole)
    if fmt in ("text", "markdown", "html") and HF_PAGE.search(text[:50_000]) and texts >= PAPER_SHARE * len(whole):
        return None
    return (
        f"not a digest of papers: {shown} of its {len(whole)} entries show a paper (an arXiv id, or an abstract "
        "that reads as one)"
    )


LEAST_COVERAGE = 0.05  # of a list page's text that its entries' titles and abstracts must make up
SMALLEST_CHECKED = 16_000  # characters: a smaller page may be mostly menus and still be read right


def coverage_warnings(page: Page, text: str, source: str) -> tuple[str, ...]:
    """A warning naming the file when a list page's entries cover much less of its text than they should
    (one entry in 50 KB): most of such a page was not understood, and the user should look at it."""
    size = len("".join(text.split()))
    if page.kind != "list" or size < SMALLEST_CHECKED:
        return ()
    covered = sum(len("".join(f"{e.title}{e.abstract}".split())) for e in page.entries)
    if covered >= LEAST_COVERAGE * size:
        return ()
    return (
        f"{source}: {len(page.entries)} entries cover {covered / size:.0%} of the page's {size:,} characters: "
        "most of it was not read as papers (check the file, or report its tool and layout)",
    )
