"""The topic model's middle: the ensemble, the consensus of its clusters, the levels and the size rule, with
known answers on small constructed inputs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from papertrends.config import Settings
from papertrends.topics import fit_sizes
from papertrends.topics.consensus import by_size, membership, nested_lines, spherical_kmeans
from papertrends.topics.ensemble import EnsembleReducer, EnsembleSettings, member_neighbors, moved, shared_start
from papertrends.topics.levels import OUTLIER
from papertrends.topics.neighbors import most_similar, unit_rows


def blobs(n_per: int, centres: int, dim: int = 32, spread: float = 0.25, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Unit vectors around `centres` random directions, and which centre each came from."""
    rng = np.random.default_rng(seed)
    c = unit_rows(rng.normal(size=(centres, dim)))
    truth = np.repeat(np.arange(centres), n_per)
    return unit_rows(c[truth] + spread * rng.normal(size=(len(truth), dim)) / np.sqrt(dim) * 4), truth


def test_membership_keeps_the_clusters_most_members_find() -> None:
    a = np.array([0, 0, 0, 1, 1, 1, -1])
    split = np.array([0, 0, 2, 1, 1, 1, -1])  # one member splits the first cluster off a paper
    odd = np.array([5, 5, 5, 5, 5, 5, 5])  # one member sees one big cluster
    w = membership([a, a, split, odd], 7)
    assert w.shape == (7, 2)  # the big cluster is one member's alone: no consensus; the singleton, neither
    first = np.argmax(w[0])
    assert np.allclose(w[:, first], [1.0, 1.0, 0.5, 0, 0, 0, 0]) or np.allclose(
        w[:, first], [0.75, 0.75, 0.5, 0, 0, 0, 0]
    )
    assert np.allclose(w[:, 1 - first], [0, 0, 0, 0.75, 0.75, 0.75, 0])
    assert membership([np.full(5, -1)], 5).shape == (5, 0)  # nobody found anything


def test_a_consensus_cluster_needs_a_core_as_large_as_a_cluster() -> None:
    """Half of the members see a third cluster, but each sees other papers in it: its core (papers in it for
    half of the members) is 2 papers, fewer than a cluster's 3, and it is not a consensus cluster."""
    base = np.array([0, 0, 0, 1, 1, 1, -1, -1, -1, -1])
    one = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, -1])
    two = np.array([0, 0, 0, 1, 1, 1, -1, 2, 2, 2])
    assert membership([base, base, one, two], 10, min_core=3).shape == (10, 2)
    agreed = membership([base, base, one, one], 10, min_core=3)  # the same 3 papers: a core of 3
    assert agreed.shape == (10, 3) and np.allclose(np.sort(agreed[6:9].max(axis=1)), [0.5, 0.5, 0.5])


def test_spherical_kmeans_reaches_its_fixed_point_and_drops_empty_clusters() -> None:
    x, truth = blobs(50, 3)
    start = np.stack([x[truth == t][:5].mean(axis=0) for t in range(3)] + [-x.mean(axis=0)])  # one far away
    labels, centroids = spherical_kmeans(x, start)
    assert len(centroids) == 3 and (labels == truth).all()
    again, _ = spherical_kmeans(x, centroids)
    assert (again == labels).all()  # a fixed point


def test_spherical_kmeans_stops_when_a_step_gains_less_than_its_tolerance() -> None:
    """Papers spread evenly along an arc, both centroids started at one end: Lloyd's steps roll the boundary
    along the arc, each gaining less than the one before. With no tolerance they run to the balanced fixed point;
    with a tolerance (a share of the first step's gain), at one of the earlier steps, the larger it, the earlier."""
    angles = np.linspace(0, np.pi / 2, 400)
    x = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    start = np.stack([x[5], x[30]])
    settled, _ = spherical_kmeans(x, start, rel_tol=0.0)
    assert abs(int((settled == 0).sum()) - 200) <= 2  # the fixed point halves the arc
    steps = [spherical_kmeans(x, start, rel_tol=0.0, max_iter=k)[0] for k in range(1, 30)]

    def stop(tol: float) -> int:  # which of Lloyd's steps the tolerance stopped at
        labels, _ = spherical_kmeans(x, start, rel_tol=tol)
        return next(k for k, step in enumerate(steps) if np.array_equal(step, labels))

    assert 0 < stop(0.2) < stop(0.01) and not np.array_equal(steps[stop(0.2)], settled)


def test_labels_are_numbered_by_size() -> None:
    assert by_size(np.array([3, 3, 7, 7, 7, -1, 1])).tolist() == [1, 1, 0, 0, 0, -1, 2]


