"""Attention written out by hand: additive (Bahdanau) and multiplicative (Luong) scores.

Both layers take a ``query`` ``[batch, Tq, dq]`` (one row per decoder step), a ``value``
``[batch, Tv, dv]`` (one row per encoder step) and an optional ``key`` ``[batch, Tv, dk]``
(the ``value`` when left out), and return a pair ``(context, weights)``::

    scores[b, i, j]  = score(query[b, i], key[b, j])           [batch, Tq, Tv]
    weights[b, i, :] = softmax(scores[b, i, :]) over unmasked j  [batch, Tq, Tv]
    context[b, i]    = sum_j weights[b, i, j] * value[b, j]       [batch, Tq, dv]

Unlike Keras' layers, which take ``[query, value, key]`` as one list and return the weights
only with ``return_attention_scores=True``, these take the tensors as separate arguments and
*always* return the weights: the weights are what the book draws.

Masks
-----
``mask`` is either a value mask ``[batch, Tv]`` (``True`` where a position may be attended
to) or a list ``[query_mask, value_mask]`` as Keras' ``Attention`` takes it (either may be
``None``). Masks that Keras attaches to tensors (``Embedding(mask_zero=True)`` and the layers
after it) arrive on their own as ``query_mask`` and ``value_mask``. A masked value position
gets weight exactly 0. A masked query row gets a zero context vector, as in Keras. A row in
which *every* value position is masked gets uniform weights, as in Keras (masking subtracts
a large constant from the scores rather than setting them to minus infinity, which would
give 0/0).

How they correspond to Keras' layers
------------------------------------
* :class:`BahdanauAttention` scores ``v . tanh(q W_q + k W_k)``. ``keras.layers.
  AdditiveAttention`` has no projections: it scores ``scale . tanh(q + k)``. With
  ``W_q = W_k = I`` (``units = dq = dk``) and ``v`` = Keras' ``scale`` the two are equal
  (``v`` = ones for ``use_scale=False``). ``keras.layers.Attention(score_mode="concat")``
  scores ``c * sum(tanh(s (q + k)))``: that is ``W_q = W_k = s I`` and ``v = c`` ones.
* :class:`LuongAttention` with ``score="dot"`` scores ``s * q . k`` (``s`` a learned scalar
  with ``use_scale=True``, else 1): exactly ``keras.layers.Attention(score_mode="dot")``
  with the same ``use_scale``. ``score="general"`` scores ``s * q W k``, which is Keras'
  ``Attention`` applied to the projected query ``q W``.

The tests check each of these equalities with copied weights to 1e-5.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

__all__ = ["BahdanauAttention", "LuongAttention"]

Initializer = Any  # a name such as "glorot_uniform", or a keras.initializers.Initializer

LUONG_SCORES = ("dot", "general")


def _width(shape: Any, name: str) -> int | None:
    if shape is None or len(shape) != 3:
        given = None if shape is None else tuple(shape)
        raise ValueError(
            f"{name} must have rank 3, [batch, steps, features]; got shape {given}"
        )
    return shape[-1]


def _check_shapes(query: Any, value: Any, key: Any) -> None:
    """Rank 3 everywhere, one batch size, and as many keys as values (where known)."""
    shapes = {"query": query.shape, "value": value.shape, "key": key.shape}
    for name, shape in shapes.items():
        _width(shape, name)
    batches = {name: shape[0] for name, shape in shapes.items() if shape[0] is not None}
    if len(set(batches.values())) > 1:
        raise ValueError(
            "query, value and key must have the same batch size; got "
            + ", ".join(f"{name} {size}" for name, size in batches.items())
        )
    if None not in (key.shape[1], value.shape[1]) and key.shape[1] != value.shape[1]:
        raise ValueError(
            "key and value must have the same number of steps Tv; got key "
            f"{key.shape[1]} and value {value.shape[1]}"
        )


def _split_mask(mask: Any, query_mask: Any, value_mask: Any) -> tuple[Any, Any]:
    """Read ``mask`` (a value mask, or ``[query_mask, value_mask]``) next to the named ones."""
    if mask is None:
        return query_mask, value_mask
    if isinstance(mask, (list, tuple)):
        if len(mask) != 2:
            raise ValueError(
                f"mask must be a value mask [batch, Tv] or a list [query_mask, value_mask]; "
                f"got a list of {len(mask)}"
            )
        explicit_query, explicit_value = mask
    else:
        explicit_query, explicit_value = None, mask

    def both(first: Any, second: Any) -> Any:
        if first is None or second is None:
            return second if first is None else first
        return ops.logical_and(ops.cast(first, "bool"), ops.cast(second, "bool"))

    return both(explicit_query, query_mask), both(explicit_value, value_mask)


def _check_mask(mask: Any, name: str, like: Any, steps_name: str) -> Any:
    if mask is None:
        return None
    mask = ops.convert_to_tensor(mask)
    expected = (like.shape[0], like.shape[1])
    if len(mask.shape) != 2 or any(
        m is not None and e is not None and m != e for m, e in zip(mask.shape, expected)
    ):
        raise ValueError(
            f"{name} must have shape [batch, {steps_name}] = {expected}; "
            f"got {tuple(mask.shape)}"
        )
    return ops.cast(mask, "bool")


def _attend(
    scores: Any, value: Any, query_mask: Any, value_mask: Any
) -> tuple[Any, Any]:
    """Masked softmax over the value axis, then the weighted sum of the values."""
    if value_mask is not None:
        # A large negative number rather than -inf: exp() of it is exactly 0, and a row with
        # every position masked stays finite (uniform). 65504 is float16's largest value.
        big = 65504.0 if scores.dtype == "float16" else 1.0e9
        scores = ops.where(ops.expand_dims(value_mask, axis=-2), scores, scores - big)
    weights = ops.softmax(scores, axis=-1)
    context = ops.matmul(weights, value)
    if query_mask is not None:
        context = ops.where(ops.expand_dims(query_mask, axis=-1), context, 0.0)
    return context, weights


class _Attention(keras.layers.Layer):
    """What both layers share: input checks, masks, the softmax and the weighted sum."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def scores(self, query: Any, key: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def call(
        self,
        query: Any,
        value: Any,
        key: Any = None,
        mask: Any = None,
        query_mask: Any = None,
        value_mask: Any = None,
    ) -> tuple[Any, Any]:
        query = ops.convert_to_tensor(query, dtype=self.compute_dtype)
        value = ops.convert_to_tensor(value, dtype=self.compute_dtype)
        key = value if key is None else ops.convert_to_tensor(key, dtype=self.compute_dtype)
        _check_shapes(query, value, key)
        query_mask, value_mask = _split_mask(mask, query_mask, value_mask)
        query_mask = _check_mask(query_mask, "query_mask", query, "Tq")
        value_mask = _check_mask(value_mask, "value_mask", value, "Tv")
        return _attend(self.scores(query, key), value, query_mask, value_mask)

    def compute_mask(self, query: Any, previous_mask: Any = None) -> Any:
        # The context keeps the query's mask (one row per query step); the weights get none.
        return [previous_mask, None]


