"""Readers and the section splitter, without a database: heading paths, pages, ids, hashes, long sections."""

from __future__ import annotations

from pathlib import Path

from bridge.rag.chunking import Block, Document, split_passages
from bridge.rag.readers import doc_id_for, read_document

from .test_rag_fixtures import YARIS_PDF_PAGES, write_pdf


def _md(tmp_path: Path, text: str, name: str = "manual.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path, tmp_path)


def test_markdown_heading_levels_may_be_skipped_and_reset(tmp_path):
    doc = _md(tmp_path, "## Frenos\n\nuno\n\n#### Balatas\n\ndos\n\n## Llantas\n\ntres\n")
    assert [b.path for b in doc.blocks] == [("Frenos",), ("Frenos", "Balatas"), ("Llantas",)]


def test_markdown_front_matter_pages_and_filename_fallbacks(tmp_path):
    doc = _md(tmp_path, "---\ntitle: Guía\nyears: 2022\n---\n# T\n\n<!-- page: 7 -->\ntexto\n", "rav4-2022.md")
    assert (doc.title, doc.model, doc.year_from, doc.year_to) == ("Guía", "RAV4", 2022, 2022)
    assert doc.blocks[0].page == 7 and doc.doc_id == "rav4-2022"


def test_html_reader_keeps_sections_and_drops_scripts(tmp_path):
    path = tmp_path / "m.html"
    path.write_text("<html><head><meta name='model' content='Yaris'></head><body><h2>Motor</h2><p>a</p>"
                    "<h4>Aceite</h4><p>b <b>negrita</b></p><script>x()</script><h2>Frenos</h2><li>c</li></body>"
                    "</html>", encoding="utf-8")
    doc = read_document(path, tmp_path)
    assert doc.model == "Yaris"
    assert [(b.path, b.text) for b in doc.blocks] == [
        (("Motor",), "a"), (("Motor", "Aceite"), "b negrita"), (("Frenos",), "c")]


def test_pdf_reader_pages_and_numbered_headings(tmp_path):
    path = tmp_path / "y.pdf"
    write_pdf(path, YARIS_PDF_PAGES, {"Title": "Yaris", "Model": "Yaris", "Years": "2019-2024"})
    doc = read_document(path, tmp_path)
    assert (doc.title, doc.model, doc.year_from, doc.year_to) == ("Yaris", "Yaris", 2019, 2024)
    assert [(b.path[-1], b.page) for b in doc.blocks] == [("1.1 Aceite de motor", 1), ("1.2 Bujías", 2)]
    assert doc.blocks[1].path == ("1 Mantenimiento", "1.2 Bujías")


def test_doc_ids_follow_the_relative_path():
    assert doc_id_for(Path("/m/Toyota Hilux/Manual 2024.md"), Path("/m")) == "toyota-hilux/manual-2024"
    assert doc_id_for(Path("/x/Prius.PDF"), None) == "prius"


def test_passage_ids_are_stable_unique_and_long_sections_split():
    long_text = " ".join(f"Frase número {i} sobre el mantenimiento del vehículo." for i in range(80))
    blocks = [Block(("Motor",), "a"), Block(("Motor", "Aceite"), long_text), Block(("Frenos", "Aceite"), "b")]
    doc = Document("d", "d.md", "D", blocks)
    passages = split_passages(doc, max_chars=1000)
    ids = [p.passage_id for p in passages]
    assert ids[:3] == ["d#motor", "d#aceite", "d#aceite~2"] and ids[-1] == "d#frenos--aceite"
    assert len(set(ids)) == len(ids) and all(len(p.text) <= 1000 for p in passages)
    again = split_passages(Document("d", "d.md", "D", blocks), max_chars=1000)
    assert [(p.passage_id, p.content_hash) for p in again] == [(p.passage_id, p.content_hash) for p in passages]
    moved = split_passages(Document("d", "d.md", "D", [Block(("Motor",), "a2"), *blocks[1:]]), max_chars=1000)
    assert [p.content_hash for p in moved][1:] == [p.content_hash for p in passages][1:]
    assert moved[0].content_hash != passages[0].content_hash
