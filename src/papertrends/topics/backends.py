"""Where UMAP and HDBSCAN come from: umap-learn and hdbscan on the CPU, or cuML on a GPU when asked for."""

from __future__ import annotations

import functools
import logging
from typing import Any

log = logging.getLogger(__name__)


def reduction_and_clustering(backend: str) -> tuple[type, type, str]:
    """UMAP and HDBSCAN classes: cuML's on a GPU when asked for and importable, else umap-learn and hdbscan."""
    if backend == "cuml":
        try:
            from cuml.cluster import HDBSCAN as CumlHDBSCAN
            from cuml.manifold import UMAP as CumlUMAP

            return CumlUMAP, CumlHDBSCAN, "cuml"
        except ImportError as e:  # also when CUDA is missing under an installed cuml
            log.warning("[topics] backend = 'cuml', but cuML cannot be imported (%s): using umap-learn and "
                        "hdbscan on the CPU", e)  # fmt: skip
    from hdbscan import HDBSCAN

    release_umap_gil()
    keep_umap_compiled()
    from umap import UMAP

    return UMAP, HDBSCAN, "cpu"


@functools.cache
def release_umap_gil() -> None:
    """Let umap-learn's layout optimisation run in threads side by side.

    A seeded UMAP optimises its layout in one thread, epoch by epoch, in a numba kernel that holds the GIL, so
    the ensemble's members would run one at a time. Here that same kernel (umap-learn's own function) is compiled
    once more with `nogil=True` and put in its place: members then run on every core, each exactly as before
    (tests/test_topics.py checks threaded layouts against sequential ones, bit for bit).
    """
    import numba
    import umap.layouts as layouts

    kernel: Any = numba.njit(
        layouts._optimize_layout_euclidean_single_epoch, fastmath=True, parallel=False, nogil=True, cache=True
    )
    layouts._nb_optimize_layout_euclidean_single_epoch = kernel


@functools.cache
def keep_umap_compiled() -> None:
    """Keep umap-learn's compiled functions on disk between processes.

    umap-learn compiles its numba functions (the neighbour graph's smoothing and weights, the layout's helpers) on
    first use in every process, seconds of every fit, while only its layout kernel is cached. numba caches them as
    it does its own `cache=True` functions: beside umap-learn's sources in `__pycache__`, or under
    `NUMBA_CACHE_DIR`; a cache compiled on another CPU or from other sources is not used. A fit then loads them
    instead of compiling them (docs/benchmarks.md).
    """
    import sys

    import umap  # noqa: F401 - its modules, with their compiled functions
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    for name, module in list(sys.modules.items()):
        if name == "umap" or name.startswith("umap."):
            for value in list(vars(module).values()):
                if isinstance(value, CPUDispatcher) and isinstance(value._cache, NullCache):
                    value.enable_caching()
