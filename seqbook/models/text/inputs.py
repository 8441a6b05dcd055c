"""Texts and labels to the arrays a text classifier reads, with the checks that catch the
usual mistakes: an empty text, a label name the model does not know, a tokenizer whose
vocabulary is not the one the model was built for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from seqbook.models.text.classifier import model_vocabulary_size

__all__ = ["encode_labels", "encode_texts"]


def encode_texts(
    texts: Sequence[str],
    tokenizer: Any,
    sequence_length: int,
    add_bos_eos: bool = False,
    model: keras.Model | None = None,
) -> np.ndarray:
    """Token ids ``[len(texts), sequence_length]`` (int32, cut and right-padded with 0).

    Parameters
    ----------
    texts : sequence of str
        Every text must hold a non-space character.
    tokenizer : SubwordTokenizer
        Anything with ``encode_batch(texts, sequence_length, add_bos_eos)`` and
        ``vocabulary_size`` (:class:`seqbook.data.SubwordTokenizer`).
    sequence_length : int
        Tokens per row; longer texts are cut.
    add_bos_eos : bool
        Put ``[BOS]`` and ``[EOS]`` around each text (as the pretrained language model saw
        its training text).
    model : keras.Model, optional
        The model the ids are for: its embedding must have exactly the tokenizer's
        vocabulary size, else the ids would mean other tokens to it.

    Example
    -------
    >>> from seqbook.data import train_subword_tokenizer
    >>> tokenizer = train_subword_tokenizer(["not bad at all"] * 20, vocabulary_size=30)
    >>> encode_texts(["not bad", "bad"], tokenizer, sequence_length=4).shape
    (2, 4)
    """
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of strings; got one str (wrap it in [])")
    for index, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"texts must be non-empty strings; text {index} is {text!r}")
    if model is not None:
        rows = model_vocabulary_size(model)
        if rows != tokenizer.vocabulary_size:
            raise ValueError(f"tokenizer must have the model's vocabulary of {rows} ids; "
                             f"it has {tokenizer.vocabulary_size}")
    return tokenizer.encode_batch(list(texts), sequence_length, add_bos_eos=add_bos_eos)


def encode_labels(labels: Sequence[str], label_names: Sequence[str]) -> np.ndarray:
    """Class ids (int64) of label names: ``label_names[i]`` becomes ``i``.

    Example
    -------
    >>> encode_labels(["pos", "neg", "pos"], ["neg", "pos"]).tolist()
    [1, 0, 1]
    """
    names = list(label_names)
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"label_names must hold two or more distinct names; got {names}")
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted({str(label) for label in labels if label not in index})
    if unknown:
        raise ValueError(f"labels must be among label_names {names}; got unknown "
                         f"{unknown[:5]}")
    return np.array([index[label] for label in labels], dtype=np.int64)
