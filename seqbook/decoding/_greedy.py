"""Greedy decoding: the most probable next token at every step."""

from __future__ import annotations

from typing import Any

import numpy as np

from seqbook.decoding._common import (
    LogProbFn, check_common, decode_token_by_token, require_int,
)


def greedy(
    log_prob_fn: LogProbFn,
    start_tokens: Any,
    end_token: int,
    max_length: int,
    no_repeat_ngram_size: int = 0,
) -> np.ndarray:
    """Decode by taking the most probable next token at every step.

    With ``no_repeat_ngram_size = n > 0`` the most probable token is taken among those that
    do not complete an n-gram already in the sequence (start token included), as in
    :func:`seqbook.decoding.beam_search`; greedy decoding then equals beam search of width 1
    with the same option.

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
    no_repeat_ngram_size : int
        ``n`` >= 0: never repeat an n-gram; 0 forbids nothing.

    Returns
    -------
    numpy.ndarray of int64, shape [batch, max_length + 1]
        The start token, the chosen tokens, and ``end_token`` padding after the end. Ties
        go to the lowest token id.

    Example
    -------
    >>> import numpy as np
    >>> table = np.log([[0.1, 0.6, 0.3], [0.2, 0.1, 0.7], [0.4, 0.4, 0.2]])
    >>> def bigram(prefixes):  # the next token depends on the last one only
    ...     return table[prefixes[:, -1]]
    >>> greedy(bigram, start_tokens=[0, 1], end_token=2, max_length=3).tolist()
    [[0, 1, 2, 2], [1, 2, 2, 2]]
    >>> table = np.log([[0.1, 0.6, 0.3], [0.7, 0.1, 0.2], [0.4, 0.4, 0.2]])
    >>> greedy(bigram, [0], end_token=2, max_length=5).tolist()  # 0 1 0 1 ... loops
    [[0, 1, 0, 1, 0, 1]]
    >>> greedy(bigram, [0], end_token=2, max_length=5, no_repeat_ngram_size=2).tolist()
    [[0, 1, 0, 2, 2, 2]]
    """
    starts, end_token, max_length = check_common(log_prob_fn, start_tokens, end_token, max_length)
    ngram = require_int("no_repeat_ngram_size", no_repeat_ngram_size, 0)
    # argmax returns the first maximum: ties go to the lowest token id.
    return decode_token_by_token(
        log_prob_fn, starts, end_token, max_length, lambda log_probs: log_probs.argmax(axis=1),
        no_repeat_ngram_size=ngram,
    )
