"""Position information for attention, which on its own ignores the order of its inputs.

* :func:`sinusoidal_encoding` and :class:`SinusoidalPositionEncoding`: the fixed sines and
  cosines of the original Transformer (Vaswani et al., 2017); no weights, any length.
* :class:`PositionEmbedding`: one trained vector per position, as in BERT and GPT;
  limited to ``max_sequence_length`` positions.
* :func:`apply_rotary` and :class:`RotaryEmbedding`: rotary position embeddings (Su et al.,
  2021), which rotate queries and keys so that their dot product depends on the
  *difference* of positions.

Every layer takes a ``start_index`` so that generation with a key/value cache can give the
new token its true position.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from seqbook._checks import require_positive
from seqbook.layers._config import renamed_keys

__all__ = [
    "LearnedPositionEmbedding",
    "PositionEmbedding",
    "RotaryEmbedding",
    "SinusoidalPositionEncoding",
    "apply_rotary",
    "sinusoidal_encoding",
]


def _positive(name: str, value: Any) -> int:
    require_positive(**{name: value})
    return value


def sinusoidal_encoding(
    length: Any, depth: int, start_index: Any = 0, max_wavelength: float = 10000.0
) -> Any:
    """The sinusoidal position encoding ``[length, depth]``.

    Position ``p`` and feature pair ``(2i, 2i+1)`` get
    ``sin(p / max_wavelength^(2i/depth))`` and ``cos(p / max_wavelength^(2i/depth))``: a
    set of clocks whose periods range from ``2 pi`` to ``2 pi * max_wavelength``.

    Parameters
    ----------
    length : int or scalar integer tensor
        Number of positions (a tensor when it is only known at run time, e.g. inside a
        model whose inputs have shape ``[batch, None, depth]``).
    depth : int
        Number of features (even).
    start_index : int or scalar tensor
        The first position.
    max_wavelength : float
        ``10000`` in the original Transformer.

    Returns
    -------
    Tensor of float32, shape ``[length, depth]``

    Example
    -------
    >>> pe = keras.ops.convert_to_numpy(sinusoidal_encoding(3, 4))
    >>> pe[0].tolist()  # position 0: sin 0 = 0, cos 0 = 1
    [0.0, 1.0, 0.0, 1.0]
    """
    if isinstance(length, (bool, int, float)):  # a tensor is checked by its use below
        _positive("length", length)
    _positive("depth", depth)
    if depth % 2:
        raise ValueError(f"depth must be even (sine and cosine pairs); got {depth}")
    if not max_wavelength > 1:
        raise ValueError(f"max_wavelength must be > 1; got {max_wavelength!r}")
    positions = ops.cast(ops.arange(length), "float32") + ops.cast(start_index, "float32")
    pair = ops.cast(ops.arange(0, depth, 2), "float32") / depth  # 2i / depth
    angles = ops.expand_dims(positions, -1) / ops.power(float(max_wavelength), pair)  # [L, d/2]
    # Interleave: feature 2i is the sine, feature 2i+1 the cosine of the same angle.
    return ops.reshape(ops.stack([ops.sin(angles), ops.cos(angles)], axis=-1), (-1, depth))


@keras.saving.register_keras_serializable(package="seqbook")
class SinusoidalPositionEncoding(keras.layers.Layer):
    """Add :func:`sinusoidal_encoding` to ``[batch, time, depth]`` inputs (no weights).

    Parameters
    ----------
    max_wavelength : float
        The longest period divided by ``2 pi``.
    scale_inputs : bool
        Multiply the inputs by ``sqrt(depth)`` first, as the original Transformer does with
        its embeddings.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Example
    -------
    >>> import numpy as np
    >>> layer = SinusoidalPositionEncoding()
    >>> out = layer(np.zeros((2, 5, 6), "float32"))
    >>> tuple(out.shape), float(keras.ops.convert_to_numpy(out)[0, 0, 1])
    ((2, 5, 6), 1.0)
    """

    def __init__(self, max_wavelength: float = 10000.0, scale_inputs: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if not max_wavelength > 1:
            raise ValueError(f"max_wavelength must be > 1; got {max_wavelength!r}")
        self.max_wavelength = float(max_wavelength)
        self.scale_inputs = bool(scale_inputs)
        self.supports_masking = True

    def call(self, inputs: Any, start_index: Any = 0) -> Any:
        length, depth = ops.shape(inputs)[1], inputs.shape[-1]
        encoding = sinusoidal_encoding(length, depth, start_index, self.max_wavelength)
        if self.scale_inputs:
            inputs = inputs * ops.cast(float(depth) ** 0.5, inputs.dtype)
        return inputs + ops.cast(encoding, inputs.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        # Said outright so that Keras need not run ``call`` on a symbolic input whose
        # length is None (a functional model over sequences of any length).
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_wavelength": self.max_wavelength,
            "scale_inputs": self.scale_inputs,
        }


@keras.saving.register_keras_serializable(package="seqbook")
class PositionEmbedding(keras.layers.Layer):
    """Add a trained vector per position to ``[batch, time, hidden_dim]`` inputs.

    Attention is blind to order; adding a trainable vector for each position (as BERT and
    GPT do) gives the model the order back. Inputs may be shorter than
    ``max_sequence_length``: positions ``start_index ... start_index + time - 1`` are used, so
    generation with a key/value cache gives a new token its true position. Keras masks pass
    through unchanged. (keras-hub calls this layer ``PositionEmbedding`` too.)

    Parameters
    ----------
    max_sequence_length : int
        Number of positions with a vector; longer inputs raise ``ValueError``.
    initializer : str or keras.initializers.Initializer
        Initializer of the ``[max_sequence_length, hidden_dim]`` table.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Example
    -------
    >>> import numpy as np
    >>> layer = PositionEmbedding(max_sequence_length=16)
    >>> tuple(layer(np.zeros((2, 5, 6), "float32"), start_index=3).shape)
    (2, 5, 6)
    """

    def __init__(self, max_sequence_length: int, initializer: Any = "glorot_uniform",
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.max_sequence_length = _positive("max_sequence_length", max_sequence_length)
        self.initializer = keras.initializers.get(initializer)
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        if input_shape[-1] is None:
            raise ValueError("PositionEmbedding needs a known last (feature) dimension")
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.max_sequence_length, input_shape[-1]),
            initializer=self.initializer,
        )

    def call(self, inputs: Any, start_index: Any = 0) -> Any:
        length = inputs.shape[1]
        if (isinstance(length, int) and isinstance(start_index, int)
                and start_index + length > self.max_sequence_length):
            raise ValueError(
                f"positions up to {start_index + length} need max_sequence_length >= that; "
                f"got max_sequence_length={self.max_sequence_length}"
            )
        # The variable's value, not the variable: JAX no longer converts a Keras variable
        # implicitly inside ``slice`` (``__jax_array__`` during tracing).
        table = ops.slice(ops.convert_to_tensor(self.embeddings), (start_index, 0),
                          (ops.shape(inputs)[1], inputs.shape[-1]))
        return inputs + ops.cast(table, inputs.dtype)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_sequence_length": self.max_sequence_length,
            "initializer": keras.initializers.serialize(self.initializer),
        }

    @classmethod
    def from_config(cls, config: dict) -> "PositionEmbedding":
        """Rebuild from a config; reads files saved before the rename (``max_length``)."""
        return super().from_config(renamed_keys(config, {"max_length": "max_sequence_length"}))


#: The old name of :class:`PositionEmbedding`, kept so that ``.keras`` files saved as
#: ``seqbook>LearnedPositionEmbedding`` still load (and old code still runs).
LearnedPositionEmbedding = PositionEmbedding
keras.saving.get_custom_objects()["seqbook>LearnedPositionEmbedding"] = PositionEmbedding


def apply_rotary(x: Any, start_index: Any = 0, max_wavelength: float = 10000.0) -> Any:
    """Rotate feature pairs of ``x`` ``[batch, time, ..., depth]`` by position-dependent angles.

    Feature pair ``(2i, 2i+1)`` at position ``p`` is rotated by the angle
    ``p / max_wavelength^(2i/depth)``. Rotating both queries and keys makes
    ``q_p . k_s`` depend on ``p - s`` only.

    Parameters
    ----------
    x : Tensor, shape ``[batch, time, ..., depth]``
        Queries or keys (``depth`` even); axis 1 is time.
    start_index : int or scalar tensor
        Position of ``x[:, 0]``.
    max_wavelength : float
        As in :func:`sinusoidal_encoding`.

    Returns
    -------
    Tensor, the shape of ``x``

    Example
    -------
    >>> import numpy as np
    >>> q = np.ones((1, 4, 2), "float32")
    >>> r = keras.ops.convert_to_numpy(apply_rotary(q))
    >>> bool(np.allclose(np.linalg.norm(r, axis=-1), np.sqrt(2)))  # lengths kept
    True
    """
    x = ops.convert_to_tensor(x)
    depth = x.shape[-1]
    if depth is None or depth % 2:
        raise ValueError(f"x must have an even, known last dimension; got {depth}")
    length = ops.shape(x)[1]
    positions = ops.cast(ops.arange(length), "float32") + ops.cast(start_index, "float32")
    pair = ops.cast(ops.arange(0, depth, 2), "float32") / depth
    angles = ops.expand_dims(positions, -1) / ops.power(float(max_wavelength), pair)  # [T, d/2]
    shape = [1, length] + [1] * (len(x.shape) - 3) + [depth // 2]
    cos = ops.cast(ops.reshape(ops.cos(angles), shape), x.dtype)
    sin = ops.cast(ops.reshape(ops.sin(angles), shape), x.dtype)
    pairs = ops.reshape(x, tuple(ops.shape(x)[:-1]) + (depth // 2, 2))
    even, odd = pairs[..., 0], pairs[..., 1]
    rotated = ops.stack([even * cos - odd * sin, even * sin + odd * cos], axis=-1)
    return ops.reshape(rotated, ops.shape(x))


@keras.saving.register_keras_serializable(package="seqbook")
class RotaryEmbedding(keras.layers.Layer):
    """Layer form of :func:`apply_rotary` (no weights), for queries or keys.

    Example
    -------
    >>> import numpy as np
    >>> tuple(RotaryEmbedding()(np.ones((2, 3, 4, 8), "float32")).shape)
    (2, 3, 4, 8)
    """

    def __init__(self, max_wavelength: float = 10000.0, **kwargs: Any):
        super().__init__(**kwargs)
        if not max_wavelength > 1:
            raise ValueError(f"max_wavelength must be > 1; got {max_wavelength!r}")
        self.max_wavelength = float(max_wavelength)

    def call(self, inputs: Any, start_index: Any = 0) -> Any:
        return apply_rotary(inputs, start_index, self.max_wavelength)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_wavelength": self.max_wavelength}
