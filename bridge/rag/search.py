"""Hybrid search: BM25 and dense candidates fused into one ranking, with timings.

``hybrid_search`` is the whole query path over a :class:`Corpus`; ``Searcher`` keeps the corpus
loaded from Postgres and reloads it when an ingest bumps ``rag_state.generation``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from . import store
from .analyzer import analyze
from .corpus import Corpus, Filters, corpus_from_rows
from .dense import DenseBackend, LocalExactBackend
from .embedder import Embedder
from .fusion import DEFAULT_DENSE_WEIGHT, Fused, fuse

log = logging.getLogger(__name__)
CANDIDATES = 50  # per method, before fusion


@dataclass
class SearchResult:
    mode: str  # "hybrid" | "bm25" | "dense"
    hits: list[Fused]
    timing_ms: dict[str, float]
    notice: str | None = None
    dense_backend: str | None = None
    embedder: str | None = None
    extras: dict = field(default_factory=dict)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def hybrid_search(
    corpus: Corpus,
    query: str,
    top_k: int,
    *,
    embedder: Embedder | None,
    backend: DenseBackend | None = None,
    filters: Filters | None = None,
    method: str = "weighted",
    dense_weight: float = DEFAULT_DENSE_WEIGHT,
    mode: str = "hybrid",
    embedder_notice: str | None = None,
    candidates: int = CANDIDATES,
) -> SearchResult:
    """Search ``corpus``; ``mode`` may force ``bm25`` or ``dense`` alone (used by the evaluation)."""
    started = time.perf_counter()
    backend = backend or LocalExactBackend()
    filters = filters or Filters()
    timing: dict[str, float] = {}
    notice = None
    depth = max(candidates, top_k)

    t = time.perf_counter()
    mask = corpus.mask(filters)
    timing["filter_ms"] = _ms(t)

    bm25_hits: list[tuple[str, float]] = []
    if mode in ("hybrid", "bm25"):
        t = time.perf_counter()
        bm25_hits = [(corpus.ids[i], s) for i, s in corpus.bm25.top_k(analyze(query), depth, mask)]
        timing["bm25_ms"] = _ms(t)

    dense_hits: list[tuple[str, float]] = []
    dense_off = _dense_off_reason(corpus, embedder, embedder_notice)
    if mode in ("hybrid", "dense") and dense_off:
        notice = dense_off
        mode = "bm25"
        if not bm25_hits:
            t = time.perf_counter()
            bm25_hits = [(corpus.ids[i], s) for i, s in corpus.bm25.top_k(analyze(query), depth, mask)]
            timing["bm25_ms"] = _ms(t)
    elif mode in ("hybrid", "dense"):
        t = time.perf_counter()
        qvec = embedder.embed_query(query)
        timing["embed_ms"] = _ms(t)
        t = time.perf_counter()
        try:
            dense_hits = backend.search(corpus, qvec, depth, mask)
        except Exception as exc:  # noqa: BLE001 - any backend failure (HTTP, SQL, SDK) degrades to BM25
            log.warning("dense backend %s failed: %s", backend.name, exc)
            notice = f"dense backend {backend.name} failed ({type(exc).__name__}); answered with BM25 only"
            mode = "bm25"
            if not bm25_hits:
                bm25_hits = [(corpus.ids[i], s) for i, s in corpus.bm25.top_k(analyze(query), depth, mask)]
        timing["dense_ms"] = _ms(t)

    t = time.perf_counter()
    if mode == "hybrid":
        fused = fuse(bm25_hits, dense_hits, method=method, dense_weight=dense_weight)
    elif mode == "bm25":
        fused = fuse(bm25_hits, [], method="weighted", dense_weight=0.0)
    else:
        fused = fuse([], dense_hits, method="weighted", dense_weight=1.0)
    if mode != "hybrid":  # single method: report its own raw order and scores
        fused = [Fused(f.passage_id, f.bm25_score if mode == "bm25" else f.dense_score, f.bm25_rank,
                       f.dense_rank, f.bm25_score, f.dense_score) for f in fused]
    timing["fusion_ms"] = _ms(t)
    timing["total_ms"] = _ms(started)
    return SearchResult(mode, fused[:top_k], timing, notice,
                        dense_backend=backend.name if mode != "bm25" else None,
                        embedder=getattr(embedder, "name", None) if mode != "bm25" else None)


def _dense_off_reason(corpus: Corpus, embedder: Embedder | None, embedder_notice: str | None) -> str | None:
    if embedder is None:
        return embedder_notice or "dense retrieval is off: no embedder available"
    if not corpus.dense_ready:
        return "dense retrieval is off: no passage has a vector yet (run ingest with an embedder)"
    if corpus.embedding_model != embedder.name:
        return (f"dense retrieval is off: passages were embedded with {corpus.embedding_model or 'several models'}, "
                f"queries use {embedder.name}; re-run ingest")
    return None


class Searcher:
    """Process-wide search state for the web app: corpus cache, embedder and dense backend."""

    def __init__(self, embedder: Embedder | None, embedder_notice: str | None, backend: DenseBackend):
        self.embedder = embedder
        self.embedder_notice = embedder_notice
        self.backend = backend
        self.backend_notice: str | None = None
        self._corpus: Corpus | None = None
        self._lock = threading.Lock()

    def corpus(self, conn: psycopg.Connection) -> Corpus:
        current = store.generation(conn)
        corpus = self._corpus
        if corpus is not None and corpus.generation == current:
            return corpus
        with self._lock:
            if self._corpus is None or self._corpus.generation != current:
                t = time.perf_counter()
                rows = store.load_corpus_rows(conn)
                dim = self.embedder.dim if self.embedder else None
                self._corpus = corpus_from_rows(rows, current, dim)
                log.info("rag corpus loaded: %d passages, generation %d, %.0f ms",
                         len(rows), current, (time.perf_counter() - t) * 1000)
            return self._corpus

    def search(self, conn: psycopg.Connection, query: str, top_k: int, **kwargs) -> tuple[Corpus, SearchResult]:
        corpus = self.corpus(conn)
        result = hybrid_search(corpus, query, top_k, embedder=self.embedder, backend=self.backend,
                               embedder_notice=self.embedder_notice, **kwargs)
        return corpus, result


def build_searcher(settings, connect: Callable[[], psycopg.Connection]) -> Searcher:
    from .dense import make_backend
    from .embedder import load_embedder

    embedder, notice = load_embedder()
    try:
        backend = make_backend(settings, connect)
    except ValueError:
        raise  # a configuration mistake: the API reports it as 503 with the reason
    except Exception as exc:  # noqa: BLE001 - Pinecone unreachable at start (SDK/HTTP errors of any kind)
        log.warning("dense backend unavailable, using the vectors in Postgres: %s", exc)
        searcher = Searcher(embedder, notice, LocalExactBackend())
        searcher.backend_notice = (f"configured dense backend unavailable at start ({type(exc).__name__}); "
                                   "searching the vectors stored in Postgres instead")
        return searcher
    return Searcher(embedder, notice, backend)
