"""Crash points for the crash-safety tests: `PAPERTRENDS_CRASH_AT=<point>` makes the process SIGKILL itself there.

Unset (always, outside those tests) a crash point costs one dictionary lookup. The points sit where a real kill
would hurt most: inside the ingest transaction, after the first embedded chunk, at the start of the fit, inside
the results transaction, and half-way through writing the report.
"""

from __future__ import annotations

import os
import signal

POINTS = ("ingest", "embed", "fit", "save", "report")


def crash_point(name: str) -> None:
    if os.environ.get("PAPERTRENDS_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
