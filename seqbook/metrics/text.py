"""Error rates of output sequences: edit distance, sequence, token, word and character rates.

The core is :func:`token_error_rate`: summed Levenshtein distance over summed reference
length. :func:`word_error_rate` and :func:`character_error_rate` are that rate over the words
or the characters of strings, as in speech recognition; :func:`phoneme_error_rate` is it
over phonemes.

Grapheme-to-phoneme conversion is scored with two numbers (e.g. Bisani & Ney 2008; Rao et al.
2015; Yao & Zweig 2015): the phoneme error rate, and the share of words whose predicted
pronunciation is not exactly the reference one. The G2P papers call the latter "word error
rate", since each example is one word; here it is :func:`sequence_error_rate`, because
:func:`word_error_rate` is the edit-distance rate over words.

A sequence is any sequence of hashable tokens (a list of phoneme strings, a string of
characters, an array of ids); compare like with like.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "character_error_rate",
    "edit_distance",
    "phoneme_error_rate",
    "sequence_error_rate",
    "token_error_rate",
    "word_error_rate",
]


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


def sequence_error_rate(
    references: Sequence[Sequence[Hashable]], hypotheses: Sequence[Sequence[Hashable]]
) -> float:
    """The fraction of sequences with any error: not exactly equal to their reference.

    G2P papers call this the "word error rate", since each G2P example is one word; it
    is not speech recognition's word error rate (:func:`word_error_rate`).

    Parameters
    ----------
    references, hypotheses : list of token sequences
        One reference and one hypothesis per example (e.g. a word's pronunciation each).

    Returns
    -------
    float
        In [0, 1].

    Example
    -------
    >>> refs = [["K", "AE1", "T"], ["D", "AO1", "G"]]
    >>> sequence_error_rate(refs, [["K", "AE1", "T"], ["D", "AA1", "G"]])
    0.5
    """
    pairs = _pairs(references, hypotheses)
    return sum(r != h for r, h in pairs) / len(pairs)


def token_error_rate(
    references: Sequence[Sequence[Hashable]], hypotheses: Sequence[Sequence[Hashable]]
) -> float:
    """Summed edit distance over summed reference length.

    This is the phoneme error rate of G2P on phonemes, :func:`character_error_rate` on
    characters and :func:`word_error_rate` on words. It can exceed 1 when the
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


def _words(values: Any) -> Any:
    """Split each string of a list on whitespace; token lists and bad input pass through."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        return values  # left for _pairs to reject by name
    return [value.split() if isinstance(value, str) else value for value in values]


def word_error_rate(
    references: Sequence[str | Sequence[str]], hypotheses: Sequence[str | Sequence[str]]
) -> float:
    """Speech recognition's word error rate: word-level edit distance over reference words.

    ``(substitutions + deletions + insertions) / reference words``, summed over all pairs:
    :func:`token_error_rate` over words. It can exceed 1.

    Parameters
    ----------
    references, hypotheses : list of str or of word lists
        One per example; a string is split on whitespace (no other normalisation: case and
        punctuation count), a list is taken as its words.

    Returns
    -------
    float
        >= 0.

    Example
    -------
    >>> word_error_rate(["the cat sat", "on the mat"], ["the cat sat down", "on a mat"])
    0.3333333333333333
    """
    return token_error_rate(_words(references), _words(hypotheses))


def character_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Character-level edit distance over reference characters, summed over all pairs.

    Every character counts, spaces included; strip or normalise the text first if that is
    not wanted. It can exceed 1.

    Parameters
    ----------
    references, hypotheses : list of str
        One per example.

    Returns
    -------
    float
        >= 0.

    Example
    -------
    >>> character_error_rate(["kitten"], ["sitting"])  # 3 edits / 6 characters
    0.5
    """
    for name, values in (("references", references), ("hypotheses", hypotheses)):
        if not isinstance(values, (str, bytes)) and hasattr(values, "__iter__"):
            for value in values:
                if not isinstance(value, str):
                    raise ValueError(f"each of {name} must be a str; got {type(value).__name__}")
    return token_error_rate(references, hypotheses)
