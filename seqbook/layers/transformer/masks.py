"""Attention masks, all with one convention: ``True`` (or 1) means *may attend*.

A mask for attention from ``T`` queries to ``S`` keys has shape ``[T, S]`` or
``[batch, T, S]``; entry ``[i, j]`` says whether query ``i`` may look at key ``j``. Masks
combine with a logical AND, so every rule (padding, causality, a local window) can only
take attention away, never add it back. The same convention is used by
``keras.layers.MultiHeadAttention`` (its ``attention_mask`` argument) and by every layer in
:mod:`seqbook.layers.transformer`.
"""

from __future__ import annotations

from typing import Any, Iterable

import keras
from keras import ops

__all__ = [
    "causal_mask",
    "combine_masks",
    "local_global_mask",
    "padding_attention_mask",
    "padding_mask",
]


def _check_count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}; got {value!r}")
    return value


def padding_mask(tokens: Any, pad_id: int = 0) -> Any:
    """Which positions hold real tokens: ``[batch, time]`` ids -> ``[batch, time]`` bool.

    Parameters
    ----------
    tokens : array-like of int, shape ``[batch, time]``
        Token ids, padded with ``pad_id``.
    pad_id : int
        The id used for padding.

    Returns
    -------
    Tensor of bool, shape ``[batch, time]``
        ``True`` at real tokens, ``False`` at padding.

    Example
    -------
    >>> keras.ops.convert_to_numpy(padding_mask([[5, 7, 0, 0]])).tolist()
    [[True, True, False, False]]
    """
    tokens = ops.convert_to_tensor(tokens)
    if len(tokens.shape) != 2:
        raise ValueError(f"tokens must have shape [batch, time]; got shape {tuple(tokens.shape)}")
    return ops.not_equal(tokens, ops.cast(pad_id, tokens.dtype))


def padding_attention_mask(query_mask: Any, key_mask: Any | None = None) -> Any:
    """Turn per-position padding masks into an attention mask ``[batch, T, S]``.

    Query ``i`` may attend key ``j`` when both are real tokens. This is what Keras'
    ``MultiHeadAttention`` builds from the Keras masks of its ``query`` and ``value``.

    Parameters
    ----------
    query_mask : array-like of bool, shape ``[batch, T]``
        ``True`` at real query positions.
    key_mask : array-like of bool, shape ``[batch, S]``, optional
        ``True`` at real key positions; defaults to ``query_mask`` (self-attention).

    Returns
    -------
    Tensor of bool, shape ``[batch, T, S]``

    Example
    -------
    >>> m = padding_attention_mask([[True, True, False]])
    >>> keras.ops.convert_to_numpy(m)[0].astype(int).tolist()
    [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    """
    query_mask = ops.cast(ops.convert_to_tensor(query_mask), "bool")
    key_mask = query_mask if key_mask is None else ops.cast(ops.convert_to_tensor(key_mask), "bool")
    for name, mask in (("query_mask", query_mask), ("key_mask", key_mask)):
        if len(mask.shape) != 2:
            raise ValueError(f"{name} must have shape [batch, time]; got shape {tuple(mask.shape)}")
    return ops.logical_and(ops.expand_dims(query_mask, -1), ops.expand_dims(key_mask, -2))


