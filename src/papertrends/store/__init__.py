"""The embedded database: one DuckDB file holding snapshots, papers, sightings, embeddings, runs and results.

One `Store` per connection, its methods grouped by job in modules of their own:

- `schema`: the tables, the columns added since, the rewrite of old embedding keys;
- `database`: the connection, transactions, inserting a frame;
- `corpus`: snapshots, papers, sightings, rejected files (ingest writes, corpus queries);
- `vectors`: the embedding cache;
- `runs`: run bookkeeping;
- `results`: a run's topics, assignments, prevalence, trends and topic events.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from papertrends.store.database import StoreError
from papertrends.store.results import Results

__all__ = ["Store", "StoreError", "open_store"]


class Store(Results):
    """A connection to the DuckDB file, with every job's methods (`Results` is built on the others: an analysis's
    inputs are read from the corpus, the embedding cache and the runs)."""


@contextmanager
def open_store(path: Path, *, read_only: bool = False) -> Iterator[Store]:
    store = Store(path, read_only=read_only)
    try:
        yield store
    finally:
        store.close()
