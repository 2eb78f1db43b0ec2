"""`papertrends` as a user runs it: a real subprocess, the real model, ephemeral Prefect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_FILES, SAMPLES


def _papertrends(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "papertrends.cli", *args], cwd=cwd, env=env, text=True, capture_output=True, timeout=900
    )


def test_help_answers_fast(tmp_path: Path) -> None:
    start = time.perf_counter()
    done = _papertrends("--help", cwd=tmp_path)
    assert done.returncode == 0 and "run" in done.stdout and "parse" in done.stdout
    assert time.perf_counter() - start < 10  # generous: a regression to heavy imports takes far longer


def test_parse_prints_one_json_object_per_entry(tmp_path: Path) -> None:
    done = _papertrends("parse", str(SAMPLE_FILES[1]), "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 24
    assert {
        "source",
        "digest_date",
        "date_rule",
        "title",
        "abstract",
        "arxiv_id",
        "n_authors",
        "authors",
        "organization",
        "published",
        "upvotes",
        "truncated",
        "partial",
    } <= set(rows[0])
    assert rows[0]["organization"] == "MediaTek Research" and rows[0]["digest_date"] == "2026-01-09"


def test_the_summary_counts_partial_papers_and_names_the_embedding_runtime() -> None:
    from papertrends.cli import format_summary
    from papertrends.records import IngestSummary, RunSummary

    ingest = IngestSummary(1, 0, 1, 0, 50, 0, 50, 50, 50, 0)
    summary = RunSummary(1, "completed", ingest, 1, 50, 1, 0, 50, partial_total=50,
                         embedding_runtime="openvino bf16, measured here: bf16 99.0/s, f32 50.0/s")  # fmt: skip
    text = format_summary(summary)
    assert "50 total (50 partial: the source cut the abstract)" in text
    assert "50 computed by openvino bf16, measured here" in text


def test_parse_reports_a_bad_file_and_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    done = _papertrends("parse", str(bad), str(SAMPLE_FILES[1]), cwd=tmp_path)
    assert done.returncode == 1
    assert "bad.json:1: invalid JSON" in done.stderr and "24 entries" in done.stdout


def test_the_installed_command_passes_on_the_exit_code(tmp_path: Path) -> None:
    """The `papertrends` script pip wrote (its entry point, `console`, ends the process without its teardown)."""
    exe = Path(sys.executable).with_name("papertrends")
    if not exe.exists():
        pytest.skip(f"no {exe}: papertrends is not installed into this interpreter's environment")
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    done = subprocess.run([str(exe), "parse", str(bad)], cwd=tmp_path, text=True, capture_output=True, timeout=120)
    assert done.returncode == 1 and "bad.json:1: invalid JSON" in done.stderr
    assert subprocess.run([str(exe), "--help"], capture_output=True, timeout=120).returncode == 0


@pytest.mark.slow
@pytest.mark.model
def test_run_twice_on_the_samples_with_the_real_model(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    args = [
        "--config",
        str(ROOT / "config" / "papertrends.toml"),
        "run",
        "--snapshots",
        str(SAMPLES),
        "--db",
        "state/pt.duckdb",
        "--reports",
        "out",
        "--no-progress",
    ]
    first = _papertrends(*args, cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "entries     381 read = 381 stored + 0 rejected" in first.stdout
    assert "papers      360 new, 0 updated, 360 total" in first.stdout
    assert "embeddings  360 computed" in first.stdout
    assert (
        "first file parsed at" in first.stdout
    )  # set only when the flow took the files read ahead while Prefect started
    assert "report: out/index.html" in first.stdout and (tmp_path / "out" / "index.html").exists()
    # the command skips the interpreter's teardown (cli.console): no binding complains of objects left unfreed
    # (nanobind's "leaked instances" report for DuckDB's types, which a frozen heap set off at every exit)
    assert "leaked" not in first.stderr
    second = _papertrends(*args, cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stdout.startswith("papertrends: nothing new since run 1")  # answered without starting Prefect
    assert "report: out/index.html" in second.stdout and "Prefect" not in second.stderr
    third = _papertrends(*args, "--refit", cwd=tmp_path, env=env)
    assert third.returncode == 0, third.stderr[-3000:]
    assert "papertrends run 2: completed" in third.stdout
    assert "embeddings  0 computed (all cached)" in third.stdout
    assert "first file parsed at" in third.stdout  # read ahead against the stored hashes: every file unchanged
    assert "snapshots   0 new, 5 total (5 unchanged" in third.stdout


def test_a_run_sends_no_telemetry_unless_the_user_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefect's server analytics and its SDK's usage events are off for papertrends' commands by default; a value
    the user set stays."""
    from papertrends.cli import _no_telemetry

    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.delenv("PREFECT_SERVER_ANALYTICS_ENABLED", raising=False)
    _no_telemetry()
    assert os.environ["DO_NOT_TRACK"] == "1" and os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    monkeypatch.setenv("DO_NOT_TRACK", "0")
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "true")
    _no_telemetry()
    assert os.environ["DO_NOT_TRACK"] == "0" and os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"
