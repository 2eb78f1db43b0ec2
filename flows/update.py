"""The papertrends update flow: fetch (optional), read new snapshots, store, embed what is new, fit, report.

Thin wiring only: every task calls the library in `papertrends`, which knows nothing of Prefect. Retries are on
the I/O steps (fetching, reading files); none on fitting. The whole run holds the database's run lock, so two
runs never write one database at once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.orchestrator import READ_AHEAD
from papertrends.analysis import Analysis, analyse
from papertrends.config import EmbeddingConfig, Settings, load_settings
from papertrends.embedding import embed_in_chunks, embedding_key, encode_texts, in_own_process, make_embedder
from papertrends.embedding.calibrate import runtime_note
from papertrends.fetch import FetchResult, fetch_range
from papertrends.ingest import ReadAhead, ReadResult, merge_reads, read_files, store_snapshots, with_other_files
from papertrends.lock import RunLock
from papertrends.records import IngestSummary, RunInfo, RunSummary
from papertrends.report import ReportInput, package_versions, write_report
from papertrends.snapshots import list_snapshot_files
from papertrends.store import open_store
from papertrends.trends import history_key

T = TypeVar("T")
Logger = logging.Logger | logging.LoggerAdapter  # Prefect's run logger is an adapter


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


def read_all(settings: Settings, seen: set[str], seconds: dict[str, float] | None = None) -> ReadResult:
    """Parse the snapshot files in batches, one task each: spread over the workers with the Dask runner. Files
    this process read ahead while Prefect started (`flows.orchestrator.start_read_ahead`) are taken as read when
    they are still what the run would read."""
    folder = settings.snapshots.folder
    files = list_snapshot_files(folder)
    ahead = READ_AHEAD.pop(str(folder), None)
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


@task(name="fit topics, prevalence and trends", cache_policy=NO_CACHE)
def fit_task(settings: Settings, run_id: int, model_id: str, force: bool) -> Analysis:
    with open_store(settings.store.path) as store:
        result = analyse(store, settings, model_id, force=force)
        store.save_results(run_id, result)
    return result


@task(name="render report", cache_policy=NO_CACHE)
def render_task(settings: Settings, run: RunInfo, result: Analysis) -> str:
    r = settings.report
    with open_store(settings.store.path) as store:
        past = store.report_history(run.run_id, papers=run.n_papers, topics=result.n_topics,
                                    finished_at=run.finished_at)  # fmt: skip
    data = ReportInput(run=run, topics=result.topics, assignments=result.assignments, prevalence=result.prevalence,
                       trends=result.trends, papers=result.papers, events=result.events, listings=past.listings,
                       history=past.history, previous_shares=past.previous_shares, runs=past.runs,
                       trend_history=result.trend_history,
                       term_trends=result.term_trends[result.term_trends["status"] != "steady"],
                       window=settings.trends.window, top=r.top_topics)  # fmt: skip
    return str(write_report(r.folder, data, keep_runs=r.keep_runs))


def _timed(seconds: dict[str, float], step: str, fn: Callable[..., T], *args: object) -> T:
    start = time.perf_counter()
    try:
        return fn(*args)
    finally:
        seconds[step] = round(time.perf_counter() - start, 2)


LEVEL_NAMES = {"topic": "area", "subtopic": "research line"}


def publish_artifacts(summary: RunSummary, settings: Settings) -> None:
    """What a person watching the Prefect UI wants, on the flow run they started: the report, what happened, and
    the trends (read back from the run's saved results)."""
    if summary.status != "completed":
        return
    with open_store(settings.store.path) as store:
        trends, events = store.trends_and_events(summary.run_id)
        shares = store.topic_shares(summary.run_id)
    report = Path(summary.report).resolve()
    create_link_artifact(key="papertrends-report", link=report.as_uri(), link_text=f"report of run {summary.run_id}",
                         description="The run's HTML report (open it on the machine that ran the flow).")  # fmt: skip
    i = summary.ingest
    new_topics = events[events["kind"] == "new"] if not events.empty else events
    movers = trends.reindex(trends["effect"].abs().sort_values(ascending=False).index).head(5)
    lines = [
        f"# papertrends run {summary.run_id}",
        "",
        f"- new digests: **{i.new_snapshots}** ({summary.digest_dates} in all); new papers: **{i.new_papers}** "
        f"({summary.papers_total} in all); embeddings computed: {summary.embeddings_computed}",
        f"- topics: **{summary.n_topics}**, outliers {summary.outlier_share:.1%}; new topics: {len(new_topics)}",
        f"- trends: {', '.join(f'{n} {k}' for k, n in sorted(summary.statuses.items()))}",
        f"- rejected files this run: {i.rejected_files} ({summary.rejected_total} in all)",
        "",
        "## Biggest movers",
        "",
        "| topic | level | status | effect (pts / 30 days) | q |",
        "|---|---|---|---|---|",
        *[
            f"| {r.label} | {LEVEL_NAMES.get(r.level, r.level)} | {r.status} | {r.effect:+.2f} | {r.q_value:.3f} |"
            for r in movers.itertuples()
        ],
    ]
    if i.rejections:
        lines += ["", "## Rejected files", "", *[f"- `{r}`" for r in i.rejections]]
    if not new_topics.empty:
        lines += ["", "## New topics", "", *[f"- {r.topic_id}: {r.detail}" for r in new_topics.itertuples()]]
    create_markdown_artifact(key="papertrends-summary", markdown="\n".join(lines), description="Run summary")
    table = trends.assign(share=trends["topic_id"].map(shares).round(4))
    create_table_artifact(
        key="papertrends-trends",
        table=json.loads(
            table[["topic_id", "level", "label", "status", "effect", "q_value", "share"]].to_json(orient="records")
        ),
        description="Each topic's trend",
    )


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
    overrides: dict[str, dict[str, Any]] | None = None,
    progress: bool = True,
    refit: bool = False,
    fetch_days: int = 0,
) -> dict[str, Any]:
    """One incremental run: only new snapshots are parsed and only new texts embedded. The entry of every way
    the flow is started (`papertrends run`, `papertrends serve`, a worker deployment from prefect.yaml): it reads
    the config, then runs the steps as a subflow with the task runner `[runner]` asks for.

    `fetch_days` > 0 first downloads the digests of that many days up to today into the snapshot folder.
    """
    settings = load_settings(Path(config) if config else None).with_overrides(**(overrides or {}))
    steps = update_steps.with_options(task_runner=task_runner_for(settings))
    summary = steps(settings, progress=progress, refit=refit, fetch_days=fetch_days, publish=False)
    publish_artifacts(RunSummary.from_dict(summary), settings)
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
    settings: Settings, progress: bool = True, refit: bool = False, fetch_days: int = 0, publish: bool = True
) -> dict[str, Any]:
    """The run's steps under the database's run lock, so two runs never write one database at once. `publish`:
    its artifacts on this flow run (update_flow publishes them on its own run instead)."""
    logger = get_run_logger()
    with RunLock(settings.store.path, wait_seconds=settings.store.lock_wait_seconds):
        summary = _update(settings, logger, progress=progress, refit=refit, fetch_days=fetch_days)
    if publish:
        publish_artifacts(summary, settings)
    return summary.as_dict()


