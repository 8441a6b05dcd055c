"""Dynamic time warping (DTW) between series, for nearest-neighbour classification.

With the local cost ``c(i, j) = ||a_i - b_j||^2``, DTW fills the table

    D(i, j) = c(i, j) + min(D(i-1, j), D(i, j-1), D(i-1, j-1)),   D(0, 0) = c(0, 0)

and ``D(len(a) - 1, len(b) - 1)`` is the cost of the cheapest monotone alignment of the two
series (Sakoe & Chiba 1978). A Sakoe-Chiba band of half-width ``w`` keeps only cells with
``|i - j| <= w``: faster, and alignments cannot stretch a step over the whole series.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from seqbook._checks import finite_series

__all__ = ["dtw_distance", "dtw_distances"]


def _series_list(values: Any, name: str) -> list[np.ndarray]:
    """Check a non-empty list of series of one feature count; return them as ``[T, f]``.

    float32 series stay float32 (half the memory traffic, the speed of the book's data
    sets); anything else is computed in float64.
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list of series; got {values!r:.60}")
    series = []
    for index, value in enumerate(values):
        dtype = "float32" if getattr(value, "dtype", None) == np.float32 else "float64"
        array = finite_series(value, f"{name}[{index}]", dtype=dtype)
        if len(array) == 0:
            raise ValueError(f"{name}[{index}] must hold at least one time step; got none")
        series.append(array[:, None] if array.ndim == 1 else array)
    features = {array.shape[1] for array in series}
    if len(features) != 1:
        raise ValueError(
            f"{name} must all have the same number of features; got {sorted(features)}"
        )
    return series


def _pad(series: list[np.ndarray]) -> np.ndarray:
    """Stack series of different lengths ``[n, T_max, f]`` (zeros after each end: never read)."""
    dtype = np.result_type(*series)
    out = np.zeros((len(series), max(map(len, series)), series[0].shape[1]), dtype)
    for row, array in enumerate(series):
        out[row, : len(array)] = array
    return out


def dtw_distances(
    queries: Sequence[Any], references: Sequence[Any], window: int | None = None
) -> np.ndarray:
    """DTW distance between every query and every reference series.

    The recursion runs over the steps once for all pairs: row ``i`` of the table is
    computed for every ``(query, reference)`` pair at once, so each NumPy operation acts
    on a ``[queries, references]`` array. Series are padded to the longest; a pair's
    distance is read at the row and column where its own two series end.

    Parameters
    ----------
    queries, references : lists of series
        Each series ``[T]`` or ``[T, features]`` (lengths may differ; the feature count
        must not). A 2-D array ``[n, T]`` or 3-D ``[n, T, features]`` is a list of ``n``.
    window : int, optional
        Sakoe-Chiba band half-width in steps (``|i - j| <= window``); ``None`` for no band.
        With a band, two series whose lengths differ by more than ``window`` cannot be
        aligned: their distance is ``inf``.

    Returns
    -------
    numpy.ndarray
        ``[len(queries), len(references)]``, summed squared Euclidean costs: float32 when
        every series is a float32 array (as the data sets give them: twice as fast), else
        float64.

    Example
    -------
    >>> dtw_distances([[0.0, 1.0, 2.0]], [[0.0, 1.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    array([[0., 5.]])
    """
    integer = isinstance(window, (int, np.integer)) and not isinstance(window, bool)
    if window is not None and not (integer and window >= 0):
        raise ValueError(f"window must be None or an integer >= 0; got {window!r}")
    q_series, r_series = _series_list(queries, "queries"), _series_list(references, "references")
    if q_series[0].shape[1] != r_series[0].shape[1]:
        raise ValueError(
            "queries and references must have the same number of features; got "
            f"{q_series[0].shape[1]} and {r_series[0].shape[1]}"
        )
    q, r = _pad(q_series), _pad(r_series)
    dtype = np.result_type(q, r)  # float32 only when both sides are
    q, r = q.astype(dtype, copy=False), r.astype(dtype, copy=False)
    q_end = np.array([len(s) for s in q_series])
    r_end = np.array([len(s) for s in r_series])  # column of D(., T_b - 1), shifted by one
    # Pairs are laid out [reference, query]: the cross term of the squared distances then
    # comes out of one einsum per row in that layout, contiguous for the loop.
    r_steps = np.ascontiguousarray(r.transpose(1, 0, 2))  # [T_r, references, features]
    sq_q, sq_r = (q**2).sum(-1), (r**2).sum(-1).T[:, :, None]  # [queries, T_q], [T_r, refs, 1]
    band = max(q.shape[1], r.shape[1]) if window is None else int(window)
    # prev[j + 1] holds D(i - 1, j) for every pair; prev[0] is the border column. Two
    # buffers take turns: the band only moves right, so only the cells just left of it
    # can hold values from two rows before.
    prev = np.full((r.shape[1] + 1, len(r), len(q)), np.inf, q.dtype)
    cur = prev.copy()
    prev[0] = 0.0  # so that D(0, 0) = c(0, 0)
    out, left = np.empty((2, len(r), len(q)), q.dtype)
    above_buffer = np.empty((r.shape[1], len(r), len(q)), q.dtype)  # allocated once
    for i in range(q.shape[1]):
        lo, hi = max(0, i - band), min(r.shape[1], i + band + 1)
        if lo >= hi:  # the band has passed the last column: no later cell is reachable
            out[:, q_end > i] = np.inf
            break
        cost = np.einsum("af,tbf->tba", q[:, i], r_steps[lo:hi], optimize=True)
        # c(i, j) = |q_i|^2 + |r_j|^2 - 2 q_i.r_j for the band's columns; the expanded
        # square can round below zero, which no squared distance is.
        cost *= -2.0
        cost += sq_r[lo:hi]
        cost += sq_q[:, i]
        np.maximum(cost, 0.0, out=cost)
        # Of the three predecessors, the two in row i - 1 are known for the whole row at
        # once; only D(i, j - 1) needs the loop, which then does two operations a cell.
        above = above_buffer[: hi - lo]
        np.minimum(prev[lo:hi], prev[lo + 1 : hi + 1], out=above)
        above += cost
        cur[max(0, lo - 1) : lo + 1] = np.inf
        for j in range(lo, hi):
            np.add(cost[j - lo], cur[j], out=left)
            np.minimum(above[j - lo], left, out=cur[j + 1])
        done = np.flatnonzero(q_end == i + 1)  # queries that end at step i
        out[:, done] = cur[r_end[:, None], np.arange(len(r))[:, None], done[None, :]]
        prev, cur = cur, prev
    return np.ascontiguousarray(out.T)


def dtw_distance(a: Any, b: Any, window: int | None = None) -> float:
    """DTW distance between two series (see :func:`dtw_distances` for many pairs at once).

    Parameters
    ----------
    a, b : array-like ``[T]`` or ``[T, features]``
        Lengths may differ; feature counts must not.
    window : int, optional
        Sakoe-Chiba band half-width in steps; ``None`` for no band.

    Returns
    -------
    float
        The summed squared Euclidean cost of the cheapest monotone alignment (``inf`` if the
        band allows none).

    Example
    -------
    >>> dtw_distance([0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 2.0])  # step 1 of a matches twice
    0.0
    >>> dtw_distance([0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 2.0], window=0)
    inf
    """
    return float(dtw_distances([a], [b], window=window)[0, 0])
