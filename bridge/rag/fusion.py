"""Score fusion for hybrid retrieval: weighted min-max-normalised scores, or reciprocal rank fusion.
Pure functions over ranked lists of (passage id, score), best first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Ranked = Sequence[tuple[str, float]]

# Tuned on the dev split of data/eval (best mean of recall@5, MRR@10, nDCG@10; `evaluate --tune`).
DEFAULT_DENSE_WEIGHT = 0.6
RRF_K = 60


@dataclass(frozen=True)
class Fused:
    passage_id: str
    score: float
    bm25_rank: int | None  # 1-based rank in the BM25 list, None if absent
    dense_rank: int | None
    bm25_score: float | None
    dense_score: float | None


def min_max(ranked: Ranked) -> dict[str, float]:
    """Scores mapped to [0, 1] within the list (all equal -> all 1.0)."""
    if not ranked:
        return {}
    scores = [s for _, s in ranked]
    low, high = min(scores), max(scores)
    if high == low:
        return {pid: 1.0 for pid, _ in ranked}
    return {pid: (s - low) / (high - low) for pid, s in ranked}


def _ranks(ranked: Ranked) -> dict[str, int]:
    return {pid: i for i, (pid, _) in enumerate(ranked, start=1)}


def fuse(
    bm25: Ranked,
    dense: Ranked,
    *,
    method: str = "weighted",
    dense_weight: float = DEFAULT_DENSE_WEIGHT,
    rrf_k: int = RRF_K,
) -> list[Fused]:
    """Merge two ranked lists into one, best first (ties: better best-single-rank, then id).

    ``weighted``: ``(1 - w) * minmax(bm25) + w * minmax(dense)``, a passage missing from a list
    contributes 0 for it. ``rrf``: ``sum 1 / (k + rank)`` over the lists that contain it.
    """
    if method not in ("weighted", "rrf"):
        raise ValueError(f"unknown fusion method {method!r}")
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError("dense_weight must be within [0, 1]")
    bm25_ranks, dense_ranks = _ranks(bm25), _ranks(dense)
    bm25_raw, dense_raw = dict(bm25), dict(dense)
    if method == "weighted":
        nb, nd = min_max(bm25), min_max(dense)
    fused = []
    for pid in dict.fromkeys([p for p, _ in bm25] + [p for p, _ in dense]):
        rb, rd = bm25_ranks.get(pid), dense_ranks.get(pid)
        if method == "weighted":
            score = (1.0 - dense_weight) * nb.get(pid, 0.0) + dense_weight * nd.get(pid, 0.0)
        else:
            score = (1.0 / (rrf_k + rb) if rb else 0.0) + (1.0 / (rrf_k + rd) if rd else 0.0)
        fused.append(Fused(pid, score, rb, rd, bm25_raw.get(pid), dense_raw.get(pid)))
    big = 1 << 30
    fused.sort(key=lambda f: (-f.score, min(f.bm25_rank or big, f.dense_rank or big), f.passage_id))
    return fused
