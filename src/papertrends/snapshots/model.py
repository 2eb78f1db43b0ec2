"""What a parser returns: plain, frozen records with no I/O attached."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date


class ParseError(ValueError):
    """A snapshot could not be read. Says which file, where, and what was expected."""

    def __init__(
        self, source: str, message: str, *, line: int | None = None, hint: str = "", n_entries: int = 0
    ) -> None:
        self.source = source
        self.n_entries = n_entries  # entries the file holds, when they could be counted: lost with it
        self.line = line
        self.reason = message
        self.hint = hint
        where = f"{source}:{line}" if line is not None else source
        text = f"{where}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)

    def __reduce__(self) -> tuple:  # travels between processes (Dask workers) whole
        return (_rebuild_parse_error, (self.source, self.reason, self.line, self.hint, self.n_entries))


def _rebuild_parse_error(source: str, reason: str, line: int | None, hint: str, n_entries: int) -> ParseError:
    return ParseError(source, reason, line=line, hint=hint, n_entries=n_entries)


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as one digest listed it."""

    title: str
    abstract: str
    rank: int
    line: int | None = None
    arxiv_id: str | None = None
    n_authors: int | None = None
    authors: tuple[str, ...] = ()
    organization: str | None = None
    published: date | None = None
    upvotes: int | None = None
    truncated: bool = False  # the file ends inside this entry: its title may be cut too, so it is not stored
    digest_date: date | None = None  # exports that list several digests say which one per row
    partial: bool = False  # the source cut or left out the abstract (a feed's summary "..."): stored, flagged


_NOT_A_TITLE = re.compile(r"^\s*(?:</?[a-z][a-z0-9-]*[\s>/]|<!--|https?://|www\.|!?\[!\[|!\[|data:|\{|\[\s*\])", re.I)


_TAG = re.compile(r"<[^<>]*>")
_CUES = (
    "we propose", "we present", "we introduce", "we show", "we demonstrate", "we study", "we investigate",
    "we develop", "we find", "we evaluate", "this paper", "this work", "our method", "our approach", "our model",
    "our framework", "our results", "state-of-the-art", "state of the art", "outperform", "benchmark", "dataset",
    "experiment", "baseline", "empirical", "framework", "model", "algorithm", "neural", "learning", "training",
    "inference", "approach", "method", "performance", "results", "task", "evaluation", "propose", "analysis",
    "theory", "accuracy", "data",
)  # fmt: skip
# Phrases an abstract nearly always has and a blog's or a README's section seldom does: most research abstracts
# hold one of them (how many, in hf-daily's and arXiv's: docs/benchmarks.md).
_STRONG = (
    "we propose", "we present", "we introduce", "we show", "we demonstrate", "we study", "we investigate",
    "we develop", "we find", "we evaluate", "this paper", "this work", "our method", "our approach", "our model",
    "our framework", "our results", "state-of-the-art", "state of the art", "outperform", "benchmark", "experiment",
    "baseline", "empirical",
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_][\w'-]+")
LETTERS = 0.25  # of a title's printed characters: "Qwen2.5-VL 72B 128K" has 7 of 17, "— · —" none
PAPER_SHARE = 0.5  # of a file's whole entries (a feed's items) that must show a paper for it to be a digest
ABSTRACT_WORDS = 30  # a paper's abstract has at least this many words...
ABSTRACT_CUES = 3  # ...and at least this many of a research abstract's words (_CUES)


def is_title(text: str) -> bool:
    """Whether `text` can be a paper's title: something is left when its tags are taken out (`<video src=...>`
    leaves nothing), it is no URL, image or code, and at least a quarter of its printed characters are letters. A
    tool's leftovers never become a paper."""
    bare = _TAG.sub(" ", text).strip()
    if not bare or _NOT_A_TITLE.match(bare):
        return False
    letters = sum(c.isalpha() for c in bare)
    return letters > 0 and letters >= LETTERS * sum(not c.isspace() for c in bare)


def reads_like_an_abstract(text: str) -> bool:
    """A research abstract: long enough, and with the words abstracts are written in (we propose, dataset,
    outperform, ...). A blog's paragraph, a README's section or a product's blurb is not one."""
    low = text.lower()
    if len(_WORD.findall(text)) < ABSTRACT_WORDS or not any(cue in low for cue in _STRONG):
        return False
    return sum(cue in low for cue in _CUES) >= ABSTRACT_CUES


def paper_like(entry: Entry) -> bool:
    """An entry that shows it is a paper: an arXiv id, or an abstract that reads as one."""
    return bool(entry.arxiv_id) or reads_like_an_abstract(entry.abstract)


# Rules whose date the digest itself does not state: a file's modification time (a copy or a checkout sets it), a
# header day whose year came from it, a date the user gave as approximate. Such a date is shown, marked uncertain,
# and no trend rests on it alone.
UNCERTAIN_RULES = ("mtime", "header-mtime", "approximate")


@dataclass(frozen=True, slots=True)
class DigestDate:
    """A digest's date and the rule that decided it (explicit, filename, header, header-mtime, json, capture,
    approximate, mtime)."""

    value: date
    rule: str
    note: str = ""

    @property
    def certain(self) -> bool:
        return self.rule not in UNCERTAIN_RULES


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One parsed snapshot file: its entries and how its date was decided."""

    source: str
    content_hash: str
    format: str
    digest: DigestDate
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def complete_entries(self) -> tuple[Entry, ...]:
        """Entries that are whole; a snapshot cut off mid-entry keeps only these."""
        return tuple(e for e in self.entries if not e.truncated)
