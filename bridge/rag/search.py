"""Hybrid search: BM25 and dense candidates fused into one ranking, with timings.

``hybrid_search`` is the whole query path over a :class:`Corpus`; ``Searcher`` keeps the corpus
loaded from Postgres and reloads it when an ingest bumps ``rag_state.generation``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np
import psycopg

from . import analyzer, store
from .analyzer import analyze, fold
from .corpus import Corpus, Filters, corpus_from_rows
from .dense import DenseBackend, LocalExactBackend
from .embedder import Embedder, QueryVectorCache
from .fusion import IDENTIFIER_BOOST, MODEL_BOOST, Fused, adaptive_dense_weight, fuse
from .identifiers import identifiers

log = logging.getLogger(__name__)
CANDIDATES = 50  # per method, before fusion
GENERATION_CHECK_S = 2.0  # default of RAG_GENERATION_CHECK_S


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
    dense_weight: float | None = None,
    mode: str = "hybrid",
    embedder_notice: str | None = None,
    candidates: int = CANDIDATES,
    exact_boost: bool = True,
) -> SearchResult:
    """Search ``corpus``; ``mode`` may force ``bm25`` or ``dense`` alone (used by the evaluation).

    ``dense_weight`` None adapts the weight to the query (``fusion.adaptive_dense_weight``). With
    ``exact_boost`` a hybrid search lifts passages that contain the query's identifiers verbatim (part
    numbers, engine codes, tire sizes...) above the rest, and the named vehicle model's passages a little.
    """
    started = time.perf_counter()
    hybrid_requested = mode == "hybrid"
    backend = backend or LocalExactBackend()
    filters = filters or Filters()
    timing: dict[str, float] = {}
    notice = None
    depth = max(candidates, top_k)

    t = time.perf_counter()
    mask = corpus.mask(filters)
    timing["filter_ms"] = _ms(t)

    terms = analyze(query)
    bm25_hits: list[tuple[str, float]] = []
    if mode in ("hybrid", "bm25"):
        t = time.perf_counter()
        bm25_hits = [(corpus.ids[i], s) for i, s in corpus.bm25.top_k(terms, depth, mask)]
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
    boosts: dict[str, float] = {}
    keys: list[str] = []
    if hybrid_requested and exact_boost:
        keys, boosts = _exact_boosts(corpus, query, mask, bm25_hits, dense_hits, depth)
    if mode == "hybrid":
        if dense_weight is None:
            dense_weight = adaptive_dense_weight(len(terms), bool(keys))
        fused = fuse(bm25_hits, dense_hits, method=method, dense_weight=dense_weight, boosts=boosts)
    elif mode == "bm25":
        fused = fuse(bm25_hits, [], method="weighted", dense_weight=0.0, boosts=boosts)
    else:
        fused = fuse([], dense_hits, method="weighted", dense_weight=1.0)
    if mode != "hybrid" and not boosts:  # single method: report its own raw order and scores
        fused = [Fused(f.passage_id, f.bm25_score if mode == "bm25" else f.dense_score, f.bm25_rank,
                       f.dense_rank, f.bm25_score, f.dense_score) for f in fused]
    timing["fusion_ms"] = _ms(t)
    timing["total_ms"] = _ms(started)
    return SearchResult(mode, fused[:top_k], timing, notice,
                        dense_backend=backend.name if mode != "bm25" else None,
                        embedder=getattr(embedder, "name", None) if mode != "bm25" else None,
                        extras={"dense_weight": dense_weight if mode == "hybrid" else None, "identifiers": keys})


def _exact_boosts(corpus: Corpus, query: str, mask: np.ndarray | None, bm25_hits, dense_hits,
                  depth: int) -> tuple[list[str], dict[str, float]]:
    """(identifiers of the query, passage id -> bonus). Each passage gets IDENTIFIER_BOOST times the share
    of the query's identifiers it contains verbatim; a model name in the query ("hilux", "rav4") gives
    that model's candidates MODEL_BOOST. An identifier found in more than ``depth`` passages is not
    selective: only candidates already ranked by a method are lifted for it."""
    found = identifiers(query)
    words = set(fold(query).replace("-", " ").split())
    models = {corpus.model_names[k] for k in corpus.model_names if k in words or k in found}
    keys = [k for k in found if k not in corpus.model_names]
    candidates = {pid for pid, _ in bm25_hits} | {pid for pid, _ in dense_hits}
    boosts: dict[str, float] = {}
    for key in keys:
        positions = corpus.identifier_matches(key)
        if mask is not None and len(positions):
            positions = positions[mask[positions]]
        share = IDENTIFIER_BOOST / len(keys)
        if len(positions) > depth:
            present = set(positions.tolist())
            chosen = (pid for pid in candidates if corpus.position[pid] in present)
        else:
            chosen = (corpus.ids[i] for i in positions.tolist())
        for pid in chosen:
            boosts[pid] = boosts.get(pid, 0.0) + share
    for model in models:
        of_model = corpus.of_model(model)
        for pid in candidates:
            if of_model[corpus.position[pid]]:
                boosts[pid] = boosts.get(pid, 0.0) + MODEL_BOOST
    return keys, boosts


def _dense_off_reason(corpus: Corpus, embedder: Embedder | None, embedder_notice: str | None) -> str | None:
    if embedder is None:
        return embedder_notice or "dense retrieval is off: no embedder available"
    if not corpus.dense_ready:
        return "dense retrieval is off: no passage has a vector yet (run ingest with an embedder)"
    if corpus.embedding_model != embedder.name:
        return (f"dense retrieval is off: passages were embedded with {corpus.embedding_model or 'several models'}, "
                f"queries use {embedder.name}; re-run ingest")
    return None


ConnectionSource = psycopg.Connection | Callable[[], AbstractContextManager[psycopg.Connection]]


def _open(source: ConnectionSource) -> AbstractContextManager[psycopg.Connection]:
    return contextlib.nullcontext(source) if isinstance(source, psycopg.Connection) else source()


def _release_freed_memory() -> None:
    """After a corpus build: empty the analyzer's stem caches (filled with every word of the corpus,
    ~20 MB at 50k passages; queries refill them with their few words), then hand the freed heap back to
    the OS (glibc keeps it otherwise, and the process RSS stays at the build's peak)."""
    analyzer.stem.cache_clear()
    analyzer.term.cache_clear()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


class Searcher:
    """Process-wide search state for the web app: corpus cache, embedder and dense backend.

    The corpus is rebuilt when an ingest bumps ``rag_state.generation``; the generation is read at most
    once every ``check_interval`` seconds (``RAG_GENERATION_CHECK_S``, default 2), not on every query, so
    a query needs no database round trip. While one thread rebuilds, the others keep answering from the
    previous corpus. Query vectors are remembered in an LRU cache (``RAG_QUERY_CACHE`` entries).
    """

    def __init__(self, embedder: Embedder | None, embedder_notice: str | None, backend: DenseBackend,
                 check_interval: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.embedder = QueryVectorCache.wrap(embedder)
        self.embedder_notice = embedder_notice
        self.backend = backend
        self.backend_notice: str | None = None
        if check_interval is None:
            check_interval = float(os.environ.get("RAG_GENERATION_CHECK_S", GENERATION_CHECK_S) or 0)
        self.check_interval = max(0.0, check_interval)
        self._clock = clock
        self._checked_at = float("-inf")
        self._corpus: Corpus | None = None
        self._lock = threading.Lock()

    def corpus(self, source: ConnectionSource) -> Corpus:
        """The current corpus. ``source`` is a connection, or a callable giving one as a context manager
        (the pool's ``connection``), entered only when the generation is due for a check."""
        corpus = self._corpus
        now = self._clock()
        if corpus is not None and now - self._checked_at < self.check_interval:
            return corpus
        if corpus is not None and not self._lock.acquire(blocking=False):
            return corpus  # another thread is checking or rebuilding: answer from the current corpus
        if corpus is None:
            self._lock.acquire()
        try:
            with _open(source) as conn:
                current = store.generation(conn)
                if self._corpus is None or self._corpus.generation != current:
                    t = time.perf_counter()
                    dim = self.embedder.dim if self.embedder else None
                    self._corpus = corpus_from_rows(store.iter_corpus_rows(conn), current, dim)
                    _release_freed_memory()
                    log.info("rag corpus loaded: %d passages, generation %d, %.0f ms",
                             len(self._corpus), current, (time.perf_counter() - t) * 1000)
            self._checked_at = now
            return self._corpus
        finally:
            self._lock.release()

    def search(self, source: ConnectionSource, query: str, top_k: int, **kwargs) -> tuple[Corpus, SearchResult]:
        corpus = self.corpus(source)
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
