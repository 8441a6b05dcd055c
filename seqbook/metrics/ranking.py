"""Ranking metrics for next-item recommendation: the rank of the held-out item among all
items, hit rate at k and normalised discounted cumulative gain at k.

Each user has exactly one relevant item (the held-out next one), so both metrics depend on
its 0-based rank ``r`` alone: ``HR@k = 1[r < k]`` and ``NDCG@k = 1[r < k] / log2(r + 2)``
(the ideal DCG of a single relevant item is 1). Ranks are computed over the *whole*
catalogue, with the items a user has already seen taken out, never over a sample of
negatives (Krichene & Rendle, KDD 2020, show that sampled metrics can reorder models).
Ties are broken against the target: an item that scores the same as the target counts as
ranked above it, so a model that gives every item the same score gets the worst rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["hit_rate_at_k", "ndcg_at_k", "ranking_scores", "sampled_ranks", "target_ranks"]


def _scores_and_targets(scores, targets) -> tuple[np.ndarray, np.ndarray]:
    scores = np.array(scores, dtype=np.float64)  # a copy: excluded items are overwritten
    if scores.ndim != 2:
        raise ValueError(f"scores must be 2-D [users, items]; got shape {scores.shape}")
    targets = np.asarray(targets)
    if targets.shape != (scores.shape[0],) or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must be {scores.shape[0]} integer item ids (one per row of "
                         f"scores); got {targets.dtype} of shape {targets.shape}")
    if targets.size and (targets.min() < 0 or targets.max() >= scores.shape[1]):
        raise ValueError(f"targets must be item ids in [0, {scores.shape[1]}); got values in "
                         f"[{targets.min()}, {targets.max()}]")
    if np.isnan(scores).any():
        raise ValueError("scores must not contain NaN")
    return scores, targets


def target_ranks(scores: np.ndarray, targets: Sequence[int],
                 exclude: Iterable[Iterable[int]] | None = None) -> np.ndarray:
    """0-based rank of each row's target item among all items, seen items excluded.

    Parameters
    ----------
    scores : array [users, items]
        Higher means recommended earlier.
    targets : array [users]
        The held-out item of each row.
    exclude : list of item-id lists, optional
        For each row, the items that cannot be recommended (the user's history, padding id
        0). They are removed from the ranking; excluding a row's own target is an error.

    Returns
    -------
    np.ndarray
        int64 ranks: the number of non-excluded items scoring at least as high as the target
        (ties count against the target).

    Example
    -------
    >>> scores = np.array([[0.9, 0.1, 0.5, 0.7]])
    >>> target_ranks(scores, [2]).tolist()
    [2]
    >>> target_ranks(scores, [2], exclude=[[0]]).tolist()  # item 0 was seen
    [1]
    """
    scores, targets = _scores_and_targets(scores, targets)
    rows = np.arange(len(targets))
    if exclude is not None:
        exclude = list(exclude)
        if len(exclude) != len(targets):
            raise ValueError(f"exclude must hold one item list per row of scores "
                             f"({len(targets)}); got {len(exclude)}")
        for row, items in enumerate(exclude):
            items = np.asarray(list(items), dtype=np.int64)
            if np.isin(targets[row], items):
                raise ValueError(f"exclude[{row}] contains the row's target item "
                                 f"{targets[row]}; a held-out item cannot be in the history")
            scores[row, items] = -np.inf
    target_scores = scores[rows, targets]
    return (scores >= target_scores[:, None]).sum(axis=1).astype(np.int64) - 1


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")


def hit_rate_at_k(ranks: Sequence[int], k: int = 10) -> float:
    """Fraction of rows whose target is among the top ``k`` (0-based rank < k).

    Example
    -------
    >>> hit_rate_at_k([0, 3, 12, 9], k=10)
    0.75
    """
    _check_k(k)
    return float(np.mean(np.asarray(ranks) < k))


def ndcg_at_k(ranks: Sequence[int], k: int = 10) -> float:
    """Mean NDCG@k for one relevant item per row: ``1 / log2(rank + 2)`` if rank < k, else 0.

    Example
    -------
    >>> round(ndcg_at_k([0, 1, 10], k=10), 4)  # (1 + 1/log2(3) + 0) / 3
    0.5436
    """
    _check_k(k)
    ranks = np.asarray(ranks, dtype=np.float64)
    return float(np.mean(np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)))


def ranking_scores(scores: np.ndarray, targets: Sequence[int],
                   exclude: Iterable[Iterable[int]] | None = None, k: int = 10
                   ) -> dict[str, float]:
    """``{"HR@k": ..., "NDCG@k": ...}`` over all items, ``exclude`` removed per row.

    Example
    -------
    >>> scores = np.array([[0.9, 0.1, 0.5, 0.7], [0.2, 0.8, 0.4, 0.1]])
    >>> ranking_scores(scores, [2, 1], exclude=[[0], []], k=1)
    {'HR@1': 0.5, 'NDCG@1': 0.5}
    """
    ranks = target_ranks(scores, targets, exclude)
    return {f"HR@{k}": hit_rate_at_k(ranks, k), f"NDCG@{k}": ndcg_at_k(ranks, k)}


def sampled_ranks(scores: np.ndarray, targets: Sequence[int],
                  exclude: Iterable[Iterable[int]] | None = None, num_negatives: int = 100,
                  seed: int = 0) -> np.ndarray:
    """The rank of each target among ``num_negatives`` items drawn uniformly (the *sampled*
    protocol many papers use), for comparison with :func:`target_ranks`.

    Negatives are drawn without replacement from the items that are neither excluded nor
    the target. Shown in the book to make the point of Krichene & Rendle (2020): sampled
    ranks are far smaller than full ones, and can reorder models.

    Example
    -------
    >>> scores = np.arange(10.0)[None, :]  # item 9 is best, item 0 worst
    >>> int(sampled_ranks(scores, [5], num_negatives=9)[0])  # all 9 others: the full rank
    4
    """
    scores, targets = _scores_and_targets(scores, targets)
    if isinstance(num_negatives, bool) or not isinstance(num_negatives, int) or num_negatives < 1:
        raise ValueError(f"num_negatives must be a positive integer; got {num_negatives!r}")
    exclude = [[] for _ in targets] if exclude is None else list(exclude)
    rng = np.random.default_rng(seed)
    ranks = np.empty(len(targets), dtype=np.int64)
    for row, target in enumerate(targets):
        allowed = np.ones(scores.shape[1], dtype=bool)
        allowed[np.asarray(list(exclude[row]), dtype=np.int64)] = False
        allowed[target] = False
        pool = np.flatnonzero(allowed)
        if len(pool) < num_negatives:
            raise ValueError(f"num_negatives must be at most the {len(pool)} items left for "
                             f"row {row}; got {num_negatives}")
        negatives = rng.choice(pool, num_negatives, replace=False)
        ranks[row] = int((scores[row, negatives] >= scores[row, target]).sum())
    return ranks
