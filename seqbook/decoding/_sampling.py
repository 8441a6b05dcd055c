"""Sampling: draw each next token, with temperature, top-k and nucleus (top-p) filtering."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from seqbook.decoding._common import (
    LogProbFn,
    check_common,
    decode_token_by_token,
    require_int,
)


def _filter_probs(
    log_probs: np.ndarray, temperature: float, top_k: int | None, top_p: float | None
) -> np.ndarray:
    """Next-token probabilities after temperature, then top-k, then top-p filtering."""
    scaled = log_probs / temperature
    probs = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    order = np.argsort(-probs, axis=1, kind="stable")  # most probable first, ties by id
    sorted_probs = np.take_along_axis(probs, order, axis=1)
    keep = sorted_probs > 0
    if top_k is not None:
        keep[:, top_k:] = False
    if top_p is not None:
        mass_before = np.cumsum(sorted_probs, axis=1) - sorted_probs
        keep &= mass_before < top_p  # the smallest set whose mass reaches top_p
    kept = np.zeros_like(probs)
    np.put_along_axis(kept, order, np.where(keep, sorted_probs, 0.0), axis=1)
    return kept / kept.sum(axis=1, keepdims=True)


def sample(
    log_prob_fn: LogProbFn,
    start_tokens: Any,
    end_token: int,
    max_length: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """Decode by drawing each next token at random from the filtered distribution.

    The next-token distribution is ``softmax(log_probs / temperature)``; then ``top_k``
    keeps only the ``top_k`` most probable tokens, and ``top_p`` (nucleus sampling) keeps
    the smallest set of most probable tokens whose probability reaches ``top_p``. What is
    kept is renormalised and one token is drawn per row.

    Parameters
    ----------
    log_prob_fn : callable
        ``log_prob_fn(prefixes[batch, t]) -> [batch, vocab]`` next-token log-probabilities.
    start_tokens : array-like of int, shape [batch]
        The first token of each sequence.
    end_token : int
        The token that finishes a sequence.
    max_length : int
        The most tokens to generate after the start token.
    temperature : float
        > 0; below 1 sharpens the distribution, above 1 flattens it.
    top_k : int, optional
        Keep only this many most probable tokens (``top_k=1`` is greedy decoding).
    top_p : float, optional
        In (0, 1]: keep the smallest set of most probable tokens with this much mass.
    seed : int, optional
        Seed of the random generator; the same seed gives the same sequences.

    Returns
    -------
    numpy.ndarray of int64, shape [batch, max_length + 1]
        The start token, the drawn tokens, and ``end_token`` padding after the end.

    Example
    -------
    >>> import numpy as np
    >>> table = np.log([[0.1, 0.6, 0.3], [0.2, 0.1, 0.7], [0.4, 0.4, 0.2]])
    >>> def bigram(prefixes):
    ...     return table[prefixes[:, -1]]
    >>> a = sample(bigram, [0, 0, 0], end_token=2, max_length=5, seed=1)
    >>> b = sample(bigram, [0, 0, 0], end_token=2, max_length=5, seed=1)
    >>> a.shape, bool((a == b).all())
    ((3, 6), True)
    >>> sample(bigram, [0], end_token=2, max_length=5, top_k=1).tolist()  # = greedy
    [[0, 1, 2, 2, 2, 2]]
    """
    starts, end_token, max_length = check_common(log_prob_fn, start_tokens, end_token, max_length)
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not (
        0 < temperature < np.inf
    ):
        raise ValueError(f"temperature must be a finite number > 0; got {temperature!r}")
    if top_k is not None:
        top_k = require_int("top_k", top_k, 1)
    if top_p is not None and (
        isinstance(top_p, bool) or not isinstance(top_p, numbers.Real) or not 0 < top_p <= 1
    ):
        raise ValueError(f"top_p must be a number in (0, 1]; got {top_p!r}")
    if seed is not None:
        seed = require_int("seed", seed, 0)
    rng = np.random.default_rng(seed)

    def draw(log_probs: np.ndarray) -> np.ndarray:
        cdf = np.cumsum(_filter_probs(log_probs, float(temperature), top_k, top_p), axis=1)
        u = rng.random(log_probs.shape[0]) * cdf[:, -1]
        # The first token whose cumulative probability exceeds u: never a removed token.
        drawn = (cdf <= u[:, None]).sum(axis=1)
        return np.minimum(drawn, log_probs.shape[1] - 1)

    return decode_token_by_token(log_prob_fn, starts, end_token, max_length, draw)
