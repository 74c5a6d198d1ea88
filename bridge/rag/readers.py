"""Read manuals (PDF, Markdown/text, HTML) into :class:`Document` blocks with section paths and pages.

Manual metadata (model, years, kind) comes from Markdown front matter, HTML ``<meta name=...>``,
PDF document info (``/Model``, ``/Years``), or else is guessed from the file name.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

from .chunking import Block, Document, slugify

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "markdown", ".html": "html", ".htm": "html",
            ".pdf": "pdf"}
SKIP_STEMS = {"readme", "license", "licence", "changelog"}
KNOWN_MODELS = ["hilux", "tacoma", "corolla", "rav4", "yaris", "prius", "camry", "hiace", "sienna", "avanza",
                "raize", "tundra", "highlander", "sequoia", "c-hr", "supra", "gr86", "land cruiser"]
_HEADING_MD = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_PAGE_MARK = re.compile(r"^<!--\s*(?:page|pagina|página)\s*:\s*(\d+)\s*-->$", re.IGNORECASE)
_PDF_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-ZÁÉÍÓÚÑ¿].{2,80})$")


class ReadError(ValueError):
    """A file could not be read as a manual."""


class HeadingPath:
    """Current heading titles by level (1-6); a heading clears the deeper levels. Levels may be skipped."""

    def __init__(self) -> None:
        self._levels: list[str | None] = [None] * 6

    def set(self, level: int, title: str) -> None:
        level = min(max(level, 1), 6)
        self._levels[level - 1] = title
        self._levels[level:] = [None] * (6 - level)

    def current(self) -> tuple[str, ...]:
        return tuple(t for t in self._levels if t)


def discover(paths: list[str]) -> list[tuple[Path, Path | None]]:
    """Manual files under the given paths: (file, directory it was found under or None)."""
    found: list[tuple[Path, Path | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and _wanted(file):
                    found.append((file, path))
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise ReadError(f"{path}: unsupported file type (use .pdf, .md, .txt or .html)")
            found.append((path, None))
        else:
            raise ReadError(f"{path}: no such file or directory")
    return found


def _wanted(file: Path) -> bool:
    return (file.suffix.lower() in SUFFIXES and file.stem.lower() not in SKIP_STEMS
            and not any(part.startswith(".") for part in file.parts))


def doc_id_for(file: Path, root: Path | None) -> str:
    rel = file.relative_to(root) if root else Path(file.name)
    return "/".join(slugify(part, 80) for part in rel.with_suffix("").parts)


def read_document(file: Path, root: Path | None = None) -> Document:
    raw = file.read_bytes()
    kind = SUFFIXES.get(file.suffix.lower())
    if kind == "markdown":
        title, meta, blocks = _read_markdown(raw.decode("utf-8", errors="replace"), file.stem)
    elif kind == "html":
        title, meta, blocks = _read_html(raw.decode("utf-8", errors="replace"), file.stem)
    elif kind == "pdf":
        title, meta, blocks = _read_pdf(file)
    else:
        raise ReadError(f"{file}: unsupported file type")
    source = str(file.relative_to(root)) if root else file.name
    doc = Document(doc_id_for(file, root), source, title or file.stem, blocks,
                   file_sha256=hashlib.sha256(raw).hexdigest(), meta=meta)
    _apply_meta(doc, meta, file.stem)
    return doc


def _apply_meta(doc: Document, meta: dict, stem: str) -> None:
    model = meta.get("model") or next((m for m in KNOWN_MODELS if m in stem.lower()), None)
    doc.model = model.strip().title().replace("Rav4", "RAV4") if model else None
    years = str(meta.get("years") or meta.get("year") or "")
    found = [int(y) for y in re.findall(r"(?:19|20)\d\d", years or stem)]
    if found:
        doc.year_from, doc.year_to = min(found), max(found)
    doc.kind = meta.get("kind")


def _read_markdown(text: str, stem: str) -> tuple[str, dict, list[Block]]:
    meta: dict = {}
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end:
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                if sep:
                    meta[key.strip().lower()] = value.strip().strip('"')
            lines = lines[end + 1:]
    title = meta.get("title", "")
    path = HeadingPath()
    blocks: list[Block] = []
    page: int | None = None
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(path.current() or (title or stem,), "\n".join(paragraph), page))
            paragraph.clear()

    for line in lines:
        stripped = line.strip()
        mark = _PAGE_MARK.match(stripped)
        heading = _HEADING_MD.match(stripped)
        if mark:
            flush()
            page = int(mark.group(1))
        elif heading:
            flush()
            level = len(heading.group(1))
            if level == 1 and not title:
                title = heading.group(2)
            path.set(level, heading.group(2))
        elif not stripped:
            flush()
        else:
            paragraph.append(stripped)
    flush()
    return title, meta, blocks


class _HTMLBlocks(HTMLParser):
    BLOCK_TAGS = {"p", "li", "td", "th", "pre", "div", "dd", "dt", "blockquote", "tr", "br"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict = {}
        self.title = ""
        self.path = HeadingPath()
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._heading: int | None = None
        self._in_title = False
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name"):
            self.meta[attrs["name"].lower()] = (attrs.get("content") or "").strip()
        elif tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag in self.BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif self._heading and tag == f"h{self._heading}":
            text = " ".join("".join(self._text).split())
            self._text.clear()
            if text:
                self.path.set(self._heading, text)
            self._heading = None
        elif tag in self.BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if self._skip:
            return
        if self._in_title:
            self.title += data
        else:
            self._text.append(data)

    def _flush(self):
        if self._heading:
            return
        text = " ".join("".join(self._text).split())
        self._text.clear()
        if text:
            self.blocks.append(Block(self.path.current() or (self.title.strip() or "Inicio",), text))


def _read_html(text: str, stem: str) -> tuple[str, dict, list[Block]]:
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.meta.get("title") or parser.title.strip(), parser.meta, parser.blocks


def _read_pdf(file: Path) -> tuple[str, dict, list[Block]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(file)
        info = reader.metadata or {}
        meta = {str(k).lstrip("/").lower(): str(v) for k, v in info.items()}
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise ReadError(f"{file}: unreadable PDF ({exc})") from exc
    title = meta.get("title", "")
    path = HeadingPath()
    blocks: list[Block] = []
    for number, page_text in enumerate(pages, start=1):
        paragraph: list[str] = []

        def flush(number: int = number, paragraph: list[str] = paragraph) -> None:
            if paragraph:
                blocks.append(Block(path.current() or (title or file.stem,), " ".join(paragraph), number))
                paragraph.clear()

        for line in page_text.splitlines():
            stripped = " ".join(line.split())
            heading = _PDF_HEADING.match(stripped)
            if heading:
                flush()
                path.set(heading.group(1).count(".") + 1, stripped)
            elif not stripped:
                flush()
            else:
                paragraph.append(stripped)
        flush()
    return title, meta, blocks
