"""One writer per database: a run holds an exclusive lock on `<database>.lock` from start to end.

The operating system releases the lock when the process ends, however it ends (SIGKILL included), so a killed
run never leaves the database locked. DuckDB's own file lock guards each connection; this one guards the whole
run, between connections too.
"""

from __future__ import annotations

import fcntl
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType


class DatabaseBusyError(RuntimeError):
    """Another papertrends run is using the database."""


class RunLock:
    def __init__(self, database: Path, *, wait_seconds: float = 0.0, poll_seconds: float = 0.5) -> None:
        self.path = database.with_name(database.name + ".lock")
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
                    os.close(fd)
                    raise DatabaseBusyError(
                        f"{self.path.with_suffix('')} is in use by another papertrends run ({holder}); "
                        "this run stops without touching it. Wait for that run to finish, or give this one "
                        "a longer [store] lock_wait_seconds."
                    ) from None
                time.sleep(self.poll_seconds)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
