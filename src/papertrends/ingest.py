"""Reading snapshot files and storing what they hold. A bad file is set aside; it never stops the others."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from papertrends.catalog import build_catalog
from papertrends.records import IngestSummary, RunSummary
from papertrends.snapshots import (
    SNAPSHOT_SUFFIXES,
    ParseError,
    Snapshot,
    list_snapshot_files,
    other_files,
    parse_snapshot,
)
from papertrends.store import Store

if TYPE_CHECKING:
    from papertrends.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rejected:
    source: str
    content_hash: str
    error: ParseError


@dataclass(frozen=True, slots=True)
class ReadResult:
    files: int
    unchanged: int  # files whose exact content is already in the store
    snapshots: tuple[Snapshot, ...]
    rejected: tuple[Rejected, ...]


def read_snapshots(
    folder: Path,
    *,
    fmt: str = "auto",
    dates: dict[str, date] | None = None,
    seen: set[str] | frozenset[str] = frozenset(),
    fields: dict[str, str] | None = None,
    approximate: dict[str, date] | None = None,
) -> ReadResult:
    """Parse every snapshot file under `folder` whose content is not in `seen` (content hashes)."""
    return read_files(
        list_snapshot_files(folder), fmt=fmt, dates=dates, seen=seen, fields=fields, approximate=approximate
    )


def with_other_files(read: ReadResult, folder: Path) -> ReadResult:
    """`read` with the folder's other files (an image, a PDF) named as rejected, unread: nothing of them is stored,
    and the run says why. They are not remembered, so a run that reads the folder names them again."""
    kinds = ", ".join(SNAPSHOT_SUFFIXES)
    others = tuple(
        Rejected(
            str(p),
            "",
            ParseError(
                str(p),
                f"not read: a {p.suffix or 'suffix-less'} file is no snapshot",
                hint=f"snapshots are {kinds} files; rename it if it is one",
            ),
        )  # fmt: skip
        for p in other_files(folder)
    )
    return ReadResult(read.files + len(others), read.unchanged, read.snapshots, read.rejected + others)


def merge_reads(parts: list[ReadResult]) -> ReadResult:
    """One ReadResult from the results of reading batches of files (in the batches' order)."""
    return ReadResult(
        files=sum(p.files for p in parts),
        unchanged=sum(p.unchanged for p in parts),
        snapshots=tuple(s for p in parts for s in p.snapshots),
        rejected=tuple(r for p in parts for r in p.rejected),
    )


def read_files(
    files: list[Path],
    *,
    fmt: str = "auto",
    dates: dict[str, date] | None = None,
    seen: set[str] | frozenset[str] = frozenset(),
    fields: dict[str, str] | None = None,
    approximate: dict[str, date] | None = None,
) -> ReadResult:
    """Parse these snapshot files (those whose content is not in `seen`); a bad file is set aside. `dates` and
    `approximate`: digest dates the user gives by file name (`[snapshots.dates]`, `[snapshots.approximate_dates]`)."""
    dates = dates or {}
    approximate = approximate or {}
    snapshots: list[Snapshot] = []
    rejected: list[Rejected] = []
    unchanged = 0
    for path in files:
        try:
            data = path.read_bytes()
            mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        except OSError as e:
            rejected.append(Rejected(str(path), "", ParseError(str(path), f"cannot read: {e.strerror or e}")))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            unchanged += 1
            continue
        try:
            given, about = dates.get(path.name), approximate.get(path.name)
            snapshots.append(
                parse_snapshot(
                    data, str(path), fmt=fmt, explicit_date=given, mtime=mtime, fields=fields, approximate_date=about
                )  # fmt: skip
            )
        except ParseError as e:
            log.info("rejected %s", e)
            rejected.append(Rejected(str(path), digest, e))
    return ReadResult(len(files), unchanged, tuple(snapshots), tuple(rejected))


def process_age() -> float | None:
    """Seconds since this process started (from the operating system's record of it); None where unknown."""
    try:
        import psutil

        return time.time() - psutil.Process().create_time()
    except (ImportError, OSError):
        return None


def _stamps(files: list[Path]) -> list[tuple[str, int, int]]:
    out = []
    for f in files:
        try:
            st = f.stat()
            out.append((str(f), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(f), -1, -1))
    return out


class ReadAhead:
    """The snapshot folder parsed in a thread of its own while the orchestrator starts (Prefect's API takes
    seconds to come up), so that the first file is parsed within a second or two of the command.

    The run takes the result (`take`) only if it would have read the very same: the same files, unchanged (path,
    size, modification time), and the same content hashes already stored; otherwise it reads them itself.
    `first_file_s`: seconds from the process's start to the first file parsed.

    It is handed to the flow as a parameter; having no `__dict__` (slots), it is recorded there by its type's name,
    not serialised with everything it read.
    """

    __slots__ = ("_result", "_thread", "files", "first_file_s", "seen", "stamps")

    def __init__(self, settings: Settings, seen: frozenset[str]) -> None:
        s = settings.snapshots
        self.seen = seen
        self.files = list_snapshot_files(s.folder)
        self.stamps = _stamps(self.files)
        self.first_file_s: float | None = None
        self._result: ReadResult | None = None
        options = {"fmt": s.format, "dates": dict(s.dates), "seen": seen, "fields": dict(s.fields),
                   "approximate": dict(s.approximate_dates)}  # fmt: skip
        self._thread = threading.Thread(target=self._read, args=(options,), name="papertrends-read-ahead", daemon=True)
        self._thread.start()

    def _read(self, options: dict[str, object]) -> None:
        try:
            first = read_files(self.files[:1], **options)  # type: ignore[arg-type]
            age = process_age()
            self.first_file_s = None if age is None else round(age, 2)
            self._result = merge_reads([first, read_files(self.files[1:], **options)])  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - the run reads the files itself and reports what fails there
            log.debug("reading ahead failed", exc_info=True)

    def take(self, files: list[Path], seen: set[str] | frozenset[str]) -> ReadResult | None:
        """The files read ahead, if they are what a run reading `files` against `seen` would read now."""
        self._thread.join()
        if self._result is None or frozenset(seen) != self.seen or files != self.files:
            return None
        return self._result if _stamps(files) == self.stamps else None


def store_snapshots(store: Store, read: ReadResult) -> IngestSummary:
    """Resolve entries to papers against the store and write everything in one transaction."""
    known = store.papers()
    catalog = build_catalog(read.snapshots, known)
    kept = [r for r in read.rejected if r.content_hash]
    store.save_ingest(read.snapshots, catalog, [r.error for r in kept], [r.content_hash for r in kept])
    lost = sum(r.error.n_entries for r in read.rejected)
    return IngestSummary(
        files=read.files,
        unchanged=read.unchanged,
        new_snapshots=len(read.snapshots),
        rejected_files=len(read.rejected),
        new_papers=len(catalog.new_ids),
        updated_papers=len(catalog.changed) - len(catalog.new_ids),
        new_sightings=len(catalog.sightings),
        entries_read=catalog.entries_stored + catalog.entries_cut + lost,
        entries_stored=catalog.entries_stored,
        entries_rejected=catalog.entries_cut + lost,
        rejections=tuple(str(r.error) for r in read.rejected),
    )


def up_to_date(settings: Settings) -> RunSummary | None:
    """The last run's summary, if a run now would find nothing to do; else None.

    Nothing to do: the newest run completed (none after it was killed or failed), it used these very settings,
    every snapshot file now in the folder was read before (by content hash), none of its files has gone, and its
    report is still there. The database is opened read-only, so a run in progress elsewhere is never disturbed
    (it holds the file, which makes this answer None: the run then waits its turn).
    """
    import duckdb

    from papertrends.store import StoreError, open_store

    if not settings.store.path.exists():
        return None
    try:
        with open_store(settings.store.path, read_only=True) as store:
            newest = store.newest_run()
            if newest is None or newest.status != "completed":
                return None
            seen = store.seen_hashes()
            current = store.current_snapshots()
    except (StoreError, duckdb.Error, OSError):
        return None
    if newest.settings_hash != settings.settings_hash() or not newest.report or not Path(newest.report).is_file():
        return None
    files = list_snapshot_files(settings.snapshots.folder)
    try:
        hashes = {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    except OSError:
        return None
    if not hashes <= seen or len(files) < current:
        return None
    return newest
