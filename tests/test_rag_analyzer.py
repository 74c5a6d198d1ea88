"""The Spanish analyzer, the BM25 index (against rank-bm25 itself), fusion math and metrics: pure code."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bridge.rag.analyzer import analyze, fold
from bridge.rag.bm25 import BM25Index, top_indices
from bridge.rag.fusion import fuse, min_max
from bridge.rag.metrics import mrr_at_k, ndcg_at_k, recall_at_k


def test_fold_lowercases_and_strips_accents():
    assert fold("NEUMÁTICOS Pequeños ÜBER") == "neumaticos pequenos uber"


def test_accents_and_case_do_not_change_terms():
    assert analyze("Presión de INFLADO del neumático") == analyze("presion de inflado del neumatico")


def test_stemming_joins_singular_plural_and_verb_forms():
    assert analyze("frenos") == analyze("freno")
    assert analyze("revisión") == analyze("revisiones")
    assert analyze("cambiar")[0] == analyze("cambio")[0]


def test_stopwords_and_chat_filler_are_dropped():
    assert analyze("oye wey porfa de la el que") == []


@pytest.mark.parametrize("a,b", [
    ("llanta", "neumático"), ("llantas", "yantas"), ("carro", "coche"), ("vehículo", "troca"),
    ("balatas", "pastillas"), ("acumulador", "batería"), ("anticongelante", "refrigerante"),
    ("aseite", "aceite"), ("ibrido", "híbrido"),
])
def test_synonyms_and_misspellings_map_to_one_term(a, b):
    assert analyze(a) == analyze(b)


def test_unrelated_words_stay_distinct():
    assert analyze("llanta") != analyze("freno")
    assert analyze("cambio de aceite") != analyze("marcha")  # 'cambio' is not the gear synonym group


def test_phrases_and_numbers_are_normalised():
    assert analyze("se prendió el check engine") == analyze("se prendio el testigo motor")
    assert "10000" in analyze("a los 10,000 km") and "10000" in analyze("a los 10 mil")
    assert "0w20" in analyze("aceite 0W-20")


def test_bm25_index_scores_equal_rank_bm25():
    rng = random.Random(7)
    vocab = [f"t{i}" for i in range(60)]
    corpus = [[rng.choice(vocab[: rng.randint(3, 60)]) for _ in range(rng.randint(1, 40))] for _ in range(400)]
    reference, ours = BM25Okapi(corpus), BM25Index(corpus)
    for _ in range(100):
        query = [rng.choice([*vocab, "unseen"]) for _ in range(rng.randint(1, 6))]
        np.testing.assert_allclose(ours.get_scores(query), reference.get_scores(query), rtol=1e-12, atol=1e-12)


def test_bm25_top_k_orders_and_masks():
    index = BM25Index([["a", "b"], ["a"], ["c"], ["a", "a", "a"]])
    top = index.top_k(["a"], 2)
    assert [i for i, _ in top] == [3, 1]
    masked = index.top_k(["a"], 5, mask=np.array([True, False, True, False]))
    assert [i for i, _ in masked] == [0]
    assert index.top_k(["zzz"], 3) == []


def test_top_indices_breaks_ties_by_index():
    assert top_indices(np.array([1.0, 3.0, 3.0, 2.0]), 3) == [(1, 3.0), (2, 3.0), (3, 2.0)]


def test_min_max_normalisation():
    assert min_max([("a", 10.0), ("b", 5.0), ("c", 0.0)]) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert min_max([("a", 2.0), ("b", 2.0)]) == {"a": 1.0, "b": 1.0}
    assert min_max([]) == {}


def test_weighted_fusion_math_and_ranks():
    bm25 = [("a", 10.0), ("b", 5.0), ("c", 0.0)]
    dense = [("c", 0.9), ("b", 0.8), ("d", 0.5)]
    fused = {f.passage_id: f for f in fuse(bm25, dense, dense_weight=0.25)}
    # b: 0.75 * 0.5 + 0.25 * (0.8 - 0.5) / 0.4 = 0.375 + 0.1875
    assert math.isclose(fused["b"].score, 0.5625)
    assert math.isclose(fused["a"].score, 0.75)  # only in BM25, top there
    assert math.isclose(fused["d"].score, 0.0)
    assert (fused["b"].bm25_rank, fused["b"].dense_rank) == (2, 2)
    assert (fused["d"].bm25_rank, fused["d"].dense_rank) == (None, 3)
    assert [f.passage_id for f in fuse(bm25, dense, dense_weight=0.25)][:2] == ["a", "b"]


def test_dense_weight_extremes_reproduce_single_rankings():
    bm25 = [("a", 3.0), ("b", 2.0), ("c", 1.0)]
    dense = [("c", 0.9), ("b", 0.5), ("a", 0.1)]
    assert [f.passage_id for f in fuse(bm25, dense, dense_weight=0.0)] == ["a", "b", "c"]
    assert [f.passage_id for f in fuse(bm25, dense, dense_weight=1.0)] == ["c", "b", "a"]


def test_reciprocal_rank_fusion():
    fused = fuse([("a", 9.0), ("b", 1.0)], [("b", 0.9), ("c", 0.1)], method="rrf", rrf_k=60)
    scores = {f.passage_id: f.score for f in fused}
    assert math.isclose(scores["b"], 1 / 62 + 1 / 61)
    assert math.isclose(scores["a"], 1 / 61)
    assert fused[0].passage_id == "b"


def test_fusion_rejects_bad_parameters():
    with pytest.raises(ValueError):
        fuse([], [], method="borda")
    with pytest.raises(ValueError):
        fuse([], [], dense_weight=1.5)


def test_metrics():
    ranked = ["x", "r1", "y", "r2", "z"]
    assert recall_at_k(ranked, {"r1", "r2"}, 2) == 0.5
    assert recall_at_k(ranked, {"r1", "r2"}, 5) == 1.0
    assert mrr_at_k(ranked, {"r2"}, 10) == 0.25
    assert mrr_at_k(ranked, {"r2"}, 3) == 0.0
    assert math.isclose(ndcg_at_k(ranked, {"r1"}, 10), 1 / math.log2(3))
    assert ndcg_at_k(["r1", "r2"], {"r1", "r2"}, 10) == 1.0
    assert ndcg_at_k(ranked, set(), 10) == 0.0
