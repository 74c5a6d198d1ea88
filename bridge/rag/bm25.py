"""Okapi BM25 over an inverted index, with exactly the scores of ``rank_bm25.BM25Okapi``.

rank-bm25 scores every document for every query term (O(N) Python dict look-ups per term);
here each term keeps its postings as numpy arrays, so a query touches only the documents that
contain its terms. Same idf (with the epsilon floor for negative idf), same k1/b/epsilon, same
treatment of repeated query terms: the scores agree to floating-point rounding.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np


class BM25Index:
    def __init__(self, corpus: Iterable[Sequence[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        self.k1, self.b, self.epsilon = k1, b, epsilon
        # Postings are gathered in flat typed arrays (4 bytes an entry), not Python lists of ints: at
        # 50,000 passages the lists alone took ~200 MB at build time, which the process then kept as RSS.
        vocabulary: dict[str, int] = {}
        term_ids, doc_ids, freqs, lengths = array("i"), array("i"), array("i"), array("i")
        for doc_id, doc in enumerate(corpus):
            lengths.append(len(doc))
            for word, freq in Counter(doc).items():
                term_ids.append(vocabulary.setdefault(word, len(vocabulary)))
                doc_ids.append(doc_id)
                freqs.append(freq)
        self.corpus_size = len(lengths)
        doc_len = np.frombuffer(lengths, dtype=np.int32).astype(np.float64)
        self.avgdl = float(doc_len.sum() / self.corpus_size) if self.corpus_size else 0.0
        terms = np.frombuffer(term_ids, dtype=np.int32)
        order = np.argsort(terms, kind="stable")  # by term, documents ascending within a term
        sorted_terms = terms[order]
        ids_sorted = np.frombuffer(doc_ids, dtype=np.int32)[order]
        tfs_sorted = np.frombuffer(freqs, dtype=np.int32)[order].astype(np.float64)
        del term_ids, doc_ids, freqs, terms, order
        bounds = np.searchsorted(sorted_terms, np.arange(len(vocabulary) + 1))
        words = list(vocabulary)
        self.idf = self._idf({word: int(bounds[t + 1] - bounds[t]) for t, word in enumerate(words)})
        # Per-document length normalisation, precomputed: k1 * (1 - b + b * dl / avgdl).
        norm = self.k1 * (1 - self.b + self.b * doc_len / self.avgdl) if self.avgdl else doc_len
        weights = tfs_sorted * (self.k1 + 1) / (tfs_sorted + norm[ids_sorted])
        # One flat array each for document ids and weights, and where each term's run starts: two numpy
        # views per term (50,000 terms) would cost more than the postings themselves.
        self._terms = vocabulary
        self._bounds = bounds.tolist()
        self._ids, self._weights = ids_sorted, weights

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
            t = self._terms.get(word)
            if t is None:
                continue
            start, end = self._bounds[t], self._bounds[t + 1]
            scores[self._ids[start:end]] += self.idf[word] * self._weights[start:end]
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
