"""Issue 18: exact identifiers stay on top, the query-adaptive weight, the query-vector cache, compact
(int8 / float16) vectors ranking like float32, and the generation check that needs no query round trip.
Pure code over in-memory corpora, plus one real Postgres for the re-ingest check."""

from __future__ import annotations

import numpy as np
import pytest

from bridge import db
from bridge.rag import fusion
from bridge.rag.chunking import Block, Document, split_passages
from bridge.rag.corpus import corpus_from_documents
from bridge.rag.dense import LocalExactBackend
from bridge.rag.embedder import QueryVectorCache, normalize_query
from bridge.rag.identifiers import identifiers
from bridge.rag.ingest import ingest
from bridge.rag.search import Searcher, hybrid_search
from bridge.rag.vectors import VectorMatrix

from .test_rag_fixtures import fresh_database
from .test_rag_search import BagOfWordsEmbedder


def _parts_corpus(embedder, vector_dtype=None):
    filler = ("El filtro de aceite se cambia en cada servicio junto con el aceite. Un filtro de aceite tapado "
              "deja pasar aceite sucio; use filtro de aceite original y revise el aceite y el filtro. ")
    docs = [Document("catalogo", "catalogo.md", "Catálogo", [
        Block(("Filtros", f"Filtro de aceite {n}"), filler * 2) for n in range(6)
    ] + [
        Block(("Filtros", "Número de parte"), "Pieza 90915-YZZD1, compatible con motor 2TR-FE."),
        Block(("Filtros", "Otra pieza"), "Pieza 90915-YZZD2 para motor 1GD-FTV."),
    ])]
    pairs = [(d, split_passages(d)) for d in docs]
    vectors = embedder.embed_passages([p.index_text for _, ps in pairs for p in ps])
    return corpus_from_documents(pairs, vectors, embedder.name, vector_dtype)


def test_identifiers_are_codes_not_measures_or_plain_words():
    assert identifiers("filtro 90915-YZZD1 para el 1GD-FTV, llantas 265/65R17, aceite 0W-16") == [
        "90915yzzd1", "1gdftv", "26565r17", "0w16"]
    assert identifiers("VIN JTDBR32E720123456 y pieza 90915-10004") == ["jtdbr32e720123456", "9091510004"]
    assert identifiers("a 100km, 29 psi, 12v, 4x4, cada 10,000 km o 10 mil, DOT 3") == []
    assert identifiers("cada cuando le cambio el aceite") == []


def test_exact_part_number_match_is_rank_one_even_when_dense_prefers_other_passages():
    embedder = BagOfWordsEmbedder()
    corpus = _parts_corpus(embedder)
    query = "filtro de aceite 90915-YZZD1"
    plain = hybrid_search(corpus, query, 5, embedder=embedder, dense_weight=0.9, exact_boost=False)
    assert plain.hits[0].passage_id != "catalogo#numero-de-parte"  # without the boost dense wins here
    for weight in (None, 0.9, 1.0):
        result = hybrid_search(corpus, query, 5, embedder=embedder, dense_weight=weight)
        assert result.hits[0].passage_id == "catalogo#numero-de-parte", weight
        assert result.extras["identifiers"] == ["90915yzzd1"]
    # written without the dash, or inside a sentence: still the same exact match
    result = hybrid_search(corpus, "tienen el 90915yzzd1 en existencia?", 3, embedder=embedder)
    assert result.hits[0].passage_id == "catalogo#numero-de-parte"
    # the similar part number is not an exact match and stays below it
    ids = [h.passage_id for h in hybrid_search(corpus, query, 8, embedder=embedder).hits]
    assert ids.index("catalogo#otra-pieza") > 0


def test_single_method_modes_are_not_boosted():
    embedder = BagOfWordsEmbedder()
    corpus = _parts_corpus(embedder)
    dense = hybrid_search(corpus, "filtro de aceite 90915-YZZD1", 5, embedder=embedder, mode="dense")
    assert dense.hits[0].passage_id != "catalogo#numero-de-parte"


def test_adaptive_weight_leans_lexical_for_identifiers_and_dense_for_sentences():
    assert fusion.adaptive_dense_weight(3, True) < fusion.DEFAULT_DENSE_WEIGHT
    assert fusion.adaptive_dense_weight(12, False) > fusion.DEFAULT_DENSE_WEIGHT
    assert fusion.adaptive_dense_weight(4, False) == fusion.DEFAULT_DENSE_WEIGHT
    embedder = BagOfWordsEmbedder()
    corpus = _parts_corpus(embedder)
    assert hybrid_search(corpus, "pieza 2TR-FE", 3, embedder=embedder).extras["dense_weight"] == \
        fusion.IDENTIFIER_DENSE_WEIGHT
    assert hybrid_search(corpus, "pieza", 3, embedder=embedder, dense_weight=0.25).extras["dense_weight"] == 0.25


class CountingEmbedder(BagOfWordsEmbedder):
    def __init__(self):
        self.calls: list[str] = []

    def embed_query(self, text):
        self.calls.append(text)
        return super().embed_query(text)


def test_query_vector_cache_returns_identical_results_and_embeds_once():
    inner = CountingEmbedder()
    corpus = _parts_corpus(inner)
    cached = QueryVectorCache(inner, size=8)
    first = hybrid_search(corpus, "filtro de aceite tapado", 5, embedder=cached)
    again = hybrid_search(corpus, "  filtro de aceite\ttapado ", 5, embedder=cached)
    assert inner.calls == ["filtro de aceite tapado"] and (cached.hits, cached.misses) == (1, 1)
    assert [(h.passage_id, h.score, h.dense_score) for h in first.hits] == \
        [(h.passage_id, h.score, h.dense_score) for h in again.hits]
    fresh = hybrid_search(corpus, "filtro de aceite tapado", 5, embedder=CountingEmbedder())
    assert [h.passage_id for h in fresh.hits] == [h.passage_id for h in first.hits]
    assert normalize_query(" a\u0301 \n b ") == "á b"


