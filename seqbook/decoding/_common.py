"""Argument checks and the checked call of ``log_prob_fn``, shared by every strategy."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

LogProbFn = Callable[[np.ndarray], Any]
"""``log_prob_fn(prefixes[batch, t]) -> [batch, vocab]`` next-token log-probabilities."""


def require_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}; got {value!r}")
    return int(value)


def check_common(
    log_prob_fn: LogProbFn, start_tokens: Any, end_token: Any, max_length: Any
) -> tuple[np.ndarray, int, int]:
    if not callable(log_prob_fn):
        raise TypeError(f"log_prob_fn must be callable; got {type(log_prob_fn).__name__}")
    starts = np.asarray(start_tokens)
    if starts.ndim != 1 or starts.shape[0] == 0:
        raise ValueError(
            "start_tokens must be a non-empty 1-D sequence of token ids (one per batch row); "
            f"got shape {starts.shape}"
        )
    if not np.issubdtype(starts.dtype, np.integer) or (starts < 0).any():
        raise ValueError(f"start_tokens must be non-negative integer token ids; got {starts!r}")
    end = require_int("end_token", end_token, 0)
    length = require_int("max_length", max_length, 1)
    return starts.astype(np.int64), end, length


def next_log_probs(
    log_prob_fn: LogProbFn, prefixes: np.ndarray, vocab: int | None
) -> np.ndarray:
    """Call ``log_prob_fn`` and check that it gave one finite-or--inf row per prefix."""
    out = np.asarray(keras.ops.convert_to_numpy(log_prob_fn(prefixes)), dtype=np.float64)
    rows = prefixes.shape[0]
    if out.ndim != 2 or out.shape[0] != rows or (vocab is not None and out.shape[1] != vocab):
        expected = f"({rows}, {vocab if vocab is not None else 'vocab'})"
        raise ValueError(
            f"log_prob_fn must return log-probabilities of shape [batch, vocab] = {expected} "
            f"for prefixes of shape {prefixes.shape}; got shape {out.shape}"
        )
    if out.shape[1] == 0 or np.isnan(out).any() or np.isposinf(out).any():
        raise ValueError("log_prob_fn must return log-probabilities without NaN or +inf values")
    if not np.isfinite(out).any(axis=1).all():
        raise ValueError("log_prob_fn gave a row in which every log-probability is -inf")
    return out


def check_vocab(starts: np.ndarray, end_token: int, vocab: int) -> None:
    if (starts >= vocab).any():
        raise ValueError(
            f"start_tokens must be token ids in [0, {vocab}) (the vocabulary size given by "
            f"log_prob_fn's first output); got {starts.tolist()}"
        )
    if end_token >= vocab:
        raise ValueError(
            f"end_token must be a token id in [0, {vocab}) (the vocabulary size given by "
            f"log_prob_fn's first output); got {end_token}"
        )


def block_repeated_ngrams(prefixes: np.ndarray, log_probs: np.ndarray, size: int) -> np.ndarray:
    """``log_probs`` with -inf for every token that would repeat an n-gram of its prefix.

    A token ``x`` is blocked after a prefix ``y_0 .. y_{t-1}`` when the n-gram
    ``y_{t-n+1} .. y_{t-1} x`` (``n = size``) already occurs in the prefix. The whole row
    counts, start token included. ``size = 0`` blocks nothing; ``size = 1`` blocks every
    token already in the prefix.

    Parameters
    ----------
    prefixes : numpy.ndarray of int, shape [rows, t]
    log_probs : numpy.ndarray of float, shape [rows, vocab]
        Next-token log-probabilities after each prefix (not modified).
    size : int
        The n-gram size ``n`` >= 0.

    Returns
    -------
    numpy.ndarray
        A copy of ``log_probs`` with the blocked tokens at -inf.

    Example
    -------
    >>> import numpy as np
    >>> prefixes = np.array([[0, 4, 5, 4]])  # 4 5 occurred: after ... 4, 5 is blocked
    >>> block_repeated_ngrams(prefixes, np.zeros((1, 6)), size=2).tolist()
    [[0.0, 0.0, 0.0, 0.0, 0.0, -inf]]
    >>> block_repeated_ngrams(prefixes, np.zeros((1, 6)), size=1).tolist()
    [[-inf, 0.0, 0.0, 0.0, -inf, -inf]]
    """
    out = np.array(log_probs, dtype=np.float64, copy=True)
    steps = prefixes.shape[1]
    if size == 0 or steps < size:
        return out  # no complete n-gram yet: nothing can repeat
    # Every n-gram of each prefix, [rows, steps - size + 1, size]; an n-gram whose first
    # n - 1 tokens equal the prefix's last n - 1 tokens forbids its last token next.
    ngrams = np.lib.stride_tricks.sliding_window_view(prefixes, size, axis=1)
    context = prefixes[:, steps - size + 1:]
    rows, starts = np.nonzero((ngrams[:, :, : size - 1] == context[:, None, :]).all(axis=2))
    out[rows, ngrams[rows, starts, size - 1]] = -np.inf
    return out


def decode_token_by_token(
    log_prob_fn: LogProbFn,
    starts: np.ndarray,
    end_token: int,
    max_length: int,
    choose: Callable[[np.ndarray], np.ndarray],
    no_repeat_ngram_size: int = 0,
) -> np.ndarray:
    """The loop that greedy decoding and sampling share: one token per row per step.

    ``choose(log_probs[batch, vocab]) -> tokens[batch]`` picks the next tokens; rows that have
    emitted ``end_token`` keep it as padding, and the model is not called once all have.
    With ``no_repeat_ngram_size = n > 0`` the tokens that would repeat an n-gram get
    log-probability -inf before ``choose`` sees them (:func:`block_repeated_ngrams`); a row
    left with no possible token ends there (``end_token``).
    """
    seqs = np.full((starts.shape[0], max_length + 1), end_token, dtype=np.int64)
    seqs[:, 0] = starts
    finished = np.zeros(starts.shape[0], dtype=bool)
    vocab = None
    for t in range(1, max_length + 1):
        log_probs = next_log_probs(log_prob_fn, seqs[:, :t], vocab)
        if vocab is None:
            vocab = log_probs.shape[1]
            check_vocab(starts, end_token, vocab)
        if no_repeat_ngram_size:
            log_probs = block_repeated_ngrams(seqs[:, :t], log_probs, no_repeat_ngram_size)
            # Only reachable when the model itself rules out end_token: blocking never
            # does, since a live row has not emitted end_token yet.
            finished |= np.isneginf(log_probs).all(axis=1)
            log_probs[finished, end_token] = 0.0  # choose sees a distribution in every row
        chosen = np.where(finished, end_token, choose(log_probs))
        seqs[:, t] = chosen
        finished |= chosen == end_token
        if finished.all():
            break
    return seqs
