"""Time-series classification and anomaly data that ship inside ``aeon.datasets`` (UCR/UEA)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# aeon's loader for each classification data set, by catalogue name.
_CLASSIFICATION = {
    "italy_power_demand": "load_italy_power_demand",
    "gunpoint": "load_gunpoint",
    "japanese_vowels": "load_japanese_vowels",
}


def classification_arrays(name: str, split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Return the series of a UCR/UEA data set as ``[length, channels]`` float32 arrays.

    aeon stores series channels-first; Keras layers want time first, so each series is
    transposed. Class labels (strings ``"1"``, ``"2"``, ...) become integers from 0.

    Example
    -------
    >>> series, labels = classification_arrays("gunpoint", "train")
    >>> len(series), series[0].shape, sorted(set(labels.tolist()))
    (50, (150, 1), [0, 1])
    """
    import aeon.datasets  # optional extra: seqbook[data]

    load = getattr(aeon.datasets, _CLASSIFICATION[name])
    features, labels = load(split=split)
    series = [np.asarray(x, dtype=np.float32).T for x in features]
    # Labels are the digits "1".."9" in every data set used here, so int() keeps their order.
    return series, np.asarray([int(label) - 1 for label in labels], dtype=np.int64)


def load_classification(name: str, split: str) -> tf.data.Dataset:
    """Elements ``{"series": float32 [length, channels], "label": int64 []}``.

    Variable-length series (JapaneseVowels) are sliced from one flat tensor by row splits,
    so the data set keeps a known cardinality.
    """
    series, labels = classification_arrays(name, split)
    if len({len(s) for s in series}) == 1:  # equal lengths: keep the static shape
        return tf.data.Dataset.from_tensor_slices({"series": np.stack(series), "label": labels})
    lengths = np.asarray([len(s) for s in series], dtype=np.int64)
    starts = tf.constant(np.concatenate([[0], np.cumsum(lengths)[:-1]]))
    lengths_t = tf.constant(lengths)
    flat = tf.constant(np.concatenate(series, axis=0))
    labels_t = tf.constant(labels)

    def element(i: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"series": flat[starts[i] : starts[i] + lengths_t[i]], "label": labels_t[i]}

    return tf.data.Dataset.range(len(series)).map(element)


def load_italy_power_demand(split: str) -> tf.data.Dataset:
    """ItalyPowerDemand: 24 hourly loads per day, winter (0) vs summer (1) months."""
    return load_classification("italy_power_demand", split)


def load_gunpoint(split: str) -> tf.data.Dataset:
    """GunPoint: 150-step hand trajectories, gun drawn (0) vs pointing (1)."""
    return load_classification("gunpoint", split)


def load_japanese_vowels(split: str) -> tf.data.Dataset:
    """JapaneseVowels: 12 LPC cepstra per frame, 7-29 frames, 9 speakers (labels 0-8)."""
    return load_classification("japanese_vowels", split)


def load_kdd_tsad_135(split: str) -> tf.data.Dataset:
    """KDD-TSAD 135 heart rate with one labelled anomaly, one element per time step.

    ``train`` is the anomaly-free prefix (1,200 steps); ``test`` is the whole record
    (7,501 steps, 12 of them labelled anomalous). Elements are
    ``{"value": float32 [], "anomaly": int64 []}``.
    """
    from aeon.datasets import load_kdd_tsad_135 as source

    values, anomaly = source(split=split)
    return tf.data.Dataset.from_tensor_slices(
        {"value": values.astype(np.float32), "anomaly": anomaly.astype(np.int64)}
    )
