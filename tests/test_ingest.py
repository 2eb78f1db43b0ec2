"""Storing snapshots: one paper however many digests list it, idempotent ingest, bad files set aside."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import HF_DAILY, SAMPLES, needs_shared
from papertrends.catalog import build_catalog
from papertrends.ingest import read_snapshots, store_snapshots
from papertrends.snapshots import parse_snapshot
from papertrends.store import open_store


def _ingest(folder: Path, db: Path):
    with open_store(db) as store:
        summary = store_snapshots(store, read_snapshots(folder, seen=store.seen_hashes()))
        return summary, store.counts()


def test_samples_hold_381_entries_and_360_papers(tmp_path: Path) -> None:
    summary, counts = _ingest(SAMPLES, tmp_path / "t.duckdb")
    assert summary.entries_read == summary.entries_stored == 381
    assert summary.new_papers == counts.papers == 360
    assert counts.snapshots == 5 and counts.sightings == 381


def test_ingesting_the_same_files_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    _, first = _ingest(SAMPLES, db)
    again, second = _ingest(SAMPLES, db)
    assert again.unchanged == 5 and again.new_snapshots == 0 and again.new_papers == 0
    assert first == second


def test_a_copy_under_another_name_is_the_same_snapshot(tmp_path: Path) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    shutil.copy(SAMPLES / "001_5bd9d39c3c7e27dd.txt", folder / "a.txt")
    shutil.copy(SAMPLES / "001_5bd9d39c3c7e27dd.txt", folder / "b.txt")
    summary, counts = _ingest(folder, tmp_path / "t.duckdb")
    assert counts.snapshots == 1 and counts.papers == 24


def test_text_dump_and_json_digest_join_up_and_the_id_is_filled_in() -> None:
    abstract = "We study things in a careful way and find what they are made of."
    text = f"Daily Papers\n\nMar 3\n\nA Study of Things: Part 1\n\n{abstract}\n\n  • 2 authors\n·\nMar 1, 2025\n"
    entry = {
        "paper": {
            "id": "2503.00001",
            "title": "A study of things - part 1",
            "summary": "We study things in a careful way and find what they are made of.",
            "authors": [{"name": "A"}, {"name": "B"}],
            "upvotes": 7,
            "publishedAt": "2025-03-01",
        }
    }
    dump = parse_snapshot(text.encode(), "page.txt")
    digest = parse_snapshot(json.dumps([entry]).encode(), "2025-03-04.json")
    catalog = build_catalog([dump, digest], known={})
    assert len(catalog.changed) == 1 and len(catalog.sightings) == 2
    (paper,) = catalog.changed.values()
    assert paper.arxiv_id == "2503.00001" and paper.paper_id.startswith("title:")
    assert paper.authors == ("A", "B")


def test_a_bad_file_never_stops_the_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    shutil.copy(SAMPLES / "000_0b59495500438832.txt", folder)
    (folder / "broken.json").write_text("[\"{'paper': {}}\", \"{'paper': {}}\"]")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "latin1.txt").write_bytes("Caf\xe9 papers".encode("latin-1"))
    summary, counts = _ingest(folder, tmp_path / "t.duckdb")
    assert counts.papers == 41 and summary.rejected_files == 3
    assert summary.entries_read == 41 + 2 and summary.entries_rejected == 2 and summary.adds_up
    reasons = " | ".join(summary.rejections)
    assert "broken.json" in reasons and "binary file" in reasons and "invalid UTF-8" in reasons
    with open_store(tmp_path / "t.duckdb") as store:
        assert len(store.rejections()) == 3


@needs_shared
def test_real_hf_daily_api_folder(tmp_path: Path) -> None:
    summary, counts = _ingest(HF_DAILY, tmp_path / "hf.duckdb")
    assert summary.files == 415 and summary.rejected_files == 0  # the 22 Python-repr files are repaired
    assert counts.papers == 6141 and counts.snapshots == 415
    assert summary.entries_read == 6141 and summary.entries_rejected == 0 and summary.adds_up


def test_files_read_ahead_are_taken_only_while_they_are_what_the_run_would_read(tmp_path: Path) -> None:
    import os

    from papertrends.config import Settings
    from papertrends.ingest import ReadAhead
    from papertrends.snapshots import list_snapshot_files

    folder = tmp_path / "snapshots"
    shutil.copytree(SAMPLES, folder)
    settings = Settings().with_overrides(snapshots={"folder": str(folder)})
    files = list_snapshot_files(folder)
    ahead = ReadAhead(settings, frozenset())
    read = ahead.take(files, set())
    assert read is not None and read == read_snapshots(folder)  # what the run would have read itself
    assert ahead.first_file_s is not None and ahead.first_file_s > 0
    assert ahead.take(files, {"a stored hash"}) is None  # the store changed since
    assert ahead.take(files[1:], set()) is None  # a file went
    stat = files[0].stat()
    os.utime(files[0], ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert ahead.take(files, set()) is None  # a file was written again
