"""Dense (vector) search backends behind one interface.

- ``local``: exact inner-product search in numpy over the vectors loaded from Postgres (default).
- ``pgvector``: ``ORDER BY embedding_vec <#> q`` in Postgres, when migration 0310 found the extension.
- ``pinecone``: the ``pinecone`` SDK, one namespace per manual (``doc_id``); index from ``PINECONE_INDEX``
  (or its data-plane URL in ``PINECONE_HOST``, which skips the control-plane lookup).

Vectors are always kept in Postgres too (the source of truth); backends other than ``local`` are
synced by ``ingest`` after its transaction commits. ``RAG_DENSE_BACKEND`` = auto|local|pgvector|pinecone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import psycopg

from ..config import Settings
from . import store
from .corpus import Corpus

log = logging.getLogger(__name__)
PINECONE_BATCH = 100
PINECONE_TIMEOUT_S = 10


@dataclass(frozen=True)
class VectorItem:
    passage_id: str
    doc_id: str
    vector: np.ndarray
    metadata: dict


class DenseBackend(Protocol):
    name: str

    def search(self, corpus: Corpus, query: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        ...

    def sync(self, upserts: list[VectorItem], deletes: list[tuple[str, str]], dropped_docs: list[str]) -> None:
        ...


class LocalExactBackend:
    name = "local"

    def search(self, corpus: Corpus, query: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        if not corpus.dense_ready:
            return []
        allowed = corpus.has_vector if mask is None else corpus.has_vector & mask
        hits = corpus.vectors.top(query, min(k, int(allowed.sum())), allowed)
        return [(corpus.ids[i], s) for i, s in hits]

    def sync(self, upserts, deletes, dropped_docs) -> None:
        return None  # the vectors already live in rag_passages


def _vector_literal(vec: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vec.tolist()) + "]"


class PgVectorBackend:
    name = "pgvector"

    def __init__(self, connect: Callable[[], psycopg.Connection]):
        self._connect = connect

    def search(self, corpus: Corpus, query: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        doc_ids = corpus.doc_ids(mask)
        with self._connect() as conn:
            rows = conn.execute(
                """SELECT passage_id, -(embedding_vec <#> %s::vector) AS score FROM rag_passages
                    WHERE embedding_vec IS NOT NULL AND doc_id = ANY(%s)
                    ORDER BY embedding_vec <#> %s::vector LIMIT %s""",
                (_vector_literal(query), doc_ids, _vector_literal(query), k),
            ).fetchall()
        allowed = None if mask is None else {corpus.ids[i] for i in np.flatnonzero(mask)}
        return [(r["passage_id"], float(r["score"])) for r in rows if allowed is None or r["passage_id"] in allowed]

    def sync(self, upserts: list[VectorItem], deletes, dropped_docs) -> None:
        if not upserts:
            return
        with self._connect() as conn, conn.cursor() as cur:
            cur.executemany(
                "UPDATE rag_passages SET embedding_vec = %s::vector WHERE passage_id = %s",
                [(_vector_literal(item.vector), item.passage_id) for item in upserts],
            )


class PineconeBackend:
    """Pinecone through the official SDK; one namespace per manual so a manual can be dropped whole."""

    name = "pinecone"

    def __init__(self, api_key: str, index_name: str, host: str | None = None):
        from pinecone import Pinecone

        client = Pinecone(api_key=api_key, timeout=PINECONE_TIMEOUT_S)
        self.index = client.index(host=host) if host else client.index(name=index_name)

    def search(self, corpus: Corpus, query: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        allowed = None if mask is None else {corpus.ids[i] for i in np.flatnonzero(mask)}
        vector = query.astype(float).tolist()
        hits: list[tuple[str, float]] = []
        for namespace in corpus.doc_ids(mask):
            response = self.index.query(vector=vector, top_k=k, namespace=namespace, include_metadata=False)
            hits.extend((m.id, float(m.score)) for m in response.matches
                        if m.id in corpus.position and (allowed is None or m.id in allowed))
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:k]

    def sync(self, upserts: list[VectorItem], deletes: list[tuple[str, str]], dropped_docs: list[str]) -> None:
        for namespace in dropped_docs:
            self.index.delete(delete_all=True, namespace=namespace)
        by_namespace: dict[str, list[str]] = {}
        for passage_id, doc_id in deletes:
            by_namespace.setdefault(doc_id, []).append(passage_id)
        for namespace, ids in by_namespace.items():
            for start in range(0, len(ids), PINECONE_BATCH):
                self.index.delete(ids=ids[start:start + PINECONE_BATCH], namespace=namespace)
        grouped: dict[str, list[dict]] = {}
        for item in upserts:
            grouped.setdefault(item.doc_id, []).append(
                {"id": item.passage_id, "values": item.vector.astype(float).tolist(), "metadata": item.metadata}
            )
        for namespace, vectors in grouped.items():
            for start in range(0, len(vectors), PINECONE_BATCH):
                self.index.upsert(vectors=vectors[start:start + PINECONE_BATCH], namespace=namespace)


def backend_choice(settings: Settings) -> str:
    choice = os.environ.get("RAG_DENSE_BACKEND", "auto").strip().lower() or "auto"
    if choice not in ("auto", "local", "pgvector", "pinecone"):
        raise ValueError(f"RAG_DENSE_BACKEND must be auto, local, pgvector or pinecone, got {choice!r}")
    return choice


def make_backend(settings: Settings, connect: Callable[[], psycopg.Connection]) -> DenseBackend:
    choice = backend_choice(settings)
    if choice == "pinecone" or (choice == "auto" and settings.pinecone_enabled):
        if not settings.pinecone_enabled:
            raise ValueError("RAG_DENSE_BACKEND=pinecone needs PINECONE_API_KEY and PINECONE_INDEX")
        return PineconeBackend(settings.pinecone_api_key, settings.pinecone_index,
                               os.environ.get("PINECONE_HOST", "").strip() or None)
    if choice in ("pgvector", "auto"):
        with connect() as conn:
            available = store.has_pgvector_column(conn)
        if available:
            return PgVectorBackend(connect)
        if choice == "pgvector":
            raise ValueError("RAG_DENSE_BACKEND=pgvector but rag_passages has no embedding_vec column "
                             "(the vector extension was not available when migrations ran)")
    return LocalExactBackend()
