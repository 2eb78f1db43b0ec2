"""How stable papertrends' topics are across embedding runtimes, seeds and noise, what it costs, and how the
size rule does at 300, 3,000 and 30,000 papers: part of `make bench`.

    python bench/stability.py [--corpus ../shared/data/hf-daily-api] [--arxiv ../shared/data/arxiv-2025.jsonl.gz]
                              [--json docs/bench-stability.json] [--skip-sizes]

1. Every paper of CORPUS is embedded by each runtime (sentence-transformers fp32, OpenVINO f32, OpenVINO bf16
   where the CPU has it, ONNX Runtime dynamic int8, OpenVINO static int8); vectors are kept in .cache/bench/
   for the next run.
2. Each set of vectors is fitted with today's defaults, and once more with a single member and no noise (one
   UMAP layout, as a plain BERTopic fit has): ARI between every two fits at both levels, seconds per fit.
   Also: the st-fp32 vectors moved by isotropic noise to cosine 0.995 (an int8 model's distance), and two more
   seeds on the st-fp32 vectors.
3. The shipped samples: topic counts per runtime.
4. The size rule: arXiv samples of 300, 3,000 and 30,000 papers (seeded), fitted on OpenVINO vectors and on the
   same vectors moved to cosine 0.995: topics, subtopics, largest topic, outliers, ARI, seconds.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".cache" / "bench"
RUNTIMES = [("st-fp32", "auto"), ("openvino", "f32"), ("openvino", "bf16"), ("openvino", "int8"),
            ("onnx-int8", "auto"), ("openvino-int8", "auto")]  # fmt: skip


def cpu() -> str:
    """The CPU's model name and the instruction sets that decide the embedding arithmetic."""
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor() or platform.machine()
    fields = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in text.splitlines() if ":" in line)}
    flags = set(fields.get("Flags", "").split())
    have = [f for f in ("avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8") if f in flags]
    name = fields.get("Model name", "?")
    # a cloud's AMD EPYC is often named by no more than that: its family says the core (Zen 3 has no AVX-512)
    family = fields.get("CPU family", "")
    core = {"26": "Zen 5", "25": "Zen 4" if "avx512f" in flags else "Zen 3", "23": "Zen 1-2"}.get(family)
    if fields.get("Vendor ID") == "AuthenticAMD" and core:
        name += f" {core} (family {family}, model {fields.get('Model', '?')})"
    return f"{name}, {os.cpu_count()} cores ({', '.join(have) or 'no AVX-512'})"


def corpus(folder: Path) -> tuple[list[str], list[str], list[str]]:
    """Paper ids, texts and text hashes of every paper in a folder of snapshots, in paper id order."""
    from papertrends.catalog import build_catalog
    from papertrends.embedding import embedding_text
    from papertrends.ingest import read_snapshots

    papers = sorted(build_catalog(read_snapshots(folder).snapshots, {}).changed.values(), key=lambda p: p.paper_id)
    return ([p.paper_id for p in papers], [embedding_text(p.title, p.abstract) for p in papers],
            [p.text_hash for p in papers])  # fmt: skip


def vectors(name: str, docs: list[str], backend: str, precision: str) -> tuple[np.ndarray, str, float]:
    """Vectors of `docs` by one runtime, its provenance and papers/s (0: all or some were cached). Kept under
    .cache/bench by the text's hash, so a corpus that grows embeds only its new papers on the next run."""
    import hashlib

    from papertrends.config import EmbeddingConfig
    from papertrends.embedding import embedding_key, make_embedder

    config = EmbeddingConfig(backend=backend, precision=precision)
    key = embedding_key(config).replace("/", "_")  # a new quantisation recipe is a new key, hence a new file
    path = CACHE / f"{name}-{backend}-{precision}-{key}.npz"
    keys = [hashlib.sha1(d.encode()).hexdigest() for d in docs]
    known: dict[str, np.ndarray] = {}
    provenance = ""
    if path.exists():
        data = np.load(path)
        if "keys" in data:
            known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            provenance = str(data["provenance"])
    missing = [i for i, k in enumerate(keys) if k not in known]
    rate = 0.0
    if missing:
        embedder = make_embedder(config)
        start = time.perf_counter()
        out = embedder.encode([docs[i] for i in missing])
        if len(missing) == len(docs):
            rate = len(docs) / (time.perf_counter() - start)
        known.update(zip([keys[i] for i in missing], out, strict=True))
        provenance = embedder.provenance
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(list(known)), vectors=np.stack(list(known.values())), provenance=provenance)
    return np.stack([known[k] for k in keys]), provenance, rate


