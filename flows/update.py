"""The papertrends update flow, one task per step: fetch (optional), read new snapshots, store, embed what is new,
load the analysis's inputs, analyse, save, render the report.

Thin wiring only: every task is one library call in `papertrends`, which knows nothing of Prefect; the records they
hand on are in `papertrends.records`. Retries are on the I/O steps (fetching, reading files); none on fitting. The
whole run holds the database's run lock, so two runs never write one database at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.artifacts import publish_artifacts
from papertrends import summary as say
from papertrends.analysis import analyse, count_phrases_ahead
from papertrends.config import EmbeddingConfig, Settings, load_settings
from papertrends.embedding import embed_in_chunks, embedding_key, encode_texts, in_own_process, make_embedder
from papertrends.embedding.calibrate import runtime_note
from papertrends.fetch import FetchResult, fetch_range
from papertrends.ingest import ReadAhead, ReadResult, merge_reads, read_files, store_snapshots, with_other_files
from papertrends.lock import RunLock
from papertrends.phrase_counts import PhraseCounts
from papertrends.records import Analysis, AnalysisInputs, IngestSummary, RunInfo, RunSummary
from papertrends.report import write_report
from papertrends.snapshots import list_snapshot_files
from papertrends.store import open_store
from papertrends.trends import history_key

T = TypeVar("T")
Logger = logging.Logger | logging.LoggerAdapter  # Prefect's run logger is an adapter
Counting = PrefectFuture[tuple[PhraseCounts | None, float]]  # the phrases counted ahead, and how long it took


@task(name="fetch digests", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[10, 60])
def fetch_task(settings: Settings, days: int) -> FetchResult:
    today = datetime.now(UTC).date()
    return fetch_range(today - timedelta(days=days - 1), today, settings.snapshots.folder, settings.fetch)


@task(name="read snapshots", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 4])
def read_task(settings: Settings, files: list[Path], seen: set[str]) -> ReadResult:
    s = settings.snapshots
    return read_files(files, fmt=s.format, dates=dict(s.dates), seen=seen, fields=dict(s.fields),
                      approximate=dict(s.approximate_dates))  # fmt: skip


@task(name="read snapshots (read ahead)", cache_policy=NO_CACHE)
def take_read_ahead_task(ahead: ReadAhead, files: list[Path], seen: set[str]) -> ReadResult | None:
    return ahead.take(files, seen)


def read_all(
    settings: Settings, seen: set[str], seconds: dict[str, float] | None = None, ahead: ReadAhead | None = None
) -> ReadResult:
    """Parse the snapshot files in batches, one task each: spread over the workers with the Dask runner. Files
    this process read `ahead` while Prefect started (`flows.orchestrator.start_read_ahead`) are taken as read when
    they are still what the run would read."""
    folder = settings.snapshots.folder
    files = list_snapshot_files(folder)
    if ahead is not None:
        read = take_read_ahead_task(ahead, files, seen)
        if read is not None:
            if seconds is not None and ahead.first_file_s is not None:
                seconds["first_file"] = ahead.first_file_s
            return with_other_files(read, folder)
    size = settings.runner.files_per_batch
    futures = [read_task.submit(settings, files[i : i + size], seen) for i in range(0, len(files), size)]
    return with_other_files(merge_reads([f.result() for f in futures]), folder)


@task(name="embed batch", cache_policy=NO_CACHE)
def embed_batch_task(config: EmbeddingConfig, texts: list[str]) -> tuple[np.ndarray, str]:
    return encode_texts(config, texts)


@task(name="store snapshots", cache_policy=NO_CACHE)
def store_task(settings: Settings, read: ReadResult) -> IngestSummary:
    with open_store(settings.store.path) as store:
        return store_snapshots(store, read)


@task(name="embed papers", cache_policy=NO_CACHE)
def embed_task(settings: Settings, progress: bool) -> int:
    embedder = make_embedder(settings.embedding)
    with open_store(settings.store.path) as store:
        missing = store.missing_embeddings(embedder.model_id)

        def on_workers(chunks: list[list[str]]) -> Iterator[tuple[np.ndarray, str]]:
            futures = [embed_batch_task.submit(settings.embedding, texts) for texts in chunks]
            return (f.result() for f in futures)

        return embed_in_chunks(
            missing,
            embedder,
            lambda keys, vectors, provenance: store.save_embeddings(embedder.model_id, keys, vectors, provenance),
            chunk_size=settings.embedding.chunk_size,
            progress=progress,
            map_chunks=on_workers
            if settings.runner.kind == "dask"
            else in_own_process(settings.embedding)
            if len(missing) > settings.embedding.chunk_size
            else None,
        )


@task(name="count phrases (while the papers are embedded)", cache_policy=NO_CACHE)
def count_phrases_task(settings: Settings) -> tuple[PhraseCounts | None, float]:
    start = time.perf_counter()
    with open_store(settings.store.path) as store:
        papers, sightings = store.texts(), store.sightings()
    return count_phrases_ahead(papers, sightings, settings), round(time.perf_counter() - start, 2)


@task(name="load the analysis's inputs", cache_policy=NO_CACHE)
def load_task(settings: Settings, model_id: str) -> AnalysisInputs:
    with open_store(settings.store.path) as store:
        return store.analysis_inputs(model_id, history_key(settings.trends))


@task(name="analyse: topics, prevalence and trends", cache_policy=NO_CACHE)
def analyse_task(inputs: AnalysisInputs, settings: Settings, force: bool) -> Analysis:
    return analyse(inputs, settings, force=force)


@task(name="save the analysis", cache_policy=NO_CACHE)
def save_task(settings: Settings, run_id: int, analysis: Analysis) -> None:
    with open_store(settings.store.path) as store:
        store.save_analysis(run_id, analysis)


@task(name="render report", cache_policy=NO_CACHE)
def render_task(settings: Settings, run: RunInfo, analysis: Analysis) -> str:
    with open_store(settings.store.path) as store:
        past = store.report_history(run.run_id, papers=run.n_papers, topics=run.n_topics, finished_at=run.finished_at)
    return str(write_report(settings.report.folder, say.report_input(run, analysis, past, settings),
                            keep_runs=settings.report.keep_runs))  # fmt: skip


def _timed(seconds: dict[str, float], step: str, fn: Callable[..., T], *args: object) -> T:
    start = time.perf_counter()
    try:
        return fn(*args)
    finally:
        seconds[step] = round(time.perf_counter() - start, 2)


def task_runner_for(settings: Settings) -> TaskRunner:
    """The in-process runner (one task at a time: torch already uses every core), or Prefect's Dask runner
    against `[runner] address` (a LocalCluster of `[runner] workers` processes when empty)."""
    r = settings.runner
    if r.kind == "local":
        return ThreadPoolTaskRunner(max_workers=1)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as e:
        raise RuntimeError("[runner] kind = 'dask' needs prefect-dask: pip install 'papertrends[dask]'") from e
    if r.address:
        return DaskTaskRunner(address=r.address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": r.workers, "threads_per_worker": 1, "processes": True})


@flow(name="papertrends-update", log_prints=False)
def update_flow(
    config: str | None = None,
    overrides: dict[str, dict[str, object]] | None = None,  # config.Overrides, spelt in builtins (see below)
    progress: bool = True,
    refit: bool = False,
    fetch_days: int = 0,
) -> RunSummary:
    """One incremental run: only new snapshots are parsed and only new texts embedded. The entry of every way
    the flow is started (`papertrends run`, `papertrends serve`, a worker deployment from prefect.yaml): it reads
    the config, then runs the steps as a subflow with the task runner `[runner]` asks for, and publishes the run's
    artifacts on its own flow run.

    `fetch_days` > 0 first downloads the digests of that many days up to today into the snapshot folder.

    Prefect validates these parameters against their annotations in a deployment's flow-run process, where names
    imported by this module do not resolve: they are spelt in builtins only.
    """
    settings = load_settings(Path(config) if config else None).with_overrides(**(overrides or {}))
    steps = update_steps.with_options(task_runner=task_runner_for(settings))
    summary, analysis = steps(settings, progress=progress, refit=refit, fetch_days=fetch_days, publish=False)
    publish_artifacts(summary, analysis)
    return summary


# Its parameters come from update_flow or the CLI, already validated: no pydantic model of them is built (one of
# Settings fails to build in a deployment's flow-run process).
@flow(
    name="papertrends-update-steps",
    log_prints=False,
    task_runner=ThreadPoolTaskRunner(max_workers=1),
    validate_parameters=False,
)
def update_steps(
    settings: Settings,
    progress: bool = True,
    refit: bool = False,
    fetch_days: int = 0,
    publish: bool = True,
    ahead: ReadAhead | None = None,
) -> tuple[RunSummary, Analysis | None]:
    """The run's steps under the database's run lock, so two runs never write one database at once. `publish`: its
    artifacts on this flow run (update_flow publishes them on its own run instead). `ahead`: the snapshot folder as
    this process read it while Prefect started. Returns the run's summary and, when it completed, its analysis."""
    logger = get_run_logger()
    with RunLock(settings.store.path, wait_seconds=settings.store.lock_wait_seconds):
        summary, analysis = _update(settings, logger, progress=progress, refit=refit, fetch_days=fetch_days,
                                    ahead=ahead)  # fmt: skip
    if publish:
        publish_artifacts(summary, analysis)
    return summary, analysis


