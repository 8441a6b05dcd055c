"""Daily Seattle weather 2012-2015 from ``vega_datasets``' local (offline) data."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

#: Weather classes in label order (alphabetical, as they appear in the record).
WEATHER_CLASSES = ("drizzle", "fog", "rain", "snow", "sun")

# Whole calendar years per split: seasons stay intact and the test year is the latest one.
_YEARS = {
    "train": (2012, 2013),
    "validation": (2014,),
    "test": (2015,),
    "all": (2012, 2013, 2014, 2015),
}


def load_seattle_weather(split: str) -> tf.data.Dataset:
    """One element per day, in date order.

    Elements are ``{"date": string [], "precipitation": float32 [], "temp_max": float32 [],
    "temp_min": float32 [], "wind": float32 [], "weather": int64 []}``, with ``weather``
    indexing :data:`WEATHER_CLASSES`; ``train`` is 2012-2013, ``validation`` 2014 and
    ``test`` 2015.

    Example
    -------
    >>> int(load_seattle_weather("test").cardinality())
    365
    """
    from vega_datasets import local_data  # optional extra: seqbook[data]

    frame = local_data.seattle_weather()
    frame = frame[frame["date"].dt.year.isin(_YEARS[split])].sort_values("date")
    columns = {
        column: frame[column].to_numpy(np.float32)
        for column in ("precipitation", "temp_max", "temp_min", "wind")
    }
    labels = np.asarray([WEATHER_CLASSES.index(w) for w in frame["weather"]], dtype=np.int64)
    dates = np.asarray(frame["date"].dt.strftime("%Y-%m-%d"), dtype=str)
    return tf.data.Dataset.from_tensor_slices({"date": dates, **columns, "weather": labels})
