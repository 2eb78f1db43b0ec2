"""The Prefect API a `papertrends run` reports to: the server named by PREFECT_API_URL, or else Prefect's own
server application served from a thread of this process.

Without PREFECT_API_URL, Prefect 3 starts a temporary server as a second Python process (uvicorn, the same
application), which holds its own interpreter and modules through the whole run and costs the command its start.
Served here, it is the same application (`create_app(ephemeral=True)`: the REST API and its SQLite database in
PREFECT_HOME, no UI, the services Prefect runs in its ephemeral server) on 127.0.0.1 over HTTP, so everything
Prefect does with it is unchanged; it shares the interpreter and the modules the run has already imported, so the
run holds less memory and its command ends sooner (docs/benchmarks.md). Processes the run starts (Dask's workers)
inherit PREFECT_API_URL and report to it over HTTP.

The server stops when the process exits, after Prefect has sent its last logs and events (Prefect drains its
workers before `atexit` hooks run).
"""

from __future__ import annotations

import atexit
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STARTUP_TIMEOUT_S = 90.0  # a busy 2-core machine can take a while to import the server and migrate its database

_api: _ThreadedAPI | None = None
_lock = threading.Lock()


class _ThreadedAPI:
    """Prefect's server application on a free port of 127.0.0.1, served by uvicorn in a daemon thread."""

    def __init__(self) -> None:
        import uvicorn
        from prefect.server.api.server import create_app

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))  # bound here and handed to uvicorn: no race for the port
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/api"
        app = create_app(ephemeral=True, final=True)
        config = uvicorn.Config(app, log_level="error", lifespan="on", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._serve, name="prefect-api", daemon=True)
        self.error: BaseException | None = None

    def _serve(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        except BaseException as e:  # noqa: BLE001 - reported by start(), which the run waits on
            self.error = e

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self.server.started:
            stopped = not self.thread.is_alive()
            if stopped or time.monotonic() > deadline:
                why = self.error or ("its server stopped" if stopped else f"not up in {STARTUP_TIMEOUT_S:.0f} s")
                raise RuntimeError(
                    f"Prefect's API did not start in this process ({why}; its database is in PREFECT_HOME); "
                    "start a server with `prefect server start` and set PREFECT_API_URL to its address"
                )
            time.sleep(0.02)
        atexit.register(self.stop)

    def stop(self) -> None:
        """Ask the server to stop, without waiting for it: its background services take far longer to wind down
        (docs/benchmarks.md), and nothing is left to serve (Prefect has sent its last logs and events before this
        hook runs). Waiting half a second for the thread cost every run 0.4 s; SQLite keeps the database whole when
        the process ends first."""
        self.server.should_exit = True
        self.server.force_exit = True


def api_url() -> str:
    """PREFECT_API_URL when it is set (Prefect's settings, then the environment); otherwise the address of the
    server this process serves, started on the first call."""
    global _api
    from prefect.settings import PREFECT_API_URL

    if url := PREFECT_API_URL.value():
        return str(url)
    with _lock:
        if _api is None:
            api = _ThreadedAPI()
            api.start()
            _api = api
    return _api.url


def served_here(url: str) -> bool:
    """Whether `url` is the API this process serves (`api_url` started it)."""
    return _api is not None and url == _api.url


@contextmanager
def reporting_to(url: str) -> Iterator[None]:
    """Prefect's settings point at `url` inside; so does the environment, for processes started inside.

    Toward the API this process serves, flow runs send no heartbeats. They let a server call a run crashed when
    they stop, and this server stops with the run. Prefect's heartbeat thread sleeps a second at a time, and
    the flow waits for it to wake at its end: 0.5 s a run on average (docs/benchmarks.md)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    updates: dict[Any, object] = {PREFECT_API_URL: url}
    if served_here(url):
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
