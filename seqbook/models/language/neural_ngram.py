"""Language models: Bengio et al.'s (2003) neural n-gram model, and its training windows."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from seqbook.models._common import compile_model, require_positive


def neural_ngram_lm(
    vocabulary_size: int,
    context: int,
    embedding_dim: int = 32,
    intermediate_dim: int = 256,
    direct: bool = True,
    dropout: float = 0.0,
    learning_rate: float = 3e-3,
) -> keras.Model:
    """Bengio et al.'s neural n-gram language model: P(next token | previous ``context``).

    Each of the ``context`` previous tokens is looked up in a shared embedding table; the
    vectors are concatenated into ``x`` and the next token's distribution is

    ``softmax(b + W x + U tanh(d + H x))``

    where ``W x`` is the optional *direct* connection from the embeddings to the output
    (Bengio et al. 2003, eq. 1). Unlike a count-based n-gram model, tokens used alike get
    similar vectors, so what is learned about one context carries over to similar ones.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids; the output is a distribution over all of them.
    context : int
        Number of previous tokens the model sees (``n - 1`` of an n-gram model).
    embedding_dim : int
        Size of each token's vector.
    intermediate_dim : int
        Width of the tanh hidden layer.
    direct : bool
        Add the direct linear connection from the embeddings to the output.
    dropout : float
        Dropout rate on the concatenated embeddings and on the hidden layer, in [0, 1).
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with the cross-entropy loss (its exponential is the perplexity); maps int
        ids ``[batch, context]`` to next-token probabilities ``[batch, vocabulary_size]``.

    Example
    -------
    >>> model = neural_ngram_lm(vocabulary_size=40, context=5)
    >>> model.output_shape
    (None, 40)
    """
    require_positive(
        vocabulary_size=vocabulary_size, context=context, embedding_dim=embedding_dim,
        intermediate_dim=intermediate_dim,
    )
    if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
        raise ValueError(f"dropout must be a number in [0, 1); got {dropout!r}")
    tokens = keras.Input(shape=(context,), dtype="int32", name="context")
    vectors = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(tokens)
    x = keras.layers.Flatten(name="concatenate")(vectors)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    h = keras.layers.Dense(intermediate_dim, activation="tanh", name="hidden")(x)
    if dropout:
        h = keras.layers.Dropout(dropout)(h)
    logits = keras.layers.Dense(vocabulary_size, name="output")(h)
    if direct:
        skip = keras.layers.Dense(vocabulary_size, use_bias=False, name="direct")(x)
        logits = keras.layers.Add(name="logits")([logits, skip])
    probs = keras.layers.Activation("softmax", dtype="float32", name="probs")(logits)
    model = keras.Model(tokens, probs, name=f"neural_{context + 1}gram_lm")
    return compile_model(model, "sparse_categorical_crossentropy", [], learning_rate)


def ngram_windows(
    sequences: Sequence[Sequence[int]] | Sequence[np.ndarray],
    context: int,
    bos_id: int = 0,
    eos_id: int | None = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut id sequences into (previous ``context`` ids, next id) training pairs.

    Each sequence is padded on the left with ``context`` copies of ``bos_id`` and, unless
    ``eos_id`` is None, gets ``eos_id`` appended, so every token (and the end) is predicted
    once: the same positions an n-gram model of order ``context + 1`` scores.

    Parameters
    ----------
    sequences : sequence of int sequences
        Token ids, e.g. from :meth:`seqbook.classical.NGramLM.encode`.
    context : int
        Number of previous ids in each window.
    bos_id, eos_id : int
        Padding id before the start, and end id (None: no end token).

    Returns
    -------
    tuple of numpy.ndarray
        ``contexts`` int32 ``[N, context]`` and ``targets`` int32 ``[N]``.

    Example
    -------
    >>> x, y = ngram_windows([[5, 6, 7]], context=2)
    >>> x.tolist(), y.tolist()
    ([[0, 0], [0, 5], [5, 6], [6, 7]], [5, 6, 7, 1])
    """
    require_positive(context=context)
    contexts, targets = [], []
    for sequence in sequences:
        ids = np.asarray(sequence, dtype=np.int64).ravel()
        tail = [] if eos_id is None else [eos_id]
        padded = np.concatenate([np.full(context, bos_id), ids, tail]).astype(np.int32)
        if len(padded) == context:
            continue
        windows = np.lib.stride_tricks.sliding_window_view(padded, context + 1)
        contexts.append(windows[:, :-1])
        targets.append(windows[:, -1])
    if not contexts:
        raise ValueError("sequences must hold at least one token to predict; got none")
    return np.concatenate(contexts), np.concatenate(targets)
