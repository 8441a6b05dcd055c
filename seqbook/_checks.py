"""Input checks shared by every part of the package (layers, models, data).

Each raises ``ValueError`` naming the argument, what was expected and what was given, so
that every public function fails the same clear way on bad input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["finite_series", "require_positive", "require_rate"]


def require_positive(**values: int) -> None:
    """Raise ``ValueError`` naming the first argument that is not a positive integer.

    Example
    -------
    >>> require_positive(units=4, layers=0)
    Traceback (most recent call last):
    ...
    ValueError: layers must be a positive integer; got 0
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


def require_rate(**values: float) -> None:
    """Raise ``ValueError`` naming the first argument that is not a number in ``[0, 1)``.

    For dropout rates: 1 would drop everything.

    Example
    -------
    >>> require_rate(dropout=1.0)
    Traceback (most recent call last):
    ...
    ValueError: dropout must be a number in [0, 1); got 1.0
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise ValueError(f"{name} must be a number in [0, 1); got {value!r}")


def finite_series(
    series: np.ndarray | Sequence[float], name: str = "series", dtype: str = "float32"
) -> np.ndarray:
    """Check a 1-D ``[T]`` or 2-D ``[T, features]`` series with no NaN or inf; return it.

    Example
    -------
    >>> finite_series([1.0, 2.0], dtype="float64").dtype
    dtype('float64')
    >>> finite_series([1.0, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: series holds 1 NaN or infinite values; fill or drop them first
    """
    array = np.asarray(series, dtype=dtype)
    if array.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D [time] or 2-D [time, features]; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} holds {bad} NaN or infinite values; fill or drop them first")
    return array
