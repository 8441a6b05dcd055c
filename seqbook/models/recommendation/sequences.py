"""Item histories as fixed-length model inputs, and the two baselines of the recommendation
chapter (most popular, item-to-item co-occurrence), all in NumPy.

Item ids are positive integers; id 0 is padding. Windows are *left*-padded, so the most
recent item always sits in the last position, the one whose output scores the next item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from seqbook._checks import require_positive

__all__ = ["cooccurrence_scores", "history_windows", "next_item_windows", "popularity_scores",
           "seen_items"]


def _histories(histories: Mapping[int, Sequence[int]] | Sequence[Sequence[int]],
               minimum: int = 1) -> list[np.ndarray]:
    rows = list(histories.values()) if isinstance(histories, Mapping) else list(histories)
    out = []
    for i, row in enumerate(rows):
        row = np.asarray(row, dtype=np.int64)
        if row.ndim != 1 or len(row) < minimum:
            raise ValueError(f"every history must be a 1-D list of at least {minimum} item "
                             f"id(s); history {i} has {row.size}")
        if row.min() < 1:
            raise ValueError(f"item ids must be >= 1 (0 is padding); history {i} holds "
                             f"{row.min()}")
        out.append(row)
    return out


def _left_pad(row: np.ndarray, length: int) -> np.ndarray:
    window = np.zeros(length, dtype=np.int32)
    window[length - len(row):] = row
    return window


def next_item_windows(histories: Mapping[int, Sequence[int]] | Sequence[Sequence[int]],
                      sequence_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Training pairs for next-item models: at every position, the item that came next.

    Each history ``[i1, ..., in]`` gives inputs ``[i1, ..., i(n-1)]`` and targets
    ``[i2, ..., in]``, cut from the end into pieces of ``sequence_length`` and left-padded
    with 0 (a target 0 is padding, to be ignored by the loss).

    Parameters
    ----------
    histories : dict or list
        Item ids in time order, at least 2 per history.
    sequence_length : int
        Length of every window.

    Returns
    -------
    inputs, targets : np.ndarray
        int32 arrays ``[windows, sequence_length]``.

    Example
    -------
    >>> inputs, targets = next_item_windows([[5, 6, 7, 8]], sequence_length=2)
    >>> inputs.tolist(), targets.tolist()
    ([[6, 7], [0, 5]], [[7, 8], [0, 6]])
    """
    require_positive(sequence_length=sequence_length)
    inputs, targets = [], []
    for row in _histories(histories, minimum=2):
        for end in range(len(row) - 1, 0, -sequence_length):
            start = max(0, end - sequence_length)
            inputs.append(_left_pad(row[start:end], sequence_length))
            targets.append(_left_pad(row[start + 1:end + 1], sequence_length))
    return np.stack(inputs), np.stack(targets)


def history_windows(histories: Mapping[int, Sequence[int]] | Sequence[Sequence[int]],
                    sequence_length: int) -> np.ndarray:
    """The last ``sequence_length`` items of each history, left-padded: the model input
    whose last output scores the item that comes next.

    Example
    -------
    >>> history_windows([[5, 6, 7], [9]], sequence_length=2).tolist()
    [[6, 7], [0, 9]]
    """
    require_positive(sequence_length=sequence_length)
    return np.stack([_left_pad(row[-sequence_length:], sequence_length)
                     for row in _histories(histories)])


def seen_items(histories: Mapping[int, Sequence[int]] | Sequence[Sequence[int]]
               ) -> list[np.ndarray]:
    """The items each user has seen, plus the padding id 0: what a ranking must exclude.

    Example
    -------
    >>> [s.tolist() for s in seen_items([[3, 1, 3]])]
    [[0, 1, 3]]
    """
    return [np.unique(np.r_[0, row]) for row in _histories(histories)]


def popularity_scores(train: Mapping[int, Sequence[int]] | Sequence[Sequence[int]],
                      vocabulary_size: int) -> np.ndarray:
    """How many training histories contain each item: the most-popular baseline's scores.

    Example
    -------
    >>> popularity_scores([[1, 2], [2, 3]], vocabulary_size=4).tolist()
    [0.0, 1.0, 2.0, 1.0]
    """
    require_positive(vocabulary_size=vocabulary_size)
    counts = np.zeros(vocabulary_size)
    for row in _histories(train):
        if row.max() >= vocabulary_size:
            raise ValueError(f"item ids must be < vocabulary_size={vocabulary_size}; got "
                             f"{row.max()}")
        counts[np.unique(row)] += 1
    return counts


def cooccurrence_scores(train: Mapping[int, Sequence[int]] | Sequence[Sequence[int]],
                        histories: Mapping[int, Sequence[int]] | Sequence[Sequence[int]],
                        vocabulary_size: int, recent: int | None = None) -> np.ndarray:
    """Item-to-item co-occurrence scores (item-based nearest neighbours).

    Two items are similar when the same users chose both:
    ``sim(i, j) = c(i, j) / sqrt(c(i) c(j))`` (cosine), with ``c`` counted over the
    *training* histories. A user's score for item ``j`` is the sum of ``sim(i, j)`` over the
    last ``recent`` items ``i`` of their history (all of it when ``None``).

    Parameters
    ----------
    train : dict or list
        Training histories: the only data the similarities are counted on.
    histories : dict or list
        The histories to score, one row of output each.
    vocabulary_size : int
        Number of item ids (largest id + 1).
    recent : int, optional
        How many of the most recent items to sum over.

    Returns
    -------
    np.ndarray
        float32 ``[len(histories), vocabulary_size]``.

    Example
    -------
    >>> scores = cooccurrence_scores([[1, 2], [1, 2], [3]], [[1]], vocabulary_size=4)
    >>> scores.round(2).tolist()
    [[0.0, 1.0, 1.0, 0.0]]
    """
    require_positive(vocabulary_size=vocabulary_size)
    if recent is not None:
        require_positive(recent=recent)
    rows = _histories(train)
    users = np.repeat(np.arange(len(rows)), [len(np.unique(r)) for r in rows])
    cols = np.concatenate([np.unique(r) for r in rows])
    if cols.max() >= vocabulary_size:
        raise ValueError(f"item ids must be < vocabulary_size={vocabulary_size}; got "
                         f"{cols.max()}")
    matrix = np.zeros((len(rows), vocabulary_size), dtype=np.float32)
    matrix[users, cols] = 1.0
    counts = matrix.T @ matrix  # c(i, j); the diagonal holds c(i)
    norm = np.sqrt(np.maximum(np.diag(counts), 1.0))
    similarity = counts / norm[:, None] / norm[None, :]
    queries = _histories(histories)
    scores = np.zeros((len(queries), vocabulary_size), dtype=np.float32)
    for u, row in enumerate(queries):
        row = row[-recent:] if recent else row
        if row.max() >= vocabulary_size:
            raise ValueError(f"item ids must be < vocabulary_size={vocabulary_size}; "
                             f"history {u} holds {row.max()}")
        scores[u] = similarity[row].sum(axis=0)
    return scores
