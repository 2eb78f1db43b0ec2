"""`papertrends fetch` against a local HTTP server that replays real digests and misbehaves on purpose."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import HF_DAILY, ROOT
from papertrends.config import FetchConfig
from papertrends.fetch import fetch_range
from papertrends.snapshots import read_snapshot

DAYS = ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06"]


def _digest(day: str) -> bytes:
    real = HF_DAILY / f"{day}.json"
    if real.exists():
        return real.read_bytes()
    return json.dumps([{"paper": {"id": "2506.00001", "title": f"Paper of {day}", "summary": "An abstract."}}]).encode()


class Replay(BaseHTTPRequestHandler):
    script: dict[str, list[str]] = {}  # day -> what to answer on each request, in order; then the file
    requests: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        day = parse_qs(urlparse(self.path).query).get("date", [""])[0]
        self.requests.append(day)
        plan = self.script.get(day, [])
        action = plan.pop(0) if plan else "ok"
        body = _digest(day)
        if action in ("429", "500", "404"):
            self.send_response(int(action))
            if action == "429":
                self.send_header("Retry-After", "0")
            self.end_headers()
            return
        if action == "empty":
            body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if action == "truncated":
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(b"{not json" if action == "invalid" else body)


@pytest.fixture
def server() -> Iterator[str]:
    Replay.script, Replay.requests = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/daily_papers"
    httpd.shutdown()
    httpd.server_close()


def test_retries_with_backoff_then_writes_whole_files(server: str, tmp_path: Path) -> None:
    Replay.script = {
        "2025-06-02": ["429", "500"],
        "2025-06-03": ["truncated"],
        "2025-06-04": ["invalid", "invalid"],
        "2025-06-05": ["empty"],
        "2025-06-06": ["404"],
    }
    waits: list[float] = []
    config = FetchConfig(base_url=server, retries=3, backoff_seconds=0.5, timeout_seconds=5)
    result = fetch_range(date(2025, 6, 2), date(2025, 6, 6), tmp_path, config, sleep=waits.append)
    assert [d.isoformat() for d in result.fetched] == DAYS[:3]
    assert [d.isoformat() for d in result.empty] == ["2025-06-05"]  # no digest that day: no file
    assert [d.isoformat() for d, _ in result.failed] == ["2025-06-06"] and "HTTP 404" in result.failed[0][1]
    assert waits == [0.5, 1.0, 0.5, 0.5, 1.0]  # exponential per day, restarting for each day
    for day in DAYS[:3]:
        assert (tmp_path / f"{day}.json").read_bytes() == _digest(day)
        assert len(read_snapshot(tmp_path / f"{day}.json").entries) >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{d}.json" for d in DAYS[:3]]  # no temporary files


def test_gives_up_after_the_retries_and_skips_days_already_there(server: str, tmp_path: Path) -> None:
    Replay.script = {"2025-06-03": ["500"] * 10}
    config = FetchConfig(base_url=server, retries=2, backoff_seconds=0, timeout_seconds=5)
    first = fetch_range(date(2025, 6, 2), date(2025, 6, 3), tmp_path, config, sleep=lambda s: None)
    assert len(first.fetched) == 1 and "gave up after 3 tries: HTTP 500" in first.failed[0][1]
    Replay.requests.clear()
    second = fetch_range(date(2025, 6, 2), date(2025, 6, 2), tmp_path, config, sleep=lambda s: None)
    assert [d.isoformat() for d in second.skipped] == ["2025-06-02"] and Replay.requests == []


def test_fetch_command(server: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papertrends.cli",
            "--config",
            str(ROOT / "config" / "papertrends.toml"),
            "fetch",
            "--from",
            "2025-06-02",
            "--to",
            "2025-06-03",
            "--snapshots",
            str(tmp_path / "in"),
            "--base-url",
            server,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "fetched 2, already there 0, no digest 0, failed 0" in done.stdout
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["2025-06-02.json", "2025-06-03.json"]
