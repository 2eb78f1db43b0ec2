"""`precision = "auto"` is chosen by measuring the machine: each arithmetic it can run times the shipped
calibration abstracts, and the fastest whose vectors stay within the fidelity bar of f32's is taken. No test here
reads the CPU's flags to decide what to expect."""

from __future__ import annotations

import subprocess
import sys

import pytest

from papertrends.config import EmbeddingConfig
from papertrends.embedding.calibrate import (
    COSINE_MEAN,
    COSINE_MIN,
    Calibration,
    Measured,
    calibrated,
    calibration_texts,
    candidates,
    choose,
    kept,
    measure,
    runtime_note,
)


def test_the_fastest_arithmetic_within_the_bar_is_chosen() -> None:
    f32 = Measured("f32", 50.0, 1.0, 1.0)
    bf16 = Measured("bf16", 100.0, 0.99998, 0.9999)
    int8 = Measured("int8", 90.0, 0.9993, 0.9988)
    assert choose((f32, bf16, int8)) == "bf16"
    assert choose((f32, Measured("bf16", 40.0, 0.99998, 0.9999), int8)) == "int8"
    assert choose((f32, Measured("int8", 300.0, COSINE_MEAN - 0.001, 0.99))) == "f32"  # fast, but not faithful
    assert choose((f32, Measured("int8", 300.0, 0.999, COSINE_MIN - 0.01))) == "f32"  # one abstract too far off
    found = Calibration("bf16", (f32, bf16, int8), "some CPU", "2026-12-06 12:00 UTC")
    assert Calibration.from_json(found.to_json()) == found
    assert found.describe() == "bf16, measured here: bf16 100.0/s, int8 90.0/s, f32 50.0/s"


@pytest.mark.slow
@pytest.mark.model
def test_every_arithmetic_this_machine_runs_is_measured_against_f32() -> None:
    texts = calibration_texts(48)
    assert len(texts) == 48 and all(len(t) > 200 for t in texts)  # the shipped abstracts
    found = measure(EmbeddingConfig(), texts, rounds=1)
    by_name = {m.precision: m for m in found.measured}
    assert set(by_name) == set(candidates()) and "f32" in by_name
    assert by_name["f32"].cosine_min > 0.99999 and all(m.papers_per_s > 0 for m in found.measured)
    assert all(m.faithful for m in found.measured)  # every arithmetic auto may take keeps the vectors
    assert found.choice == choose(found.measured) and found.choice in by_name


@pytest.mark.slow
@pytest.mark.model
def test_the_measurement_is_kept_reused_and_named_in_what_a_run_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERTRENDS_EMBEDDING_PRECISION", raising=False)
    config = EmbeddingConfig(batch_size=13)  # a key of its own: the machine's real calibration is not touched
    from papertrends.embedding.calibrate import _path

    _path(config).unlink(missing_ok=True)
    try:
        assert kept(config) is None and runtime_note(config) == "openvino auto (not measured yet)"
        first = calibrated(config)
        assert kept(config) == first and calibrated(config) == first  # read back, not measured again
        assert runtime_note(config) == f"openvino {first.describe()}"
        assert runtime_note(config.model_copy(update={"precision": "f32"})) == "openvino f32 (as asked)"
        monkeypatch.setenv("PAPERTRENDS_EMBEDDING_PRECISION", "int8")
        assert runtime_note(config) == "openvino int8 (as asked)"
        from papertrends.embedding import make_embedder

        assert make_embedder(config).provenance == "openvino-int8-dynamic"  # the environment still forces one
    finally:
        _path(config).unlink(missing_ok=True)


@pytest.mark.slow
@pytest.mark.model
def test_papertrends_calibrate_measures_and_says_what_auto_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "papertrends.cli", "calibrate"], capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "papers/s" in done.stdout and 'precision = "auto" runs ' in done.stdout
    choice = done.stdout.strip().splitlines()[-1].rsplit(" runs ", 1)[1].split()[0]
    assert choice in candidates()
