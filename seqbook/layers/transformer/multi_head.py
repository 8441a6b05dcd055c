"""Multi-head attention written out by hand, with the weight layout of Keras' own layer.

Each of ``num_heads`` heads projects the inputs to its own queries, keys and values,
attends with :func:`scaled_dot_product_attention`, and an output projection mixes the heads
back together. The weights have the shapes and order of ``keras.layers.MultiHeadAttention``
(query, key, value and output kernels and biases, with heads as a separate axis), so
``ours.set_weights(keras_layer.get_weights())`` gives two layers that compute the same
function; the tests check that to 1e-5.

For generation one token at a time, :meth:`MultiHeadAttention.call` accepts a *key/value
cache*: the projected keys and values of the earlier tokens, which never change once
computed. The new token's query then attends to them without recomputing them.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from seqbook._checks import require_positive

from seqbook.layers.transformer.scaled_dot_product import scaled_dot_product_attention

__all__ = ["MultiHeadAttention"]


def _positive(name: str, value: Any) -> int:
    require_positive(**{name: value})
    return value


def _causal(query_length: Any, key_length: Any, offset: Any) -> Any:
    """Causal mask ``[T, S]`` whose sizes may be tensors: key ``j`` allowed iff ``j <= i + offset``."""
    rows = ops.expand_dims(ops.arange(query_length, dtype="int32") + offset, -1)
    cols = ops.expand_dims(ops.arange(key_length, dtype="int32"), 0)
    return ops.greater_equal(rows, cols)


@keras.saving.register_keras_serializable(package="seqbook")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention: ``concat(head_1, ..., head_h) W_o`` with ``head_i = attention(Q W_q^i, K W_k^i, V W_v^i)``.

    Parameters
    ----------
    num_heads : int
        Number of heads ``h``.
    key_dim : int
        Size of each head's queries and keys.
    value_dim : int, optional
        Size of each head's values; defaults to ``key_dim``.
    dropout : float
        Dropout on the attention weights during training, in ``[0, 1)``.
    use_bias : bool
        Whether the four projections have biases.
    output_dim : int, optional
        Size of the output features; defaults to the query's last dimension.
    kernel_initializer, bias_initializer : str or keras.initializers.Initializer
        As in Keras' layer.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Notes
    -----
    Weights, in order: ``query_kernel [d_q, h, key_dim]``, ``query_bias [h, key_dim]``,
    ``key_kernel [d_k, h, key_dim]``, ``key_bias``, ``value_kernel [d_v, h, value_dim]``,
    ``value_bias``, ``output_kernel [h, value_dim, d_out]``, ``output_bias [d_out]``.

    A query with *no* allowed key (a padded position) gets zero attention weights, so its
    output is the output bias. Keras' fused path (used when it does not return the
    scores) averages over all keys instead; the two agree on every real position.

    Example
    -------
    >>> import numpy as np
    >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = np.zeros((3, 5, 8), "float32")
    >>> out, scores = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    >>> tuple(out.shape), tuple(scores.shape)
    ((3, 5, 8), (3, 2, 5, 5))
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_dim: int | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_heads = _positive("num_heads", num_heads)
        self.key_dim = _positive("key_dim", key_dim)
        self.value_dim = key_dim if value_dim is None else _positive("value_dim", value_dim)
        self.output_dim = None if output_dim is None else _positive("output_dim", output_dim)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1); got {dropout!r}")
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.dropout_layer = keras.layers.Dropout(self.dropout)
        self.supports_masking = True

    def _projection(self, name: str, shape: tuple) -> tuple[Any, Any]:
        kernel = self.add_weight(name=f"{name}_kernel", shape=shape, initializer=self.kernel_initializer)
        bias = None
        if self.use_bias:
            bias = self.add_weight(name=f"{name}_bias", shape=shape[1:], initializer=self.bias_initializer)
        return kernel, bias

    def build(self, query_shape: tuple, value_shape: tuple, key_shape: tuple | None = None) -> None:
        key_shape = value_shape if key_shape is None else key_shape
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3 or shape[-1] is None:
                raise ValueError(
                    f"{name} must have shape [batch, time, features] with known features; "
                    f"got {tuple(shape)}"
                )
        heads = self.num_heads
        self.query_kernel, self.query_bias = self._projection("query", (query_shape[-1], heads, self.key_dim))
        self.key_kernel, self.key_bias = self._projection("key", (key_shape[-1], heads, self.key_dim))
        self.value_kernel, self.value_bias = self._projection("value", (value_shape[-1], heads, self.value_dim))
        out = query_shape[-1] if self.output_dim is None else self.output_dim
        self.output_kernel = self.add_weight(
            name="output_kernel", shape=(heads, self.value_dim, out), initializer=self.kernel_initializer
        )
        self.output_bias = None
        if self.use_bias:
            self.output_bias = self.add_weight(name="output_bias", shape=(out,), initializer=self.bias_initializer)

    @staticmethod
    def _project(x: Any, kernel: Any, bias: Any) -> Any:
        y = ops.einsum("btd,dnh->btnh", x, ops.cast(kernel, x.dtype))
        return y if bias is None else y + ops.cast(bias, y.dtype)

    def project_key_value(self, key: Any, value: Any) -> tuple[Any, Any]:
        """Projected keys and values ``[batch, S, heads, dim]``: what a KV cache stores.

        Example
        -------
        >>> import numpy as np
        >>> mha = MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3)
        >>> x = np.ones((1, 5, 8), "float32")
        >>> _ = mha(x, x)  # build the weights
        >>> k, v = mha.project_key_value(x, x)
        >>> tuple(k.shape), tuple(v.shape)
        ((1, 5, 2, 4), (1, 5, 2, 3))
        """
        return (
            self._project(key, self.key_kernel, self.key_bias),
            self._project(value, self.value_kernel, self.value_bias),
        )

    def call(
        self,
        query: Any,
        value: Any,
        key: Any | None = None,
        query_mask: Any | None = None,
        value_mask: Any | None = None,
        key_mask: Any | None = None,
        attention_mask: Any | None = None,
        return_attention_scores: bool = False,
        training: bool | None = None,
        use_causal_mask: bool = False,
        cache: tuple[Any, Any] | None = None,
    ) -> Any:
        """Attend from ``query`` ``[B, T, d]`` to ``value`` (and ``key``) ``[B, S, d]``.

        Parameters
        ----------
        query, value, key
            As in ``keras.layers.MultiHeadAttention``; ``key`` defaults to ``value``.
        query_mask, value_mask, key_mask
            ``[B, T]`` / ``[B, S]`` padding masks; filled in by Keras from the inputs'
            Keras masks (``Embedding(mask_zero=True)``), or passed by hand.
        attention_mask : optional
            ``[B, T, S]`` or ``[T, S]`` bool, ``True`` = may attend. With a cache,
            ``S`` counts the cached keys too.
        return_attention_scores : bool
            Also return the weights ``[B, heads, T, S]``.
        use_causal_mask : bool
            Forbid attending to later positions. With a cache, the ``T`` queries are the
            positions right after the ``P`` cached ones.
        cache : tuple (keys, values), optional
            Projected keys and values of earlier positions, ``[B, P, heads, dim]`` each
            (``P`` may be 0: see :meth:`empty_cache`). When given, the layer returns the
            extended cache as its last output.

        Returns
        -------
        output, or (output, scores), or (output, cache), or (output, scores, cache)
        """
        if key is None:
            key = value
            key_mask = None  # the key is the value: one mask is enough
        query = ops.convert_to_tensor(query)
        q = self._project(query, self.query_kernel, self.query_bias)
        k, v = self.project_key_value(key, value)
        offset = 0
        if cache is not None:
            past_k, past_v = cache
            offset = ops.shape(past_k)[1]
            k = ops.concatenate([ops.cast(past_k, k.dtype), k], axis=1)
            v = ops.concatenate([ops.cast(past_v, v.dtype), v], axis=1)
            # Padding masks describe the new positions only; cached ones stay allowed.
            if value_mask is not None or key_mask is not None:
                past = ops.ones((ops.shape(past_k)[0], offset), "bool")
                value_mask = None if value_mask is None else ops.concatenate(
                    [past, ops.cast(value_mask, "bool")], axis=1)
                key_mask = None if key_mask is None else ops.concatenate(
                    [past, ops.cast(key_mask, "bool")], axis=1)

        masks = []
        if query_mask is not None:
            masks.append(ops.expand_dims(ops.cast(query_mask, "bool"), -1))  # [B, T, 1]
        for mask in (value_mask, key_mask):
            if mask is not None:
                masks.append(ops.expand_dims(ops.cast(mask, "bool"), -2))  # [B, 1, S]
        if use_causal_mask:
            masks.append(_causal(ops.shape(q)[1], ops.shape(k)[1], offset))  # [T, S]
        if attention_mask is not None:
            masks.append(ops.cast(attention_mask, "bool"))
        mask = None
        for m in masks:
            mask = m if mask is None else ops.logical_and(mask, m)
        if mask is not None:
            mask = ops.expand_dims(mask, -3)  # broadcast over heads: [..., 1, T, S]

        # [B, T, heads, dim] -> [B, heads, T, dim] so each head attends separately.
        out, weights = scaled_dot_product_attention(
            ops.transpose(q, (0, 2, 1, 3)),
            ops.transpose(k, (0, 2, 1, 3)),
            ops.transpose(v, (0, 2, 1, 3)),
            mask=mask,
            scale=1.0 / float(self.key_dim) ** 0.5,
        )
        if self.dropout > 0:
            # Dropout on the weights, as in Keras: recompute the weighted sum.
            out = ops.matmul(
                self.dropout_layer(weights, training=training), ops.transpose(v, (0, 2, 1, 3))
            )
        out = ops.einsum("bnth,nhd->btd", out, ops.cast(self.output_kernel, out.dtype))
        if self.output_bias is not None:
            out = out + ops.cast(self.output_bias, out.dtype)
        results = [out]
        if return_attention_scores:
            results.append(weights)
        if cache is not None:
            results.append((k, v))
        return results[0] if len(results) == 1 else tuple(results)

    def empty_cache(self, batch_size: int, dtype: str | None = None) -> tuple[Any, Any]:
        """A cache holding no positions yet: keys and values ``[batch_size, 0, heads, dim]``.

        Example
        -------
        >>> import numpy as np
        >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.ones((1, 3, 8), "float32")
        >>> full = mha(x, x, use_causal_mask=True)
        >>> cache = mha.empty_cache(1)
        >>> steps = []
        >>> for t in range(3):  # one token at a time
        ...     out, cache = mha(x[:, t:t + 1], x[:, t:t + 1], use_causal_mask=True, cache=cache)
        ...     steps.append(out)
        >>> bool(np.allclose(np.concatenate(steps, axis=1), full, atol=1e-5))
        True
        """
        _positive("batch_size", batch_size)
        dtype = dtype or self.compute_dtype
        return (
            ops.zeros((batch_size, 0, self.num_heads, self.key_dim), dtype),
            ops.zeros((batch_size, 0, self.num_heads, self.value_dim), dtype),
        )

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        out = query_shape[-1] if self.output_dim is None else self.output_dim
        return tuple(query_shape[:-1]) + (out,)

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False,
                            cache=None, **kwargs):
        out = query.shape[-1] if self.output_dim is None else self.output_dim
        output = keras.KerasTensor(tuple(query.shape[:-1]) + (out,), dtype=self.compute_dtype)
        results = [output]
        source = None if cache is not None else value.shape[1]
        if return_attention_scores:
            results.append(keras.KerasTensor(
                (query.shape[0], self.num_heads, query.shape[1], source), dtype=self.compute_dtype))
        if cache is not None:
            batch = query.shape[0]
            results.append((
                keras.KerasTensor((batch, None, self.num_heads, self.key_dim), dtype=self.compute_dtype),
                keras.KerasTensor((batch, None, self.num_heads, self.value_dim), dtype=self.compute_dtype),
            ))
        return results[0] if len(results) == 1 else tuple(results)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_dim": self.output_dim,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
