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


def decode_token_by_token(
    log_prob_fn: LogProbFn,
    starts: np.ndarray,
    end_token: int,
    max_length: int,
    choose: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """The loop that greedy decoding and sampling share: one token per row per step.

    ``choose(log_probs[batch, vocab]) -> tokens[batch]`` picks the next tokens; rows that have
    emitted ``end_token`` keep it as padding, and the model is not called once all have.
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
        chosen = np.where(finished, end_token, choose(log_probs))
        seqs[:, t] = chosen
        finished |= chosen == end_token
        if finished.all():
            break
    return seqs
