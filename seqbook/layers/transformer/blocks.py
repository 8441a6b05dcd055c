"""Transformer encoder and decoder blocks on the hand-written :class:`MultiHeadAttention`.

A block is a stack of sub-layers (self-attention, for the decoder cross-attention, then a
two-layer feed-forward network), each wrapped in a residual connection and layer
normalisation. Where the normalisation goes is the ``norm_first`` option:

* post-norm (``norm_first=False``), the original Transformer: ``x = norm(x + f(x))``;
* pre-norm (``norm_first=True``): ``x = x + f(norm(x))``, which keeps an identity path from
  input to output and trains deep stacks without a learning-rate warm-up (Xiong et al.,
  2020).

The decoder block's self-attention is causal and can run incrementally with a key/value
cache, or attend to a *memory* of the previous segment's hidden states (the segment
recurrence of Transformer-XL).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from seqbook._checks import require_positive, require_rate
from seqbook.layers._config import renamed_keys
from seqbook.layers.transformer.multi_head import MultiHeadAttention

__all__ = ["TransformerDecoderBlock", "TransformerEncoderBlock"]


def _check(num_heads: Any, key_dim: Any, intermediate_dim: Any, dropout: Any) -> None:
    require_positive(num_heads=num_heads, key_dim=key_dim, intermediate_dim=intermediate_dim)
    require_rate(dropout=dropout)


class _Block(keras.layers.Layer):
    """What both blocks share: options, the feed-forward sub-layer and the residual wiring."""

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        intermediate_dim: int,
        dropout: float = 0.0,
        norm_first: bool = True,
        activation: str = "gelu",
        epsilon: float = 1e-6,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        _check(num_heads, key_dim, intermediate_dim, dropout)
        self.num_heads, self.key_dim, self.intermediate_dim = num_heads, key_dim, intermediate_dim
        self.dropout, self.norm_first = float(dropout), bool(norm_first)
        self.activation, self.epsilon = activation, float(epsilon)
        self.supports_masking = True

    def _attention(self, name: str) -> MultiHeadAttention:
        return MultiHeadAttention(self.num_heads, self.key_dim, dropout=self.dropout, name=name,
                                  dtype=self.dtype_policy)

    def _norm(self, name: str) -> keras.layers.LayerNormalization:
        return keras.layers.LayerNormalization(epsilon=self.epsilon, name=name, dtype=self.dtype_policy)

    def _build_feed_forward(self, width: int, shape: tuple) -> None:
        self.ff_norm = self._norm("ff_norm")
        self.ff_norm.build(shape)
        self.expand = keras.layers.Dense(self.intermediate_dim, activation=self.activation,
                                         name="expand", dtype=self.dtype_policy)
        self.expand.build(shape)
        self.contract = keras.layers.Dense(width, name="contract", dtype=self.dtype_policy)
        self.contract.build(tuple(shape[:-1]) + (self.intermediate_dim,))
        self.drop = keras.layers.Dropout(self.dropout)

    def _residual(self, x: Any, norm: Any, sublayer: Any, training: Any) -> Any:
        if self.norm_first:
            return x + self.drop(sublayer(norm(x)), training=training)
        return norm(x + self.drop(sublayer(x), training=training))

    def _feed_forward(self, x: Any, training: Any) -> Any:
        return self._residual(
            x, self.ff_norm, lambda h: self.contract(self.drop(self.expand(h), training=training)),
            training,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "norm_first": self.norm_first,
            "activation": self.activation,
            "epsilon": self.epsilon,
        }

    @classmethod
    def from_config(cls, config: dict) -> "_Block":
        """Rebuild from a config; reads files saved before the rename (``ff_units``)."""
        return super().from_config(renamed_keys(config, {"ff_units": "intermediate_dim"}))


@keras.saving.register_keras_serializable(package="seqbook")
class TransformerEncoderBlock(_Block):
    """Self-attention and a feed-forward network, each with a residual and a layer norm.

    Kept beside :func:`seqbook.models.transformer_encoder` (Keras' fused attention, which the
    builders use because it is faster) to teach the block by hand; a test proves the two equal
    with copied weights.

    Parameters
    ----------
    num_heads, key_dim : int
        Attention heads and the size of each head's queries and keys.
    intermediate_dim : int
        Hidden width of the feed-forward network.
    dropout : float
        Dropout on the attention weights and after each sub-layer, in ``[0, 1)``.
    norm_first : bool
        Pre-norm (True) or post-norm (False).
    activation : str
        Activation of the feed-forward network's hidden layer.
    epsilon : float
        Layer normalisation's epsilon.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Notes
    -----
    Call with ``inputs [B, T, d]``, an optional padding ``mask [B, T]`` (filled in from a
    Keras mask) and an optional ``attention_mask [B, T, T]`` (True = may attend, for
    example :func:`~seqbook.layers.transformer.local_global_mask`).

    Example
    -------
    >>> import numpy as np
    >>> block = TransformerEncoderBlock(num_heads=2, key_dim=4, intermediate_dim=16)
    >>> tuple(block(np.zeros((2, 5, 8), "float32")).shape)
    (2, 5, 8)
    """

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"inputs must have shape [batch, time, features]; got {tuple(input_shape)}")
        self.attention_norm = self._norm("attention_norm")
        self.attention_norm.build(input_shape)
        self.attention = self._attention("attention")
        self.attention.build(input_shape, input_shape)
        self._build_feed_forward(input_shape[-1], input_shape)

    def call(self, inputs: Any, mask: Any | None = None, attention_mask: Any | None = None,
             training: bool | None = None) -> Any:
        def attend(h):
            return self.attention(h, h, query_mask=mask, value_mask=mask,
                                  attention_mask=attention_mask, training=training)

        x = self._residual(inputs, self.attention_norm, attend, training)
        return self._feed_forward(x, training)


@keras.saving.register_keras_serializable(package="seqbook")
class TransformerDecoderBlock(_Block):
    """Causal self-attention, optional cross-attention to an encoder's output, feed-forward.

    Parameters
    ----------
    num_heads, key_dim, intermediate_dim, dropout, norm_first, activation, epsilon
        As in :class:`TransformerEncoderBlock`.
    cross_attention : bool
        Whether the block attends to a ``context`` (encoder-decoder models); a decoder-only
        language model uses ``False``.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Notes
    -----
    Call with ``inputs [B, T, d]`` and, with cross-attention, ``context [B, S, d_c]``.
    Optional arguments:

    * ``inputs_mask [B, T]`` / ``context_mask [B, S]``: padding (``True`` = real token),
      filled in from Keras masks;
    * ``attention_mask [B, T, T]``: combined with the causal mask;
    * ``cache``: the self-attention's key/value cache (see
      :meth:`empty_cache`); the block then returns
      ``(outputs, new_cache)`` and the ``T`` inputs are the positions after the cached ones;
    * ``memory [B, M, d]``: hidden states (block inputs) of the previous segment, attended
      to but not trained through (Transformer-XL's segment recurrence).

    Example
    -------
    >>> import numpy as np
    >>> block = TransformerDecoderBlock(2, 4, 16, cross_attention=False)
    >>> x = np.random.default_rng(0).normal(size=(1, 4, 8)).astype("float32")
    >>> full = block(x)
    >>> cache = block.empty_cache(1)
    >>> steps = []
    >>> for t in range(4):
    ...     out, cache = block(x[:, t:t + 1], cache=cache)
    ...     steps.append(out)
    >>> bool(np.allclose(np.concatenate(steps, axis=1), full, atol=1e-5))
    True
    """

    def __init__(self, num_heads: int, key_dim: int, intermediate_dim: int, dropout: float = 0.0,
                 norm_first: bool = True, cross_attention: bool = True, activation: str = "gelu",
                 epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(num_heads, key_dim, intermediate_dim, dropout, norm_first, activation,
                         epsilon, **kwargs)
        self.cross_attention = bool(cross_attention)

    def build(self, inputs_shape: tuple, context_shape: tuple | None = None) -> None:
        if len(inputs_shape) != 3 or inputs_shape[-1] is None:
            raise ValueError(f"inputs must have shape [batch, time, features]; got {tuple(inputs_shape)}")
        self.attention_norm = self._norm("attention_norm")
        self.attention_norm.build(inputs_shape)
        self.attention = self._attention("attention")
        self.attention.build(inputs_shape, inputs_shape)
        if self.cross_attention:
            if context_shape is None:
                context_shape = inputs_shape
            self.cross_norm = self._norm("cross_norm")
            self.cross_norm.build(inputs_shape)
            self.cross = self._attention("cross_attention")
            self.cross.build(inputs_shape, context_shape)
        self._build_feed_forward(inputs_shape[-1], inputs_shape)

    def call(
        self,
        inputs: Any,
        context: Any | None = None,
        inputs_mask: Any | None = None,
        context_mask: Any | None = None,
        mask: Any | None = None,
        attention_mask: Any | None = None,
        cache: tuple[Any, Any] | None = None,
        memory: Any | None = None,
        training: bool | None = None,
    ) -> Any:
        if self.cross_attention and context is None:
            raise ValueError("this block has cross_attention=True: pass a context [batch, S, features]")
        if not self.cross_attention and context is not None:
            raise ValueError("this block has cross_attention=False: it takes no context")
        if cache is not None and memory is not None:
            raise ValueError("pass either cache (generation) or memory (segment recurrence), not both")
        padding = inputs_mask if inputs_mask is not None else mask
        new_cache = []

        def attend(h):
            past = cache
            if memory is not None:
                # Transformer-XL: keys and values also come from the previous segment, with
                # no gradient flowing back into it.
                remembered = ops.stop_gradient(memory)
                if self.norm_first:
                    remembered = self.attention_norm(remembered)
                past = self.attention.project_key_value(remembered, remembered)
            out = self.attention(h, h, query_mask=padding, value_mask=padding,
                                 attention_mask=attention_mask, use_causal_mask=True,
                                 cache=past, training=training)
            if past is None:
                return out
            new_cache.append(out[1])
            return out[0]

        x = self._residual(inputs, self.attention_norm, attend, training)
        if self.cross_attention:
            x = self._residual(
                x, self.cross_norm,
                lambda h: self.cross(h, context, query_mask=padding, value_mask=context_mask,
                                     training=training),
                training,
            )
        x = self._feed_forward(x, training)
        return (x, new_cache[0]) if cache is not None else x

    def empty_cache(self, batch_size: int) -> tuple[Any, Any]:
        """An empty self-attention key/value cache, ``[batch_size, 0, heads, key_dim]`` each.

        Example
        -------
        >>> keys, values = TransformerDecoderBlock(2, 4, 16).empty_cache(3)
        >>> tuple(keys.shape)
        (3, 0, 2, 4)
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        empty = ops.zeros((batch_size, 0, self.num_heads, self.key_dim), self.compute_dtype)
        return empty, empty

    def compute_output_spec(self, inputs, context=None, cache=None, **kwargs):
        output = keras.KerasTensor(inputs.shape, dtype=self.compute_dtype)
        if cache is None:
            return output
        batch = inputs.shape[0]
        return output, (
            keras.KerasTensor((batch, None, self.num_heads, self.key_dim), dtype=self.compute_dtype),
            keras.KerasTensor((batch, None, self.num_heads, self.key_dim), dtype=self.compute_dtype),
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "cross_attention": self.cross_attention}
