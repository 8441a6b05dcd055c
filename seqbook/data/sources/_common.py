"""Helpers shared by the data sources: the cache directory, splits and argument checks."""

from __future__ import annotations

import math
import os
import tempfile
import zlib
from collections.abc import Callable, Sequence
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


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Create the cache file ``path`` through ``write(scratch)``, then rename it into place.

    ``write`` fills a scratch file beside ``path`` (same directory, same suffix, so that
    ``np.save`` and ``np.savez`` keep its name), which is then renamed over ``path`` in one
    step. Another process that finds ``path`` thus reads either nothing or the whole file,
    never a half-written one: `make test` runs two jobs at once on one cache, and a reader
    that found a half-written video once decoded 480 of its 795 frames. The scratch name is
    unique to each call, so two processes that fill the same cache at once never write into
    one file either; the last rename wins, and both wrote the same content.

    Example
    -------
    >>> target = Path(tempfile.mkdtemp()) / "numbers.npy"
    >>> _ = write_atomically(target, lambda scratch: np.save(scratch, np.arange(3)))
    >>> np.load(target).tolist(), sorted(p.name for p in target.parent.iterdir())
    ([0, 1, 2], ['numbers.npy'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    try:
        write(Path(scratch))
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
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
