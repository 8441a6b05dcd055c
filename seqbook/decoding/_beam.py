"""Beam search with the GNMT length penalty."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from seqbook.decoding._common import (
    LogProbFn, block_repeated_ngrams, check_common, check_vocab, next_log_probs, require_int,
)


def gnmt_length_penalty(length: Any, alpha: float) -> np.ndarray:
    """The length penalty of GNMT (Wu et al. 2016), ``((5 + length) / 6) ** alpha``.

    Beam search ranks a hypothesis by ``log P(Y) / gnmt_length_penalty(len(Y), alpha)``.
    Log-probabilities are negative and fall with every token, so dividing by a factor that
    grows with the length stops the search from favouring short outputs; ``alpha = 0``
    (factor 1) ranks by the plain log-probability.

    Parameters
    ----------
    length : int or array-like of int
        Generated tokens, counting the end token when there is one.
    alpha : float
        The strength, >= 0 (Wu et al. tune it in [0, 1]).

    Returns
    -------
    numpy.ndarray of float64
        The factor, shaped like ``length``.

    Example
    -------
    >>> gnmt_length_penalty([1, 7], alpha=1.0).tolist()
    [1.0, 2.0]
    >>> float(gnmt_length_penalty(7, alpha=0.0))
    1.0
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 <= alpha < np.inf:
        raise ValueError(f"length_penalty must be a finite number >= 0; got {alpha!r}")
    return ((5.0 + np.asarray(length, dtype=np.float64)) / 6.0) ** float(alpha)


