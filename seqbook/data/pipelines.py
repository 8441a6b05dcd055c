"""Turn arrays into model-ready ``tf.data`` pipelines: windows, scaling, padding, buckets.

Two rules run through this module. Statistics (mean, standard deviation) come from the
training split only, so that nothing about the held-out period leaks into training. Splits of
a time series are chronological, never shuffled, for the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from seqbook._checks import finite_series


def _steps(value: int | float, name: str, smallest: int, length: int) -> int:
    """A split size as a number of steps: a count (int >= ``smallest``) or a fraction."""
    if isinstance(value, (float, np.floating)) and 0 < value < 1:
        return max(1, round(float(value) * length))  # a non-zero fraction keeps one step
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= smallest:
        return int(value)
    raise ValueError(
        f"{name} must be a count (an int >= {smallest}) or a fraction (a float strictly "
        f"between 0 and 1); got {value!r}"
    )


def chronological_split(
    series: np.ndarray | Sequence[float], test_size: int | float, val_size: int | float = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split a series in time order: train, then validation, then the final test period.

    Parameters
    ----------
    series : array of shape ``[T]`` or ``[T, features]``
    test_size, val_size : int or float
        The final time steps for the test period and the validation period before it: a
        count of steps (``test_size >= 1``, ``val_size >= 0``) or a fraction of ``T``
        strictly between 0 and 1, rounded to the nearest count and at least one step.

    Raises
    ------
    ValueError
        If a size is neither (a bool, a float outside (0, 1) such as ``2.0``, a negative
        number, a string, ``None``), or the sizes leave no training steps.

    Example
    -------
    >>> train, val, test = chronological_split(np.arange(10.0), test_size=2, val_size=3)
    >>> train.tolist(), val.tolist(), test.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0], [8.0, 9.0])
    >>> [len(part) for part in chronological_split(np.arange(100.0), 0.15, 0.15)]
    [70, 15, 15]
    """
    array = finite_series(series)
    test_steps = _steps(test_size, "test_size", 1, len(array))
    val_steps = _steps(val_size, "val_size", 0, len(array))
    if test_steps + val_steps >= len(array):
        raise ValueError(
            f"test_size + val_size must leave training data: {test_steps} + {val_steps} steps "
            f"of a series of length {len(array)}"
        )
    train_end = len(array) - test_steps - val_steps
    test_start = len(array) - test_steps
    return array[:train_end], array[train_end:test_start], array[test_start:]


