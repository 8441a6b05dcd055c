"""A small Transformer encoder over the bases of a DNA sequence."""

from __future__ import annotations

import keras

from seqbook.models._common import compile_model, require_positive, require_rate
from seqbook.models.transformer import PositionEmbedding, transformer_encoder
from seqbook.models.transformer.encoder import GPT_POSITION_INIT

__all__ = ["dna_transformer_classifier"]


def dna_transformer_classifier(
    num_classes: int = 3,
    sequence_length: int = 60,
    hidden_dim: int = 32,
    num_layers: int = 2,
    num_heads: int = 4,
    key_dim: int = 8,
    intermediate_dim: int = 64,
    kernel_size: int = 3,
    strides: int = 1,
    dropout: float = 0.1,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Bases embedded by a short convolution, learned positions, encoder blocks, pooling.

    Each position's one-hot base and its neighbours (``kernel_size`` of them, so a token is
    a short k-mer rather than one letter) are projected to ``hidden_dim`` values, a learned
    position vector is added, ``num_layers`` pre-norm blocks of
    :func:`seqbook.models.transformer_encoder` let every position attend to every other,
    and the outputs are averaged over the sequence and classified.

    Parameters
    ----------
    num_classes, sequence_length, learning_rate
        As in :func:`~seqbook.models.genomics.deepbind_classifier`.
    hidden_dim : int
        Width of the encoder.
    num_layers : int
        Number of encoder blocks.
    num_heads, key_dim, intermediate_dim : int
        Attention heads, size of each head, width of the feed-forward layer.
    kernel_size : int
        Width of the embedding convolution (1 embeds each base alone).
    strides : int
        Step of the embedding convolution: with ``strides=3`` each token covers three
        bases' worth of positions and the encoder reads a third as many tokens, which
        cuts the cost of attention ninefold.
    dropout : float
        Dropout inside the blocks, in ``[0, 1)``.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, length, 4]`` to
        probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> dna_transformer_classifier(sequence_length=60, num_layers=1).output_shape
    (None, 3)
    >>> dna_transformer_classifier(sequence_length=60, kernel_size=6, strides=3).output_shape
    (None, 3)
    """
    require_positive(num_classes=num_classes, sequence_length=sequence_length,
                     hidden_dim=hidden_dim, num_layers=num_layers, num_heads=num_heads,
                     key_dim=key_dim, intermediate_dim=intermediate_dim,
                     kernel_size=kernel_size, strides=strides)
    require_rate(dropout=dropout)
    dna = keras.Input(shape=(sequence_length, 4), name="dna")
    x = keras.layers.Conv1D(hidden_dim, kernel_size, strides=strides, padding="same",
                            name="embed")(dna)
    tokens = -(-sequence_length // strides)  # ceil: what "same" padding leaves
    x = PositionEmbedding(tokens, initializer=GPT_POSITION_INIT,
                          name="positions")(x)
    for _ in range(num_layers):
        x = transformer_encoder(x, num_heads=num_heads, key_dim=key_dim,
                                intermediate_dim=intermediate_dim, dropout=dropout)
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(x)
    model = keras.Model(dna, probs, name="dna_transformer_classifier")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)
