"""Helpers for the RAG tests (no tests here): small manuals (Markdown, HTML, a real PDF), a counting
embedder and a fresh database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from .conftest import ADMIN_URL, _url_for

HILUX_MD = """---
title: Manual Hilux de prueba
model: Hilux
years: 2021-2025
---
# Toyota Hilux 2021-2025

## Llantas

<!-- page: 40 -->
### Presión de inflado de llantas

Presión en frío para la Hilux: 29 psi delanteras y traseras; con la caja cargada, 35 psi traseras.

### Rotación de llantas

Rote las llantas cada 10,000 km y apriete las tuercas a 105 N·m.

## Motor diésel

<!-- page: 61 -->
### Filtro de partículas diésel (DPF)

El filtro de partículas atrapa el hollín y se regenera solo en carretera. Si se enciende el testigo DPF,
maneje 20 minutos a más de 60 km/h.
"""

COROLLA_MD = """---
title: Manual Corolla de prueba
model: Corolla
years: 2020-2025
---
# Toyota Corolla 2020-2025

## Llantas

### Presión de inflado de llantas

Presión en frío para el Corolla: 35 psi delanteras y traseras con llantas 205/55R16.

## Frenos

### Balatas de freno

Las balatas tienen un indicador de desgaste que chilla al frenar cuando queda poco material.
"""

PRIUS_HTML = """<!doctype html>
<html><head><title>Prius de prueba</title>
<meta name="model" content="Prius"><meta name="years" content="2023-2026"></head>
<body><h1>Toyota Prius 2023-2026</h1>
<h2>Sistema híbrido</h2>
<h3>Indicador READY</h3>
<p>Pise el freno y presione POWER. Cuando el indicador READY se ilumina el vehículo puede avanzar
aunque el motor a gasolina esté apagado.</p>
<h3>Batería híbrida</h3>
<ul><li>La batería híbrida tiene garantía de 8 años o 160,000 km.</li>
<li>No tape la rejilla de ventilación junto al asiento trasero.</li></ul>
<script>var ignored = "no debe indexarse";</script>
</body></html>
"""

YARIS_PDF_PAGES = [
    ["1 Mantenimiento", "1.1 Aceite de motor", "El Yaris usa aceite SAE 0W-20 y lleva 3.7 litros con filtro."],
    ["1.2 Bujías", "Las bujías de iridio del Yaris se cambian cada 100,000 km."],
]


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def write_pdf(path: Path, pages: list[list[str]], info: dict[str, str]) -> None:
    """A small but valid PDF (Helvetica, WinAnsi) with one text line per entry, and an info dictionary."""
    objects: list[bytes] = []
    n_pages = len(pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % i for i in page_ids)
                   + b"] /Count %d >>" % n_pages)
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        stream = b"BT /F1 11 Tf 14 TL 50 780 Td " + b" ".join(_pdf_string(line) + b" Tj T*" for line in lines) + b" ET"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % (page_ids[i] + 1))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< " + b" ".join(b"/" + k.encode() + b" " + _pdf_string(v) for k, v in info.items()) + b" >>")
    info_id = len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info_id, xref)
    path.write_bytes(bytes(out))


def write_manuals(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hilux.md").write_text(HILUX_MD, encoding="utf-8")
    (directory / "corolla.md").write_text(COROLLA_MD, encoding="utf-8")
    (directory / "prius.html").write_text(PRIUS_HTML, encoding="utf-8")
    write_pdf(directory / "yaris.pdf", YARIS_PDF_PAGES,
              {"Title": "Manual Yaris de prueba", "Model": "Yaris", "Years": "2019-2024"})
    (directory / "README.md").write_text("# not a manual\n", encoding="utf-8")  # skipped by name
    return directory


class CountingEmbedder:
    """The real embedder, recording which passage texts it was asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.batch_size = 16
        self.passage_texts: list[str] = []
        self.queries: list[str] = []

    def embed_passages(self, texts):
        self.passage_texts.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        self.queries.append(text)
        return self.inner.embed_query(text)


@contextmanager
def fresh_database() -> Iterator[str]:
    """A migrated database of its own (the module fixtures share one), dropped afterwards."""
    from bridge.migrate import migrate

    name = f"pv_test_rag_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate(_url_for(name))
        yield _url_for(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
