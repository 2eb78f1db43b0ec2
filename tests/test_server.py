"""Scheduled runs on a real Prefect server: `prefect server start` on 127.0.0.1, `papertrends serve`, triggers."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, preload_embeddings

pytestmark = pytest.mark.slow
DEPLOYMENT = "papertrends-update/papertrends-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, every: float = 1.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(every)
    raise TimeoutError(f"gave up waiting for {what}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample_vectors) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("server")
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "INFO"}  # fmt: skip
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    logs = [open(tmp / "server.log", "w"), open(tmp / "serve.log", "w")]  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=logs[0], stderr=subprocess.STDOUT)  # fmt: skip
    served = None
    try:
        _wait(lambda: _healthy(url), 180, "the Prefect server")
        snapshots = tmp / "snapshots"
        shutil.copytree(SAMPLES, snapshots)
        preload_embeddings(tmp / "pt.duckdb", sample_vectors)
        config = tmp / "papertrends.toml"
        text = (ROOT / "config" / "papertrends.toml").read_text()
        text = text.replace('folder = "snapshots"', f'folder = "{snapshots}"')
        text = text.replace('path = "data/papertrends.duckdb"', f'path = "{tmp / "pt.duckdb"}"')
        text = text.replace('folder = "reports"', f'folder = "{tmp / "reports"}"')
        text = text.replace('cron = "0 7 * * *"', 'cron = "15 6 * * 1-5"')
        config.write_text(text.replace('deployment = "papertrends-daily"', 'deployment = "papertrends-test"'))
        served_env = {**env, "PREFECT_API_URL": url}
        served = subprocess.Popen([sys.executable, "-m", "papertrends.cli", "--config", str(config), "serve"],
                                  cwd=ROOT, env=served_env, stdout=logs[1], stderr=subprocess.STDOUT)  # fmt: skip
        yield {"url": url, "tmp": tmp, "env": served_env}
    finally:
        for process in (served, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        for log in logs:
            log.close()


def _client_call(url: str, fn):  # noqa: ANN001, ANN202
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def go():  # noqa: ANN202
        with temporary_settings(updates={PREFECT_API_URL: url}):
            async with get_client() as client:
                return await fn(client)

    return asyncio.run(go())


def test_deployment_is_registered_with_the_configured_schedule(server: dict) -> None:
    async def read(client):  # noqa: ANN001, ANN202
        try:
            return await client.read_deployment_by_name(DEPLOYMENT)
        except Exception:  # noqa: BLE001 - not registered yet
            return None

    deployment = _wait(lambda: _client_call(server["url"], read), 120, "the deployment")
    crons = [s.schedule.cron for s in deployment.schedules]
    assert crons == ["15 6 * * 1-5"] and deployment.schedules[0].active
    assert deployment.parameters["progress"] is False and deployment.parameters["config"].endswith("papertrends.toml")
    assert deployment.global_concurrency_limit is not None and deployment.global_concurrency_limit.limit == 1


def test_two_triggers_run_one_at_a_time_and_publish_artifacts(server: dict) -> None:
    async def trigger(client):  # noqa: ANN001, ANN202
        deployment = await client.read_deployment_by_name(DEPLOYMENT)
        first = await client.create_flow_run_from_deployment(deployment.id)
        second = await client.create_flow_run_from_deployment(deployment.id)
        return first.id, second.id

    ids = _client_call(server["url"], trigger)

    async def states(client):  # noqa: ANN001, ANN202
        return [await client.read_flow_run(i) for i in ids]

    def finished():  # noqa: ANN202
        runs = _client_call(server["url"], states)
        return runs if all(r.state and r.state.is_final() for r in runs) else None

    runs = _wait(finished, 600, "both flow runs", every=3)
    assert [r.state.type.value for r in runs] == ["COMPLETED", "COMPLETED"], [r.state for r in runs]
    spans = sorted((r.start_time, r.end_time) for r in runs)
    assert spans[0][1] <= spans[1][0], spans  # the second started only after the first ended

    body = {"artifacts": {"flow_run_id": {"any_": [str(i) for i in ids]}}, "limit": 50, "offset": 0,
            "sort": "CREATED_DESC"}  # fmt: skip
    request = urllib.request.Request(f"{server['url']}/artifacts/filter", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        found = json.loads(response.read())
    by_key = {a["key"]: a for a in found}
    assert {"papertrends-report", "papertrends-summary", "papertrends-trends"} <= set(by_key), set(by_key)
    assert "file://" in by_key["papertrends-report"]["data"] and "index.html" in by_key["papertrends-report"]["data"]
    assert by_key["papertrends-trends"]["type"] == "table"
    summary = by_key["papertrends-summary"]
    assert summary["type"] == "markdown" and "papertrends run" in summary["data"] and "new papers" in summary["data"]
    assert (server["tmp"] / "reports" / "index.html").exists()


def test_an_incremental_scheduled_run_from_trigger_to_report(server: dict) -> None:
    """A new digest arrives; a triggered run takes it in and refreshes the report. Prints the time it took."""
    shutil.copy(Path(__file__).parent / "hostile" / "2025-11-03.txt", server["tmp"] / "snapshots" / "new.txt")
    index = server["tmp"] / "reports" / "index.html"
    before = index.stat().st_mtime_ns

    async def trigger(client):  # noqa: ANN001, ANN202
        deployment = await client.read_deployment_by_name(DEPLOYMENT)
        return (await client.create_flow_run_from_deployment(deployment.id)).id

    start = time.monotonic()
    run_id = _client_call(server["url"], trigger)

    async def state(client):  # noqa: ANN001, ANN202
        return await client.read_flow_run(run_id)

    run = _wait(lambda: (r := _client_call(server["url"], state)).state.is_final() and r, 600, "the run", every=0.5)
    took = time.monotonic() - start
    print(f"\nincremental scheduled run, trigger to finished report: {took:.1f} s")
    assert run.state.type.value == "COMPLETED"
    assert index.stat().st_mtime_ns > before
    from papertrends.store import open_store

    with open_store(server["tmp"] / "pt.duckdb") as store:
        assert store.counts().papers == 360 + 6  # the new digest's six papers are in


def test_prefects_own_listing_commands_work_against_the_server(server: dict) -> None:
    """What Prefect's docs tell a user to type: the locked fastapi / pydantic / starlette must be a set under which
    the CLI's filter requests are accepted (from fastapi 0.151 the server answers 422 to its `"limit": null`)."""

    async def read(client):  # noqa: ANN001, ANN202
        try:
            return await client.read_deployment_by_name(DEPLOYMENT)
        except Exception:  # noqa: BLE001 - not registered yet
            return None

    _wait(lambda: _client_call(server["url"], read), 120, "the deployment")
    env = {**server["env"], "COLUMNS": "200"}  # the tables are not cut to a narrow terminal's width
    for command in (["deployment", "ls"], ["flow-run", "ls"], ["artifact", "ls"]):
        done = subprocess.run([sys.executable, "-m", "prefect", *command], env=env, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        out = done.stdout + done.stderr
        refused = "Unprocessable Entity" in out or "HTTPStatusError" in out  # not "422": a run id may hold it
        assert done.returncode == 0 and not refused, f"prefect {' '.join(command)}: {out[-2000:]}"
        if command[0] == "deployment":
            assert DEPLOYMENT.split("/")[-1] in out