def _fetched(settings: Settings, days: int, seconds: dict[str, float], logger: Logger) -> int:
    got = _timed(seconds, "fetch", fetch_task, settings, days)
    for day, reason in got.failed:
        logger.warning("could not fetch %s: %s", day, reason)
    return len(got.fetched)


def _analysed(settings: Settings, run_id: int, model_id: str, force: bool, phrases: Counting | None,
              seconds: dict[str, float]) -> Analysis:  # fmt: skip
    inputs = load_task(settings, model_id)
    counted = _counted(phrases, seconds) if phrases is not None else None
    analysis = analyse_task(replace(inputs, phrases=counted), settings, force)
    save_task(settings, run_id, analysis)
    return analysis


def _count_ahead(settings: Settings, ingest: IngestSummary, refit: bool) -> bool:
    """Count the phrases while the new papers are embedded (they need no vector) when there are many (embedded in a
    process of their own) and the run will place them in its topics. A first run or a refit gains nothing (98-101 s
    either way on hf-daily-api) and would hold the counts through the fit's peak (+45 MB there)."""
    new = ingest.new_papers + ingest.updated_papers
    if refit or settings.runner.kind != "local" or new <= settings.embedding.chunk_size:
        return False
    with open_store(settings.store.path) as store:
        before = store.counts().papers - ingest.new_papers
    return new < settings.topics.refit_share * before


