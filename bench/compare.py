"""papertrends against the plain BERTopic script, side by side, in one session: `make bench`.

    python bench/compare.py [--corpus ../shared/data/hf-daily-api] [--bbc ../shared/data/bbc-news.jsonl.gz]
                            [--json docs/bench-compare.json]

On CORPUS less its last digest, it runs the plain script (bench/plain.py) and a cold `papertrends run` (empty
database) as separate processes, then adds the last digest and runs papertrends again, then once more with
nothing new. Peak memory is the largest summed RSS of each command's whole process tree (sampled every 0.1 s),
so papertrends' Prefect server counts too. It then checks the fast embeddings against the plain script's
sentence-transformers fp32 vectors of the same papers (cosine, and ARI between topic fits on each), scores both
sets of topics on the same tokenised documents (gensim c_npmi on the top 10 words, topic diversity), and fits
both on the labelled BBC corpus (NMI, ARI against the labels). Prints a table with ratios; --json keeps figures.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # plain.py, the script measured against
SHARED = ROOT.parent / "shared" / "data"

from stability import cpu  # noqa: E402 - bench/ is on the path only now


def measured(command: list[str], **kwargs: Any) -> tuple[float, float, str]:
    """Run a command; its wall seconds, peak summed RSS of its process tree (MB), and its stdout."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                total = 0
                for p in tree:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                peak = max(peak, total / 2**20)
            except psutil.Error:
                pass
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{err[-3000:]}")
    return wall, peak, out


def papertrends_run(corpus: Path, work: Path, tag: str) -> dict[str, Any]:
    exe = Path(sys.executable).parent / "papertrends"
    summary = work / f"{tag}.json"
    command = [str(exe), "run", "--snapshots", str(corpus), "--db", str(work / "pt.duckdb")]
    command += ["--reports", str(work / "reports"), "--no-progress", "--summary-json", str(summary)]
    wall, peak, _ = measured(command, cwd=ROOT)
    s = json.loads(summary.read_text())
    if s.get("status") == "up to date":  # the summary is the last run's: this command ran no step
        return {"wall": wall, "peak_mb": peak, "seconds": {}, "summary": s}
    steps = {k: float(v) for k, v in s["seconds"].items()}
    # start-up: imports, the ephemeral Prefect server, the lock (first_file is a moment, not a step: not summed)
    steps["import"] = wall - sum(v for k, v in steps.items() if k != "first_file")
    return {"wall": wall, "peak_mb": peak, "seconds": steps, "summary": s}


def norm(text: str) -> str:
    return " ".join(text.split())


def fidelity(work: Path, plain_out: Path, model_id: str) -> dict[str, Any]:
    """Cosine of papertrends' vectors to the plain script's fp32 ones, and ARI of topic fits on each."""
    from sklearn.metrics import adjusted_rand_score

    from papertrends.analysis import documents
    from papertrends.config import load_settings
    from papertrends.store import open_store
    from papertrends.topics import TopicModel

    with open_store(work / "pt.duckdb") as store:
        papers, fast = store.corpus(model_id)
    docs = documents(papers)
    reference = dict(
        zip(
            map(norm, json.loads((plain_out / "docs.json").read_text())),
            np.load(plain_out / "embeddings.npy"),
            strict=True,
        )
    )
    keep = [i for i, d in enumerate(docs) if norm(d) in reference]
    fp32 = np.stack([reference[norm(docs[i])] for i in keep])
    fp32 /= np.linalg.norm(fp32, axis=1, keepdims=True)
    fast = fast[keep]
    docs = [docs[i] for i in keep]
    ids = papers["paper_id"].iloc[keep].tolist()
    cosine = (fp32 * fast).sum(axis=1)
    settings = load_settings(ROOT / "config" / "papertrends.toml")
    start = time.perf_counter()
    a = TopicModel(settings).fit(docs, fast, ids)
    fit_seconds = time.perf_counter() - start  # the topic model alone, as the plain script's fit is BERTopic alone
    b = TopicModel(settings).fit(docs, fp32, ids)
    # The yardstick: the fp32 vectors moved by random noise as far as the fast ones are (same mean cosine).
    from papertrends.topics.ensemble import moved

    noisy = moved(fp32, float(cosine.mean()), seed=0)
    c = TopicModel(settings).fit(docs, noisy, ids)
    return {
        "papers": len(keep),
        "topic_fit_seconds": fit_seconds,
        "noise_cosine_mean": float((noisy * fp32).sum(axis=1).mean()),
        "ari_subtopics_fp32_vs_noise": float(adjusted_rand_score(b.subtopics_.labels, c.subtopics_.labels)),
        "ari_topics_fp32_vs_noise": float(adjusted_rand_score(b.topics_.labels, c.topics_.labels)),
        "cosine_mean": float(cosine.mean()),
        "cosine_min": float(cosine.min()),
        "ari_subtopics": float(adjusted_rand_score(a.subtopics_.labels, b.subtopics_.labels)),
        "ari_topics": float(adjusted_rand_score(a.topics_.labels, b.topics_.labels)),
    }


