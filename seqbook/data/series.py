"""Real time series that ship inside installed packages (no network needed)."""

from __future__ import annotations

import numpy as np


SERIES_SPLITS = ("train", "validation", "test", "all")


def sunspots(split: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers, 1700-2008, from ``statsmodels.datasets``.

    The book's one sunspot protocol, the same as ``data.load("sunspots", split=...)``: in
    time order, the first 80 % of the years train (1700-1946), the next 10 % validate
    (1947-1977), the last 10 % test (1978-2008).

    Parameters
    ----------
    split : {"all", "train", "validation", "test"}

    Returns
    -------
    years, values : numpy.ndarray
        ``years`` is int64 and ``values`` float32, of shape ``[309]`` for ``"all"``.

    Example
    -------
    >>> years, values = sunspots()
    >>> int(years[0]), int(years[-1]), values.shape
    (1700, 2008, (309,))
    >>> [int(sunspots(part)[0][0]) for part in ("train", "validation", "test")]
    [1700, 1947, 1978]
    """
    from statsmodels.datasets import sunspots as source  # optional extra: seqbook[data]

    from seqbook.data.sources._common import chronological_slice

    if split not in SERIES_SPLITS:
        raise ValueError(f"split must be one of {list(SERIES_SPLITS)}; got {split!r}")
    frame = source.load_pandas().data
    years = frame["YEAR"].to_numpy(np.int64)
    part = chronological_slice(len(years), split)
    return years[part], frame["SUNACTIVITY"].to_numpy(np.float32)[part]


def nile() -> tuple[np.ndarray, np.ndarray]:
    """Yearly flow of the Nile at Aswan, 1871-1970 (1e8 m^3), from ``statsmodels.datasets``.

    The classic series with a known change: the flow drops from 1899 on, after the first
    Aswan dam was begun in 1898 (Cobb 1978, "The problem of the Nile", Biometrika). The
    continual-learning chapter watches a forecaster's errors on it for drift.

    Returns
    -------
    years : numpy.ndarray of int64, shape [100]
    volume : numpy.ndarray of float64, shape [100]

    Example
    -------
    >>> years, volume = nile()
    >>> int(years[0]), int(years[-1]), volume.shape
    (1871, 1970, (100,))
    """
    from statsmodels.datasets import nile as source  # optional extra: seqbook[data]

    frame = source.load_pandas().data
    return frame["year"].to_numpy(np.int64), frame["volume"].to_numpy(np.float64)
