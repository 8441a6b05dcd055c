"""CTC in NumPy: the forward (alpha) recursion, greedy decoding and prefix beam search.

A CTC model gives, for each of ``T`` frames, a distribution over ``C`` classes: the blank
(index ``blank``, 0 by default, as in ``keras.ops.ctc_loss``) and the symbols. A *path*
picks one class per frame; collapsing it (merge repeats, then drop blanks) gives a label
sequence, and ``P(labels | x)`` sums the probabilities of every path that collapses to it.
Inputs may be logits or log-probabilities: both are normalised with a log-softmax first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ctc_beam_search", "ctc_greedy", "ctc_log_likelihood"]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _batch(outputs: Any, lengths: Sequence[int] | None, blank: int) -> tuple[np.ndarray, list]:
    array = np.asarray(outputs, dtype=np.float64)
    if array.ndim != 3 or array.shape[1] < 1 or array.shape[2] < 2:
        raise ValueError(f"outputs must be [batch, frames, classes] with frames >= 1 and "
                         f"classes >= 2, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError("outputs must be finite logits or log-probabilities.")
    if not 0 <= blank < array.shape[2]:
        raise ValueError(f"blank must be a class index in [0, {array.shape[2]}), got {blank}.")
    if lengths is None:
        lengths = [array.shape[1]] * array.shape[0]
    lengths = [int(n) for n in np.asarray(lengths).reshape(-1)]
    if len(lengths) != array.shape[0] or any(not 1 <= n <= array.shape[1] for n in lengths):
        raise ValueError(f"lengths must give one frame count in [1, {array.shape[1]}] per "
                         f"example ({array.shape[0]}), got {lengths}.")
    return _log_softmax(array), lengths


def ctc_greedy(outputs: Any, lengths: Sequence[int] | None = None,
               blank: int = 0) -> list[list[int]]:
    """Best-path decoding: the most probable class per frame, repeats merged, blanks dropped.

    Parameters
    ----------
    outputs : array [batch, frames, classes]
        Logits or log-probabilities.
    lengths : list of int, optional
        Valid frames per example (the rest is padding); all frames by default.
    blank : int
        The blank's class index.

    Returns
    -------
    list of list of int
        One label sequence per example.

    Example
    -------
    >>> import numpy as np
    >>> path = [1, 1, 0, 1, 2, 2]            # a a - a b b  ->  a a b
    >>> ctc_greedy(np.log(np.eye(3)[path] + 1e-3)[None])
    [[1, 1, 2]]
    """
    log_probs, lengths = _batch(outputs, lengths, blank)
    decoded = []
    for row, length in zip(log_probs, lengths, strict=True):
        best = row[:length].argmax(axis=-1)
        keep = np.concatenate([[True], best[1:] != best[:-1]]) & (best != blank)
        decoded.append(best[keep].tolist())
    return decoded


def ctc_beam_search(outputs: Any, beam_width: int = 8, lengths: Sequence[int] | None = None,
                    blank: int = 0) -> list[list[int]]:
    """CTC prefix beam search: keep the ``beam_width`` most probable label *prefixes*.

    Unlike best-path decoding, a prefix's probability sums every path that collapses to it,
    kept in two parts: paths ending in a blank, and paths ending in the prefix's last symbol
    (only the first may be extended by the same symbol again). With a beam wide enough to
    keep every prefix it finds the most probable labelling exactly. With ``beam_width=1``
    it agrees with :func:`ctc_greedy` on confident outputs (in the tests, whenever every
    frame's best class has probability 0.8 or more), but not in general: the example below
    is a case where summing paths changes the answer.

    Parameters
    ----------
    outputs : array [batch, frames, classes]
        Logits or log-probabilities.
    beam_width : int
        Prefixes kept after each frame.
    lengths : list of int, optional
        Valid frames per example.
    blank : int
        The blank's class index.

    Example
    -------
    >>> import numpy as np
    >>> # The best path is blank, blank (0.16), but "a" sums 0.12 + 0.12 + 0.09 = 0.33.
    >>> p = np.log(np.array([[[0.4, 0.3, 0.3], [0.4, 0.3, 0.3]]]))
    >>> ctc_greedy(p), ctc_beam_search(p, beam_width=4)
    ([[]], [[1]])
    """
    if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)) or (
            beam_width < 1):
        raise ValueError(f"beam_width must be a positive integer, got {beam_width!r}.")
    log_probs, lengths = _batch(outputs, lengths, blank)
    classes = log_probs.shape[2]
    decoded = []
    for row, length in zip(log_probs, lengths, strict=True):
        beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -np.inf)}
        for frame in row[:length]:
            grown: dict[tuple[int, ...], list[float]] = {}

            def add(prefix, ends_blank, value, grown=grown):
                entry = grown.setdefault(prefix, [-np.inf, -np.inf])
                slot = 0 if ends_blank else 1
                entry[slot] = np.logaddexp(entry[slot], value)

            for prefix, (p_blank, p_symbol) in beams.items():
                total = np.logaddexp(p_blank, p_symbol)
                add(prefix, True, total + frame[blank])
                for c in range(classes):
                    if c == blank:
                        continue
                    if prefix and prefix[-1] == c:
                        add(prefix + (c,), False, p_blank + frame[c])  # a blank separated them
                        add(prefix, False, p_symbol + frame[c])  # the repeat merges
                    else:
                        add(prefix + (c,), False, total + frame[c])
            ranked = sorted(grown.items(), key=lambda item: (-np.logaddexp(*item[1]), item[0]))
            beams = {prefix: tuple(scores) for prefix, scores in ranked[:beam_width]}
        best = max(beams.items(), key=lambda item: (np.logaddexp(*item[1]), [-k for k in
                                                                             item[0]]))
        decoded.append(list(best[0]))
    return decoded


def ctc_log_likelihood(outputs: Any, labels: Sequence[int], blank: int = 0) -> float:
    """``log P(labels | x)`` by the CTC forward (alpha) recursion, for one example.

    The labels are spread out with blanks, ``l' = (-, l_1, -, l_2, ..., l_L, -)``, and
    ``alpha_t(s)`` sums the probabilities of the path prefixes that end at ``l'_s`` at frame
    ``t``: it comes from ``s`` (stay), ``s - 1`` (advance), or ``s - 2`` (skip a blank,
    allowed unless ``l'_s`` is a blank or equals ``l'_{s-2}``). The answer is
    ``alpha_T(|l'|) + alpha_T(|l'| - 1)``; ``keras.ops.ctc_loss`` returns its negative.

    Parameters
    ----------
    outputs : array [frames, classes]
        Logits or log-probabilities of one example.
    labels : list of int
        The label sequence (no blanks).
    blank : int
        The blank's class index.

    Example
    -------
    >>> import numpy as np
    >>> uniform = np.zeros((4, 3))        # 81 paths, 10 collapse to "a"
    >>> round(float(np.exp(ctc_log_likelihood(uniform, [1]))), 6) == round(10 / 81, 6)
    True
    """
    log_probs, _ = _batch(np.asarray(outputs)[None], None, blank)
    log_probs = log_probs[0]
    labels = [int(k) for k in labels]
    if any(k == blank or not 0 <= k < log_probs.shape[1] for k in labels):
        raise ValueError(f"labels must be class indices other than the blank ({blank}), "
                         f"below {log_probs.shape[1]}, got {labels}.")
    extended = [blank]
    for k in labels:
        extended += [k, blank]
    size = len(extended)
    alpha = np.full(size, -np.inf)
    alpha[0] = log_probs[0, blank]
    if size > 1:
        alpha[1] = log_probs[0, extended[1]]
    for frame in log_probs[1:]:
        previous = alpha
        alpha = previous.copy()
        alpha[1:] = np.logaddexp(alpha[1:], previous[:-1])
        for s in range(2, size):
            if extended[s] != blank and extended[s] != extended[s - 2]:
                alpha[s] = np.logaddexp(alpha[s], previous[s - 2])
        alpha = alpha + frame[extended]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if size > 1 else alpha[-1])