class Standardizer:
    """Scale a series to zero mean and unit variance with statistics of the training split.

    Example
    -------
    >>> scaler = Standardizer().fit(np.array([1.0, 2.0, 3.0]))
    >>> [round(float(v), 4) for v in scaler.transform(np.array([2.0, 4.0]))]
    [0.0, 2.4495]
    >>> scaler.inverse_transform(scaler.transform(np.array([5.0]))).tolist()
    [5.0]
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, train: np.ndarray | Sequence[float]) -> "Standardizer":
        """Learn the per-feature mean and standard deviation of ``train``."""
        array = finite_series(train, "train")
        std = array.std(axis=0)
        if np.any(std == 0):
            raise ValueError("train has a constant feature (standard deviation 0); it cannot be scaled")
        self.mean_, self.std_ = array.mean(axis=0), std
        return self

    def _check_fitted(self) -> None:
        if self.mean_ is None:
            raise ValueError("this Standardizer is not fitted yet: call fit(train) first")

    def transform(self, series: np.ndarray | Sequence[float]) -> np.ndarray:
        """Scale with the training statistics."""
        self._check_fitted()
        return (finite_series(series) - self.mean_) / self.std_

    def inverse_transform(self, scaled: np.ndarray | Sequence[float]) -> np.ndarray:
        """Undo :meth:`transform`, for forecasts made in scaled units."""
        self._check_fitted()
        return np.asarray(scaled, dtype=np.float32) * self.std_ + self.mean_


def window_arrays(
    series: np.ndarray | Sequence[float], window: int, horizon: int = 1, target: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into (past ``window`` steps, next ``horizon`` steps) pairs.

    Parameters
    ----------
    series : array of shape ``[T]`` or ``[T, features]``
    window : int
        Number of past steps each input holds.
    horizon : int
        Number of future steps each target holds.
    target : int
        For a 2-D series, the feature column to forecast.

    Returns
    -------
    inputs : numpy.ndarray
        float32 ``[T - window - horizon + 1, window, features]`` (features is 1 for a 1-D series).
    targets : numpy.ndarray
        float32 ``[T - window - horizon + 1, horizon]``.

    Example
    -------
    >>> x, y = window_arrays(np.arange(6.0), window=3, horizon=2)
    >>> x[:, :, 0].tolist(), y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]])
    """
    array = finite_series(series)
    for name, value in (("window", window), ("horizon", horizon), ("target", target)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer; got {value!r}")
    if window < 1 or horizon < 1:
        raise ValueError(f"window and horizon must be >= 1; got window={window}, horizon={horizon}")
    if len(array) < window + horizon:
        raise ValueError(
            f"series of length {len(array)} is too short for window={window} + horizon={horizon}"
        )
    columns = array[:, None] if array.ndim == 1 else array
    if not 0 <= target < columns.shape[1]:
        raise ValueError(f"target must index one of {columns.shape[1]} features; got {target}")
    count = len(columns) - window - horizon + 1
    starts = np.arange(count)[:, None]
    inputs = columns[starts + np.arange(window)]
    targets = columns[starts + window + np.arange(horizon), target]
    return inputs.astype(np.float32), targets.astype(np.float32)


def windows(
    series: np.ndarray | Sequence[float],
    window: int,
    horizon: int = 1,
    batch_size: int = 32,
    shuffle: bool = False,
    seed: int = 0,
    drop_remainder: bool = False,
    target: int = 0,
) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of ``(inputs [b, window, features], targets [b, horizon])``.

    ``drop_remainder=True`` gives every batch the same static shape, which TPUs need.

    Example
    -------
    >>> ds = windows(np.arange(100.0), window=8, batch_size=16, drop_remainder=True)
    >>> [tuple(t.shape) for t in ds.element_spec]
    [(16, 8, 1), (16, 1)]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    inputs, targets = window_arrays(series, window, horizon, target)
    dataset = tf.data.Dataset.from_tensor_slices((inputs, targets))
    if shuffle:
        dataset = dataset.shuffle(len(inputs), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def bucket_by_length(
    sequences: Sequence[Sequence[int]],
    labels: np.ndarray | Sequence[int],
    boundaries: Sequence[int],
    batch_size: int,
    pad_to_boundary: bool = False,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Batch token-id sequences of similar length together, padding each batch with 0.

    A batch is padded only to its own longest sequence (or, with ``pad_to_boundary``, to its
    bucket's upper boundary minus one, a static shape per bucket, which TPUs need; every
    sequence must then be shorter than ``boundaries[-1]``), instead of to the longest
    sequence of the whole data set.

    Parameters
    ----------
    sequences : list of lists of int
        Token ids, 0 reserved for padding.
    labels : array of shape ``[n]``
    boundaries : increasing ints
        Bucket edges: lengths ``< boundaries[0]``, ``[boundaries[0], boundaries[1])``, ...
    batch_size : int

    Example
    -------
    >>> ds = bucket_by_length([[1], [2, 3], [4, 5, 6, 7]], [0, 1, 0], boundaries=[3], batch_size=2)
    >>> sorted(tuple(x.shape) for x, _ in ds)
    [(1, 4), (2, 2)]
    """
    if len(sequences) != len(labels):
        raise ValueError(f"sequences and labels differ in length: {len(sequences)} != {len(labels)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    if list(boundaries) != sorted(set(boundaries)) or not boundaries or boundaries[0] < 1:
        raise ValueError(f"boundaries must be strictly increasing positive ints; got {list(boundaries)}")
    lengths = np.array([len(s) for s in sequences], dtype=np.int32)
    if lengths.size == 0 or lengths.min() < 1:
        raise ValueError("sequences must be non-empty lists of token ids")
    # Slice each row of one padded array back to its own length: tf.data then sees plain
    # variable-length vectors, which bucketing re-pads batch by batch.
    padded = np.zeros((len(sequences), lengths.max()), dtype=np.int32)
    for row, tokens in enumerate(sequences):
        padded[row, : len(tokens)] = tokens
    dataset = tf.data.Dataset.from_tensor_slices((padded, lengths, np.asarray(labels)))
    dataset = dataset.map(lambda tokens, length, label: (tokens[:length], label))
    return dataset.bucket_by_sequence_length(
        element_length_func=lambda tokens, label: tf.shape(tokens)[0],
        bucket_boundaries=list(boundaries),
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        pad_to_bucket_boundary=pad_to_boundary,
        drop_remainder=drop_remainder,
    )


def padding_fraction(dataset: tf.data.Dataset) -> float:
    """Fraction of the token slots in a batched ``(tokens, labels)`` data set that are padding (0).

    Example
    -------
    >>> ds = tf.data.Dataset.from_tensors((tf.constant([[1, 0], [2, 3]]), tf.constant([0, 1])))
    >>> padding_fraction(ds)
    0.25
    """
    padded = total = 0
    for tokens, _ in dataset:
        tokens = tokens.numpy()
        padded += int((tokens == 0).sum())
        total += tokens.size
    if total == 0:
        raise ValueError("dataset is empty")
    return padded / total
