"""Transformer encoder pieces for the model builders, on Keras' fused ``MultiHeadAttention``.

The Transformer chapters build attention by hand in :mod:`seqbook.layers`; builders that
only *use* a Transformer encoder (forecasters, classifiers) take it from here, so every
application chapter shares one block with the same options.
"""

from __future__ import annotations

import keras

from seqbook.layers.transformer.positional import PositionEmbedding
from seqbook.models._common import require_positive, require_rate

__all__ = ["PositionEmbedding", "transformer_encoder"]

#: The initializer of the position tables the builders create (BERT and GPT-2 use it);
#: :class:`~seqbook.layers.transformer.PositionEmbedding` itself defaults to Glorot.
GPT_POSITION_INIT = {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.02}}


def transformer_encoder(
    x,
    num_heads: int = 4,
    key_dim: int = 16,
    intermediate_dim: int = 64,
    dropout: float = 0.1,
    norm_first: bool = True,
    attention_mask=None,
):
    """One Transformer encoder block applied to the symbolic tensor ``x`` ``[batch, time, d]``.

    Kept beside :class:`seqbook.layers.TransformerEncoderBlock` (the same block written by
    hand for the book to teach) as the builders' fast path on Keras' fused attention; a test
    proves the two equal with copied weights.

    Self-attention then a two-layer feed-forward network, each wrapped in a residual
    connection and layer normalisation: before the sub-layer when ``norm_first`` (pre-norm,
    which trains more stably without warm-up; Xiong et al. 2020) or after it (post-norm, the
    original Transformer of Vaswani et al. 2017). Keras masks on ``x`` (from ``Masking`` or
    ``Embedding(mask_zero=True)``) are honoured by the attention layer.

    Parameters
    ----------
    x : KerasTensor
        The block's input, ``[batch, time, d]`` with a known ``d``.
    num_heads, key_dim : int
        Number of attention heads and the size of each head's queries and keys.
    intermediate_dim : int
        Width of the feed-forward network's hidden layer.
    dropout : float
        Dropout rate after attention and after the feed-forward network, in ``[0, 1)``.
    norm_first : bool
        Pre-norm (True) or post-norm (False).
    attention_mask : optional
        Passed to ``keras.layers.MultiHeadAttention`` (``[batch, time, time]``, True = attend).

    Returns
    -------
    KerasTensor
        The block's output, the same shape as ``x``.

    Example
    -------
    >>> inputs = keras.Input(shape=(12, 8))
    >>> transformer_encoder(inputs, num_heads=2, key_dim=4, intermediate_dim=16).shape
    (None, 12, 8)
    """
    require_positive(num_heads=num_heads, key_dim=key_dim, intermediate_dim=intermediate_dim)
    require_rate(dropout=dropout)
    hidden_dim = x.shape[-1]
    if hidden_dim is None:
        raise ValueError("x must have a known last (feature) dimension")

    attention = keras.layers.MultiHeadAttention(num_heads, key_dim, dropout=dropout)
    # Plain layers rather than a ``keras.Sequential``: a Sequential would drop the Keras mask.
    expand = keras.layers.Dense(intermediate_dim, activation="gelu")
    contract = keras.layers.Dense(hidden_dim)

    def attend(h):
        return attention(h, h, attention_mask=attention_mask)

    def feed_forward(h):
        return contract(keras.layers.Dropout(dropout)(expand(h)))

    for sublayer in (attend, feed_forward):
        norm = keras.layers.LayerNormalization(epsilon=1e-6)
        if norm_first:
            x = keras.layers.Add()([x, keras.layers.Dropout(dropout)(sublayer(norm(x)))])
        else:
            x = norm(keras.layers.Add()([x, keras.layers.Dropout(dropout)(sublayer(x))]))
    return x
