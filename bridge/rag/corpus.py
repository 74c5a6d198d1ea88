"""The in-memory search corpus: passages with their manual metadata, the BM25 index, the vector
matrix and the metadata arrays used for model/year filters. Built from Postgres rows or in memory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .analyzer import analyze, fold
from .bm25 import BM25Index
from .chunking import Document, Passage
from .identifiers import identifier_keys
from .vectors import VectorMatrix


@dataclass(frozen=True, slots=True)
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
    def __init__(self, entries: list[Entry], vectors: np.ndarray | VectorMatrix | None, generation: int = 0,
                 embedding_model: str | None = None, vector_dtype: str | None = None):
        self.entries = entries
        self.ids = [e.passage_id for e in entries]
        self.position = {pid: i for i, pid in enumerate(self.ids)}
        self.generation = generation
        self.embedding_model = embedding_model
        # Folded once: analyze() and identifier_keys() fold again, which is nearly free on folded text.
        self._identifiers: dict[str, list[int]] = {}
        self.bm25 = BM25Index(self._index_text(i, e) for i, e in enumerate(entries))
        self._identifiers = {key: np.asarray(pos, dtype=np.int32) for key, pos in self._identifiers.items()}
        # Rows of passages without a vector are zero and flagged off in ``has_vector``.
        self.has_vector = None
        self.vectors: VectorMatrix | None = None
        if vectors is not None and len(entries):
            if not isinstance(vectors, VectorMatrix):
                vectors = np.asarray(vectors, dtype=np.float32)
                self.has_vector = np.linalg.norm(vectors, axis=1) > 0
                vectors = VectorMatrix(vectors, vector_dtype)
            else:
                self.has_vector = np.abs(vectors.data).max(axis=1) > 0
            self.vectors = vectors
        self._models = np.array([(e.model or "").lower() for e in entries], dtype=object)
        self._year_from = np.array([e.year_from if e.year_from is not None else -1 for e in entries])
        self._year_to = np.array([e.year_to if e.year_to is not None else 10_000 for e in entries])
        self._has_model = np.array([bool(e.model) for e in entries], dtype=bool)
        # Model names as a customer writes them ("rav4", "hilux"), and the passages of each model.
        self.model_names = {fold(m).replace(" ", ""): m for m in {e.model for e in entries if e.model}}

    def _index_text(self, position: int, entry: Entry) -> list[str]:
        folded = fold(" > ".join(entry.section_path) + "\n" + entry.text)
        for key in identifier_keys(folded):
            self._identifiers.setdefault(key, []).append(position)
        return analyze(folded)

    def identifier_matches(self, key: str) -> np.ndarray:
        """Positions of the passages containing identifier ``key`` (compact form), ascending."""
        return self._identifiers.get(key, _EMPTY)

    def of_model(self, model: str) -> np.ndarray:
        return self._models == model.lower()

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


_EMPTY = np.zeros(0, dtype=np.int32)
_CHUNK = 2048


def corpus_from_rows(rows: Iterable[dict], generation: int, dim: int | None, vector_dtype: str | None = None) -> Corpus:
    """Build from ``store.iter_corpus_rows``. Streams: vectors are converted to the in-memory dtype
    ``_CHUNK`` rows at a time, so the float32 copy of the whole matrix never exists in the process."""
    entries: list[Entry] = []
    chunks: list[VectorMatrix] = []
    pending = np.zeros((_CHUNK, dim or 1), dtype=np.float32)
    filled = 0
    models: set[str] = set()
    shared: dict[str, str] = {}  # one string object per distinct manual id / source / title / model
    one = lambda value: value if value is None else shared.setdefault(value, value)  # noqa: E731
    for r in rows:
        entries.append(Entry(r["passage_id"], one(r["doc_id"]), one(r["source"]), one(r["title"]),
                             tuple(one(part) for part in r["section_path"]), r["page"], r["body"], one(r["model"]),
                             r["year_from"], r["year_to"]))
        pending[filled] = 0.0
        blob = r["embedding"]
        if blob is not None:
            models.add(r["embedding_model"])
            if dim and len(blob) == dim * 4:
                pending[filled] = np.frombuffer(blob, dtype="<f4")
        filled += 1
        if filled == _CHUNK:
            chunks.append(VectorMatrix(pending, vector_dtype))
            filled = 0
    if filled:
        chunks.append(VectorMatrix(pending[:filled], vector_dtype))
    vectors = VectorMatrix.concat(chunks) if dim and models and chunks else None
    return Corpus(entries, vectors, generation, embedding_model=sorted(models)[0] if len(models) == 1 else None)


def corpus_from_documents(docs: list[tuple[Document, list[Passage]]], vectors: np.ndarray | None,
                          embedding_model: str | None = None, vector_dtype: str | None = None) -> Corpus:
    entries = [
        Entry(p.passage_id, d.doc_id, d.source, d.title, p.section_path, p.page, p.text, d.model, d.year_from,
              d.year_to)
        for d, passages in docs for p in passages
    ]
    return Corpus(entries, vectors, 0, embedding_model, vector_dtype)
