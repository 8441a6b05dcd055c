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


# The one protocol of the UCR/UEA sets in this book: the archive's own test split, and its
# train split cut in two, so that choices are made on data the test never sees.
CLASSIFICATION_SPLITS = ("train", "validation", "test", "train+validation")
VALIDATION_EVERY = 5  # every 5th training example of each class goes to validation


def _validation_rows(labels: np.ndarray) -> np.ndarray:
    """Boolean mask of the validation rows: every 5th example of each class, in file order."""
    rank = np.zeros(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        rank[rows] = np.arange(len(rows))
    return rank % VALIDATION_EVERY == VALIDATION_EVERY - 1


def classification_arrays(name: str, split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Return the series of a UCR/UEA data set as ``[length, channels]`` float32 arrays.

    aeon stores series channels-first; Keras layers want time first, so each series is
    transposed. Class labels (strings ``"1"``, ``"2"``, ...) become integers from 0.

    Splits: ``"test"`` is the archive's test split; the archive's train split is cut into
    ``"validation"`` (every fifth example of each class, in file order: 20 %, stratified) and
    ``"train"`` (the rest); ``"train+validation"`` is the archive's whole train split, on
    which published results are trained. Choose settings on ``"validation"``, refit on
    ``"train+validation"``, score ``"test"`` once.

    Example
    -------
    >>> series, labels = classification_arrays("gunpoint", "train+validation")
    >>> len(series), series[0].shape, sorted(set(labels.tolist()))
    (50, (150, 1), [0, 1])
    >>> len(classification_arrays("gunpoint", "validation")[0])  # 4 of 24 and 5 of 26
    9
    """
    import aeon.datasets  # optional extra: seqbook[data]

    if split not in CLASSIFICATION_SPLITS:
        raise ValueError(f"split must be one of {list(CLASSIFICATION_SPLITS)}; got {split!r}")
    load = getattr(aeon.datasets, _CLASSIFICATION[name])
    features, labels = load(split="test" if split == "test" else "train")
    series = [np.asarray(x, dtype=np.float32).T for x in features]
    # Labels are the digits "1".."9" in every data set used here, so int() keeps their order.
    labels = np.asarray([int(label) - 1 for label in labels], dtype=np.int64)
    if split in ("train", "validation"):
        keep = _validation_rows(labels) == (split == "validation")
        series = [s for s, kept in zip(series, keep) if kept]
        labels = labels[keep]
    return series, labels


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
