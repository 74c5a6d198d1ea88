"""The passage vector matrix held in memory by each web process, in a compact dtype.

``RAG_VECTOR_DTYPE`` chooses how the normalised 384-d vectors are kept (Postgres always keeps float32):

- ``int8`` (default): the scan runs over one byte per dimension (a float32 scale per row) with an integer
  inner product (int32 accumulation) against the query scaled to int32, which costs about what the
  float32 scan does; its best ``RESCORE_FACTOR`` x k rows are then re-scored exactly from a float16 copy.
  3 bytes per dimension in all (float32: 4), and the ranking equals float16's (which equals float32's on
  the evaluation); the int8 scores alone differ from float32 by up to ~0.003.
- ``float16``: half the memory; scored block by block through a float32 buffer (slower scan, scores
  within 1e-4 of float32).
- ``float32``: the reference.
"""

from __future__ import annotations

import os

import numpy as np

DTYPES = ("int8", "float16", "float32")
DEFAULT_DTYPE = "int8"
_BLOCK = 4096
_QUERY_SCALE = 32767  # int8 rows x int32 query: 127 * 32767 * 384 dims < 2**31
RESCORE_FACTOR = 4


def configured_dtype() -> str:
    choice = os.environ.get("RAG_VECTOR_DTYPE", DEFAULT_DTYPE).strip().lower() or DEFAULT_DTYPE
    if choice not in DTYPES:
        raise ValueError(f"RAG_VECTOR_DTYPE must be one of {', '.join(DTYPES)}, got {choice!r}")
    return choice


class VectorMatrix:
    """Rows of passage vectors; ``scores(query)`` gives every row's inner product with ``query``."""

    def __init__(self, rows: np.ndarray, dtype: str | None = None):
        dtype = dtype or configured_dtype()
        if dtype not in DTYPES:
            raise ValueError(f"unknown vector dtype {dtype!r}")
        rows = np.asarray(rows, dtype=np.float32)
        self.dtype = dtype
        self.shape = rows.shape
        self.scale: np.ndarray | None = None
        self.exact: np.ndarray | None = None  # float16 rows for re-scoring (int8 only)
        if dtype == "int8":
            peak = np.abs(rows).max(axis=1) if rows.size else np.zeros(len(rows), dtype=np.float32)
            self.scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
            self.data = np.rint(rows / self.scale[:, None]).astype(np.int8)
            self.exact = rows.astype(np.float16)
        else:
            self.data = rows.astype(dtype, copy=dtype != "float32")

    @classmethod
    def concat(cls, parts: list[VectorMatrix]) -> VectorMatrix:
        """Rows of ``parts`` stacked (all of one dtype), without going back through float32."""
        joined = cls.__new__(cls)
        joined.dtype = parts[0].dtype
        joined.data = np.concatenate([p.data for p in parts])
        joined.scale = np.concatenate([p.scale for p in parts]) if parts[0].scale is not None else None
        joined.exact = np.concatenate([p.exact for p in parts]) if parts[0].exact is not None else None
        joined.shape = joined.data.shape
        return joined

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def nbytes(self) -> int:
        parts = (self.data, self.scale, self.exact)
        return sum(p.nbytes for p in parts if p is not None)

    def row(self, i: int) -> np.ndarray:
        return (self.exact if self.exact is not None else self.data)[i].astype(np.float32)

    def top(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """The ``k`` best (row, score) among ``allowed`` rows, best first (ties: lower row)."""
        from .bm25 import top_indices

        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        if self.exact is None:
            return top_indices(scores, k)
        shortlist = np.array([i for i, s in top_indices(scores, k * RESCORE_FACTOR) if s > -np.inf], dtype=np.int64)
        if not len(shortlist):
            return []
        exact = np.einsum("ij,j->i", self.exact[shortlist].astype(np.float32), np.asarray(query, dtype=np.float32))
        order = np.lexsort((shortlist, -exact))[:k]
        return [(int(shortlist[i]), float(exact[i])) for i in order]

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Inner products, float32. einsum, not BLAS: numpy's OpenBLAS wakes a spinning thread pool that
        then slows the embedder (OpenMP) on a two-core machine; for one query vector einsum's SIMD loop
        is as fast."""
        query = np.asarray(query, dtype=np.float32)
        if self.dtype == "float32":
            return np.einsum("ij,j->i", self.data, query)
        if self.dtype == "int8":
            peak = float(np.abs(query).max()) if query.size else 0.0
            if peak == 0.0:
                return np.zeros(len(self), dtype=np.float32)
            q_scale = peak / _QUERY_SCALE
            q_int = np.rint(query / q_scale).astype(np.int32)
            raw = np.einsum("ij,j->i", self.data, q_int, dtype=np.int32, casting="unsafe")
            return raw.astype(np.float32) * (self.scale * np.float32(q_scale))
        out = np.empty(len(self), dtype=np.float32)
        buffer = np.empty((min(_BLOCK, len(self)), self.shape[1]), dtype=np.float32)
        for start in range(0, len(self), _BLOCK):
            block = self.data[start:start + _BLOCK]
            view = buffer[:len(block)]
            np.copyto(view, block)
            np.einsum("ij,j->i", view, query, out=out[start:start + len(block)])
        return out
