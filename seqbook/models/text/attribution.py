"""Which tokens drive a prediction: occlusion, by deleting one token at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["token_occlusion"]


def token_occlusion(
    score_fn: Callable[[np.ndarray], np.ndarray], tokens: Sequence[int]
) -> np.ndarray:
    """How much each real token adds to a score: ``score(text) - score(text without it)``.

    Each variant deletes one token and shifts the rest left, so the text stays
    right-padded and no model sees a hole. All variants go through ``score_fn`` in one
    batch. Positive values push the score up (towards positive sentiment for a rating),
    negative values down; the effect of a word in context is measured, interactions
    included ("bad" after "not" may count for the positive side).

    Parameters
    ----------
    score_fn : callable
        ``ids [B, T] (int32) -> scores [B]`` (or ``[B, 1]``), e.g. a regressor's rating or
        a classifier's logit difference.
    tokens : sequence of int
        One text's ids, right-padded with 0.

    Returns
    -------
    numpy.ndarray
        float64 ``[n]``, one value per real (non-zero) token, in order.

    Example
    -------
    >>> def total(ids):  # a toy score: the sum of the ids
    ...     return ids.sum(axis=1)
    >>> token_occlusion(total, [5, 1, 2, 0]).tolist()
    [5.0, 1.0, 2.0]
    """
    ids = np.asarray(tokens, dtype=np.int32).reshape(-1)
    length = int(np.count_nonzero(ids))
    if length == 0 or np.any(ids[:length] == 0):
        raise ValueError(f"tokens must be one right-padded text with at least one token; "
                         f"got {ids.tolist()[:20]}")
    batch = np.zeros((length + 1, ids.size), np.int32)
    batch[0] = ids
    for i in range(length):
        kept = np.delete(ids[:length], i)
        batch[i + 1, :kept.size] = kept
    scores = np.asarray(score_fn(batch), dtype=np.float64).reshape(length + 1)
    return scores[0] - scores[1:]
