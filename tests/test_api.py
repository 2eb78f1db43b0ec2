"""The Prefect API of a `papertrends run` without PREFECT_API_URL: Prefect's server application, served from a
thread of the run's own process (flows/api.py). Each check runs in a fresh interpreter with its own PREFECT_HOME,
as a user's command would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SCRIPT = r"""
import json, sys, urllib.request
import psutil
from prefect import flow, task
from prefect.settings import PREFECT_API_URL
from flows.api import api_url, reporting_to
from prefect.client.schemas.sorting import FlowRunSort

@task
def double(x):
    return 2 * x

@flow(name="api-check")
def check(n):
    return sum(double.submit(i).result() for i in range(n))

before = str(PREFECT_API_URL.value() or "")
url = api_url()
with urllib.request.urlopen(url + "/health", timeout=10) as r:
    health = r.status
with reporting_to(url):
    inside = str(PREFECT_API_URL.value())
    from prefect.settings import get_current_settings
    heartbeat = get_current_settings().flows.heartbeat_frequency
    result = check(4)
    from prefect.client.orchestration import get_client
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=10, sort=FlowRunSort.START_TIME_DESC)
print(json.dumps({"before": before, "url": url, "same": api_url() == url, "health": health, "inside": inside,
                  "heartbeat": heartbeat, "result": result, "runs": len(runs),
                  "completed": sum(r.state_name == "Completed" for r in runs),
                  "children": [" ".join(c.cmdline()) for c in psutil.Process().children(recursive=True)]}))
"""


def test_a_run_without_an_api_url_serves_prefects_api_from_its_own_process(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["before"] == "" and out["url"].startswith("http://127.0.0.1:") and out["url"].endswith("/api")
    assert out["same"] and out["health"] == 200 and out["inside"] == out["url"]
    assert out["result"] == 12
    assert out["heartbeat"] is None  # no heartbeats toward a server that stops with the run
    assert out["runs"] == 1 and out["completed"] == 1  # the flow's run, recorded by the server
    assert out["children"] == []  # no second Python process for Prefect's API
    assert (tmp_path / "prefect" / "prefect.db").exists()  # its state in PREFECT_HOME, as Prefect's own server keeps it
    assert "Error logging to API" not in done.stderr  # the last logs were sent before the server stopped


def test_a_run_with_an_api_url_uses_it_and_starts_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    code = (
        "import flows.api as a; from prefect.settings import get_current_settings as s; print(a.api_url()); "
        "print(a._api is None)\nwith a.reporting_to(a.api_url()): print(s().flows.heartbeat_frequency)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["http://127.0.0.1:9/api", "True", "180"]  # a server of its own: heartbeats kept