def test_query_vector_cache_is_a_bounded_lru():
    inner = CountingEmbedder()
    cached = QueryVectorCache(inner, size=2)
    for q in ("a uno", "b dos", "a uno", "c tres", "a uno", "b dos"):
        cached.embed_query(q)
    assert inner.calls == ["a uno", "b dos", "c tres", "b dos"]  # "b dos" was the least recently used
    off = QueryVectorCache(CountingEmbedder(), size=0)
    off.embed_query("x y"), off.embed_query("x y")
    assert off.inner.calls == ["x y", "x y"]


@pytest.mark.parametrize("dtype", ["float16", "int8"])
def test_compact_vectors_rank_like_float32(dtype):
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(3000, 384)).astype(np.float32)
    rows[::7] += rows[0]  # clusters of near neighbours make close scores
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    reference, compact = VectorMatrix(rows, "float32"), VectorMatrix(rows, dtype)
    assert compact.nbytes < reference.nbytes
    allowed = np.ones(len(rows), dtype=bool)
    allowed[5::11] = False
    for i in range(25):
        query = rows[i * 37] + rng.normal(scale=0.3, size=384).astype(np.float32)
        query /= np.linalg.norm(query)
        ref, got = reference.top(query, 50, allowed), compact.top(query, 50, allowed)
        exact = reference.scores(query)
        # same ranking up to swaps of passages whose float32 scores are within the tolerance
        assert np.allclose([exact[r] for r, _ in got], [s for _, s in ref], atol=1e-3)
        assert np.allclose([s for _, s in got], [exact[r] for r, _ in got], atol=3e-3)
        assert len({r for r, _ in got} & {r for r, _ in ref}) >= 48
        assert all(allowed[r] for r, _ in got)


@pytest.mark.parametrize("dtype", ["float16", "int8"])
def test_compact_vectors_give_the_float32_hybrid_ranking_on_the_fixture(dtype):
    embedder = BagOfWordsEmbedder()
    reference, compact = _parts_corpus(embedder, "float32"), _parts_corpus(embedder, dtype)
    for query in ("filtro de aceite", "pieza para motor 1GD-FTV", "aceite sucio tapado", "servicio"):
        ref = hybrid_search(reference, query, 8, embedder=embedder)
        got = hybrid_search(compact, query, 8, embedder=embedder)
        assert [h.passage_id for h in got.hits] == [h.passage_id for h in ref.hits]
        assert np.allclose([h.score for h in got.hits], [h.score for h in ref.hits], atol=1e-3)


def _manual(path, model, section, text):
    others = "".join(f"## Sección {n}\n\nTexto general número {n} del manual.\n\n" for n in range(4))
    path.write_text(f"---\nmodel: {model}\nyears: 2024-2026\n---\n# {model}\n\n{others}## {section}\n\n{text}\n",
                    encoding="utf-8")


def test_generation_change_is_picked_up_after_reingest_without_a_query_round_trip(tmp_path):
    clock = [1000.0]
    with fresh_database() as url, db.connect(url) as conn:
        _manual(tmp_path / "hilux.md", "Hilux", "Frenos", "Balatas de la Hilux.")
        ingest(conn, [str(tmp_path / "hilux.md")], embedder=None)
        searcher = Searcher(None, "BM25 only in this test", LocalExactBackend(), check_interval=5.0,
                            clock=lambda: clock[0])
        opened: list[int] = []

        def source():
            opened.append(1)
            return db.connect(url)

        first = searcher.corpus(source)
        assert len(first) == 5 and len(opened) == 1
        _manual(tmp_path / "tacoma.md", "Tacoma", "Crawl Control", "Crawl Control en 4L sobre rocas.")
        ingest(conn, [str(tmp_path / "tacoma.md")], embedder=None)

        def no_database():
            raise AssertionError("a query inside the check interval must not touch the database")

        clock[0] += 4.9
        assert searcher.corpus(no_database) is first  # within the interval: no round trip, old corpus
        _, result = searcher.search(no_database, "crawl control", 1)
        assert [h.passage_id for h in result.hits] == []
        clock[0] += 0.2
        second = searcher.corpus(source)
        assert second is not first and second.generation > first.generation and len(second) == 10
        _, result = searcher.search(source, "crawl control", 1)
        assert result.hits[0].passage_id == "tacoma#crawl-control"
        assert len(opened) == 2  # the second search was again inside the interval
        # unchanged generation after the interval: one cheap check, same corpus object
        clock[0] += 10
        assert searcher.corpus(source) is second and len(opened) == 3


def test_a_rebuild_in_progress_does_not_block_queries(tmp_path):
    with fresh_database() as url, db.connect(url) as conn:
        _manual(tmp_path / "hilux.md", "Hilux", "Frenos", "Balatas de la Hilux.")
        ingest(conn, [str(tmp_path / "hilux.md")], embedder=None)
        searcher = Searcher(None, None, LocalExactBackend(), check_interval=0.0)
        loaded = searcher.corpus(conn)
        with searcher._lock:  # another thread is checking or rebuilding right now
            assert searcher.corpus(lambda: pytest.fail("must not wait for the database")) is loaded
