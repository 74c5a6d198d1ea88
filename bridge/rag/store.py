"""Postgres (Neon) storage of manuals, passages and their vectors. All SQL of the RAG lives here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import psycopg

from .chunking import Document, Passage
from .embedder import from_bytes, to_bytes


@dataclass(frozen=True)
class StoredPassage:
    passage_id: str
    doc_id: str
    content_hash: str
    ordinal: int
    page: int | None
    embedding_model: str | None
    has_embedding: bool


def generation(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT generation FROM rag_state WHERE id = 1").fetchone()
    return int(row["generation"]) if row else 0


def bump_generation(conn: psycopg.Connection) -> None:
    conn.execute("UPDATE rag_state SET generation = generation + 1, updated_at = now() WHERE id = 1")


def stored_passages(conn: psycopg.Connection, doc_ids: list[str]) -> dict[str, StoredPassage]:
    rows = conn.execute(
        """SELECT passage_id, doc_id, content_hash, ordinal, page, embedding_model,
                  embedding IS NOT NULL AS has_embedding
             FROM rag_passages WHERE doc_id = ANY(%s)""",
        (doc_ids,),
    ).fetchall()
    return {r["passage_id"]: StoredPassage(**r) for r in rows}


def documents(conn: psycopg.Connection) -> list[dict]:
    return conn.execute("SELECT doc_id, source_path, source, title, model, year_from, year_to "
                        "FROM rag_documents ORDER BY doc_id").fetchall()


def upsert_document(conn: psycopg.Connection, doc: Document, source_path: str, passage_count: int) -> bool:
    """Insert or update a manual's row; True when something about it changed."""
    cur = conn.execute(
        """INSERT INTO rag_documents (doc_id, source_path, source, title, model, year_from, year_to, kind,
                                      file_sha256, passage_count, ingested_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
           ON CONFLICT (doc_id) DO UPDATE SET source_path = EXCLUDED.source_path, source = EXCLUDED.source,
               title = EXCLUDED.title, model = EXCLUDED.model, year_from = EXCLUDED.year_from,
               year_to = EXCLUDED.year_to, kind = EXCLUDED.kind, file_sha256 = EXCLUDED.file_sha256,
               passage_count = EXCLUDED.passage_count, ingested_at = now()
           WHERE (rag_documents.source_path, rag_documents.source, rag_documents.title, rag_documents.model,
                  rag_documents.year_from, rag_documents.year_to, rag_documents.kind, rag_documents.file_sha256,
                  rag_documents.passage_count)
                 IS DISTINCT FROM
                 (EXCLUDED.source_path, EXCLUDED.source, EXCLUDED.title, EXCLUDED.model, EXCLUDED.year_from,
                  EXCLUDED.year_to, EXCLUDED.kind, EXCLUDED.file_sha256, EXCLUDED.passage_count)""",
        (doc.doc_id, source_path, doc.source, doc.title, doc.model, doc.year_from, doc.year_to, doc.kind,
         doc.file_sha256, passage_count),
    )
    return cur.rowcount > 0


def upsert_passages(conn: psycopg.Connection, rows: list[tuple[Passage, np.ndarray | None, str | None]]) -> None:
    """Insert or replace passages; a ``None`` vector keeps no embedding (BM25-only until re-ingested)."""
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO rag_passages (passage_id, doc_id, ordinal, section_path, section_id, page, body,
                                         content_hash, embedding, embedding_model, updated_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
               ON CONFLICT (passage_id) DO UPDATE SET doc_id = EXCLUDED.doc_id, ordinal = EXCLUDED.ordinal,
                   section_path = EXCLUDED.section_path, section_id = EXCLUDED.section_id,
                   page = EXCLUDED.page, body = EXCLUDED.body, content_hash = EXCLUDED.content_hash,
                   embedding = EXCLUDED.embedding, embedding_model = EXCLUDED.embedding_model,
                   updated_at = now()""",
            [
                (p.passage_id, p.doc_id, p.ordinal, list(p.section_path), p.section_id, p.page, p.text,
                 p.content_hash, to_bytes(vec) if vec is not None else None, model if vec is not None else None)
                for p, vec, model in rows
            ],
        )


def update_positions(conn: psycopg.Connection, passages: list[Passage]) -> int:
    """Unchanged text may still move (a section inserted before it): keep ordinal and page current.
    Returns how many rows actually moved."""
    moved = 0
    with conn.cursor() as cur:
        for p in passages:
            cur.execute(
                "UPDATE rag_passages SET ordinal = %s, page = %s WHERE passage_id = %s "
                "AND (ordinal IS DISTINCT FROM %s OR page IS DISTINCT FROM %s)",
                (p.ordinal, p.page, p.passage_id, p.ordinal, p.page),
            )
            moved += cur.rowcount
    return moved


def delete_passages(conn: psycopg.Connection, passage_ids: list[str]) -> None:
    if passage_ids:
        conn.execute("DELETE FROM rag_passages WHERE passage_id = ANY(%s)", (passage_ids,))


def delete_documents(conn: psycopg.Connection, doc_ids: list[str]) -> None:
    if doc_ids:
        conn.execute("DELETE FROM rag_documents WHERE doc_id = ANY(%s)", (doc_ids,))


def passages_of_documents(conn: psycopg.Connection, doc_ids: list[str]) -> list[tuple[str, str]]:
    rows = conn.execute("SELECT passage_id, doc_id FROM rag_passages WHERE doc_id = ANY(%s)", (doc_ids,))
    return [(r["passage_id"], r["doc_id"]) for r in rows]


_CORPUS_SQL = """SELECT p.passage_id, p.doc_id, p.ordinal, p.section_path, p.section_id, p.page, p.body,
                         p.content_hash, p.embedding, p.embedding_model,
                         d.source, d.title, d.model, d.year_from, d.year_to
                    FROM rag_passages p JOIN rag_documents d USING (doc_id)
                   ORDER BY p.doc_id, p.ordinal, p.passage_id"""


def iter_corpus_rows(conn: psycopg.Connection, batch: int = 2000) -> Iterator[dict]:
    """Every passage with its document's metadata, in a stable order, for building the search index;
    through a server-side cursor, ``batch`` at a time, so the client
    never holds the whole result (150 MB of text and bytea at 50k passages). The cursor lives inside
    one transaction, which a transaction-mode pooler (Neon) keeps on one server connection."""
    with conn.transaction(), conn.cursor(name="rag_corpus_rows") as cur:
        cur.itersize = batch
        cur.execute(_CORPUS_SQL)
        yield from cur


def decode_vector(blob: bytes | None, dim: int) -> np.ndarray | None:
    return from_bytes(blob, dim) if blob is not None else None


def has_pgvector_column(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'rag_passages' AND column_name = 'embedding_vec'"
    ).fetchone()
    return row is not None
