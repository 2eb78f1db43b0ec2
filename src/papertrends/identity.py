"""Which entries are the same paper: the arXiv id when known, else the normalised title."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ARXIV_VERSION = re.compile(r"v\d+$")


def normalize_title(title: str) -> str:
    """Ignore case, punctuation, accents and spacing: 'Attention Is All You Need!' is 'attention is all you need'."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().casefold()
    words = re.findall(r"[0-9a-z]+", folded)
    return " ".join(words) if words else title.strip().casefold()


def title_key(title: str) -> str:
    return hashlib.sha1(normalize_title(title).encode()).hexdigest()[:16]


def normalize_arxiv_id(arxiv_id: str | None) -> str | None:
    """2505.24864v2 and 2505.24864 are the same paper."""
    return _ARXIV_VERSION.sub("", arxiv_id.strip()) if arxiv_id and arxiv_id.strip() else None


def new_paper_id(arxiv_id: str | None, title: str) -> str:
    """The id a paper gets when first seen; it never changes afterwards, even when an arXiv id turns up later."""
    normalized = normalize_arxiv_id(arxiv_id)
    return f"arxiv:{normalized}" if normalized else f"title:{title_key(title)}"


def text_hash(title: str, abstract: str) -> str:
    """What the embedding cache is keyed by, together with the model id."""
    return hashlib.sha256(f"{title.strip()}\n\n{abstract.strip()}".encode()).hexdigest()