def beam_search(
    log_prob_fn: LogProbFn,
    start_tokens: Any,
    end_token: int,
    beam_width: int,
    max_length: int,
    length_penalty: float = 0.0,
    no_repeat_ngram_size: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Decode by keeping the ``beam_width`` best partial sequences at every step.

    At each step every live hypothesis is extended by every token, and the ``beam_width``
    best of all extensions are kept. A hypothesis that has emitted ``end_token`` is finished:
    it stays in the beam, stops accumulating log-probability and competes with the others
    on its final score. A hypothesis ``Y`` is ranked by

    ``log P(Y) / ((5 + len(Y)) / 6) ** length_penalty``

    (Wu et al. 2016, :func:`gnmt_length_penalty`), where ``len(Y)`` counts the generated
    tokens including the end token. With ``length_penalty=0`` this is ``log P(Y)``, and a
    beam at least as wide as the number of distinct hypotheses finds the exact best one.

    With ``no_repeat_ngram_size = n > 0`` no hypothesis contains the same n-gram twice (the
    start token counts; the end token padding does not): a token that would complete an
    n-gram already in the hypothesis gets log-probability -inf (Paulus et al. 2018 block
    repeated trigrams in summaries). The end token is never blocked in a live hypothesis,
    which has not emitted it yet, so every hypothesis can still finish. A hypothesis that is
    left with no possible token drops out of the beam.

    Parameters
    ----------
    log_prob_fn : callable
        ``log_prob_fn(prefixes[batch, t]) -> [batch, vocab]`` next-token log-probabilities;
        it is called with ``batch * beam_width`` prefixes at a time.
    start_tokens : array-like of int, shape [batch]
        The first token of each sequence.
    end_token : int
        The token that finishes a sequence.
    beam_width : int
        How many hypotheses to keep (1 is greedy decoding).
    max_length : int
        The most tokens to generate after the start token.
    length_penalty : float
        GNMT's ``alpha`` >= 0; 0 ranks by the plain log-probability.
    no_repeat_ngram_size : int
        ``n`` >= 0: forbid repeating any n-gram in a hypothesis; 0 forbids nothing.

    Returns
    -------
    sequences : numpy.ndarray of int64, shape [batch, beam_width, max_length + 1]
        For each row, the hypotheses best first: the start token, the generated tokens, then
        ``end_token`` padding.
    scores : numpy.ndarray of float64, shape [batch, beam_width]
        The ranking score of each hypothesis, in decreasing order. When there are fewer
        distinct hypotheses than ``beam_width``, the rest are fillers with score ``-inf``.

    Example
    -------
    >>> import numpy as np
    >>> from seqbook.decoding import greedy
    >>> probs = np.array([[0.0, 0.5, 0.1, 0.4],    # from 0 (the start)
    ...                   [0.0, 0.0, 0.5, 0.5],    # from 1
    ...                   [0.0, 0.0, 0.0, 1.0],    # from 2
    ...                   [0.0, 0.0, 0.0, 1.0]])   # 3 is the end token
    >>> with np.errstate(divide="ignore"):  # log(0) = -inf: an impossible token
    ...     table = np.log(probs)
    >>> def bigram(prefixes):
    ...     return table[prefixes[:, -1]]
    >>> greedy(bigram, [0], end_token=3, max_length=3).tolist()  # P = 0.5 * 0.5 = 0.25
    [[0, 1, 2, 3]]
    >>> seqs, scores = beam_search(bigram, [0], end_token=3, beam_width=2, max_length=3)
    >>> seqs[0].tolist()  # the best is [0, 3] with P = 0.4, which greedy decoding misses
    [[0, 3, 3, 3], [0, 1, 2, 3]]
    >>> np.exp(scores).round(3).tolist()
    [[0.4, 0.25]]

    N-gram blocking: a bigram model that loves ``1 2`` repeats it until ``max_length``
    >>> loop = np.log([[0.1, 0.8, 0.05, 0.05],    # 0 is the start
    ...                [0.05, 0.05, 0.8, 0.1],    # 1 -> 2
    ...                [0.1, 0.7, 0.1, 0.1],      # 2 -> 1
    ...                [0.25, 0.25, 0.25, 0.25]])  # 3 is the end token
    >>> def looping(prefixes):
    ...     return loop[prefixes[:, -1]]
    >>> beam_search(looping, [0], 3, beam_width=2, max_length=6)[0][0, 0].tolist()
    [0, 1, 2, 1, 2, 1, 2]
    >>> seqs, scores = beam_search(looping, [0], 3, beam_width=2, max_length=6,
    ...                            no_repeat_ngram_size=2)
    >>> seqs[0, 0].tolist(), round(float(np.exp(scores[0, 0])), 3)  # best without a repeat
    ([0, 1, 3, 3, 3, 3, 3], 0.08)
    """
    starts, end_token, max_length = check_common(log_prob_fn, start_tokens, end_token, max_length)
    width = require_int("beam_width", beam_width, 1)
    gnmt_length_penalty(0, length_penalty)  # checks length_penalty
    ngram = require_int("no_repeat_ngram_size", no_repeat_ngram_size, 0)
    batch = starts.shape[0]
    seqs = np.full((batch, width, max_length + 1), end_token, dtype=np.int64)
    seqs[:, :, 0] = starts[:, None]
    log_p = np.full((batch, width), -np.inf)  # summed log-probability of each hypothesis
    log_p[:, 0] = 0.0  # one live hypothesis to begin with; the others are fillers
    lengths = np.zeros((batch, width), dtype=np.int64)
    finished = np.zeros((batch, width), dtype=bool)
    rank = log_p.copy()
    vocab = None
    for t in range(1, max_length + 1):
        prefixes = seqs[:, :, :t].reshape(batch * width, t)
        flat = next_log_probs(log_prob_fn, prefixes, vocab)
        if vocab is None:
            vocab = flat.shape[1]
            check_vocab(starts, end_token, vocab)
        if ngram:  # finished hypotheses ignore step: their end token padding is never blocked
            flat = block_repeated_ngrams(prefixes, flat, ngram)
        step = flat.reshape(batch, width, vocab)
        # A finished hypothesis has one continuation, end_token, at no cost.
        stay = np.full((batch, width, vocab), -np.inf)
        stay[:, :, end_token] = log_p
        cand = np.where(finished[..., None], stay, log_p[..., None] + step)
        cand_len = np.broadcast_to((lengths + ~finished)[..., None], cand.shape)
        cand_rank = cand / gnmt_length_penalty(cand_len, length_penalty)
        # Stable sort: ties go to the earlier hypothesis, then the lower token id.
        order = np.argsort(-cand_rank.reshape(batch, -1), axis=1, kind="stable")[:, :width]
        source, token = order // vocab, order % vocab
        seqs = np.take_along_axis(seqs, source[..., None], axis=1)
        seqs[:, :, t] = token
        log_p = np.take_along_axis(cand.reshape(batch, -1), order, axis=1)
        rank = np.take_along_axis(cand_rank.reshape(batch, -1), order, axis=1)
        lengths = np.take_along_axis(cand_len.reshape(batch, -1), order, axis=1)
        finished = np.take_along_axis(finished, source, axis=1) | (token == end_token)
        if (finished | np.isneginf(log_p)).all():
            break
    seqs[np.isneginf(rank), 1:] = end_token  # fillers: the start token, then padding
    return seqs, rank
