"""Sequence classifiers: an order-blind bag of words and a recurrent model that reads in order."""

from __future__ import annotations

import keras

from seqbook.models._common import compile_model, recurrent_layer, require_positive


def bag_of_words_classifier(
    vocabulary_size: int,
    num_classes: int = 2,
    embedding_dim: int = 16,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """Average the token embeddings, then classify: a baseline that ignores word order.

    Padding (token id 0) is masked out of the average, so the result depends only on the
    multiset of tokens: any permutation of a sentence gets the same prediction.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids, padding (0) included.
    num_classes : int
        Number of labels; the model outputs their probabilities.
    embedding_dim : int
        Size of each token's vector.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled; maps int token ids ``[batch, length]`` to probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> model = bag_of_words_classifier(vocabulary_size=50)
    >>> model.output_shape
    (None, 2)
    """
    require_positive(
        vocabulary_size=vocabulary_size, num_classes=num_classes, embedding_dim=embedding_dim
    )
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    vectors = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True)(tokens)
    pooled = keras.layers.GlobalAveragePooling1D()(vectors)
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(pooled)
    model = keras.Model(tokens, probs, name="bag_of_words")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)


def recurrent_classifier(
    vocabulary_size: int,
    num_classes: int = 2,
    embedding_dim: int = 16,
    units: int = 32,
    cell: str = "gru",
    bidirectional: bool = False,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """Read the tokens in order with a recurrent layer, then classify its final state.

    Parameters
    ----------
    vocabulary_size, num_classes, embedding_dim, learning_rate
        As in :func:`bag_of_words_classifier`.
    units : int
        Size of the recurrent state.
    cell : {"gru", "lstm", "rnn"}
        Keras' ``GRU``, ``LSTM`` or ``SimpleRNN``.
    bidirectional : bool
        Also read the sequence backwards and join both final states.

    Returns
    -------
    keras.Model
        Compiled; maps int token ids ``[batch, length]`` (0 = padding, masked) to
        probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> model = recurrent_classifier(vocabulary_size=50, cell="lstm")
    >>> model.output_shape
    (None, 2)
    """
    require_positive(
        vocabulary_size=vocabulary_size, num_classes=num_classes, embedding_dim=embedding_dim,
        units=units,
    )
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    vectors = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True)(tokens)
    reader = recurrent_layer(cell, units)
    if bidirectional:
        reader = keras.layers.Bidirectional(reader)
    state = reader(vectors)
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(state)
    model = keras.Model(tokens, probs, name=f"{'bi' if bidirectional else ''}{cell}_classifier")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)
