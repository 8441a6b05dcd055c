"""Helpers shared by the data sources: the cache directory, splits and argument checks."""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: The three splits of every hash- or time-split data set, and their default fractions.
SPLIT_FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def data_dir() -> Path:
    """Return the cache directory of generated and downloaded data sets.

    ``SEQBOOK_DATA_DIR`` wins when set; otherwise ``~/.cache/seqbook``. The directory is
    created when missing.

    Example
    -------
    >>> data_dir().is_dir()
    True
    """
    root = os.environ.get("SEQBOOK_DATA_DIR") or os.path.join("~", ".cache", "seqbook")
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def hash_split(key: str, fractions: dict[str, float] | None = None) -> str:
    """Assign ``key`` to a split by a CRC-32 hash of its text.

    A hash (not a shuffle) keeps the assignment stable across runs, Python versions and
    growing data: a word or a number always lands in the same split.

    Example
    -------
    >>> hash_split("hello") == hash_split("hello")
    True
    """
    fractions = fractions or SPLIT_FRACTIONS
    point = zlib.crc32(key.encode("utf-8")) / 2**32
    edge = 0.0
    for name, fraction in fractions.items():
        edge += fraction
        if point < edge:
            return name
    return name  # floating-point rounding at the very top of [0, 1)


def chronological_slice(n: int, split: str) -> slice:
    """Return the slice of an ``n``-step series that ``split`` covers, in time order.

    The first 80 % is ``train``, the next 10 % ``validation``, the last 10 % ``test`` and
    ``all`` covers everything: the future is never used to fit the past.

    Example
    -------
    >>> chronological_slice(10, "test")
    slice(9, 10, None)
    """
    if split == "all":
        return slice(0, n)
    train_end = int(math.floor(n * SPLIT_FRACTIONS["train"]))
    validation_end = int(math.floor(n * (SPLIT_FRACTIONS["train"] + SPLIT_FRACTIONS["validation"])))
    return {
        "train": slice(0, train_end),
        "validation": slice(train_end, validation_end),
        "test": slice(validation_end, n),
    }[split]


def check_int(name: str, value: object, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer in ``[minimum, maximum]``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"{name} must be >= {minimum}{upper}, got {value}.")
    return int(value)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")
    return str(value)
