"""A DeepBind-style convolutional classifier of DNA (Alipanahi et al. 2015)."""

from __future__ import annotations

import keras

from seqbook.models._common import compile_model, require_positive, require_rate

__all__ = ["deepbind_classifier"]


def deepbind_classifier(
    num_classes: int = 3,
    sequence_length: int = 60,
    filters: int = 32,
    kernel_size: int = 12,
    units: int = 32,
    dropout: float = 0.2,
    pool_size: int | None = None,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """One layer of motif detectors, pooled, then a small dense network.

    DeepBind's recipe: a ``Conv1D`` over one-hot DNA whose ``filters`` act as learned
    position weight matrices of width ``kernel_size``, a ReLU, then the maximum and the
    mean of each detector over the whole sequence (where a motif occurs is dropped, how
    strongly it occurs is kept), a hidden layer of ``units`` and the class probabilities.
    With ``pool_size`` set, the maximum is taken over windows of ``pool_size`` steps
    instead and the windows are kept side by side (flattened), so the dense layer also
    knows roughly *where* each motif occurred.

    Parameters
    ----------
    num_classes : int
        Output classes.
    sequence_length : int
        Length of the one-hot input ``[batch, sequence_length, 4]``.
    filters, kernel_size : int
        Number and width of the motif detectors.
    units : int
        Width of the hidden dense layer.
    dropout : float
        Dropout before the output layer, in ``[0, 1)``.
    pool_size : int, optional
        ``None`` (DeepBind): global max and mean pooling. An integer: local max pooling
        over windows of that many steps, flattened.
    learning_rate : float
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, length, 4]`` to
        probabilities ``[batch, num_classes]``; its first convolution is named ``motifs``.

    Example
    -------
    >>> deepbind_classifier(sequence_length=60).output_shape
    (None, 3)
    >>> deepbind_classifier(sequence_length=60, pool_size=7).output_shape
    (None, 3)
    """
    require_positive(num_classes=num_classes, sequence_length=sequence_length,
                     filters=filters, kernel_size=kernel_size, units=units)
    require_rate(dropout=dropout)
    if kernel_size > sequence_length:
        raise ValueError(f"kernel_size must be <= sequence_length = {sequence_length}; "
                         f"got {kernel_size}")
    if pool_size is not None:
        require_positive(pool_size=pool_size)
        if pool_size > sequence_length - kernel_size + 1:
            raise ValueError("pool_size must be <= sequence_length - kernel_size + 1 = "
                             f"{sequence_length - kernel_size + 1}; got {pool_size}")
    dna = keras.Input(shape=(sequence_length, 4), name="dna")
    x = keras.layers.Conv1D(filters, kernel_size, activation="relu", name="motifs")(dna)
    if pool_size is None:
        pooled = keras.layers.Concatenate()([keras.layers.GlobalMaxPooling1D()(x),
                                             keras.layers.GlobalAveragePooling1D()(x)])
    else:
        pooled = keras.layers.Flatten()(keras.layers.MaxPooling1D(pool_size)(x))
    x = keras.layers.Dense(units, activation="relu")(pooled)
    x = keras.layers.Dropout(dropout)(x)
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(x)
    model = keras.Model(dna, probs, name="deepbind_classifier")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)
