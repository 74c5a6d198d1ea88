"""The hybrid query path over an in-memory corpus: modes, fallbacks and their notices, filters.
A tiny deterministic bag-of-words embedder stands in for the model here (pure logic, no model needed);
the real embedder is exercised in the ingest, API and Pinecone tests."""

from __future__ import annotations

import zlib

import numpy as np

from bridge.rag.analyzer import analyze
from bridge.rag.chunking import Block, Document, split_passages
from bridge.rag.corpus import Filters, corpus_from_documents
from bridge.rag.search import hybrid_search


class BagOfWordsEmbedder:
    name = "bow-test"
    dim = 64

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for term in analyze(text):
            v[zlib.crc32(term.encode()) % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_passages(self, texts):
        return np.vstack([self._vec(t) for t in texts])

    def embed_query(self, text):
        return self._vec(text)


def _corpus(embedder=None, model_name=None):
    docs = [
        Document("hilux", "hilux.md", "Hilux", [Block(("Llantas",), "presión de llantas 29 psi"),
                                                 Block(("Frenos",), "balatas con indicador de desgaste")],
                 model="Hilux", year_from=2021, year_to=2025),
        Document("yaris", "yaris.md", "Yaris", [Block(("Llantas",), "presión de llantas 33 psi")],
                 model="Yaris", year_from=2019, year_to=2024),
        Document("guia", "guia.md", "Guía", [Block(("Garantía",), "garantía de 3 años o 60,000 km")]),
    ]
    pairs = [(d, split_passages(d)) for d in docs]
    vectors = None
    if embedder is not None:
        vectors = embedder.embed_passages([p.index_text for _, ps in pairs for p in ps])
    return corpus_from_documents(pairs, vectors, model_name or getattr(embedder, "name", None))


def test_hybrid_reports_both_ranks():
    embedder = BagOfWordsEmbedder()
    result = hybrid_search(_corpus(embedder), "presión de llantas 29 psi", 3, embedder=embedder)
    assert result.mode == "hybrid" and result.notice is None and result.dense_backend == "local"
    top = result.hits[0]
    assert top.passage_id == "hilux#llantas" and top.bm25_rank == 1 and top.dense_rank == 1


def test_single_method_modes_keep_their_own_order_and_scores():
    embedder = BagOfWordsEmbedder()
    corpus = _corpus(embedder)
    bm25 = hybrid_search(corpus, "balatas", 5, embedder=embedder, mode="bm25")
    assert [h.passage_id for h in bm25.hits] == ["hilux#frenos"] and bm25.hits[0].score == bm25.hits[0].bm25_score
    dense = hybrid_search(corpus, "balatas", 5, embedder=embedder, mode="dense")
    assert dense.mode == "dense" and dense.hits[0].score == dense.hits[0].dense_score
    assert all(h.bm25_rank is None for h in dense.hits)


def test_without_embedder_answers_with_bm25_and_a_notice():
    result = hybrid_search(_corpus(), "balatas", 3, embedder=None, embedder_notice="no wheel")
    assert result.mode == "bm25" and result.notice == "no wheel" and result.hits[0].passage_id == "hilux#frenos"


def test_passages_without_vectors_or_from_another_model_fall_back():
    embedder = BagOfWordsEmbedder()
    no_vectors = hybrid_search(_corpus(), "balatas", 3, embedder=embedder)
    assert no_vectors.mode == "bm25" and "no passage has a vector" in no_vectors.notice
    other = hybrid_search(_corpus(embedder, model_name="another-model"), "balatas", 3, embedder=embedder)
    assert other.mode == "bm25" and "another-model" in other.notice


def test_filters_by_model_and_year_keep_general_manuals():
    embedder = BagOfWordsEmbedder()
    corpus = _corpus(embedder)
    ids = lambda f: {h.passage_id for h in hybrid_search(corpus, "llantas garantía", 10, embedder=embedder,  # noqa: E731
                                                         filters=f).hits}
    assert ids(Filters(model="YARIS")) == {"yaris#llantas", "guia#garantia"}
    assert ids(Filters(year=2020)) == {"yaris#llantas", "guia#garantia"}  # a guide without years applies to all
    assert ids(Filters(model="Hilux", year=2019)) == {"guia#garantia"}
    assert corpus.mask(Filters()) is None


def test_query_with_only_stopwords_still_gets_dense_results():
    embedder = BagOfWordsEmbedder()
    result = hybrid_search(_corpus(embedder), "hola buenas", 3, embedder=embedder)
    assert result.mode == "hybrid" and all(h.bm25_rank is None for h in result.hits)
