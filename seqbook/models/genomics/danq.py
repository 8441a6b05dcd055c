"""A DanQ-style hybrid of DNA: convolution, then a bidirectional LSTM (Quang & Xie 2016)."""

from __future__ import annotations

import keras

from seqbook.models._common import compile_model, require_positive, require_rate

__all__ = ["danq_classifier"]


def danq_classifier(
    num_classes: int = 3,
    sequence_length: int = 60,
    filters: int = 32,
    kernel_size: int = 9,
    pool_size: int = 3,
    units: int = 16,
    dense_units: int = 32,
    dropout: float = 0.2,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Motif detectors, max pooling, a bidirectional LSTM over the pooled steps, dense layers.

    DanQ's recipe: the convolution finds motifs, pooling over ``pool_size`` steps shortens
    the sequence, and a bidirectional LSTM reads the motif map in both directions so that
    the *order and spacing* of motifs count, not only their presence. Unlike DeepBind's
    global pooling, every step's LSTM output is kept (flattened), so positions still matter.

    Parameters
    ----------
    num_classes, sequence_length, filters, kernel_size, dropout, learning_rate
        As in :func:`~seqbook.models.genomics.deepbind_classifier`.
    pool_size : int
        Steps merged by the max pooling.
    units : int
        State size of each direction's LSTM.
    dense_units : int
        Width of the hidden dense layer.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, length, 4]`` to
        probabilities ``[batch, num_classes]``; its first convolution is named ``motifs``.

    Example
    -------
    >>> danq_classifier(sequence_length=60, pool_size=3).output_shape
    (None, 3)
    """
    require_positive(num_classes=num_classes, sequence_length=sequence_length,
                     filters=filters, kernel_size=kernel_size, pool_size=pool_size,
                     units=units, dense_units=dense_units)
    require_rate(dropout=dropout)
    if pool_size > sequence_length:
        raise ValueError(f"pool_size must be <= sequence_length = {sequence_length}; "
                         f"got {pool_size}")
    dna = keras.Input(shape=(sequence_length, 4), name="dna")
    x = keras.layers.Conv1D(filters, kernel_size, padding="same", activation="relu",
                            name="motifs")(dna)
    x = keras.layers.MaxPooling1D(pool_size)(x)
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True))(x)
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(dense_units, activation="relu")(x)
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(x)
    model = keras.Model(dna, probs, name="danq_classifier")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)
