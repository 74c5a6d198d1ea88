"""Okapi BM25 over an inverted index, with exactly the scores of ``rank_bm25.BM25Okapi``.

rank-bm25 scores every document for every query term (O(N) Python dict look-ups per term);
here each term keeps its postings as numpy arrays, so a query touches only the documents that
contain its terms. Same idf (with the epsilon floor for negative idf), same k1/b/epsilon, same
treatment of repeated query terms: the scores agree to floating-point rounding.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class BM25Index:
    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.corpus_size = len(corpus)
        doc_len = np.array([len(doc) for doc in corpus], dtype=np.float64)
        self.avgdl = float(doc_len.sum() / self.corpus_size) if self.corpus_size else 0.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for doc_id, doc in enumerate(corpus):
            for word, freq in Counter(doc).items():
                ids, tfs = postings.setdefault(word, ([], []))
                ids.append(doc_id)
                tfs.append(freq)
        self.idf = self._idf({word: len(ids) for word, (ids, _) in postings.items()})
        # Per-document length normalisation, precomputed: k1 * (1 - b + b * dl / avgdl).
        norm = self.k1 * (1 - self.b + self.b * doc_len / self.avgdl) if self.avgdl else doc_len
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for word, (ids, tfs) in postings.items():
            id_arr = np.asarray(ids, dtype=np.int64)
            tf_arr = np.asarray(tfs, dtype=np.float64)
            self._postings[word] = (id_arr, tf_arr * (self.k1 + 1) / (tf_arr + norm[id_arr]))

    def _idf(self, nd: dict[str, int]) -> dict[str, float]:
        idf: dict[str, float] = {}
        negative = []
        for word, freq in nd.items():
            value = math.log(self.corpus_size - freq + 0.5) - math.log(freq + 0.5)
            idf[word] = value
            if value < 0:
                negative.append(word)
        average = sum(idf.values()) / len(idf) if idf else 0.0
        for word in negative:
            idf[word] = self.epsilon * average
        return idf

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        scores = np.zeros(self.corpus_size)
        for word in query:
            posting = self._postings.get(word)
            if posting is None:
                continue
            ids, weights = posting
            scores[ids] += self.idf[word] * weights
        return scores

    def top_k(self, query: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` (doc index, score) with a positive score, best first; ``mask`` keeps only True docs."""
        scores = self.get_scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return top_indices(scores, k, positive_only=True)


def top_indices(scores: np.ndarray, k: int, *, positive_only: bool = False) -> list[tuple[int, float]]:
    """Indices of the ``k`` largest scores, best first (ties broken by lower index)."""
    if k <= 0 or scores.size == 0:
        return []
    candidates = np.flatnonzero(scores > 0) if positive_only else np.arange(scores.size)
    if candidates.size == 0:
        return []
    if candidates.size > k:
        part = np.argpartition(-scores[candidates], k - 1)[:k]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return [(int(candidates[i]), float(scores[candidates[i]])) for i in order]