@keras.saving.register_keras_serializable(package="seqbook")
class BahdanauAttention(_Attention):
    """Additive attention: ``score(q, k) = v . tanh(q W_q + k W_k)`` (Bahdanau et al., 2014).

    The query and the key are each projected to ``units`` dimensions, added, squashed by
    ``tanh`` and reduced to one number by the vector ``v``: a one-hidden-layer network that
    scores how well key ``j`` fits query ``i``. The query and key may have different widths.

    Parameters
    ----------
    units : int
        Width of the hidden layer (the size of ``v``).
    kernel_initializer : str or Initializer
        Initializer of ``W_q`` (``query_kernel``, ``[dq, units]``) and ``W_k``
        (``key_kernel``, ``[dk, units]``).
    score_initializer : str or Initializer
        Initializer of ``v`` (``score_vector``, ``[units]``).
    **kwargs
        Passed to ``keras.layers.Layer``.

    Notes
    -----
    Call the layer as ``context, weights = layer(query, value, key=None, mask=None)`` with
    ``query`` ``[batch, Tq, dq]``, ``value`` ``[batch, Tv, dv]`` and ``key``
    ``[batch, Tv, dk]`` (``value`` when left out). ``mask`` is a value mask ``[batch, Tv]``
    or a list ``[query_mask, value_mask]``; masks that Keras carries with the tensors are
    used too. ``context`` is ``[batch, Tq, dv]`` and ``weights`` ``[batch, Tq, Tv]``: each
    row of weights sums to 1 over the unmasked positions and is 0 on the masked ones, and a
    masked query row gets a zero context.

    Example
    -------
    >>> import numpy as np
    >>> attention = BahdanauAttention(8)
    >>> query = np.zeros((2, 3, 4), "float32")
    >>> value = np.ones((2, 5, 6), "float32")
    >>> context, weights = attention(query, value)
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 3, 6), (2, 3, 5))
    >>> np.asarray(weights, "float64").sum(axis=-1).round(6).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    def __init__(
        self,
        units: int,
        kernel_initializer: Initializer = "glorot_uniform",
        score_initializer: Initializer = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"units must be a positive integer; got {units!r}")
        self.units = units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.score_initializer = keras.initializers.get(score_initializer)

    def build(self, query_shape: tuple, value_shape: tuple, key_shape: Any = None) -> None:
        query_width = _width(query_shape, "query")
        key_width = _width(value_shape if key_shape is None else key_shape, "key")
        if query_width is None or key_width is None:
            raise ValueError(
                "the last axis of query and key must be known to build BahdanauAttention; "
                f"got query width {query_width} and key width {key_width}"
            )
        self.query_kernel = self.add_weight(
            shape=(query_width, self.units),
            initializer=self.kernel_initializer,
            name="query_kernel",
        )
        self.key_kernel = self.add_weight(
            shape=(key_width, self.units),
            initializer=self.kernel_initializer,
            name="key_kernel",
        )
        self.score_vector = self.add_weight(
            shape=(self.units,), initializer=self.score_initializer, name="score_vector"
        )

    def scores(self, query: Any, key: Any) -> Any:
        """The additive scores ``[batch, Tq, Tv]`` before masking and softmax."""
        projected_query = ops.matmul(query, self.query_kernel)  # [B, Tq, units]
        projected_key = ops.matmul(key, self.key_kernel)  # [B, Tv, units]
        # Every query row against every key row: [B, Tq, 1, units] + [B, 1, Tv, units].
        hidden = ops.tanh(
            ops.expand_dims(projected_query, axis=2) + ops.expand_dims(projected_key, axis=1)
        )
        return ops.sum(hidden * self.score_vector, axis=-1)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "score_initializer": keras.initializers.serialize(self.score_initializer),
        }


@keras.saving.register_keras_serializable(package="seqbook")
class LuongAttention(_Attention):
    """Multiplicative attention: ``score(q, k) = s * q . k`` or ``s * q W k`` (Luong et al., 2015).

    ``"dot"`` compares query and key directly, so they must have the same width; ``"general"``
    puts a learned matrix ``W`` (``[dq, dk]``) between them, so the widths may differ. ``s``
    is a learned scalar (starting at 1) with ``use_scale=True`` and the constant 1 otherwise.

    Parameters
    ----------
    score : {"dot", "general"}
        The score function.
    use_scale : bool
        Learn the scalar ``s`` (as ``keras.layers.Attention(use_scale=True)`` does).
    kernel_initializer : str or Initializer
        Initializer of ``W`` (``kernel``) for ``"general"``.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Notes
    -----
    Called like :class:`BahdanauAttention`: ``context, weights = layer(query, value,
    key=None, mask=None)``.

    Example
    -------
    >>> import numpy as np
    >>> query = np.array([[[1.0, 0.0]]], "float32")  # one query, pointing along x
    >>> keys = np.array([[[5.0, 0.0], [0.0, 5.0], [-5.0, 0.0]]], "float32")
    >>> context, weights = LuongAttention("dot")(query, keys)
    >>> np.asarray(weights, "float64").round(3).tolist()  # nearly all on the matching key
    [[[0.993, 0.007, 0.0]]]
    """

    def __init__(
        self,
        score: str = "dot",
        use_scale: bool = False,
        kernel_initializer: Initializer = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if score not in LUONG_SCORES:
            raise ValueError(f"score must be one of {LUONG_SCORES}; got {score!r}")
        if not isinstance(use_scale, bool):
            raise ValueError(f"use_scale must be True or False; got {use_scale!r}")
        self.score = score
        self.use_scale = use_scale
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, query_shape: tuple, value_shape: tuple, key_shape: Any = None) -> None:
        query_width = _width(query_shape, "query")
        key_width = _width(value_shape if key_shape is None else key_shape, "key")
        if self.score == "dot":
            if None not in (query_width, key_width) and query_width != key_width:
                raise ValueError(
                    "score='dot' needs query and key of the same width; got query width "
                    f"{query_width} and key width {key_width} (use score='general')"
                )
        else:
            if query_width is None or key_width is None:
                raise ValueError(
                    "the last axis of query and key must be known for score='general'; "
                    f"got query width {query_width} and key width {key_width}"
                )
            self.kernel = self.add_weight(
                shape=(query_width, key_width),
                initializer=self.kernel_initializer,
                name="kernel",
            )
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def scores(self, query: Any, key: Any) -> Any:
        """The multiplicative scores ``[batch, Tq, Tv]`` before masking and softmax."""
        if self.score == "general":
            query = ops.matmul(query, self.kernel)
        elif query.shape[-1] != key.shape[-1]:
            raise ValueError(
                "score='dot' needs query and key of the same width; got query width "
                f"{query.shape[-1]} and key width {key.shape[-1]} (use score='general')"
            )
        scores = ops.matmul(query, ops.swapaxes(key, -1, -2))
        if self.use_scale:
            scores = scores * self.scale
        return scores

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "score": self.score,
            "use_scale": self.use_scale,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
