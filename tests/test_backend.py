"""The UMAP/HDBSCAN backend: cuML when asked for and importable, else the CPU libraries with a clear warning."""

from __future__ import annotations

import importlib.util
import logging

import pytest

from papertrends.topics import reduction_and_clustering


@pytest.mark.skipif(importlib.util.find_spec("cuml") is not None, reason="cuML is installed here")
def test_cuml_asked_for_but_missing_falls_back_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="papertrends.topics"):
        umap_class, hdbscan_class, backend = reduction_and_clustering("cuml")
    assert (
        backend == "cpu" and umap_class.__module__.startswith("umap") and hdbscan_class.__module__.startswith("hdbscan")
    )
    assert "cuML cannot be imported" in caplog.text and "on the CPU" in caplog.text


def test_cpu_by_default() -> None:
    assert reduction_and_clustering("cpu")[2] == "cpu"