def fit(docs: list[str], x: np.ndarray, ids: list[str], **topics: Any) -> dict[str, Any]:
    from papertrends.config import Settings
    from papertrends.topics import TopicModel

    settings = Settings().with_overrides(topics=topics) if topics else Settings()
    start = time.perf_counter()
    model = TopicModel(settings).fit(docs, x, ids)
    top = model.topics_.labels
    return {
        "seconds": time.perf_counter() - start,
        "sub": model.subtopics_.labels,
        "top": top,
        "topics": len(model.topics_.centroids),
        "subtopics": len(model.subtopics_.centroids),
        "largest": float(np.bincount(top[top >= 0]).max() / len(top)) if (top >= 0).any() else 0.0,
        "outliers": model.outlier_share_,
    }


def ari_matrix(fits: dict[str, dict[str, Any]], level: str) -> dict[str, dict[str, float]]:
    from sklearn.metrics import adjusted_rand_score

    return {a: {b: round(float(adjusted_rand_score(fits[a][level], fits[b][level])), 3) for b in fits} for a in fits}


def matched_matrix(fits: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """The share of papers in a research line with a counterpart (Jaccard >= 0.5), the lower of both directions."""
    from papertrends.topics.levels import matched_share

    def both(a: str, b: str) -> float:
        return round(
            min(matched_share(fits[a]["sub"], fits[b]["sub"]), matched_share(fits[b]["sub"], fits[a]["sub"])), 3
        )

    return {a: {b: both(a, b) for b in fits} for a in fits}


def print_matrix(title: str, matrix: dict[str, dict[str, float]]) -> None:
    names = list(matrix)
    width = max(len(n) for n in names)
    print(f"\n{title}")
    print(" " * (width + 2) + "  ".join(f"{n[:12]:>12}" for n in names))
    for a in names:
        print(f"{a:<{width}}  " + "  ".join(f"{matrix[a][b]:>12.3f}" for b in names))
    off = [matrix[a][b] for a, b in itertools.combinations(names, 2)]
    print(f"{'lowest':<{width}}  {min(off):.3f}" if off else "")


def runtimes_on(name: str, docs: list[str]) -> dict[str, tuple[np.ndarray, str, float]]:
    from papertrends.embedding.runtimes import cpu_has_bf16

    out = {}
    for backend, precision in RUNTIMES:
        if precision == "bf16" and not cpu_has_bf16():
            print(f"  {backend} bf16: this CPU has no native bf16; left out", file=sys.stderr)
            continue
        print(f"  embedding {name} with {backend} {precision} ...", file=sys.stderr, flush=True)
        vec, provenance, rate = vectors(name, docs, backend, precision)
        out[provenance] = (vec, provenance, rate)
    return out


def stability(folder: Path) -> dict[str, Any]:
    from papertrends.topics.ensemble import moved

    ids, docs, _ = corpus(folder)
    embedded = runtimes_on("hf-daily", docs)
    reference = embedded["st-fp32"][0]
    result: dict[str, Any] = {"papers": len(ids), "embedding": {}}
    for name, (vec, _, rate) in embedded.items():
        cosine = np.einsum("nd,nd->n", vec, reference)
        result["embedding"][name] = {"cosine_mean": float(cosine.mean()), "cosine_min": float(cosine.min()),
                                     "papers_per_s": rate}  # fmt: skip
    inputs = {name: vec for name, (vec, _, _) in embedded.items()}
    inputs["st-fp32+noise0.995"] = moved(reference, 0.995, seed=11)
    for label, settings in (("ensemble", {}), ("single", {"members": 1, "augment": 1.0})):
        fits = {}
        for name, x in inputs.items():
            print(f"  {label} fit on {name} ...", file=sys.stderr, flush=True)
            fits[name] = fit(docs, x, ids, **settings)
        for seed in (43, 44):
            fits[f"st-fp32 seed {seed}"] = fit(docs, reference, ids, seed=seed, **settings)
        result[label] = {
            "subtopics": ari_matrix(fits, "sub"),
            "matched": matched_matrix(fits),
            "topics": ari_matrix(fits, "top"),
            "fits": {n: {k: v for k, v in f.items() if k not in ("sub", "top")} for n, f in fits.items()},
        }
    return result


def samples() -> dict[str, Any]:
    ids, docs, _ = corpus(ROOT / "snapshots")
    out = {}
    for name, (vec, _, _) in runtimes_on("samples", docs).items():
        f = fit(docs, vec, ids)
        out[name] = {k: v for k, v in f.items() if k not in ("sub", "top")}
    return out


def sizes(arxiv: Path) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score

    from papertrends.embedding import embedding_text
    from papertrends.topics.ensemble import moved

    with gzip.open(arxiv, "rt") as lines:
        rows = [json.loads(line) for line in lines]
    random.Random(42).shuffle(rows)
    out = {}
    for n in (300, 3_000, 30_000):
        part = rows[:n]
        docs = [embedding_text(r["title"], r["abstract"]) for r in part]
        ids = [r["arxiv_id"] for r in part]
        print(f"  arXiv {n}: embedding ...", file=sys.stderr, flush=True)
        x, _, _ = vectors(f"arxiv{n}", docs, "openvino", "auto")
        a = fit(docs, x, ids)
        b = fit(docs, moved(x, 0.995, seed=11), ids)
        out[str(n)] = {k: v for k, v in a.items() if k not in ("sub", "top")} | {
            "ari_noise_subtopics": float(adjusted_rand_score(a["sub"], b["sub"])),
            "ari_noise_topics": float(adjusted_rand_score(a["top"], b["top"])),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "hf-daily-api")
    parser.add_argument("--arxiv", type=Path, default=SHARED / "arxiv-2025.jsonl.gz")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip-sizes", action="store_true", help="leave out the 300 / 3,000 / 30,000 curve")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu()}
    print(f"stability, {result['date']}, {result['cpu']}", file=sys.stderr)
    result["stability"] = stability(args.corpus)
    result["samples"] = samples()
    if not args.skip_sizes and args.arxiv.exists():
        result["sizes"] = sizes(args.arxiv)
    report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, default=float))
    return 0


