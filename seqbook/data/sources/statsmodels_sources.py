"""Time series that ship inside ``statsmodels.datasets``: yearly sunspots and weekly CO2."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from seqbook.data.series import sunspots
from seqbook.data.sources._common import check_choice, chronological_slice


def load_sunspots(split: str) -> tf.data.Dataset:
    """Yearly mean sunspot numbers 1700-2008, one element per year, split in time order.

    Elements are ``{"year": int64 [], "value": float32 []}``.

    Example
    -------
    >>> ds = load_sunspots("all")
    >>> int(ds.cardinality())
    309
    """
    years, values = sunspots()
    part = chronological_slice(len(years), split)
    return tf.data.Dataset.from_tensor_slices({"year": years[part], "value": values[part]})


def co2_weekly(missing: str = "interpolate") -> tuple[np.ndarray, np.ndarray]:
    """Weekly Mauna Loa CO2 (ppm), 1958-03-29 to 2001-12-29, as ``(dates, values)``.

    Parameters
    ----------
    missing : {"interpolate", "drop", "raise"}
        What to do with the 59 weeks the record lacks: interpolate linearly in time (keeps
        the weekly grid that windowing needs), drop them, or raise a ``ValueError``.

    Returns
    -------
    dates : numpy.ndarray of str, ``YYYY-MM-DD``
    values : numpy.ndarray of float32

    Example
    -------
    >>> dates, values = co2_weekly()
    >>> str(dates[0]), len(values)
    ('1958-03-29', 2284)
    """
    from statsmodels.datasets import co2  # optional extra: seqbook[data]

    check_choice("missing", missing, ("interpolate", "drop", "raise"))
    series = co2.load_pandas().data["co2"]
    if missing == "raise" and series.isna().any():
        raise ValueError(
            f"the co2 series has {int(series.isna().sum())} missing weeks (NaN); "
            "pass missing='interpolate' or missing='drop'."
        )
    series = series.interpolate(method="time") if missing == "interpolate" else series.dropna()
    dates = np.asarray(series.index.strftime("%Y-%m-%d"), dtype=str)
    return dates, series.to_numpy(np.float32)


def load_co2(split: str, missing: str) -> tf.data.Dataset:
    """Weekly CO2 as ``{"date": string [], "co2": float32 []}``, split in time order."""
    dates, values = co2_weekly(missing)
    part = chronological_slice(len(dates), split)
    return tf.data.Dataset.from_tensor_slices({"date": dates[part], "co2": values[part]})
