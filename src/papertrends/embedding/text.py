"""What the embedding model reads for a paper. A change here changes every vector's meaning: bump the recipe."""

from __future__ import annotations

TEXT_RECIPE = "title-abstract-v1"


def embedding_text(title: str, abstract: str) -> str:
    """The title and the abstract, as one text ("Title. Abstract"), or the title alone."""
    return f"{title.strip()}. {abstract.strip()}" if abstract.strip() else title.strip()
