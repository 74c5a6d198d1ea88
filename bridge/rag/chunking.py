"""Section-aware passages: documents are read into blocks (heading path, page, paragraph) and
grouped per section; long sections are split at paragraph boundaries. Stable ids, content hashes.
Pure functions, no I/O."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from .analyzer import fold

MAX_CHARS = 1400


@dataclass(frozen=True)
class Block:
    path: tuple[str, ...]  # heading titles from the top level down
    text: str
    page: int | None = None


@dataclass
class Document:
    doc_id: str
    source: str  # path as given on the command line / relative to the ingested directory
    title: str
    blocks: list[Block]
    model: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    kind: str | None = None
    file_sha256: str = ""
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Passage:
    passage_id: str
    doc_id: str
    ordinal: int
    section_path: tuple[str, ...]
    section_id: str
    page: int | None
    text: str
    content_hash: str

    @property
    def index_text(self) -> str:
        """What BM25 and the embedder see: the section titles, then the passage text."""
        return " > ".join(self.section_path) + "\n" + self.text


def slugify(text: str, max_len: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_len].rstrip("-") or "seccion"


def content_hash(path: tuple[str, ...], text: str) -> str:
    return hashlib.sha256(("\x1f".join(path) + "\x1e" + text).encode("utf-8")).hexdigest()


def _split_long(paragraphs: list[tuple[str, int | None]], max_chars: int) -> list[list[tuple[str, int | None]]]:
    chunks: list[list[tuple[str, int | None]]] = []
    current: list[tuple[str, int | None]] = []
    size = 0
    for text, page in paragraphs:
        pieces = [text]
        if len(text) > max_chars:  # one huge paragraph: cut at sentence ends
            pieces, piece = [], ""
            for sentence in re.split(r"(?<=[.;:!?])\s+", text):
                if piece and len(piece) + len(sentence) + 1 > max_chars:
                    pieces.append(piece)
                    piece = ""
                piece = f"{piece} {sentence}".strip()
            pieces.append(piece)
        for piece in pieces:
            if current and size + len(piece) + 1 > max_chars:
                chunks.append(current)
                current, size = [], 0
            current.append((piece, page))
            size += len(piece) + 1
    if current:
        chunks.append(current)
    return chunks


def _section_ids(paths: list[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """Slug of the deepest heading; parents are prefixed only when needed to stay unique."""
    ids: dict[tuple[str, ...], str] = {}
    used: set[str] = set()
    for path in paths:
        candidate = ""
        for depth in range(1, len(path) + 1):
            candidate = "--".join(slugify(p) for p in path[-depth:])
            if candidate not in used:
                break
        base, n = candidate or "inicio", 2
        candidate = base
        while candidate in used:
            candidate = f"{base}-{n}"
            n += 1
        used.add(candidate)
        ids[path] = candidate
    return ids


def split_passages(doc: Document, max_chars: int = MAX_CHARS) -> list[Passage]:
    """Consecutive blocks with the same heading path form a section; one passage per section
    unless it is longer than ``max_chars`` (then ``<section>~2``, ``~3`` ... for the tail)."""
    sections: list[tuple[tuple[str, ...], list[tuple[str, int | None]]]] = []
    for block in doc.blocks:
        text = block.text.strip()
        if not text:
            continue
        if sections and sections[-1][0] == block.path:
            sections[-1][1].append((text, block.page))
        else:
            sections.append((block.path, [(text, block.page)]))
    ids = _section_ids(list(dict.fromkeys(path for path, _ in sections)))
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for path, paragraphs in sections:
        section_id = ids[path]
        for chunk in _split_long(paragraphs, max_chars):
            n = seen.get(section_id, 0) + 1
            seen[section_id] = n
            pid = f"{doc.doc_id}#{section_id}" + (f"~{n}" if n > 1 else "")
            text = "\n".join(t for t, _ in chunk)
            page = next((p for _, p in chunk if p is not None), None)
            passages.append(
                Passage(pid, doc.doc_id, len(passages), path, section_id, page, text, content_hash(path, text))
            )
    return passages
