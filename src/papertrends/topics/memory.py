"""Memory a phase of the fit has freed, handed back to the system.

glibc's malloc keeps what a phase frees (the ensemble's UMAP and HDBSCAN working arrays, in blocks of every size)
in its arenas for later allocations, so the process's resident memory stays at the phase's high-water mark and the
next phase (BERTopic's c-TF-IDF) adds its own to it. `malloc_trim(0)` returns the free pages: 110 MB of 790 MB on
hf-daily-api before the c-TF-IDF (docs/benchmarks.md). Where the C library is not glibc it does nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return] - the process's own C library
    except (OSError, AttributeError):  # not glibc's
        return None


def release_freed_memory() -> None:
    """Give the pages malloc holds free back to the system (glibc), between the fit's phases."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
