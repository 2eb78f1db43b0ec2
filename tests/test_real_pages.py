"""Real saved pages of huggingface.co/papers that nobody here wrote (tests/real, provenance in its README).

Each file has a truth file counted by reading it. Every file must give exactly its truth's entries, titles in page
order, and the arXiv ids the page shows; over all files, recall and precision on titles are reported per tool.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from papertrends.identity import normalize_title
from papertrends.snapshots import parse_snapshot
from papertrends.snapshots.page import Page, PageEntry

REAL = Path(__file__).parent / "real"
TRUTHS = sorted(REAL.glob("*.truth.json"))
COPIED = datetime(2026, 11, 1, tzinfo=UTC)  # a file time unlike any date the pages state


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _parse(truth: dict, data: bytes | None = None) -> object:
    page = REAL / truth["file"]
    return parse_snapshot(page.read_bytes() if data is None else data, str(page), mtime=COPIED)


def test_the_corpus_has_fifteen_pages_from_six_tools() -> None:
    truths = [_truth(p) for p in TRUTHS]
    assert len(truths) >= 15
    assert len({t["tool_family"] for t in truths}) >= 6
    assert all((REAL / t["file"]).is_file() and t["papers"] for t in truths)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.name.removesuffix(".truth.json"))
def test_each_real_page_gives_exactly_its_papers(truth_path: Path) -> None:
    truth = _truth(truth_path)
    snap = _parse(truth)
    assert [e.title for e in snap.entries] == [p["title"] for p in truth["papers"]]
    for entry, paper in zip(snap.entries, truth["papers"], strict=True):
        if paper.get("arxiv_id"):
            assert entry.arxiv_id == paper["arxiv_id"], entry.title
    assert not any("cover" in w for w in snap.warnings)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.name.removesuffix(".truth.json"))
def test_a_date_the_page_states_comes_before_the_file_time(truth_path: Path) -> None:
    truth = _truth(truth_path)
    snap = _parse(truth)
    if truth.get("digest_date"):
        assert snap.digest.value == date.fromisoformat(truth["digest_date"])
    elif truth.get("capture_date") and snap.digest.rule in ("capture", "mtime"):
        assert (snap.digest.value, snap.digest.rule) == (date.fromisoformat(truth["capture_date"]), "capture")
    if truth.get("digest_date") or truth.get("capture_date"):
        assert snap.digest.rule != "mtime"


def test_recall_and_precision_on_titles_per_tool(capsys: pytest.CaptureFixture[str]) -> None:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # truth, found, right
    for truth_path in TRUTHS:
        truth = _truth(truth_path)
        want = {normalize_title(p["title"]) for p in truth["papers"]}
        got = [normalize_title(e.title) for e in _parse(truth).entries]
        row = counts[truth["tool_family"]]
        row[0] += len(want)
        row[1] += len(got)
        row[2] += sum(g in want for g in set(got))
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    with capsys.disabled():
        for family, (n, found, right) in sorted(counts.items()):
            print(f"\n{family:18s} papers {n:3d} found {found:3d} recall {right / n:.2f} precision {right / found:.2f}")
    assert total[2] / total[0] >= 0.98 and total[2] / total[1] >= 0.98


def test_saved_html_without_its_embedded_data_is_read_from_its_markup() -> None:
    truth = _truth(REAL / "saved-html-daily-2024-08-01.truth.json")
    html = (REAL / truth["file"]).read_text(encoding="utf-8")
    stripped, n = re.subn(r'\sdata-props="[^"]*"', "", html)
    assert n >= 4 and "dailyPapers" not in stripped
    snap = _parse(truth, stripped.encode())
    assert [e.title for e in snap.entries] == [p["title"] for p in truth["papers"]]
    assert [e.arxiv_id for e in snap.entries] == [p["arxiv_id"] for p in truth["papers"]]


def test_a_paper_page_is_one_entry_and_the_papers_it_mentions_are_not() -> None:
    truth = _truth(REAL / "obsidian-clipper-paper-2409.16040.truth.json")
    (entry,) = _parse(truth).entries
    assert entry.arxiv_id == "2409.16040" and entry.published == date(2024, 9, 25)
    assert entry.abstract.startswith("Deep learning for time series forecasting")
    assert "Librarian" not in entry.abstract and len(truth.get("also_mentioned", [])) == 5


def test_a_page_read_as_much_less_than_its_text_is_named_in_a_warning() -> None:
    from papertrends.snapshots import _coverage

    text = (REAL / "ragent-search-long-context-asr.md").read_text(encoding="utf-8")  # 50 KB, 34 papers
    one = PageEntry(title="MURMUR: An Efficient Inference System for Long-Form ASR", abstract="Long-form ASR.", line=59)
    (warning,) = _coverage(Page(None, (one,)), text, "ragent.md")
    assert warning.startswith("ragent.md: 1 entries cover 0% of the page's")
    assert _coverage(Page(None, (one,), kind="paper"), text, "ragent.md") == ()


def test_parse_into_a_closed_pipe_ends_quietly() -> None:
    command = [sys.executable, "-m", "papertrends.cli", "parse", "--format", "jsonl"]
    command += [str(REAL / _truth(t)["file"]) for t in TRUTHS] * 4  # more than a pipe holds
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert json.loads(first)["title"]
    assert "Traceback" not in err and "BrokenPipe" not in err and proc.returncode == 141