def test_members_see_moved_vectors_and_keep_each_paper_first() -> None:
    x, _ = blobs(40, 4)
    y = moved(x, 0.995, seed=1)
    assert abs(float(np.einsum("nd,nd->n", x, y).mean()) - 0.995) < 0.003
    assert np.array_equal(moved(x, 1.0, seed=1), x)
    candidates, _ = most_similar(x, x, 12, same=True)
    indices, distances = member_neighbors(y, candidates, 5)
    assert (indices[:, 0] == np.arange(len(x))).all() and (distances[:, 0] == 0).all()
    assert (np.diff(distances[:, 1:], axis=1) >= -1e-7).all()  # nearest first
    assert all(set(i) <= set(c) for i, c in zip(indices, candidates, strict=True))


def test_the_shared_start_has_the_same_sign_on_every_machine() -> None:
    x, _ = blobs(30, 3)
    a = shared_start(x, 5, 42)
    b = shared_start(-x, 5, 42)  # the same geometry mirrored: the principal axes flip, the start does not
    assert a.shape == (90, 5) and np.abs(a).max() == pytest.approx(10)
    assert np.allclose(np.abs(a), np.abs(b), atol=1e-4)
    assert (a[np.abs(a).argmax(axis=0), range(5)] > 0).all()


def test_members_laid_out_in_threads_are_those_laid_out_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    x, _ = blobs(60, 4)
    settings = EnsembleSettings(members=3, n_neighbors=10, n_components=5, min_dist=0.0, n_epochs=50,
                                augment=0.995, seed=7)  # fmt: skip
    threaded = EnsembleReducer(settings).fit(x).layouts_
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    sequential = EnsembleReducer(settings).fit(x).layouts_
    assert all(np.array_equal(a, b) for a, b in zip(threaded, sequential, strict=True))
    assert not np.array_equal(threaded[0], threaded[1])  # the members differ


def test_research_lines_are_nested_in_areas() -> None:
    x, truth = blobs(40, 6, seed=3)
    areas = truth // 2  # six lines that pair up into three areas
    weights = np.eye(6)[truth] * 0.9  # each line's consensus cluster, found by most members
    weights[truth == 5, 4] = 0.1  # some members put line 5's papers with line 4: still line 5
    areas[0] = OUTLIER
    lines = nested_lines(x, areas, weights)
    assert lines[0] == OUTLIER  # an area's outlier is no line's paper
    for line in set(lines.tolist()) - {OUTLIER}:
        assert len(set(areas[lines == line].tolist())) == 1  # a line lies in one area
    assert adjusted_rand_score(truth[1:], lines[1:]) == 1.0
    one = nested_lines(x, areas, weights[:, :1])  # an area without a line's cluster of its own is one line
    assert len(set(one.tolist()) - {OUTLIER}) == 3


@pytest.mark.parametrize(
    ("papers", "line", "area", "areas"),
    [(300, 5, 9, 6), (3_000, 8, 27, 11), (6_141, 12, 39, 16), (10_000, 15, 50, 20), (30_000, 27, 87, 35),
     (1_000_000, 154, 500, 200)],
)  # fmt: skip
def test_sizes_scale_with_the_square_root_of_the_corpus(papers: int, line: int, area: int, areas: int) -> None:
    sizes = fit_sizes(Settings(), papers)
    assert (sizes.min_cluster_size, sizes.area_size, sizes.top_level_topics, sizes.n_neighbors) == (
        line, area, areas, 15)  # fmt: skip
    fixed = Settings().with_overrides(hdbscan={"min_cluster_size": 12}, topics={"area_size": 40})
    assert (fit_sizes(fixed, papers).min_cluster_size, fit_sizes(fixed, papers).area_size) == (12, 40)
    assert fit_sizes(Settings(), 12).n_neighbors == 11
    assert fit_sizes(Settings(), papers).n_epochs == (500 if papers <= 2_000 else 200)
    assert fit_sizes(Settings().with_overrides(umap={"n_epochs": 350}), papers).n_epochs == 350


LAYOUT_IN_A_NEW_PROCESS = """
import sys
import os
from pathlib import Path

import numpy as np
from papertrends.topics.ensemble import EnsembleReducer, EnsembleSettings
x = np.random.default_rng(0).normal(size=(120, 16)).astype(np.float32)
settings = EnsembleSettings(members=1, n_neighbors=10, n_components=5, min_dist=0.0, n_epochs=30, augment=1.0, seed=7)
np.save(sys.argv[1], EnsembleReducer(settings).fit(x).layouts_[0])
"""


def test_umaps_compiled_functions_are_kept_for_the_next_process(tmp_path: Path) -> None:
    """The first process compiles umap-learn's functions into the cache; the next loads them, to the same layout."""
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    for run in ("first", "second"):
        subprocess.run([sys.executable, "-c", LAYOUT_IN_A_NEW_PROCESS, str(tmp_path / f"{run}.npy")], env=env,
                       check=True, capture_output=True)  # fmt: skip
    kept = {p.name.split("-")[0] for p in (tmp_path / "numba").rglob("*.nbi")}
    assert {"umap_.smooth_knn_dist", "umap_.compute_membership_strengths"} <= kept
    assert np.array_equal(np.load(tmp_path / "first.npy"), np.load(tmp_path / "second.npy"))