def causal_mask(query_length: int, key_length: int | None = None, offset: int = 0) -> Any:
    """Lower-triangular mask ``[T, S]``: query ``i`` may attend key ``j`` iff ``j <= i + offset``.

    With ``offset=0`` and ``T == S`` this is the usual decoder mask (no peeking at later
    tokens), the same as Keras' ``use_causal_mask=True``. During incremental decoding the
    ``T`` new queries come after ``offset`` cached keys, so ``S = offset + T`` and the
    mask is the bottom ``T`` rows of the full ``S x S`` mask.

    Parameters
    ----------
    query_length : int
        ``T``, the number of queries.
    key_length : int, optional
        ``S``, the number of keys; defaults to ``offset + query_length``.
    offset : int
        Absolute position of the first query (the number of earlier keys).

    Returns
    -------
    Tensor of bool, shape ``[T, S]``

    Example
    -------
    >>> keras.ops.convert_to_numpy(causal_mask(3)).astype(int).tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    >>> keras.ops.convert_to_numpy(causal_mask(1, offset=2)).astype(int).tolist()
    [[1, 1, 1]]
    """
    _check_count("query_length", query_length)
    _check_count("offset", offset, minimum=0)
    key_length = offset + query_length if key_length is None else key_length
    _check_count("key_length", key_length)
    rows = ops.expand_dims(ops.arange(query_length, dtype="int32") + offset, -1)
    cols = ops.expand_dims(ops.arange(key_length, dtype="int32"), 0)
    return ops.greater_equal(rows, cols)


def local_global_mask(
    length: int,
    radius: int,
    global_positions: Iterable[int] = (),
    causal: bool = False,
) -> Any:
    """Sliding-window attention plus a few global positions (Longformer / BigBird pattern).

    Every position attends to the positions at most ``radius`` steps away; each *global*
    position attends to every position and is attended to by every position. With ``g``
    global positions a row has at most ``2 * radius + 1 + g`` allowed keys, so the number
    of allowed pairs grows linearly with ``length`` instead of quadratically.

    Parameters
    ----------
    length : int
        Sequence length ``T`` (the mask is ``[T, T]``).
    radius : int
        One-sided window size (``0`` lets a position see only itself).
    global_positions : iterable of int
        Positions with global attention (for example a classification token at 0).
    causal : bool
        Also apply :func:`causal_mask` (keys after the query are never allowed).

    Returns
    -------
    Tensor of bool, shape ``[T, T]``

    Example
    -------
    >>> m = local_global_mask(5, radius=1, global_positions=[0])
    >>> keras.ops.convert_to_numpy(m).astype(int).tolist()
    [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 0, 1, 1, 1], [1, 0, 0, 1, 1]]
    """
    _check_count("length", length)
    _check_count("radius", radius, minimum=0)
    positions = sorted({int(p) for p in global_positions})
    if any(p < 0 or p >= length for p in positions):
        raise ValueError(
            f"global_positions must lie in [0, {length}); got {list(global_positions)!r}"
        )
    index = ops.arange(length, dtype="int32")
    distance = ops.abs(ops.expand_dims(index, -1) - ops.expand_dims(index, 0))
    mask = ops.less_equal(distance, radius)
    if positions:
        is_global = ops.any(
            ops.equal(ops.expand_dims(index, -1), ops.convert_to_tensor(positions, "int32")),
            axis=-1,
        )
        mask = ops.logical_or(
            mask, ops.logical_or(ops.expand_dims(is_global, -1), ops.expand_dims(is_global, 0))
        )
    if causal:
        mask = ops.logical_and(mask, causal_mask(length))
    return mask


def combine_masks(*masks: Any) -> Any | None:
    """Logical AND of any number of masks (``None`` entries are skipped), with broadcasting.

    Parameters
    ----------
    *masks : array-like of bool or None
        Masks broadcastable to one shape, for example a ``[batch, T, S]`` padding mask and
        a ``[T, S]`` causal mask.

    Returns
    -------
    Tensor of bool, or None when every mask is None

    Example
    -------
    >>> pad = padding_attention_mask([[True, True, False]])
    >>> both = combine_masks(pad, causal_mask(3), None)
    >>> keras.ops.convert_to_numpy(both)[0].astype(int).tolist()
    [[1, 0, 0], [1, 1, 0], [0, 0, 0]]
    """
    result = None
    for mask in masks:
        if mask is None:
            continue
        mask = ops.cast(ops.convert_to_tensor(mask), "bool")
        result = mask if result is None else ops.logical_and(result, mask)
    return result
