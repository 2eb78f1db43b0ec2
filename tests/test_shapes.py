"""Every shape of input a user saves, built to resemble each tool's output (tests/shapes/)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from papertrends.ingest import read_snapshots, store_snapshots
from papertrends.snapshots import detect_format, parse_snapshot, read_snapshot
from papertrends.store import open_store

SHAPES = Path(__file__).parent / "shapes"
CHROME_WORDS = ("Subscribe", "Models", "Datasets", "Upvote", "Hugging Face", "TOS", "Image", "http", "authors")


def _snap(name: str, **kw):
    return read_snapshot(SHAPES / name, **kw)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("jina-reader.md", "markdown"),
        ("markdownload.md", "markdown"),
        ("search.md", "markdown"),
        ("url-lines.txt", "text"),
        ("cut-off.txt", "text"),
        ("export.jsonl", "jsonl"),
        ("export.csv", "csv"),
    ],
)
def test_format_is_detected(name: str, fmt: str) -> None:
    assert detect_format((SHAPES / name).read_bytes(), name) == fmt


def test_markdown_from_a_reader_tool_with_menus_avatars_and_footer() -> None:
    snap = _snap("jina-reader.md")
    assert (snap.digest.value, snap.digest.rule) == (date(2025, 3, 12), "header")  # from the URL Source line
    first, second = snap.entries
    assert first.title == "Scaling Sparse Attention to Million-Token Contexts"
    assert first.arxiv_id == "2503.01234" and first.n_authors == 7 and first.upvotes == 42
    assert first.published == date(2025, 3, 10)
    assert first.abstract == (
        "We present a sparse attention scheme that scales transformers to contexts of a million tokens. Our method "
        "routes each query to a small set of key blocks chosen by a learned scorer, cutting memory by 40x."
    )
    assert second.organization == "DeepMind Robotics" and second.upvotes == 7 and second.arxiv_id == "2503.04567"
    for e in snap.entries:
        assert not any(w in e.title or w in e.abstract for w in CHROME_WORDS)


def test_markdown_with_front_matter_and_reference_links() -> None:
    snap = _snap("markdownload.md")
    assert (snap.digest.value, snap.digest.rule) == (date(2025, 5, 30), "header")
    first, second = snap.entries
    assert first.arxiv_id == "2505.24864" and first.n_authors == 20 and first.published == date(2025, 5, 30)
    assert first.abstract.startswith("Recent advances") and "(RL) as a promising" in first.abstract
    assert second.title == "Hard-Wrapped Title That Goes On For Two Lines"
    assert second.arxiv_id == "2505.20001" and second.n_authors == 1  # `1 authors`, id without its version
    assert second.published == date(2025, 5, 28) and second.upvotes == 12


def test_search_page_entries_span_many_publication_dates() -> None:
    snap = _snap("search.md")
    assert snap.digest.value == date(2025, 7, 1)
    assert [e.published for e in snap.entries] == [date(2023, 12, 1), date(2022, 12, 28), date(2024, 1, 17)]
    assert [e.arxiv_id for e in snap.entries] == ["2312.00752", "2212.14052", "2401.09417"]


def test_urls_on_their_own_lines_give_ids_and_wrapped_abstracts_are_joined() -> None:
    snap = _snap("url-lines.txt")
    first, second = snap.entries
    assert first.arxiv_id == "2506.00011" and second.arxiv_id == "2506.00022"
    assert first.abstract == (
        "Small language models can learn multi-step reasoning when distilled from traces of larger ones; "
        "we study which traces help most."
    )
    assert first.upvotes == 5 and first.published == date(2025, 6, 2)
    assert second.published == date(2024, 5, 30) and len(snap.entries) == 2  # the footer is no paper


def test_a_snapshot_cut_off_mid_entry_keeps_the_entries_before_the_cut() -> None:
    snap = _snap("cut-off.txt")
    assert [e.truncated for e in snap.entries] == [False, False, True]
    assert snap.entries[1].abstract == "The abstract of the second paper is complete too."
    assert any("cut off" in w for w in snap.warnings)


def test_a_json_digest_cut_off_mid_entry_keeps_the_whole_entries() -> None:
    entry = '{"paper": {"id": "2501.0000%d", "title": "Paper %d", "summary": "Abstract %d."}}'
    text = "[" + ",\n".join(entry % (i, i, i) for i in range(3)) + ',\n{"paper": {"id": "2501.00009", "tit'
    snap = parse_snapshot(text.encode(), "2025-01-05.json")
    assert [e.title for e in snap.complete_entries] == ["Paper 0", "Paper 1", "Paper 2"]
    assert snap.entries[-1].truncated and any("cut off" in w for w in snap.warnings)


def test_jsonl_export_with_fields_mapped_in_config() -> None:
    snap = _snap("export.jsonl", fields={"digest_date": "day"})
    first, second = snap.entries
    assert (first.title, first.arxiv_id, first.upvotes) == ("Sparse Mixture of Experts Revisited", "2501.11111", 12)
    assert first.authors == ("A. One", "B. Two") and second.authors == ("C. Three",)
    assert (first.digest_date, second.digest_date) == (date(2025, 1, 20), date(2025, 1, 21))


def test_csv_export_each_row_its_digest() -> None:
    snap = _snap("export.csv")
    first, second = snap.entries
    assert first.abstract == 'We revisit sparse MoE routing, with commas, and "quotes".'
    assert first.arxiv_id == "2501.11111" and first.published == date(2025, 1, 18)
    assert (first.digest_date, second.digest_date) == (date(2025, 1, 20), date(2025, 1, 21))


def test_one_paper_across_formats_and_sightings_per_row_date(tmp_path: Path) -> None:
    for name in ("export.csv", "export.jsonl"):
        shutil.copy(SHAPES / name, tmp_path / name)
    with open_store(tmp_path / "t.duckdb") as store:
        summary = store_snapshots(store, read_snapshots(tmp_path, fields={"digest_date": "day"}))
        assert summary.new_papers == 2 and store.counts().sightings == 4
        sightings = store.sightings()
    assert sorted(sightings["digest_date"].unique()) == [date(2025, 1, 20), date(2025, 1, 21)]


def test_a_changed_file_is_a_new_version_and_updates_fields(tmp_path: Path) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    page = (SHAPES / "url-lines.txt").read_text()
    (folder / "2025-06-03.txt").write_text(page)
    db = tmp_path / "t.duckdb"
    with open_store(db) as store:
        store_snapshots(store, read_snapshots(folder, seen=store.seen_hashes()))
    (folder / "2025-06-03.txt").write_text(page.replace("Jun 2 5", "Jun 2 9"))  # re-saved later: more upvotes
    with open_store(db) as store:
        again = store_snapshots(store, read_snapshots(folder, seen=store.seen_hashes()))
        assert again.new_snapshots == 1 and again.new_papers == 0
        counts = store.counts()
        versions = store.db.execute("SELECT version, superseded FROM snapshots ORDER BY version").fetchall()
        current = store.sightings()
        history = store.paper_history(store.find_papers("2506.00011")[0].paper_id)
    assert counts.papers == 2 and versions == [(1, True), (2, False)]
    assert len(current) == 2 and current["upvotes"].max() == 9  # prevalence sees the current version only
    assert history["upvotes"].tolist() == [5, 9]  # the upvote history keeps both
