"""The copy mechanism of the pointer-generator network (See et al. 2017).

An attentional decoder already says, at every output step, which source positions it looks
at. The pointer-generator turns that into a second way of producing a token: *copy* the
token at the attended position. A learned switch :math:`p_\\text{gen} \\in (0, 1)` mixes the
two ways::

    P(w) = p_gen * softmax(vocabulary_logits)[w] + (1 - p_gen) * sum_{s: source[s] = w} a[s]

where ``a`` are the decoder's attention weights over the source positions. A token that
occurs in the source can get probability from copying even when the decoder's softmax
gives it almost none, which is what lets a small model reproduce identifiers and rare
words.

One vocabulary
--------------
See et al. extend the vocabulary of every source with its out-of-vocabulary words so that
those can be copied. Here the source and the target share one *subword* vocabulary,
trained on both sides: a subword vocabulary has no out-of-vocabulary words (any word is
spelled with its pieces), so the extension is not needed, and the output keeps a fixed
size. Copying still matters: a rare identifier is spelled with pieces that the decoder's
softmax rarely predicts, and copying moves their probability from the source.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from seqbook._checks import require_positive

__all__ = ["PointerGenerator"]

Initializer = Any  # a name such as "glorot_uniform", or a keras.initializers.Initializer


def scatter_onto_vocabulary(weights: Any, token_ids: Any, vocabulary_size: int) -> Any:
    """``out[b, t, v] = sum of weights[b, t, s] over the positions s with token_ids[b, s] = v``.

    A scatter-add, so its cost grows with ``batch * T * S``; the equivalent product with
    one-hot rows of the source would cost ``batch * T * S * vocabulary_size``.

    Parameters
    ----------
    weights : tensor, shape [batch, T, S]
    token_ids : int tensor, shape [batch, S]
    vocabulary_size : int

    Returns
    -------
    tensor, shape [batch, T, vocabulary_size]

    Example
    -------
    >>> import numpy as np
    >>> out = scatter_onto_vocabulary(np.array([[[0.5, 0.2, 0.3]]], "float32"),
    ...                               np.array([[4, 2, 4]]), vocabulary_size=5)
    >>> np.asarray(out, "float64").round(3).tolist()  # token 4 twice: 0.5 + 0.3
    [[[0.0, 0.0, 0.2, 0.0, 0.8]]]
    """
    weights = ops.convert_to_tensor(weights)
    token_ids = ops.cast(token_ids, "int32")
    shape = ops.shape(weights)
    batch, steps = shape[0], shape[1]
    # One (b, t, token) index per weight: the weights fall on the source tokens' rows.
    grid = (batch, steps, shape[2])
    rows = ops.broadcast_to(ops.reshape(ops.arange(batch, dtype="int32"), (-1, 1, 1)), grid)
    step = ops.broadcast_to(ops.reshape(ops.arange(steps, dtype="int32"), (1, -1, 1)), grid)
    tokens = ops.broadcast_to(ops.expand_dims(token_ids, 1), grid)
    indices = ops.reshape(ops.stack([rows, step, tokens], axis=-1), (-1, 3))
    return ops.scatter(indices, ops.reshape(weights, (-1,)), (batch, steps, vocabulary_size))


@keras.saving.register_keras_serializable(package="seqbook")
class PointerGenerator(keras.layers.Layer):
    """Mix the decoder's softmax with a copy of the attended source tokens (See et al. 2017).

    At each output step ``t``, with the decoder state :math:`s_t`, its input
    :math:`x_t`, the attention context :math:`h^*_t` and the attention weights
    :math:`a_t` over the source tokens :math:`w_1 .. w_S`,

    .. math::

        p_\\text{gen} = \\sigma(w^\\top [h^*_t; s_t; x_t] + b), \\qquad
        P(w) = p_\\text{gen} \\, \\text{softmax}(z_t)_w
               + (1 - p_\\text{gen}) \\sum_{s:\\, w_s = w} a_{t,s}

    where :math:`z_t` are the decoder's vocabulary logits. The source and the target share
    one vocabulary (see the module's notes: a subword vocabulary needs no extended
    vocabulary of source words). Padding positions (id 0) take no copy mass: their
    attention weight is dropped, and what attention put on padding (only a source row that
    is all padding has any, where attention spreads uniformly) goes to the softmax instead,
    so every output row sums to one. The attention rows are first renormalised in the
    layer's own dtype (float32 under mixed precision, where bfloat16 attention weights sum
    to one only to about 1e-3).

    Parameters
    ----------
    max_sequence_length : int, optional
        The longest source the model accepts; a longer one is refused with a
        ``ValueError`` whenever its length is known (eager calls, and ``fit`` on NumPy
        arrays). ``None`` for no limit.
    kernel_initializer, bias_initializer : str or Initializer
        Initializers of the switch's weights :math:`w` (``switch_kernel``) and :math:`b`
        (``switch_bias``).
    **kwargs
        Passed to ``keras.layers.Layer`` (build it with ``dtype="float32"`` in a mixed
        precision model: its output is the model's output).

    Notes
    -----
    Call it as ``probabilities, p_gen = layer(vocabulary_logits, attention_weights,
    source_ids, context, decoder_state, decoder_input)`` with ``vocabulary_logits``
    ``[batch, T, V]``, ``attention_weights`` ``[batch, T, S]``, ``source_ids`` int
    ``[batch, S]`` (ids below ``V``), and ``context``, ``decoder_state``,
    ``decoder_input`` ``[batch, T, features]`` each (any widths). ``probabilities`` is
    ``[batch, T, V]``, ``p_gen`` is ``[batch, T]``; both keep the mask of
    ``vocabulary_logits`` (the target's padding), so masked metrics skip padding.

    Example
    -------
    >>> import numpy as np
    >>> layer = PointerGenerator(bias_initializer=keras.initializers.Constant(-20.0),
    ...                          kernel_initializer="zeros")   # p_gen ~ 0: copy only
    >>> logits = np.zeros((1, 1, 6), "float32")                 # a uniform softmax
    >>> weights = np.array([[[0.7, 0.3, 0.0]]], "float32")      # attend to positions 0, 1
    >>> source = np.array([[5, 3, 0]])                          # position 2 is padding
    >>> features = np.zeros((1, 1, 2), "float32")
    >>> probs, p_gen = layer(logits, weights, source, features, features, features)
    >>> np.asarray(probs, "float64").round(3).tolist()          # the copy distribution
    [[[0.0, 0.0, 0.0, 0.3, 0.0, 0.7]]]
    >>> float(np.asarray(p_gen)[0, 0]) < 1e-8
    True
    """

    def __init__(
        self,
        max_sequence_length: int | None = None,
        kernel_initializer: Initializer = "glorot_uniform",
        bias_initializer: Initializer = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_sequence_length is not None:
            require_positive(max_sequence_length=max_sequence_length)
        self.max_sequence_length = max_sequence_length
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = True

    def build(
        self,
        vocabulary_logits_shape: tuple,
        attention_weights_shape: tuple,
        source_ids_shape: tuple,
        context_shape: tuple,
        decoder_state_shape: tuple,
        decoder_input_shape: tuple,
    ) -> None:
        shapes = {"vocabulary_logits": vocabulary_logits_shape, "context": context_shape,
                  "decoder_state": decoder_state_shape, "decoder_input": decoder_input_shape}
        for name, shape in shapes.items():
            if shape is None or len(shape) != 3 or shape[-1] is None:
                raise ValueError(
                    f"{name} must have shape [batch, T, features] with known features; "
                    f"got {None if shape is None else tuple(shape)}"
                )
        for name, shape, rank in (("attention_weights", attention_weights_shape, 3),
                                  ("source_ids", source_ids_shape, 2)):
            if shape is None or len(shape) != rank:
                expected = "[batch, T, S]" if rank == 3 else "[batch, S]"
                raise ValueError(
                    f"{name} must have shape {expected}; got "
                    f"{None if shape is None else tuple(shape)}"
                )
        width = sum(shapes[name][-1] for name in ("context", "decoder_state", "decoder_input"))
        self.switch_kernel = self.add_weight(
            shape=(width, 1), initializer=self.kernel_initializer, name="switch_kernel"
        )
        self.switch_bias = self.add_weight(
            shape=(1,), initializer=self.bias_initializer, name="switch_bias"
        )

    def _check_source(self, attention_weights: Any, source_ids: Any) -> None:
        length = source_ids.shape[1]
        if not isinstance(length, int):
            return  # known only when the graph runs: nothing to check while tracing
        if self.max_sequence_length is not None and length > self.max_sequence_length:
            raise ValueError(
                f"source_ids must have at most max_sequence_length={self.max_sequence_length} "
                f"positions; got {length}"
            )
        if isinstance(attention_weights.shape[-1], int) and attention_weights.shape[-1] != length:
            raise ValueError(
                "attention_weights must have one weight per source position: last axis "
                f"{attention_weights.shape[-1]} for source_ids of length {length}"
            )

    def call(
        self,
        vocabulary_logits: Any,
        attention_weights: Any,
        source_ids: Any,
        context: Any,
        decoder_state: Any,
        decoder_input: Any,
    ) -> tuple[Any, Any]:
        source_ids = ops.convert_to_tensor(source_ids)
        self._check_source(attention_weights, source_ids)
        dtype = self.compute_dtype
        features = ops.concatenate(
            [ops.cast(x, dtype) for x in (context, decoder_state, decoder_input)], axis=-1
        )
        p_gen = ops.sigmoid(ops.matmul(features, self.switch_kernel) + self.switch_bias)
        generated = ops.softmax(ops.cast(vocabulary_logits, dtype), axis=-1)
        real = ops.cast(ops.not_equal(source_ids, 0), dtype)
        weights = ops.cast(attention_weights, dtype)
        # Renormalised in the layer's float32: bfloat16 attention rows sum to 1 only to
        # about 1e-3, which would leave the output that far from a distribution.
        weights = weights / ops.maximum(ops.sum(weights, axis=-1, keepdims=True), 1e-12)
        weights = weights * ops.expand_dims(real, 1)
        copied = scatter_onto_vocabulary(weights, source_ids, vocabulary_logits.shape[-1])
        # Weight that attention gave padding returns to the softmax: rows still sum to one.
        # (Clipped at 0: a rounding error below 0 would give a token negative probability.)
        on_padding = ops.maximum(1.0 - ops.sum(weights, axis=-1, keepdims=True), 0.0)
        copied = copied + on_padding * generated
        probabilities = p_gen * generated + (1.0 - p_gen) * copied
        return probabilities, ops.squeeze(p_gen, axis=-1)

    def compute_output_shape(
        self,
        vocabulary_logits_shape: tuple,
        attention_weights_shape: tuple,
        source_ids_shape: tuple,
        context_shape: tuple,
        decoder_state_shape: tuple,
        decoder_input_shape: tuple,
    ) -> tuple:
        return tuple(vocabulary_logits_shape), tuple(vocabulary_logits_shape[:2])

    def compute_mask(self, vocabulary_logits: Any, previous_mask: Any = None) -> Any:
        # Both outputs are per target step: both keep the target's padding mask.
        return [previous_mask, previous_mask]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_sequence_length": self.max_sequence_length,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