def topic_quality(work: Path, plain_out: Path, run_id: int) -> dict[str, Any]:
    from papertrends.quality import evaluate
    from papertrends.store import open_store

    docs = json.loads((plain_out / "docs.json").read_text())
    plain = {int(k): v for k, v in json.loads((plain_out / "topics.json").read_text()).items()}
    with open_store(work / "pt.duckdb") as store:
        topics, _ = store.load_topics(run_id)
    levels = {
        level: {int(r.topic_id): [w for w, _ in r.top_terms] for r in topics[topics["level"] == level].itertuples()}
        for level in ("topic", "subtopic")
    }
    return evaluate({"plain": plain, "papertrends": levels["topic"], "papertrends_subtopics": levels["subtopic"]}, docs)


def bbc(path: Path) -> dict[str, Any]:
    """Both pipelines' topics on the labelled BBC News corpus: NMI and ARI against the 5 labels, NPMI, diversity."""
    from plain import plain_model, sentence_transformer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from papertrends.config import load_settings
    from papertrends.embedding import make_embedder
    from papertrends.quality import evaluate
    from papertrends.topics import OUTLIER, TopicModel

    with gzip.open(path, "rt") as lines:
        rows = [json.loads(line) for line in lines]
    docs = [norm(f"{r['title']}. {r['text']}") for r in rows]
    labels = [r["label"] for r in rows]
    out: dict[str, Any] = {"documents": len(docs)}

    start = time.perf_counter()
    plain = plain_model()
    plain_labels, _ = plain.fit_transform(docs, sentence_transformer().encode(docs))
    out["plain_seconds"] = time.perf_counter() - start
    plain_words = {int(t): [w for w, _ in plain.get_topic(t)][:10] for t in set(plain_labels) if t != -1}

    start = time.perf_counter()
    settings = load_settings(ROOT / "config" / "papertrends.toml")
    ours = TopicModel(settings).fit(docs, make_embedder(settings.embedding).encode(docs), [r["id"] for r in rows])
    out["papertrends_seconds"] = time.perf_counter() - start
    our_words = {k: [w for w, _ in v] for k, v in ours.topics_.terms.items() if k != OUTLIER}

    quality = evaluate({"plain": plain_words, "papertrends": our_words}, docs)
    for name, found in (("plain", np.asarray(plain_labels)), ("papertrends", ours.topics_.labels)):
        out[name] = quality[name] | {
            "nmi": float(normalized_mutual_info_score(labels, found)),
            "ari": float(adjusted_rand_score(labels, found)),
            "outliers": float(np.mean(found == -1)),
        }
    return out


def startup() -> float:
    exe = Path(sys.executable).parent / "papertrends"
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def target(value: float, bar: float, text: str) -> str:
    """A target beside its figure: `text` (the bar as written), met or missed and by how much."""
    return f"{text}: met" if value <= bar else f"{text}: missed by {value / bar - 1:.0%}"


