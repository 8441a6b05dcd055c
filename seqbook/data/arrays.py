"""A finite ``tf.data.Dataset`` read whole into NumPy, and array lengths cut to whole batches.

The chapters train on arrays small enough to hold in memory; these helpers replace the
``list(ds.as_numpy_iterator())`` and ``len(x) // 62 * 62`` lines they used to repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from seqbook import runtime
from seqbook._checks import require_positive

__all__ = ["to_numpy", "trim_to_batches", "whole_batches"]

_CHUNK = 4096  # elements per batch on the fast path: few Python steps, modest memory


def _text(value: Any) -> Any:
    """Decode a ``bytes`` scalar, or an array of them, to ``str`` (nested lists for arrays)."""
    if isinstance(value, np.ndarray):
        return _text(value.item()) if value.ndim == 0 else [_text(item) for item in value]
    return value.decode("utf-8")


def _empty(spec: tf.TensorSpec) -> np.ndarray:
    shape = tuple(0 if size is None else size for size in spec.shape)
    return np.zeros((0, *shape), dtype=spec.dtype.as_numpy_dtype)


def _stacked(batches: list[np.ndarray], spec: tf.TensorSpec) -> np.ndarray | list:
    """One leaf read in batches of a static shape: concatenate (strings: decode)."""
    if spec.dtype == tf.string:
        return [_text(value) for batch in batches for value in batch]
    return np.concatenate(batches) if batches else _empty(spec)


def _rows(values: list[np.ndarray], spec: tf.TensorSpec) -> np.ndarray | list:
    """One leaf read element by element: stack when the shapes agree, else keep a list."""
    if spec.dtype == tf.string:
        return [_text(value) for value in values]
    if not values:
        return _empty(spec)
    if len({value.shape for value in values}) == 1:
        return np.stack(values)
    return list(values)


def to_numpy(dataset: tf.data.Dataset) -> Any:
    """Read a whole finite data set of unbatched elements into NumPy.

    Parameters
    ----------
    dataset : tf.data.Dataset
        Finite, with dense (not ragged or sparse) elements: a dict, a tuple or one tensor.

    Returns
    -------
    The structure of one element, each leaf holding all elements in order:

    * numbers: one stacked ``np.ndarray`` ``[n, ...]`` when every element has the same
      shape, else a list of ``n`` arrays (variable-length sequences);
    * strings: a list of ``n`` Python ``str`` (decoded UTF-8); a string tensor of higher
      rank becomes nested lists of ``str``.

    Raises
    ------
    TypeError
        If ``dataset`` is not a ``tf.data.Dataset`` or has ragged or sparse elements.
    ValueError
        If ``dataset`` is infinite (``repeat()`` with no count). A data set whose length
        TensorFlow cannot know (after ``filter``) is read to its end.

    Example
    -------
    >>> ds = tf.data.Dataset.from_tensor_slices(
    ...     {"x": np.arange(6.0).reshape(3, 2), "name": ["a", "b", "c"]})
    >>> rows = to_numpy(ds)
    >>> rows["x"].shape, rows["name"]
    ((3, 2), ['a', 'b', 'c'])
    >>> ragged = tf.data.Dataset.range(1, 4).map(tf.range)
    >>> [part.tolist() for part in to_numpy(ragged)]
    [[0], [0, 1], [0, 1, 2]]
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(f"dataset must be a tf.data.Dataset; got {type(dataset).__name__}")
    if int(dataset.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
        raise ValueError("dataset must be finite; got an infinite one (repeat() without a count?)")
    specs = tf.nest.flatten(dataset.element_spec)
    if not all(isinstance(spec, tf.TensorSpec) for spec in specs):
        kinds = sorted({type(spec).__name__ for spec in specs})
        raise TypeError(f"dataset elements must be dense tensors (TensorSpec); got {kinds}")
    columns: list[list[np.ndarray]] = [[] for _ in specs]
    if all(spec.shape.is_fully_defined() for spec in specs):
        # One static shape for every element: read big batches, far fewer Python steps.
        for batch in dataset.batch(_CHUNK).as_numpy_iterator():
            for column, part in zip(columns, tf.nest.flatten(batch)):
                column.append(part)
        leaves = [_stacked(column, spec) for column, spec in zip(columns, specs)]
    else:
        for element in dataset.as_numpy_iterator():
            for column, value in zip(columns, tf.nest.flatten(element)):
                column.append(np.asarray(value))
        leaves = [_rows(column, spec) for column, spec in zip(columns, specs)]
    return tf.nest.pack_sequence_as(dataset.element_spec, leaves)


def whole_batches(count: int, batch_size: int, strategy: Any = None) -> int:
    """The most examples, at most ``count``, that fill whole batches of ``batch_size``.

    ``batch_size`` is the global batch, the one given to ``model.fit``: Keras splits it
    evenly over the replicas of ``strategy``, so it must be a multiple of their number.
    Cutting a training set to whole batches keeps every step's shape static (TPUs need it)
    and every replica equally loaded.

    Parameters
    ----------
    count : int
        Examples available.
    batch_size : int
        Examples per training step, over all replicas.
    strategy : tf.distribute.Strategy or seqbook.runtime.JaxStrategy, optional
        Defaults to the current one (:func:`seqbook.runtime.replicas`).

    Returns
    -------
    int
        ``count // batch_size * batch_size``.

    Raises
    ------
    ValueError
        If ``batch_size`` is not a positive multiple of the replica count, or ``count`` is not
        an integer of at least one batch.

    Example
    -------
    >>> whole_batches(1000, batch_size=31)  # one replica: 32 batches of 31
    992
    """
    require_positive(batch_size=batch_size)
    replicas = runtime.replicas(strategy)
    if batch_size % replicas:
        raise ValueError(
            f"batch_size must be a multiple of the {replicas} replicas, so that each gets an "
            f"equal share; got {batch_size}"
        )
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < batch_size:
        raise ValueError(
            f"count must be an integer of at least one batch ({batch_size}); got {count!r}"
        )
    return int(count) // batch_size * batch_size


def trim_to_batches(
    *arrays: Any, batch_size: int, strategy: Any = None, keep: str = "first"
) -> Any:
    """Cut arrays that share their first dimension to :func:`whole_batches` of it.

    Parameters
    ----------
    *arrays : arrays or lists
        One or more, all of the same length (e.g. inputs and targets).
    batch_size, strategy
        As in :func:`whole_batches`.
    keep : {"first", "last"}
        Which rows to keep: ``"last"`` keeps the newest windows of a time series.

    Returns
    -------
    The one array cut, or a tuple of the arrays cut, in the order given.

    Raises
    ------
    ValueError
        If no arrays are given, their lengths differ, they hold less than one batch, or
        ``keep`` is neither ``"first"`` nor ``"last"``.

    Example
    -------
    >>> x, y = trim_to_batches(np.zeros((100, 3)), np.arange(100), batch_size=32)
    >>> x.shape, y.shape
    ((96, 3), (96,))
    >>> trim_to_batches(np.arange(10), batch_size=4, keep="last").tolist()
    [2, 3, 4, 5, 6, 7, 8, 9]
    """
    if keep not in ("first", "last"):
        raise ValueError(f"keep must be 'first' or 'last'; got {keep!r}")
    if not arrays:
        raise ValueError("trim_to_batches needs at least one array; got none")
    lengths = [len(array) for array in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"arrays must share their first dimension; got lengths {lengths}")
    usable = whole_batches(lengths[0], batch_size, strategy)
    rows = slice(0, usable) if keep == "first" else slice(lengths[0] - usable, lengths[0])
    cut = tuple(array[rows] for array in arrays)
    return cut[0] if len(cut) == 1 else cut