def _update(settings: Settings, logger: Logger, *, progress: bool, refit: bool, fetch_days: int) -> RunSummary:
    model_id = embedding_key(settings.embedding)
    seconds: dict[str, float] = {}
    fetched = 0
    if fetch_days > 0:
        got = _timed(seconds, "fetch", fetch_task, settings, fetch_days)
        fetched = len(got.fetched)
        for day, reason in got.failed:
            logger.warning("could not fetch %s: %s", day, reason)
    with open_store(settings.store.path) as store:
        run_id = store.start_run(settings.fit_hash(), model_id)
        seen = store.seen_hashes()
    read = _timed(seconds, "read", read_all, settings, seen, seconds)
    ingest = _timed(seconds, "store", store_task, settings, read)
    for line in ingest.rejections:
        logger.warning("rejected: %s", line)
    embedded = _timed(seconds, "embed", embed_task, settings, progress)
    with open_store(settings.store.path) as store:
        counts = store.counts()
        fingerprint = store.snapshot_fingerprint()
        uncertain = store.uncertain_dates()
    summary = RunSummary(run_id, "running", ingest, counts["snapshots"], counts["papers"], counts["digest_dates"],
                         counts["rejected_files"], embedded, fetched=fetched, seconds=seconds,
                         settings_hash=settings.settings_hash(), history_key=history_key(settings.trends),
                         partial_total=counts["partial_papers"],
                         embedding_runtime=runtime_note(settings.embedding))  # fmt: skip
    try:
        result = _timed(seconds, "fit", fit_task, settings, run_id, model_id, refit)
        summary.n_topics, summary.outlier_share = result.n_topics, round(result.outlier_share, 4)
        summary.n_subtopics = result.n_subtopics
        summary.metrics = result.metrics
        summary.statuses = result.area_trends["status"].value_counts().to_dict()
        dates = result.prevalence.loc[result.prevalence["window"] == "day", "window_start"]
        run_info = RunInfo(
            run_id=run_id,
            finished_at=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            n_papers=counts["papers"],
            n_snapshots=counts["snapshots"],
            n_digests=counts["digest_dates"],
            first_digest=str(dates.min()) if len(dates) else "",
            last_digest=str(dates.max()) if len(dates) else "",
            n_topics=result.n_topics,
            outlier_share=result.outlier_share,
            model_id=model_id,
            seed=settings.topics.seed,
            fit_hash=settings.fit_hash(),
            snapshot_hash=fingerprint[1],
            quality=json.dumps(result.metrics.quality or {}),
            versions=package_versions(),
            config=settings.as_toml(),
            uncertain_dates=uncertain,
            embedding_runtime=summary.embedding_runtime,
        )
        summary.report = _timed(seconds, "report", render_task, settings, run_info, result)
        summary.status = "completed"
    except Exception:
        summary.status = "failed"
        raise
    finally:
        with open_store(settings.store.path) as store:
            store.finish_run(run_id, summary)
    logger.info("run %s: %s topics, report at %s", run_id, summary.n_topics, summary.report)
    return summary