def table(r: dict[str, Any]) -> str:
    plain, cold, one, none = r["plain"], r["cold"], r["one_new"], r["nothing_new"]
    seconds = cold["seconds"]
    rows = [("step (s)", "plain", "papertrends cold", "ratio", "target (issue 'Fast on every CPU')")]
    first = seconds.get("first_file")
    rows.append(("start-up: command to first file parsed", "", f"{first:.2f}" if first else "-", "",
                 target(first, 3.0, "< 3 s") if first else "not measured"))  # fmt: skip
    for step in ("import", "parse", "embed", "fit", "trends", "report"):
        ours = {"parse": seconds.get("read", 0) + seconds.get("store", 0), "trends": 0.0}.get(
            step, seconds.get(step, 0)
        )
        note = " (in fit)" if step == "trends" else ""
        p = plain["seconds"][step]
        bar = target(ours, 3.0, "< 3 s") if step == "report" else ""
        rows.append((step, f"{p:.1f}", f"{ours:.1f}{note}", f"{ours / p:.2f}x" if p else "-", bar))
    if "topic_fit_seconds" in r["fidelity"]:  # the fit step above also measures trends, history and phrases
        ours, p = r["fidelity"]["topic_fit_seconds"], plain["seconds"]["fit"]
        rows.append(("  topic model alone, same papers", f"{p:.1f}", f"{ours:.1f}", f"{ours / p:.2f}x",
                     target(ours / p, 0.7, "<= 0.7x")))  # fmt: skip
    ratio = cold["wall"] / plain["wall"]
    rows.append(("wall, whole command", f"{plain['wall']:.1f}", f"{cold['wall']:.1f}", f"{ratio:.2f}x",
                 target(ratio, 0.4, "<= 0.4x")))  # fmt: skip
    for name, run, bar in (("  re-run, one new digest", one, 0.05), ("  re-run, nothing new", none, 0.01)):
        ratio = run["wall"] / plain["wall"]
        rows.append((name, "", f"{run['wall']:.1f}", f"{ratio:.3f}x", target(ratio, bar, f"<= {bar}x")))
    ratio = cold["peak_mb"] / plain["peak_mb"]
    rows.append(("peak RSS (MB), cold", f"{plain['peak_mb']:.0f}", f"{cold['peak_mb']:.0f}", f"{ratio:.2f}x",
                 target(ratio, 0.8, "<= 0.8x")))  # fmt: skip
    rows.append(("  re-runs (one new / nothing)", "", f"{one['peak_mb']:.0f} / {none['peak_mb']:.0f}", "", ""))
    pe, ce = plain["embed_papers_per_s"], cold["embed_papers_per_s"]
    runtime = r.get("embedding_runtime", "default runtime")
    rows.append((f"embedding papers/s ({runtime})", f"{pe:.1f}", f"{ce:.1f}", f"{ce / pe:.2f}x",
                 ">= 3x for int8: bench/embed_speed.py"))  # fmt: skip
    f = r["fidelity"]
    rows.append(("  cosine to fp32 (mean/min)", "1", f"{f['cosine_mean']:.5f} / {f['cosine_min']:.4f}", "", ""))
    rows.append(("  ARI of fits, fast vs fp32", "", f"{f['ari_subtopics']:.3f} sub / {f['ari_topics']:.3f} top", "",
                 ">= 0.9"))  # fmt: skip
    if "ari_subtopics_fp32_vs_noise" in f:
        noise = f"{f['ari_subtopics_fp32_vs_noise']:.3f} sub / {f['ari_topics_fp32_vs_noise']:.3f} top"
        rows.append(("  ARI, fp32 vs fp32 + as much noise", "", noise, "", ">= 0.9"))
    q = r["quality"]
    rows.append(("topics", str(plain["topics"]), f"{cold['topics']} (+{cold['subtopics']} subtopics)", "", ""))
    rows.append(("outlier share", f"{plain['outliers']:.1%}", f"{cold['outliers']:.1%}", "", ""))
    for key in ("npmi", "diversity"):
        rows.append((f"{key} (top 10 words)", f"{q['plain'][key]:.4f}", f"{q['papertrends'][key]:.4f}"
                     f" (subtopics {q['papertrends_subtopics'][key]:.4f})", "", ">= plain"))  # fmt: skip
    if "bbc" in r:
        b = r["bbc"]
        for key in ("nmi", "ari", "npmi", "diversity"):
            rows.append((f"BBC {key}", f"{b['plain'][key]:.4f}", f"{b['papertrends'][key]:.4f}", "", ""))
        rows.append(("BBC topics / outliers", f"{b['plain']['topics']} / {b['plain']['outliers']:.1%}",
                     f"{b['papertrends']['topics']} / {b['papertrends']['outliers']:.1%}", "", ""))  # fmt: skip
    rows.append(("`papertrends --help` (s)", "", f"{r['startup']:.3f}", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def print_result(result: dict[str, Any]) -> None:
    print(f"\npapertrends vs the plain BERTopic script, {result['date']}, {result['machine']}")
    print(f"corpus {result['corpus']} ({result['files'] - 1} digests cold, then the last one added)")
    print(f"one-time ONNX export (not in the runs): {result['export_seconds']:.1f} s\n")
    print(table(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "hf-daily-api")
    parser.add_argument("--bbc", type=Path, default=SHARED / "bbc-news.jsonl.gz")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--table", type=Path, help="only print the table of an earlier run's --json file")
    args = parser.parse_args()
    if args.table:
        print_result(json.loads(args.table.read_text()))
        return 0
    files = sorted(args.corpus.glob("*.json"))
    if len(files) < 2:
        sys.exit(f"bench: {args.corpus} holds {len(files)} digest files; give --corpus a folder of HF JSON digests")
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{cpu()}, {platform.platform()}",
        "corpus": str(args.corpus),
        "files": len(files),
    }
    from papertrends.config import EmbeddingConfig
    from papertrends.embedding import make_embedder, model_path
    from papertrends.embedding.export import onnx_model

    embedder = make_embedder(EmbeddingConfig())  # the default: what `auto` picks on this CPU, or the env's choice
    result["embedding_runtime"] = embedder.provenance
    start = time.perf_counter()
    # the once-per-machine export, timed apart
    onnx_model(model_path(EmbeddingConfig().model), getattr(embedder, "onnx_kind", "fp32"))
    result["export_seconds"] = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="ptbench-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        corpus.mkdir()
        for f in files[:-1]:
            (corpus / f.name).symlink_to(f.resolve())
        print(f"plain script on {len(files) - 1} digests ...", file=sys.stderr, flush=True)
        wall, peak, out = measured([sys.executable, str(ROOT / "bench" / "plain.py"), str(corpus), str(work / "plain")])
        result["plain"] = json.loads(out.strip().splitlines()[-1]) | {"wall": wall, "peak_mb": peak}
        print("papertrends, cold ...", file=sys.stderr, flush=True)
        cold = papertrends_run(corpus, work, "cold")
        s = cold["summary"]
        cold |= {
            "embed_papers_per_s": s["embeddings_computed"] / cold["seconds"]["embed"],
            "topics": s["n_topics"],
            "subtopics": s["n_subtopics"],
            "outliers": s["outlier_share"],
        }
        result["cold"] = cold
        (corpus / files[-1].name).symlink_to(files[-1].resolve())
        print("papertrends, one new digest ...", file=sys.stderr, flush=True)
        result["one_new"] = papertrends_run(corpus, work, "one")
        print("papertrends, nothing new ...", file=sys.stderr, flush=True)
        result["nothing_new"] = papertrends_run(corpus, work, "none")
        print("fidelity and quality ...", file=sys.stderr, flush=True)
        result["fidelity"] = fidelity(work, work / "plain", embedder.model_id)
        result["quality"] = topic_quality(work, work / "plain", s["run_id"])
    if args.bbc.exists():
        print("BBC ...", file=sys.stderr, flush=True)
        result["bbc"] = bbc(args.bbc)
    result["startup"] = startup()
    for run in ("cold", "one_new", "nothing_new"):
        result[run]["summary"] = {
            k: v for k, v in result[run]["summary"].items() if k in ("ingest", "seconds", "metrics", "run_id")
        }
    print_result(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
