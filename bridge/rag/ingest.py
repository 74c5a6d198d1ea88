"""``python -m bridge ingest PATH...``: read manuals, split them into passages, embed what changed,
store passages and vectors in Postgres, sync the dense backend, print a summary.

Incremental: a passage whose content hash is unchanged (and already has a vector from the current
embedder) is neither re-embedded nor rewritten; passages that disappeared from a file are deleted;
manuals that were ingested from one of the given directories and no longer exist are deleted whole.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from tqdm import tqdm

from .. import db
from ..config import Settings
from . import store
from .chunking import Document, Passage, split_passages
from .dense import DenseBackend, VectorItem, make_backend
from .embedder import Embedder, load_embedder
from .readers import ReadError, discover, read_document

log = logging.getLogger(__name__)


class DenseSyncError(RuntimeError):
    """Postgres is updated but the external vector backend could not be synced."""


@dataclass
class IngestReport:
    documents: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    removed_documents: list[str] = field(default_factory=list)
    embedder: str | None = None
    embedder_notice: str | None = None
    dense_backend: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"ingest: {self.documents} manuals, {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged passages"
            + (f"; {len(self.removed_documents)} manuals removed" if self.removed_documents else ""),
            f"ingest: {len(self.embedded)} passages embedded with {self.embedder or 'no embedder'}"
            f" (dense backend: {self.dense_backend or 'none'}) in {self.seconds:.1f}s",
        ]
        if self.embedder_notice:
            lines.append(f"ingest: note: {self.embedder_notice}; /query_hybrid will answer with BM25 only")
        return "\n".join(lines)


def _read_all(paths: list[str], progress: bool) -> tuple[list[tuple[Document, list[Passage], str]], list[Path]]:
    files = discover(paths)
    roots = sorted({root.resolve() for _, root in files if root is not None}
                   | {Path(p).resolve() for p in paths if Path(p).is_dir()})
    docs = []
    for file, root in tqdm(files, desc="reading", unit="file", disable=not progress, file=sys.stderr):
        doc = read_document(file, root)
        docs.append((doc, split_passages(doc), str(file.resolve())))
    seen: dict[str, str] = {}
    for doc, _, source_path in docs:
        if doc.doc_id in seen:
            raise ReadError(f"two files map to manual id {doc.doc_id!r}: {seen[doc.doc_id]} and {source_path}")
        seen[doc.doc_id] = source_path
    return docs, roots


def _embed(embedder: Embedder, passages: list[Passage], progress: bool) -> dict[str, object]:
    vectors: dict[str, object] = {}
    batch = getattr(embedder, "batch_size", 32)
    with tqdm(total=len(passages), desc="embedding", unit="passage", disable=not progress, file=sys.stderr) as bar:
        for start in range(0, len(passages), batch):
            chunk = passages[start:start + batch]
            for passage, vec in zip(chunk, embedder.embed_passages([p.index_text for p in chunk]), strict=True):
                vectors[passage.passage_id] = vec
            bar.update(len(chunk))
    return vectors


def ingest(
    conn: psycopg.Connection,
    paths: list[str],
    *,
    embedder: Embedder | None,
    backend: DenseBackend | None = None,
    prune_all: bool = False,
    full: bool = False,
    progress: bool = False,
    embedder_notice: str | None = None,
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport(embedder=getattr(embedder, "name", None), embedder_notice=embedder_notice,
                          dense_backend=backend.name if backend and embedder else None)
    docs, roots = _read_all(paths, progress)
    report.documents = len(docs)
    doc_ids = [doc.doc_id for doc, _, _ in docs]
    stored = store.stored_passages(conn, doc_ids)
    model = report.embedder

    to_write: list[Passage] = []
    to_embed: list[Passage] = []
    moved: list[Passage] = []
    new_ids: set[str] = set()
    for _, passages, _ in docs:
        for p in passages:
            new_ids.add(p.passage_id)
            old = stored.get(p.passage_id)
            stale_vector = embedder is not None and (not old or not old.has_embedding or old.embedding_model != model)
            if old is None:
                report.added.append(p.passage_id)
            elif old.content_hash != p.content_hash or old.doc_id != p.doc_id:
                report.changed.append(p.passage_id)
            else:
                report.unchanged.append(p.passage_id)
                if not (stale_vector or full):
                    moved.append(p)
                    continue
            to_write.append(p)
            if embedder is not None:
                to_embed.append(p)
    removed = [(pid, old.doc_id) for pid, old in stored.items() if pid not in new_ids]
    report.removed = [pid for pid, _ in removed]

    known = store.documents(conn)
    gone_docs = [d["doc_id"] for d in known if d["doc_id"] not in doc_ids and (
        prune_all or any(Path(d["source_path"]).is_relative_to(root) for root in roots))]
    gone_passages = store.passages_of_documents(conn, gone_docs)
    report.removed.extend(pid for pid, _ in gone_passages)
    report.removed_documents = gone_docs

    vectors = _embed(embedder, to_embed, progress) if embedder is not None and to_embed else {}
    report.embedded = list(vectors)
    with conn.transaction():
        docs_changed = [store.upsert_document(conn, doc, source_path, len(passages))
                        for doc, passages, source_path in docs]
        store.upsert_passages(conn, [(p, vectors.get(p.passage_id), model) for p in to_write])
        moved_count = store.update_positions(conn, moved)
        store.delete_passages(conn, [pid for pid, _ in removed])
        store.delete_documents(conn, gone_docs)
        if to_write or removed or gone_docs or moved_count or any(docs_changed):
            store.bump_generation(conn)
    conn.commit()  # the external backends below must never see vectors Postgres does not have

    if backend is not None and embedder is not None:
        by_id = {p.passage_id: (doc, p) for doc, passages, _ in docs for p in passages}
        items = [VectorItem(pid, by_id[pid][0].doc_id, vec, _metadata(*by_id[pid])) for pid, vec in vectors.items()]
        try:
            backend.sync(items, removed, gone_docs)
        except Exception as exc:  # SDK, HTTP or SQL errors of any backend
            raise DenseSyncError(
                f"passages are saved in Postgres, but syncing the {backend.name} backend failed: "
                f"{type(exc).__name__}: {exc}. Re-run with --full once it is reachable."
            ) from exc
    report.seconds = time.perf_counter() - started
    return report


def _metadata(doc: Document, passage: Passage) -> dict:
    meta = {"doc_id": doc.doc_id, "section": " > ".join(passage.section_path)}
    if passage.page is not None:
        meta["page"] = passage.page
    if doc.model:
        meta["model"] = doc.model
    if doc.year_from is not None:
        meta["year_from"], meta["year_to"] = doc.year_from, doc.year_to
    return meta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="manual files or directories (.pdf .md .txt .html)")
    parser.add_argument("--database-url", help="override DATABASE_URL")
    parser.add_argument("--prune-all", action="store_true",
                        help="also delete manuals that were ingested from other paths and are not given now")
    parser.add_argument("--full", action="store_true", help="re-embed and rewrite every passage")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace, settings: Settings) -> int:
    url = args.database_url or settings.database_url
    threads = int(os.environ["RAG_EMBED_THREADS"]) if os.environ.get("RAG_EMBED_THREADS") else os.cpu_count()
    embedder, notice = load_embedder(threads=threads)
    try:
        backend = make_backend(settings, lambda: db.connect(url)) if embedder else None
        with db.connect(url) as conn:
            report = ingest(conn, args.paths, embedder=embedder, backend=backend, prune_all=args.prune_all,
                            full=args.full, progress=not args.no_progress, embedder_notice=notice)
    except ReadError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return 2
    except DenseSyncError as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"ingest: configuration error: {exc}", file=sys.stderr)
        return 2
    except psycopg.errors.UndefinedTable:
        print("ingest: the RAG tables are missing; run `python -m bridge migrate` first", file=sys.stderr)
        return 2
    print(report.summary())
    return 0
