"""Sliding-window plus global attention computed block by block, in memory linear in length.

Full attention scores every query against every key: ``T^2`` numbers per head. With the
Longformer / BigBird pattern (:func:`~seqbook.layers.transformer.masks.local_global_mask`)
most of those scores are masked away anyway, so this function never computes them. It cuts
the sequence into blocks of ``radius`` positions; the queries of one block can only reach
keys in the same block and its two neighbours, plus the few global keys. Each block then
costs ``radius x (3 radius + g)`` scores, and the whole sequence ``O(T (radius + g))``.
The global positions themselves attend to every key (``g x T`` more scores).

The result equals :func:`scaled_dot_product_attention` with the mask
``local_global_mask(T, radius, global_positions, causal)``; the tests check it to 1e-5.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from keras import ops

from seqbook.layers.transformer.scaled_dot_product import masked_softmax

__all__ = ["local_global_attention"]


def local_global_attention(
    query: Any,
    key: Any,
    value: Any,
    radius: int,
    global_positions: Iterable[int] = (),
    causal: bool = False,
) -> Any:
    """Attention restricted to a window of ``radius`` on each side plus global positions.

    Parameters
    ----------
    query, key, value : Tensor, shape ``[..., T, d]`` (values ``[..., T, d_v]``)
        Self-attention inputs; ``T`` must be known. Leading dimensions (batch, heads) are
        kept.
    radius : int
        Query ``i`` sees keys ``j`` with ``|i - j| <= radius`` (and ``j <= i`` if causal).
    global_positions : iterable of int
        Positions that attend to, and are attended by, every position.
    causal : bool
        Also forbid attention to later positions.

    Returns
    -------
    Tensor, shape ``[..., T, d_v]``

    Example
    -------
    >>> import numpy as np
    >>> from seqbook.layers.transformer import local_global_mask, scaled_dot_product_attention
    >>> x = np.random.default_rng(0).normal(size=(2, 10, 4)).astype("float32")
    >>> fast = local_global_attention(x, x, x, radius=2, global_positions=[0])
    >>> full, _ = scaled_dot_product_attention(x, x, x, mask=local_global_mask(10, 2, [0]))
    >>> bool(np.allclose(fast, full, atol=1e-5))
    True
    """
    query, key, value = (ops.convert_to_tensor(t) for t in (query, key, value))
    if isinstance(radius, bool) or not isinstance(radius, int) or radius < 1:
        raise ValueError(f"radius must be a positive integer; got {radius!r}")
    length, depth = query.shape[-2], query.shape[-1]
    if length is None or len(query.shape) < 2:
        raise ValueError(f"query must have shape [..., T, d] with a known T; got {tuple(query.shape)}")
    if tuple(key.shape[-2:]) != (length, depth) or value.shape[-2] != length:
        raise ValueError(
            "key must have the query's shape [..., T, d] and value [..., T, d_v]; got "
            f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
        )
    positions = sorted({int(p) for p in global_positions})
    if any(p < 0 or p >= length for p in positions):
        raise ValueError(f"global_positions must lie in [0, {length}); got {positions!r}")

    lead = tuple(query.shape[:-2])
    q = ops.reshape(query, (-1, length, depth))
    k = ops.reshape(key, (-1, length, depth))
    v = ops.reshape(value, (-1, length, value.shape[-1]))
    scale = 1.0 / math.sqrt(depth)
    w = radius
    blocks = -(-length // w)  # ceil
    pad = blocks * w - length

    # Query blocks [N, n, w, d]; key/value windows = previous, own and next block [N, n, 3w, d].
    qb = ops.reshape(ops.pad(q, ((0, 0), (0, pad), (0, 0))), (-1, blocks, w, depth))

    def windows(x):
        xb = ops.reshape(ops.pad(x, ((0, 0), (w, pad + w), (0, 0))), (-1, blocks + 2, w, x.shape[-1]))
        return ops.concatenate([xb[:, :-2], xb[:, 1:-1], xb[:, 2:]], axis=2)

    kw, vw = windows(k), windows(v)
    q_pos = ops.reshape(ops.arange(blocks * w, dtype="int32"), (blocks, w, 1))
    k_pos = ops.reshape(
        ops.arange(blocks, dtype="int32")[:, None] * w - w + ops.arange(3 * w, dtype="int32")[None],
        (blocks, 1, 3 * w),
    )
    local_ok = (ops.abs(q_pos - k_pos) <= w) & (k_pos >= 0) & (k_pos < length)
    if causal:
        local_ok = local_ok & (k_pos <= q_pos)
    scores = ops.einsum("bnqd,bnkd->bnqk", qb, kw) * scale  # [N, n, w, 3w]
    if positions:
        g_pos = ops.convert_to_tensor(positions, "int32")
        # A global key inside the window is scored once, through the global part.
        local_ok = local_ok & ops.logical_not(
            ops.any(ops.equal(k_pos[..., None], g_pos), axis=-1))
        kg, vg = ops.take(k, g_pos, axis=1), ops.take(v, g_pos, axis=1)  # [N, g, d]
        g_scores = ops.einsum("bnqd,bgd->bnqg", qb, kg) * scale
        g_ok = ops.ones((blocks, w, len(positions)), "bool")
        if causal:
            g_ok = g_pos[None, None, :] <= q_pos
        weights = masked_softmax(
            ops.concatenate([scores, g_scores], -1), ops.concatenate([local_ok, g_ok], -1))
        out = (ops.einsum("bnqk,bnkd->bnqd", weights[..., : 3 * w], vw)
               + ops.einsum("bnqg,bgd->bnqd", weights[..., 3 * w:], vg))
    else:
        out = ops.einsum("bnqk,bnkd->bnqd", masked_softmax(scores, local_ok), vw)
    out = ops.reshape(out, (-1, blocks * w, value.shape[-1]))[:, :length]

    if positions:
        # Global queries attend to every (earlier, if causal) key: g x T more scores.
        qg = ops.take(q, g_pos, axis=1)
        g_scores = ops.einsum("bgd,btd->bgt", qg, k) * scale
        g_rows_ok = None
        if causal:
            g_rows_ok = ops.arange(length, dtype="int32")[None, :] <= g_pos[:, None]
        out_g = ops.einsum("bgt,btd->bgd", masked_softmax(g_scores, g_rows_ok), v)
        one_hot = ops.one_hot(g_pos, length, dtype=out.dtype)  # [g, T]
        keep = 1.0 - ops.sum(one_hot, axis=0)  # 0 at global rows
        out = out * keep[None, :, None] + ops.einsum("gt,bgd->btd", one_hot, out_g)
    return ops.reshape(out, lead + (length, value.shape[-1]))
