"""Error rates of output sequences: edit distance, word (sequence) and token error rates.

Grapheme-to-phoneme conversion is scored with two numbers (e.g. Bisani & Ney 2008; Rao et al.
2015; Yao & Zweig 2015):

* the **word error rate**: the share of words whose predicted pronunciation is not exactly
  the reference one (:func:`word_error_rate`, here a *sequence* error rate);
* the **phoneme error rate**: the summed Levenshtein distance between prediction and
  reference over the summed reference length (:func:`phoneme_error_rate`, the same as
  :func:`token_error_rate`).

Note the name clash with speech recognition, where "word error rate" is the token-level rate
over words: there, call :func:`token_error_rate` on word tokens.

A sequence is any sequence of hashable tokens (a list of phoneme strings, a string of
characters, an array of ids); compare like with like.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

__all__ = ["edit_distance", "phoneme_error_rate", "token_error_rate", "word_error_rate"]


def _tokens(value: Any, name: str) -> list[Hashable]:
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f"{name} must be a 1-D sequence of tokens; got shape {value.shape}")
        return value.tolist()
    if isinstance(value, (str, bytes)) or isinstance(value, Sequence):
        return list(value)
    raise ValueError(f"{name} must be a sequence of tokens; got {type(value).__name__}")


def edit_distance(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> int:
    """The Levenshtein distance: fewest insertions, deletions and substitutions of tokens.

    Dynamic programming over one row at a time: ``O(len(reference) * len(hypothesis))``
    time and ``O(len(hypothesis))`` memory.

    Parameters
    ----------
    reference, hypothesis : sequence of hashable tokens
        E.g. lists of phonemes, strings (characters are the tokens) or 1-D arrays.

    Returns
    -------
    int

    Example
    -------
    >>> edit_distance("kitten", "sitting")  # k->s, e->i, +g
    3
    >>> edit_distance(["K", "AE1", "T"], ["K", "AE1", "T", "S"])
    1
    """
    ref = _tokens(reference, "reference")
    hyp = _tokens(hypothesis, "hypothesis")
    previous = list(range(len(hyp) + 1))  # distances from the empty reference prefix
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
            )
        previous = current
    return previous[-1]


def _pairs(
    references: Sequence[Sequence[Hashable]], hypotheses: Sequence[Sequence[Hashable]]
) -> list[tuple[list[Hashable], list[Hashable]]]:
    for name, value in (("references", references), ("hypotheses", hypotheses)):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise ValueError(
                f"{name} must be a list of token sequences (one per example); "
                f"got {type(value).__name__}"
            )
    if len(references) != len(hypotheses) or len(references) == 0:
        raise ValueError(
            "references and hypotheses must be non-empty and of equal length; got "
            f"{len(references)} references and {len(hypotheses)} hypotheses"
        )
    return [
        (_tokens(r, "each reference"), _tokens(h, "each hypothesis"))
        for r, h in zip(references, hypotheses)
    ]


def word_error_rate(
    references: Sequence[Sequence[Hashable]], hypotheses: Sequence[Sequence[Hashable]]
) -> float:
    """The share of sequences that are not exactly right (G2P's word error rate).

    Parameters
    ----------
    references, hypotheses : list of token sequences
        One reference and one hypothesis per example (a word's pronunciation each).

    Returns
    -------
    float
        In [0, 1].

    Example
    -------
    >>> refs = [["K", "AE1", "T"], ["D", "AO1", "G"]]
    >>> word_error_rate(refs, [["K", "AE1", "T"], ["D", "AA1", "G"]])
    0.5
    """
    pairs = _pairs(references, hypotheses)
    return sum(r != h for r, h in pairs) / len(pairs)


def token_error_rate(
    references: Sequence[Sequence[Hashable]], hypotheses: Sequence[Sequence[Hashable]]
) -> float:
    """Summed edit distance over summed reference length.

    This is the phoneme error rate of G2P, the character error rate on characters, and
    speech recognition's word error rate on word tokens. It can exceed 1 when the
    hypotheses are much longer than the references.

    Parameters
    ----------
    references, hypotheses : list of token sequences
        One reference and one hypothesis per example; references must not all be empty.

    Returns
    -------
    float
        ``sum(edit_distance(r, h)) / sum(len(r))``, >= 0.

    Example
    -------
    >>> refs = [["K", "AE1", "T"], ["D", "AO1", "G"]]
    >>> token_error_rate(refs, [["K", "AE1", "T"], ["D", "AA1", "G", "Z"]])  # 2 / 6
    0.3333333333333333
    """
    pairs = _pairs(references, hypotheses)
    length = sum(len(r) for r, _ in pairs)
    if length == 0:
        raise ValueError("references must hold at least one token in total; got only empty ones")
    return sum(edit_distance(r, h) for r, h in pairs) / length


def phoneme_error_rate(
    references: Sequence[Sequence[Hashable]], hypotheses: Sequence[Sequence[Hashable]]
) -> float:
    """G2P's phoneme error rate: :func:`token_error_rate` over phoneme sequences.

    Example
    -------
    >>> phoneme_error_rate(["K AE1 T".split()], ["K AH0 T".split()])
    0.3333333333333333
    """
    return token_error_rate(references, hypotheses)
