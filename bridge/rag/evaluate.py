"""``python -m bridge.rag.evaluate``: recall@5, MRR@10 and nDCG@10 of BM25 alone, dense alone and
the hybrid default over data/eval/questions.jsonl and the manuals in data/manuals.

Runs in memory (same reader, splitter, analyzer, embedder and search code as the bridge; no
database needed). Fusion weights are tuned only on the ``dev`` split (``--tune`` shows the grid);
the headline numbers are on the ``test`` split, the whole set is printed too, and so is the held-out
set data/eval/holdout.jsonl (written before the fusion was tuned, never tuned on). Exit status 1 when
the hybrid default does not beat both single methods on every test metric.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from .chunking import split_passages
from .corpus import Corpus, corpus_from_documents
from .embedder import Embedder, QueryVectorCache, load_embedder
from .fusion import DEFAULT_DENSE_WEIGHT
from .metrics import mean, mrr_at_k, ndcg_at_k, recall_at_k
from .readers import discover, read_document
from .search import hybrid_search

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MANUALS = ROOT / "data" / "manuals"
DEFAULT_QUESTIONS = ROOT / "data" / "eval" / "questions.jsonl"
HOLDOUT_QUESTIONS = ROOT / "data" / "eval" / "holdout.jsonl"  # never used for tuning (build_holdout.py)
CACHE = ROOT / "var" / "rag" / "eval-vectors.npz"  # passage vectors by (model, text hash); var/ is not committed


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _embed_cached(embedder: Embedder, texts: list[str], cache_path: Path | None) -> np.ndarray:
    keys = [hashlib.sha256(f"{embedder.name}\x1f{t}".encode()).hexdigest() for t in texts]
    cached: dict[str, np.ndarray] = {}
    if cache_path is not None and cache_path.exists():
        with np.load(cache_path) as data:
            cached = {k: data[k] for k in data.files}
    missing = [i for i, k in enumerate(keys) if k not in cached]
    for start in range(0, len(missing), 64):
        batch = missing[start:start + 64]
        for i, vec in zip(batch, embedder.embed_passages([texts[i] for i in batch]), strict=True):
            cached[keys[i]] = vec
    if cache_path is not None and missing:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_path, **{k: cached[k] for k in keys})
    return np.vstack([cached[k] for k in keys]) if keys else np.zeros((0, embedder.dim), dtype=np.float32)


def build_corpus(manuals: Path, embedder: Embedder | None, cache_path: Path | None = None) -> Corpus:
    docs = []
    for file, root in discover([str(manuals)]):
        doc = read_document(file, root)
        docs.append((doc, split_passages(doc)))
    vectors = None
    if embedder is not None:
        texts = [p.index_text for _, passages in docs for p in passages]
        vectors = _embed_cached(embedder, texts, cache_path)
    return corpus_from_documents(docs, vectors, getattr(embedder, "name", None))


def score(corpus: Corpus, questions: list[dict], embedder: Embedder | None, mode: str, **kwargs) -> dict[str, float]:
    recalls, mrrs, ndcgs = [], [], []
    for q in questions:
        result = hybrid_search(corpus, q["question"], 10, embedder=embedder, mode=mode, **kwargs)
        ranked = [h.passage_id for h in result.hits]
        relevant = set(q["relevant"])
        recalls.append(recall_at_k(ranked, relevant, 5))
        mrrs.append(mrr_at_k(ranked, relevant, 10))
        ndcgs.append(ndcg_at_k(ranked, relevant, 10))
    return {"recall@5": mean(recalls), "mrr@10": mean(mrrs), "ndcg@10": mean(ndcgs)}


def _row(name: str, m: dict[str, float]) -> str:
    return f"  {name:<42} {m['recall@5']:>9.3f} {m['mrr@10']:>8.3f} {m['ndcg@10']:>8.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bridge.rag.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--manuals", type=Path, default=DEFAULT_MANUALS)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--holdout", type=Path, default=HOLDOUT_QUESTIONS,
                        help="second question set, never used for tuning (reported, not tuned on)")
    parser.add_argument("--tune", action="store_true", help="print the dense-weight grid on the dev split")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON as well")
    parser.add_argument("--no-cache", action="store_true", help=f"re-embed every passage (cache: {CACHE})")
    args = parser.parse_args(argv)

    embedder, notice = load_embedder()
    if embedder is None:
        print(f"evaluate: {notice}", file=sys.stderr)
        return 2
    embedder = QueryVectorCache(embedder, size=100_000)
    started = time.perf_counter()
    corpus = build_corpus(args.manuals, embedder, None if args.no_cache else CACHE)
    questions = load_questions(args.questions)
    splits = {"dev": [q for q in questions if q["split"] == "dev"],
              "test": [q for q in questions if q["split"] == "test"], "all": questions}
    if args.holdout and args.holdout.exists():
        splits["holdout"] = load_questions(args.holdout)
    print(f"corpus: {len(corpus)} passages from {args.manuals}; {len(questions)} questions "
          f"({len(splits['dev'])} dev, {len(splits['test'])} test); embedder {embedder.name}; "
          f"indexed in {time.perf_counter() - started:.1f}s")

    if args.tune:
        print("\ndense weight grid on the dev split (weighted min-max fusion):")
        best = (-1.0, 0.0)
        for w in np.round(np.arange(0.0, 1.0001, 0.05), 2):
            m = score(corpus, splits["dev"], embedder, "hybrid", dense_weight=float(w), exact_boost=False)
            best = max(best, (round(mean(list(m.values())), 6), -float(w)))
            print(_row(f"w_dense={w:.2f}", m))
        print(f"  best mean of the three metrics on dev: w_dense={-best[1]:.2f} "
              f"(the fixed default in bridge/rag/fusion.py is {DEFAULT_DENSE_WEIGHT}; by default it is adapted "
              "to the query, see fusion.adaptive_dense_weight)")

    report: dict[str, dict[str, dict[str, float]]] = {}
    labels = {"test": "test split (headline)", "all": "whole set (dev + test)",
              "holdout": f"held-out set ({args.holdout.name}, written before tuning, never tuned on)"}
    for split in [s for s in ("test", "all", "holdout") if s in splits]:
        report[split] = {
            "bm25": score(corpus, splits[split], embedder, "bm25"),
            "dense": score(corpus, splits[split], embedder, "dense"),
            "hybrid": score(corpus, splits[split], embedder, "hybrid"),
            "hybrid_fixed": score(corpus, splits[split], embedder, "hybrid", dense_weight=DEFAULT_DENSE_WEIGHT,
                                  exact_boost=False),
            "hybrid_rrf": score(corpus, splits[split], embedder, "hybrid", method="rrf"),
        }
        r = report[split]
        print(f"\n{labels[split]}, {len(splits[split])} questions:        recall@5   MRR@10  nDCG@10")
        print(_row("BM25 (Spanish analyzer)", r["bm25"]))
        print(_row("dense (multilingual-e5-small)", r["dense"]))
        print(_row("hybrid default (adaptive w + exact ids)", r["hybrid"]))
        print(_row(f"hybrid before (fixed w={DEFAULT_DENSE_WEIGHT}, no boost)", r["hybrid_fixed"]))
        print(_row("hybrid, reciprocal rank fusion", r["hybrid_rrf"]))
        best = max(r["bm25"]["recall@5"], r["dense"]["recall@5"])
        ceiling = mean([min(5, len(q["relevant"])) / len(q["relevant"]) for q in splits[split]])
        print(f"  hybrid recall@5 - best single method: {100 * (r['hybrid']['recall@5'] - best):+.1f} points "
              f"(highest reachable recall@5 on this set: {ceiling:.3f}, i.e. {100 * (ceiling - best):+.1f})")
    test = report["test"]
    wins = all(test["hybrid"][k] > max(test["bm25"][k], test["dense"][k]) for k in test["hybrid"])
    print(f"\nhybrid default beats both single methods on every test metric: {'yes' if wins else 'NO'}")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0 if wins else 1  # a fusion regression fails `make eval`


if __name__ == "__main__":
    sys.exit(main())
