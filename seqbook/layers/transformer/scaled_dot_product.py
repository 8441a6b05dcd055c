"""Scaled dot-product attention, the operation at the heart of every Transformer.

For queries ``Q`` ``[..., T, d]``, keys ``K`` ``[..., S, d]`` and values ``V``
``[..., S, d_v]``::

    weights = softmax(Q K^T / sqrt(d))     # [..., T, S], each row sums to 1
    output  = weights V                    # [..., T, d_v]

A mask (``True`` = may attend) removes keys from a row before the softmax.
"""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

__all__ = ["masked_softmax", "scaled_dot_product_attention"]


def _large_negative(dtype: str) -> float:
    # Small enough that exp() underflows to 0, large enough to fit float16.
    return -3e4 if keras.backend.standardize_dtype(dtype) == "float16" else -1e9


def masked_softmax(scores: Any, mask: Any | None = None, axis: int = -1) -> Any:
    """Softmax over ``axis`` that gives masked-out entries exactly zero weight.

    Masked scores are replaced by a large negative number before the softmax, and the
    weights are multiplied by the mask afterwards, so a row with *no* allowed key (a
    padded query) gets all-zero weights rather than a uniform average over padding. This
    matches ``keras.layers.Softmax`` with a mask.

    Parameters
    ----------
    scores : Tensor
        Attention scores ``[..., T, S]``.
    mask : array-like of bool, optional
        Broadcastable to ``scores``; ``True`` keeps an entry.
    axis : int
        The axis to normalise (the keys).

    Returns
    -------
    Tensor
        The weights, the same shape as ``scores``.

    Example
    -------
    >>> w = masked_softmax([[0.0, 0.0, 5.0]], mask=[[True, True, False]])
    >>> keras.ops.convert_to_numpy(w).round(3).tolist()
    [[0.5, 0.5, 0.0]]
    """
    scores = ops.convert_to_tensor(scores)
    if mask is not None:
        mask = ops.cast(ops.convert_to_tensor(mask), "bool")
    if mask is not None and len(mask.shape) > len(scores.shape):
        raise ValueError(
            f"mask must broadcast to the scores' shape {tuple(scores.shape)}; "
            f"got shape {tuple(mask.shape)}"
        )
    if mask is not None:
        scores = ops.where(mask, scores, ops.cast(_large_negative(scores.dtype), scores.dtype))
    # softmax written out: subtracting the row maximum keeps exp() from overflowing.
    exp = ops.exp(scores - ops.stop_gradient(ops.max(scores, axis=axis, keepdims=True)))
    weights = exp / ops.sum(exp, axis=axis, keepdims=True)
    return weights if mask is None else ops.where(mask, weights, ops.zeros_like(weights))


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    mask: Any | None = None,
    scale: float | None = None,
) -> tuple[Any, Any]:
    """Attend from ``query`` to ``key``/``value``: ``softmax(Q K^T * scale) V``.

    Parameters
    ----------
    query : Tensor, shape ``[..., T, d]``
    key : Tensor, shape ``[..., S, d]``
    value : Tensor, shape ``[..., S, d_v]``
        Leading (batch, head) dimensions must agree or broadcast.
    mask : array-like of bool, optional
        Broadcastable to ``[..., T, S]``; ``True`` means query ``i`` may attend key ``j``.
        Rows with no allowed key produce zero weights and a zero output.
    scale : float, optional
        Multiplies the scores; defaults to ``1 / sqrt(d)``, which keeps the scores' variance
        near 1 when the entries of ``Q`` and ``K`` have unit variance.

    Returns
    -------
    output : Tensor, shape ``[..., T, d_v]``
    weights : Tensor, shape ``[..., T, S]``
        The attention weights; each unmasked row sums to 1.

    Example
    -------
    >>> import numpy as np
    >>> q = np.array([[[1.0, 0.0]]], "float32")            # one query
    >>> k = np.array([[[1.0, 0.0], [-1.0, 0.0]]], "float32")  # two keys
    >>> v = np.array([[[10.0], [20.0]]], "float32")
    >>> out, w = scaled_dot_product_attention(q, k, v, mask=[[[False, True]]])
    >>> float(keras.ops.convert_to_numpy(out)[0, 0, 0])
    20.0
    """
    query = ops.convert_to_tensor(query)
    key = ops.convert_to_tensor(key)
    value = ops.convert_to_tensor(value)
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if len(tensor.shape) < 2:
            raise ValueError(
                f"{name} must have shape [..., time, features]; got shape {tuple(tensor.shape)}"
            )
    if query.shape[-1] is not None and key.shape[-1] is not None and query.shape[-1] != key.shape[-1]:
        raise ValueError(
            "query and key must have the same last dimension; got "
            f"{query.shape[-1]} and {key.shape[-1]}"
        )
    if key.shape[-2] is not None and value.shape[-2] is not None and key.shape[-2] != value.shape[-2]:
        raise ValueError(
            "key and value must have the same length (axis -2); got "
            f"{key.shape[-2]} and {value.shape[-2]}"
        )
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2)) * ops.cast(scale, query.dtype)
    weights = masked_softmax(scores, mask)
    return ops.matmul(weights, value), weights