def _counted(phrases: Counting, seconds: dict[str, float]) -> PhraseCounts | None:
    """The phrases counted ahead (their time in `seconds`); None, and the analysis counts them, when that failed."""
    try:
        counted, seconds["phrases"] = phrases.result()
    except Exception as e:  # noqa: BLE001 - counted again by the analysis, which says why if it fails too
        get_run_logger().warning("the phrases counted ahead failed (%s): the analysis counts them", e)
        return None
    return counted


def _update(
    settings: Settings, logger: Logger, *, progress: bool, refit: bool, fetch_days: int, ahead: ReadAhead | None
) -> tuple[RunSummary, Analysis | None]:
    model_id = embedding_key(settings.embedding)
    seconds: dict[str, float] = {}
    fetched = _fetched(settings, fetch_days, seconds, logger) if fetch_days > 0 else 0
    with open_store(settings.store.path) as store:
        run_id = store.start_run(settings.fit_hash(), model_id)
        seen = store.seen_hashes()
    read = _timed(seconds, "read", read_all, settings, seen, seconds, ahead)
    ingest = _timed(seconds, "store", store_task, settings, read)
    for line in ingest.rejections:
        logger.warning("rejected: %s", line)
    phrases = count_phrases_task.submit(settings) if _count_ahead(settings, ingest, refit) else None
    embedded = _timed(seconds, "embed", embed_task, settings, progress)
    with open_store(settings.store.path) as store:
        counts, (_, snapshot_hash), uncertain = store.counts(), store.snapshot_fingerprint(), store.uncertain_dates()
    summary = say.started(run_id, ingest, counts, embedded, settings, fetched=fetched, seconds=seconds,
                          runtime=runtime_note(settings.embedding))  # fmt: skip
    analysis = None
    try:
        # Load, analyse and save are three tasks, timed together as the run's "fit".
        analysis = _timed(seconds, "fit", _analysed, settings, run_id, model_id, refit, phrases, seconds)
        summary = say.analysed(summary, analysis)
        run = say.run_info(summary, analysis, settings, model_id=model_id, snapshot_hash=snapshot_hash,
                           uncertain_dates=uncertain)  # fmt: skip
        summary.report = _timed(seconds, "report", render_task, settings, run, analysis)
        summary.status = "completed"
    except Exception:
        summary.status = "failed"
        raise
    finally:
        with open_store(settings.store.path) as store:
            store.finish_run(run_id, summary)
    logger.info("run %s: %s topics, report at %s", run_id, summary.n_topics, summary.report)
    return summary, analysis