def test_a_research_line_left_smaller_than_the_smallest_gives_its_papers_to_its_neighbours() -> None:
    x, truth = blobs(20, 3, seed=4)
    x = np.vstack([x, x[:3] + 1e-3])  # three more papers of line 0 ...
    truth = np.append(truth, [3, 3, 3])  # ... that one member-agreed cluster of three holds
    weights = np.eye(4)[truth] * 0.9
    x = unit_rows(x)
    lines = nested_lines(x, np.zeros(len(x), dtype=int), weights)
    assert np.bincount(lines)[3] == 6  # the three and the three papers they sit beside
    lines = nested_lines(x, np.zeros(len(x), dtype=int), weights, smallest=7)
    assert len(set(lines.tolist())) == 3 and np.bincount(lines).min() >= 7


def test_matched_share_counts_the_papers_whose_topic_has_a_counterpart() -> None:
    from papertrends.topics.levels import matched_share

    a = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, -1])
    b = np.array([5, 5, 5, 6, 7, 8, 9, 3, 4, 4, 4])  # 0 kept (Jaccard 3 / 4), 1 scattered (1 / 4), 2 kept (2 / 3)
    assert matched_share(a, b) == pytest.approx((4 + 2) / 10)  # topics 0 and 2: 6 of the 10 assigned papers
    assert matched_share(a, a) == 1.0 and matched_share(np.full(3, -1), a[:3]) == 1.0


def test_joined_vectors_mix_the_two_cosines_by_the_weight() -> None:
    from papertrends.topics.lexical import joined

    rng = np.random.default_rng(3)
    e, w = unit_rows(rng.normal(size=(6, 8))), unit_rows(rng.normal(size=(6, 5)))
    x = joined(e * 3.0, w, 0.3)  # the sentence vectors need not come as unit rows
    assert np.allclose(np.linalg.norm(x, axis=1), 1, atol=1e-6)
    assert np.allclose(x @ x.T, 0.7 * (e @ e.T) + 0.3 * (w @ w.T), atol=1e-5)
    assert np.array_equal(joined(e, w, 0.0), e) and np.array_equal(joined(e, w[:, :0], 0.3), e)


def test_papers_that_share_rare_words_come_closer_than_their_sentence_vectors_put_them() -> None:
    """Papers on mixture of experts in two fields (vision, speech) have sentence vectors that put each beside its
    field; their words put them together, and the joined vectors move them closer."""
    from papertrends.topics.lexical import joined, lexical_vectors

    fields = ["image segmentation vision pixels", "speech recognition audio waveform"]
    texts = [f"{fields[i % 2]} benchmark study {i}" for i in range(20)]
    texts += [f"sparse mixture of experts routing for {fields[i % 2]}" for i in range(6)]
    lexical = lexical_vectors(texts, 8, seed=42)
    assert lexical.shape == (26, 8) and np.allclose(np.linalg.norm(lexical, axis=1), 1, atol=1e-5)
    assert np.array_equal(lexical, lexical_vectors(texts, 8, seed=42))  # the same words, the same vectors
    field = unit_rows(np.eye(2)[np.arange(26) % 2] + 0.05)  # each paper's sentence vector: its field only
    before = float(field[20] @ field[21])
    x = joined(field, lexical, 0.3)
    assert float(x[20] @ x[21]) > before + 0.1  # a vision and a speech paper on experts
    assert float(x[0] @ x[1]) < float(x[20] @ x[21])  # closer than two papers of the two fields without them


def test_a_corpus_without_shared_words_adds_no_lexical_vector() -> None:
    from papertrends.topics.lexical import lexical_vectors

    assert lexical_vectors(["alpha beta", "gamma delta", "epsilon zeta"], 16, seed=1).shape == (3, 0)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="resident memory read from Linux's /proc")
def test_memory_a_phase_freed_goes_back_to_the_system() -> None:
    """What the fit's phases free in small blocks stays resident under glibc until `release_freed_memory`."""
    import platform

    from papertrends.topics.memory import release_freed_memory

    def resident_mb() -> float:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    if platform.libc_ver()[0] != "glibc":
        release_freed_memory()  # nothing to give back, and no error
        return
    blocks = [np.ones(1000) for _ in range(40_000)]  # 8 KB each, under malloc's mmap threshold: in its arena
    pin = np.ones(1000)  # allocated after them: the arena cannot shrink from its top
    held = resident_mb()
    del blocks
    freed = resident_mb()
    release_freed_memory()
    assert held - resident_mb() > 0.8 * 300 and freed - resident_mb() > 0.5 * 300, (held, freed, resident_mb())
    del pin
