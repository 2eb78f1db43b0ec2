"""The seam between the library and what orchestrates it: the CLI starts a run, or serves the schedule, through
the orchestrator registered under the entry-point group `papertrends.orchestrators` (Prefect's, in `flows/`).
The library itself never imports `flows/`."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from papertrends.config import Settings
from papertrends.records import RunSummary

GROUP = "papertrends.orchestrators"


class Orchestrator(Protocol):
    def run(self, settings: Settings, *, progress: bool, refit: bool) -> RunSummary:
        """One run with these settings, in the foreground; its summary."""
        ...

    def serve(self, config: Path | None, settings: Settings) -> None:
        """Run on the schedule of `[schedule]` until stopped."""
        ...


def orchestrator(name: str = "prefect") -> Orchestrator:
    found = [e for e in entry_points(group=GROUP) if e.name == name]
    if not found:
        raise RuntimeError(
            f"no papertrends orchestrator named {name!r} is installed (entry point group {GROUP}): "
            "reinstall papertrends (`make setup`, or `pip install -e .`)"
        )
    made: Orchestrator = found[0].load()()
    return made
