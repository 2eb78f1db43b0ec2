"""The `papertrends` command. Heavy libraries are imported only by the subcommand that needs them."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from papertrends.cli_output import entry_record
from papertrends.cli_output import format_paper as format_paper  # still importable from here
from papertrends.cli_output import format_summary as format_summary  # still importable from here

if TYPE_CHECKING:
    from papertrends.config import Overrides, Settings, TomlValue


FORMATS = ("auto", "text", "markdown", "hf-json", "jsonl", "csv")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="papertrends", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="TOML config (default: config/papertrends.toml when present)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest new snapshots, embed, fit topics, write the report")
    run.add_argument("--snapshots", type=Path, help="snapshot folder (overrides [snapshots] folder)")
    run.add_argument("--db", type=Path, help="DuckDB file (overrides [store] path)")
    run.add_argument("--reports", type=Path, help="report folder (overrides [report] folder)")
    run.add_argument("--format", choices=FORMATS, help="snapshot format (default: auto)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--refit", action="store_true", help="fit topics again even when nothing changed")
    run.add_argument("--summary-json", type=Path, help="also write the run's summary (counts, seconds) as JSON here")

    backtest = sub.add_parser(
        "backtest", help="replay the history as scheduled runs would have seen it, and what each step reported"
    )
    backtest.add_argument("--from", dest="start", type=date.fromisoformat,
                          help="first step (default: eight weeks after the first digest)")  # fmt: skip
    backtest.add_argument("--every", choices=("week", "month"), default="month")
    backtest.add_argument("--snapshots", type=Path, help="snapshot folder (overrides [snapshots] folder)")
    backtest.add_argument("--db", type=Path, help="a DuckDB file whose cached vectors to reuse (read only)")
    backtest.add_argument("--csv", type=Path, default=Path("backtest.csv"), help="what each step reported")

    parse = sub.add_parser("parse", help="parse snapshot files and print their entries, without storing them")
    parse.add_argument("files", nargs="+", type=Path, help="snapshot files, or folders of them")
    parse.add_argument(
        "--format",
        dest="output",
        choices=["jsonl", "summary"],
        default="summary",
        help="jsonl: one JSON object per entry; summary: one line per file",
    )
    parse.add_argument("--input-format", choices=FORMATS, default="auto")
    parse.add_argument("--date", type=date.fromisoformat, help="digest date for every file (YYYY-MM-DD)")

    fetch = sub.add_parser("fetch", help="download daily digests from the Hugging Face API into the snapshot folder")
    fetch.add_argument("--from", dest="start", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD")
    fetch.add_argument("--to", dest="end", type=date.fromisoformat, required=True, help="last day, YYYY-MM-DD")
    fetch.add_argument("--snapshots", type=Path, help="folder to write into (overrides [snapshots] folder)")
    fetch.add_argument("--base-url", help="API address (overrides [fetch] base_url)")

    serve = sub.add_parser("serve", help="serve the update flow as a scheduled Prefect deployment ([schedule])")
    serve.add_argument("--cron", help="overrides [schedule] cron")

    sub.add_parser("calibrate", help="measure the embedding arithmetic this machine runs fastest (auto's choice)")
    paper = sub.add_parser("paper", help="one paper: its fields, every digest it appeared in, upvotes over time")
    paper.add_argument("id", help="arXiv id, papertrends paper id, or words of the title")
    paper.add_argument("--db", type=Path, help="DuckDB file (overrides [store] path)")
    return parser


def _few_malloc_arenas() -> None:
    """At most two glibc malloc arenas in this process, set before its threads start (read-ahead, Prefect's API,
    the task runner, UMAP's members). With one arena per thread, memory freed by one thread stays with the process
    while another allocates afresh, which raises the fit's peak (docs/benchmarks.md). A no-op where the C library
    is not glibc."""
    import contextlib
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX


def _no_telemetry() -> None:
    """Prefect sends usage events of its own: its server's analytics, and since 3.8 the SDK's first-use milestones
    from an interactive terminal (to Amplitude). A papertrends run serves Prefect's API for itself alone
    (flows/api.py) and may run where nothing outside answers; it sends nothing unless the user asks for it (set
    either variable yourself). DO_NOT_TRACK is the common opt-out that Prefect's SDK reads."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _cmd_run(args: argparse.Namespace) -> int:
    _few_malloc_arenas()
    _no_telemetry()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from papertrends.config import ConfigError
    from papertrends.files import atomic_write
    from papertrends.ingest import up_to_date

    overrides: Overrides = {
        "snapshots": {"folder": args.snapshots, "format": args.format},
        "store": {"path": args.db},
        "report": {"folder": args.reports},
    }
    try:
        settings = _settings(args, **overrides)
        if not args.refit and (last := up_to_date(settings)) is not None:
            print(
                f"papertrends: nothing new since run {last.run_id} (same settings, every snapshot already read;"
                f" --refit runs anyway)\nreport: {last.report}"
            )
            if args.summary_json:
                up = last.as_dict() | {"status": "up to date"}
                atomic_write(args.summary_json, json.dumps(up, indent=1, default=str))
            return 0
        from papertrends.orchestration import orchestrator

        summary = orchestrator().run(settings, progress=not args.no_progress, refit=args.refit)
    except (ConfigError, FileNotFoundError, ValueError, RuntimeError) as e:  # DatabaseBusyError included
        print(f"papertrends: {e}", file=sys.stderr)
        return 1
    print(format_summary(summary))
    if args.summary_json:
        atomic_write(args.summary_json, json.dumps(summary.as_dict(), indent=1, default=str))
    return 0


def _cmd_parse(args: argparse.Namespace) -> int:
    from papertrends.snapshots import ParseError, list_snapshot_files, read_snapshot

    failed = 0
    paths = [p for given in args.files for p in (list_snapshot_files(given) if given.is_dir() else [given])]
    for path in paths:
        try:
            snap = read_snapshot(path, fmt=args.input_format, explicit_date=args.date)
        except ParseError as e:
            print(f"papertrends: {e}", file=sys.stderr)
            failed += 1
            continue
        for warning in snap.warnings:
            print(f"papertrends: {path}: {warning}", file=sys.stderr)
        if args.output == "summary":
            print(
                f"{path}: {len(snap.entries)} entries ({snap.format}), digest {snap.digest.value} "
                f"by {snap.digest.rule}: {snap.digest.note}"
            )
            continue
        for e in snap.entries:
            print(json.dumps(entry_record(snap, e), ensure_ascii=False))
    return 1 if failed else 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from papertrends.backtest import backtest
    from papertrends.config import ConfigError
    from papertrends.files import atomic_write

    try:
        settings = _settings(args, snapshots={"folder": args.snapshots}, store={"path": args.db})
        print(f"papertrends backtest every {args.every}: the digests up to each step, a run each")
        steps, table = backtest(settings, args.start, args.every)
    except (ConfigError, FileNotFoundError, ValueError) as e:
        print(f"papertrends: {e}", file=sys.stderr)
        return 1
    atomic_write(args.csv, table.to_csv(index=False))
    print(f"{len(steps)} steps; what each reported: {args.csv}")
    return 0


def _settings(args: argparse.Namespace, **overrides: dict[str, TomlValue]) -> Settings:
    from papertrends.config import load_settings

    return load_settings(args.config).with_overrides(**overrides)


def _cmd_fetch(args: argparse.Namespace) -> int:
    from papertrends.fetch import fetch_range

    settings = _settings(args, snapshots={"folder": args.snapshots}, fetch={"base_url": args.base_url})
    result = fetch_range(args.start, args.end, settings.snapshots.folder, settings.fetch)
    print(
        f"fetched {len(result.fetched)}, already there {len(result.skipped)}, no digest {len(result.empty)}, "
        f"failed {len(result.failed)} -> {settings.snapshots.folder}"
    )
    for _day, reason in result.failed:
        print(f"papertrends: {reason}", file=sys.stderr)
    return 1 if result.failed else 0


def _cmd_serve(args: argparse.Namespace) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        print(
            "papertrends: serve needs a Prefect server: start one with `prefect server start`, then "
            "export PREFECT_API_URL=http://127.0.0.1:4200/api",
            file=sys.stderr,
        )
        return 1
    _no_telemetry()
    from papertrends.config import DEFAULT_CONFIG
    from papertrends.orchestration import orchestrator

    config = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    settings = _settings(args, schedule={"cron": args.cron})
    print(
        f"serving deployment papertrends-update/{settings.schedule.deployment}: cron '{settings.schedule.cron}' "
        f"({settings.schedule.timezone}), database {settings.store.path}, reports {settings.report.folder}"
    )
    orchestrator().serve(config, settings)
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from papertrends.embedding.calibrate import COSINE_MEAN, COSINE_MIN, calibrated

    found = calibrated(_settings(args).embedding, again=True)
    print(f"{found.cpu}, {found.at}: cosine to f32 must be >= {COSINE_MEAN} mean and >= {COSINE_MIN} min")
    for m in sorted(found.measured, key=lambda m: -m.papers_per_s):
        print(f"  {m.precision:5s} {m.papers_per_s:6.1f} papers/s  cosine mean {m.cosine_mean:.5f} min "
              f"{m.cosine_min:.5f}{'' if m.faithful else '  (under the bar)'}")  # fmt: skip
    print(f'precision = "auto" runs {found.choice} here')
    return 0


def _cmd_paper(args: argparse.Namespace) -> int:
    from papertrends.store import open_store

    settings = _settings(args, store={"path": args.db})
    if not settings.store.path.exists():
        print(f"papertrends: no database at {settings.store.path}: run `papertrends run` first", file=sys.stderr)
        return 1
    with open_store(settings.store.path) as store:
        found = store.find_papers(args.id)
        if len(found) != 1:
            print(f"papertrends: {len(found)} papers match {args.id!r}" + (":" if found else ""), file=sys.stderr)
            for p in found[:20]:
                print(f"  {p.paper_id}  {p.title}", file=sys.stderr)
            return 1
        paper = found[0]
        history = store.paper_history(paper.paper_id)
    print(format_paper(paper, history))
    return 0


SIGPIPE_EXIT = 128 + 13  # what a shell reports for a command ended by a closed pipe


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"run": _cmd_run, "parse": _cmd_parse, "fetch": _cmd_fetch, "serve": _cmd_serve, "paper": _cmd_paper,
                "backtest": _cmd_backtest, "calibrate": _cmd_calibrate}  # fmt: skip
    try:
        code = handlers[args.command](args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`papertrends parse ... | head`): stop quietly, as `cat` does. Python would
        # otherwise report the pipe again while flushing stdout at exit, so stdout is pointed at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT
    return code


def console() -> int:
    """The `papertrends` command: `main`, then Python's exit without its teardown.

    What an exit does that matters runs as it would: non-daemon threads are joined, `atexit` handlers run (Prefect
    sends its last logs and events, its API stops, logging flushes), and the standard streams are flushed. What is
    skipped is the teardown of the interpreter's objects: the store and every file were closed by their own `with`
    blocks before `main` returned. That teardown is mostly the last full garbage collection over the run's objects,
    most of the time between the summary and the exit (docs/benchmarks.md). Not in `main`, which tests call in
    their own process."""
    import atexit
    import threading

    code = main()
    threading._shutdown()  # type: ignore[attr-defined] - what the exit runs first: joins threads, their hooks
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(console())
