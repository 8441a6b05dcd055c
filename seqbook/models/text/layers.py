"""Two padding-aware layers of the convolutional text classifier.

A 1-D convolution ignores Keras masks, so padding is handled explicitly, from the token ids
(0 = padding, at the end of each row): :class:`ZeroPadding` sets the padding positions'
vectors to zero (the same zeros the convolution pads with, so the amount of padding
changes nothing), and :class:`TokenMaxPooling` takes the maximum over the real tokens only.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["TokenMaxPooling", "ZeroPadding"]


@keras.saving.register_keras_serializable(package="seqbook")
class ZeroPadding(keras.layers.Layer):
    """``[vectors [B, T, d], tokens [B, T]]`` -> vectors with zeros where ``tokens == 0``.

    Example
    -------
    >>> import numpy as np
    >>> vectors = np.ones((1, 3, 2), "float32")
    >>> np.asarray(ZeroPadding()([vectors, np.array([[4, 7, 0]])]))[0].tolist()
    [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]
    """

    def call(self, inputs):
        vectors, tokens = inputs
        real = ops.cast(ops.not_equal(tokens, 0), vectors.dtype)
        return vectors * real[:, :, None]

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="seqbook")
class TokenMaxPooling(keras.layers.Layer):
    """``[hidden [B, T, d], tokens [B, T]]`` -> the maximum over the real tokens ``[B, d]``.

    A row of padding only gives zeros.

    Example
    -------
    >>> import numpy as np
    >>> hidden = np.array([[[1.0, -5.0], [3.0, -2.0], [9.0, 9.0]]], "float32")
    >>> np.asarray(TokenMaxPooling()([hidden, np.array([[4, 7, 0]])])).tolist()
    [[3.0, -2.0]]
    """

    def call(self, inputs):
        hidden, tokens = inputs
        real = ops.not_equal(tokens, 0)[:, :, None]  # [B, T, 1]
        lowest = ops.cast(float("-inf"), hidden.dtype)
        pooled = ops.max(ops.where(real, hidden, lowest), axis=1)
        return ops.where(ops.any(real, axis=1), pooled, ops.zeros_like(pooled))

    def compute_output_shape(self, input_shape):
        hidden_shape = input_shape[0]
        return (hidden_shape[0], hidden_shape[2])
