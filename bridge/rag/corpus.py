"""The in-memory search corpus: passages with their manual metadata, the BM25 index, the vector
matrix and the metadata arrays used for model/year filters. Built from Postgres rows or in memory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analyzer import analyze
from .bm25 import BM25Index
from .chunking import Document, Passage


@dataclass(frozen=True)
class Entry:
    passage_id: str
    doc_id: str
    source: str
    title: str
    section_path: tuple[str, ...]
    page: int | None
    text: str
    model: str | None
    year_from: int | None
    year_to: int | None


@dataclass(frozen=True)
class Filters:
    model: str | None = None
    year: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.model) or self.year is not None


class Corpus:
    def __init__(self, entries: list[Entry], vectors: np.ndarray | None, generation: int = 0,
                 embedding_model: str | None = None):
        self.entries = entries
        self.ids = [e.passage_id for e in entries]
        self.position = {pid: i for i, pid in enumerate(self.ids)}
        self.generation = generation
        self.embedding_model = embedding_model
        self.bm25 = BM25Index([analyze(" > ".join(e.section_path) + "\n" + e.text) for e in entries])
        # Rows of passages without a vector are zero and flagged off in ``has_vector``.
        self.vectors = vectors
        self.has_vector = (np.linalg.norm(vectors, axis=1) > 0) if vectors is not None and len(entries) else None
        self._models = np.array([(e.model or "").lower() for e in entries], dtype=object)
        self._year_from = np.array([e.year_from if e.year_from is not None else -1 for e in entries])
        self._year_to = np.array([e.year_to if e.year_to is not None else 10_000 for e in entries])
        self._has_model = np.array([bool(e.model) for e in entries], dtype=bool)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def dense_ready(self) -> bool:
        return self.has_vector is not None and bool(self.has_vector.any())

    def mask(self, filters: Filters) -> np.ndarray | None:
        """Passages allowed by the filters (None = all). Manuals without the metadata are kept:
        a general guide with no model still applies to every model."""
        if not filters.active or not self.entries:
            return None
        keep = np.ones(len(self.entries), dtype=bool)
        if filters.model:
            keep &= (self._models == filters.model.strip().lower()) | ~self._has_model
        if filters.year is not None:
            keep &= (self._year_from <= filters.year) & (filters.year <= self._year_to)
        return keep

    def doc_ids(self, mask: np.ndarray | None) -> list[str]:
        chosen = self.entries if mask is None else [e for e, keep in zip(self.entries, mask, strict=True) if keep]
        return sorted({e.doc_id for e in chosen})


def corpus_from_rows(rows: list[dict], generation: int, dim: int | None) -> Corpus:
    entries = [
        Entry(r["passage_id"], r["doc_id"], r["source"], r["title"], tuple(r["section_path"]), r["page"], r["body"],
              r["model"], r["year_from"], r["year_to"])
        for r in rows
    ]
    vectors = None
    models = {r["embedding_model"] for r in rows if r["embedding"] is not None}
    if dim and models:
        vectors = np.zeros((len(rows), dim), dtype=np.float32)
        for i, r in enumerate(rows):
            if r["embedding"] is not None and len(r["embedding"]) == dim * 4:
                vectors[i] = np.frombuffer(r["embedding"], dtype="<f4")
    return Corpus(entries, vectors, generation, embedding_model=sorted(models)[0] if len(models) == 1 else None)


def corpus_from_documents(docs: list[tuple[Document, list[Passage]]], vectors: np.ndarray | None,
                          embedding_model: str | None = None) -> Corpus:
    entries = [
        Entry(p.passage_id, d.doc_id, d.source, d.title, p.section_path, p.page, p.text, d.model, d.year_from,
              d.year_to)
        for d, passages in docs for p in passages
    ]
    return Corpus(entries, vectors, 0, embedding_model)
