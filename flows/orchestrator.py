"""Prefect as papertrends' orchestrator: what `papertrends run` and `papertrends serve` call through the seam
`papertrends.orchestration` (registered in pyproject.toml under `papertrends.orchestrators`)."""

from __future__ import annotations

from pathlib import Path

from papertrends.config import Settings
from papertrends.ingest import ReadAhead
from papertrends.records import RunSummary


def start_read_ahead(settings: Settings) -> ReadAhead | None:
    """Parse the snapshot folder in a thread while Prefect starts (the in-process runner only: Dask's workers
    read the files themselves). The store is read for what it already holds before the thread starts."""
    import duckdb

    from papertrends.store import StoreError, open_store

    if settings.runner.kind != "local":
        return None
    try:
        seen: set[str] = set()
        if settings.store.path.exists():
            with open_store(settings.store.path, read_only=True) as store:
                seen = store.seen_hashes()
        return ReadAhead(settings, frozenset(seen))
    except (StoreError, duckdb.Error, OSError):
        return None  # another run holds the database, or the folder is not there: the run says so itself


class PrefectOrchestrator:
    def run(self, settings: Settings, *, progress: bool, refit: bool) -> RunSummary:
        """Raises DatabaseBusyError before any flow starts when another run holds the database: the refusal is one
        message, not a flow run failing with a traceback (the flow still holds the lock itself for its whole run)."""
        from papertrends.lock import RunLock

        with RunLock(settings.store.path, wait_seconds=settings.store.lock_wait_seconds):
            pass
        ahead = start_read_ahead(settings)  # before Prefect is imported and its API started: seconds of start-up
        from flows.api import api_url, reporting_to
        from flows.update import task_runner_for, update_steps

        steps = update_steps.with_options(task_runner=task_runner_for(settings))
        with reporting_to(api_url()):
            summary, _ = steps(settings, progress=progress, refit=refit, ahead=ahead)
        return summary

    def serve(self, config: Path | None, settings: Settings) -> None:
        from flows.serve import serve_update

        serve_update(config, settings)
