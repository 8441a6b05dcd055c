"""A character-level recurrent language model, and its score in bits per character.

The pieces of the text-generation chapter that a practitioner can reuse:

* :func:`char_lm` builds an LSTM (or GRU) that reads characters and predicts the next one
  at every position, on Keras' fast recurrent layers (cuDNN on a GPU);
* :func:`character_ids` turns texts into ``[START] c_1 ... c_n [END]`` id arrays with a
  :class:`~seqbook.data.Vocabulary` of characters, ready for
  :func:`~seqbook.models.next_token_windows`;
* :func:`bits_per_character` scores held-out texts with a sliding window
  (:func:`~seqbook.models.sequence_log_probs`), for this model, for
  :func:`~seqbook.models.causal_lm`, or for any ``tokens -> logits`` callable.

Token id 0 is padding, as everywhere in the package.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Callable

import keras
import numpy as np

from seqbook.data.text_pairs import Vocabulary
from seqbook.models._common import (
    RECURRENT_LAYERS,
    compile_model,
    recurrent_layer,
    require_positive,
    require_rate,
)
from seqbook.models.language.pretraining import per_character_perplexity, sequence_log_probs

__all__ = ["bits_per_character", "char_lm", "character_ids"]


def char_lm(
    vocabulary_size: int,
    units: int = 256,
    num_layers: int = 1,
    cell: str = "lstm",
    embedding_dim: int = 32,
    dropout: float = 0.0,
    learning_rate: float = 2e-3,
) -> keras.Model:
    """A compiled character-level recurrent LM: ``tokens [B, T] -> logits [B, T, vocab]``.

    Each character id is embedded, read by ``num_layers`` stacked recurrent layers, and the
    state at position ``t`` is mapped to float32 logits over the next character, ``t + 1``:
    train it with ``fit(*next_token_windows(...))``. Id 0 is padding: it is masked in the
    recurrent layers, and targets equal to 0 are left out of the loss, so padded windows
    train exactly like unpadded ones.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids, padding (0) included (``len(vocabulary)``).
    units : int
        Size of each recurrent layer's state (the package's name for it, as in
        :func:`~seqbook.models.recurrent_classifier`).
    num_layers : int
        Number of stacked recurrent layers.
    cell : {"lstm", "gru", "rnn"}
        Keras' ``LSTM``, ``GRU`` or ``SimpleRNN``.
    embedding_dim : int
        Size of each character's vector.
    dropout : float
        Dropout rate, in ``[0, 1)``, on the embeddings and on every recurrent layer's
        outputs (not on the recurrent connections, which would rule out cuDNN).
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with sparse cross-entropy on logits (``ignore_class=0``).

    Example
    -------
    >>> import numpy as np
    >>> lm = char_lm(vocabulary_size=12, units=16, cell="gru")
    >>> tuple(lm(np.array([[4, 5, 6, 0]])).shape)
    (1, 4, 12)
    """
    require_positive(vocabulary_size=vocabulary_size, units=units,
                     num_layers=num_layers, embedding_dim=embedding_dim)
    require_rate(dropout=dropout)
    if cell not in RECURRENT_LAYERS:
        raise ValueError(f"cell must be one of {', '.join(RECURRENT_LAYERS)}; got {cell!r}")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True,
                               name="embedding")(tokens)
    x = keras.layers.Dropout(dropout)(x)
    for i in range(num_layers):
        x = recurrent_layer(cell, units, return_sequences=True, name=f"{cell}_{i}")(x)
        x = keras.layers.Dropout(dropout)(x)
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="logits")(x)
    model = keras.Model(tokens, logits, name=f"char_{cell}_lm")
    return compile_model(
        model,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        metrics=[],
        learning_rate=learning_rate,
    )


def character_ids(texts: Sequence[str], vocabulary: Vocabulary) -> list[np.ndarray]:
    """Each text as int32 ids ``[START] c_1 ... c_n [END]`` (characters the vocabulary does
    not know become ``Vocabulary.UNKNOWN``).

    The start id gives the first character a context to be predicted from, and the end id is
    one more symbol to predict, as :class:`seqbook.classical.NGramLM` predicts its end token:
    so both kinds of model make ``n + 1`` predictions per text.

    Parameters
    ----------
    texts : sequence of str
        The texts, for example whole works.
    vocabulary : seqbook.data.Vocabulary
        A vocabulary of characters, e.g. ``Vocabulary.from_sequences(training_texts)``.

    Returns
    -------
    list of numpy.ndarray
        One int32 array of length ``len(text) + 2`` per text.

    Example
    -------
    >>> from seqbook.data import Vocabulary
    >>> vocabulary = Vocabulary.from_sequences(["abc"])
    >>> [ids.tolist() for ids in character_ids(["cab", "az"], vocabulary)]
    [[1, 6, 4, 5, 2], [1, 4, 3, 2]]
    """
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of strings; got one str (wrap it in [])")
    if not isinstance(vocabulary, Vocabulary):
        raise ValueError(f"vocabulary must be a seqbook.data.Vocabulary; got "
                         f"{type(vocabulary).__name__}")
    out = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"texts must hold strings; element {i} is {type(text).__name__}")
        ids = vocabulary.encode([text])[0]
        out.append(np.concatenate([[Vocabulary.START], ids, [Vocabulary.END]]).astype(np.int32))
    return out


def bits_per_character(
    lm: keras.Model | Callable[[np.ndarray], Any],
    texts: Sequence[str],
    vocabulary: Vocabulary,
    context: int = 256,
    batch_size: int = 64,
) -> float:
    """Bits per character of ``texts`` under a character language model.

    Each text is encoded by :func:`character_ids`, every character and the end of each text
    is scored with a sliding window of ``context`` characters
    (:func:`~seqbook.models.sequence_log_probs`: after the first window, each prediction has
    at least ``context // 2`` characters of history), and the total is divided by the number
    of characters plus one end per text:

    ``bits = -sum(log2 P(c_t | c_<t)) / (characters + texts)``,

    the base-2 logarithm of :func:`~seqbook.models.per_character_perplexity`, and the same
    quantity as ``log2(NGramLM.perplexity(texts))`` for a character n-gram model.

    Parameters
    ----------
    lm : keras.Model or callable
        ``tokens [batch, T] -> logits [batch, T, vocab]``, e.g. :func:`char_lm` or
        :func:`~seqbook.models.causal_lm` trained on ids from :func:`character_ids`. A Keras
        model is run through its compiled ``predict_on_batch``.
    texts : sequence of str
        The held-out texts.
    vocabulary : seqbook.data.Vocabulary
        The character vocabulary the model was trained with.
    context : int
        Window length, >= 2 (at most the ``max_sequence_length`` of a Transformer).
    batch_size : int
        Windows per model call.

    Returns
    -------
    float
        Bits per character (lower is better; ``log2(vocabulary size)`` is a uniform guess).

    Example
    -------
    >>> import numpy as np
    >>> from seqbook.data import Vocabulary
    >>> vocabulary = Vocabulary(list("ab"))  # 6 ids: 4 reserved, "a", "b"
    >>> def uniform(tokens):  # a model that knows nothing
    ...     return np.zeros(tokens.shape + (len(vocabulary),), "float32")
    >>> round(bits_per_character(uniform, ["abba", "ab"], vocabulary, context=4), 4)
    2.585
    """
    ids = character_ids(texts, vocabulary)
    if not ids:
        raise ValueError("texts must hold at least one text; got none")
    require_positive(batch_size=batch_size)
    forward = lm.predict_on_batch if isinstance(lm, keras.Model) else lm
    if not callable(forward):
        raise ValueError(f"lm must be a keras.Model or a callable tokens -> logits; "
                         f"got {type(lm).__name__}")
    log_probs = np.concatenate([
        sequence_log_probs(forward, text_ids, context=context, batch_size=batch_size)
        for text_ids in ids])
    return math.log2(per_character_perplexity(log_probs, texts))
