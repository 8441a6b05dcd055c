"""Real time series that ship inside installed packages (no network needed)."""

from __future__ import annotations

import numpy as np


def sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers, 1700-2008, from ``statsmodels.datasets``.

    Returns
    -------
    years, values : numpy.ndarray
        ``years`` is int64 of shape ``[309]``; ``values`` is float32 of shape ``[309]``.

    Example
    -------
    >>> years, values = sunspots()
    >>> int(years[0]), int(years[-1]), values.shape
    (1700, 2008, (309,))
    """
    from statsmodels.datasets import sunspots as source  # optional extra: seqbook[data]

    frame = source.load_pandas().data
    return frame["YEAR"].to_numpy(np.int64), frame["SUNACTIVITY"].to_numpy(np.float32)