def report(result: dict[str, Any]) -> None:
    s = result["stability"]
    print(f"\nTopic stability on {s['papers']:,} papers, {result['date']}, {result['cpu']}")
    print("\nembedding runtimes (cosine to sentence-transformers fp32; papers/s when computed in this run)")
    for name, e in s["embedding"].items():
        rate = f"{e['papers_per_s']:.1f}/s" if e["papers_per_s"] else "cached"
        print(f"  {name:<28} mean {e['cosine_mean']:.5f}  min {e['cosine_min']:.5f}  {rate}")
    for label, title in (("single", "one UMAP layout (members = 1, no noise)"), ("ensemble", "today's defaults")):
        part = s[label]
        seconds = np.mean([f["seconds"] for f in part["fits"].values()])
        counts = {n: (f["topics"], f["subtopics"]) for n, f in part["fits"].items()}
        print(f"\n== {title}: {seconds:.1f} s per fit; (areas, research lines) per fit: {counts}")
        print_matrix(f"ARI, research lines ({title})", part["subtopics"])
        print_matrix(f"papers in a research line with a counterpart, Jaccard >= 0.5 ({title})", part["matched"])
        print_matrix(f"ARI, areas ({title})", part["topics"])
    print("\nshipped samples, per runtime: topics, subtopics, largest topic, outliers")
    for name, f in result["samples"].items():
        print(f"  {name:<28} {f['topics']:>3} {f['subtopics']:>4}  {f['largest']:.0%}  {f['outliers']:.1%}")
    if "sizes" in result:
        print("\nsize rule on arXiv samples: topics, subtopics, largest, outliers, ARI vs noise 0.995 (sub/top), s")
        for n, f in result["sizes"].items():
            print(f"  {int(n):>6,} {f['topics']:>3} {f['subtopics']:>4}  {f['largest']:.0%}  {f['outliers']:.1%}"
                  f"  {f['ari_noise_subtopics']:.3f} / {f['ari_noise_topics']:.3f}  {f['seconds']:.0f} s")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
