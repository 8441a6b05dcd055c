"""One catalogue, one loader: every data set of the book behind ``list_datasets`` and ``load``.

Each entry says where the data comes from (a package that ships it, a seeded generator, a
TFDS builder in this package, or TFDS online), whether it loads offline, its license and
citation, its splits, its options with their defaults, and the structure of one element of
the ``tf.data.Dataset`` that ``load`` returns. Loaders are imported lazily, so listing the
catalogue needs none of the optional packages.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Mapping
from typing import Any

import tensorflow as tf

from seqbook.data.catalogue import ENTRIES


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What the catalogue knows about one data set.

    Attributes
    ----------
    name : str
        The name given to :func:`load`.
    task : str
        What the chapters use it for, e.g. ``"forecasting"``.
    modality : str
        ``"time series"``, ``"text"``, ``"audio"``, ``"video"``, ``"dna"`` or ``"tokens"``.
    source : str
        ``"package"`` (ships inside an installed package), ``"generator"`` (seeded, synthetic),
        ``"tfds-builder"`` (built once by a TFDS builder in this package) or ``"tfds"``
        (downloaded by TensorFlow Datasets).
    package : str
        The package the data or its generator comes from.
    offline : bool
        ``True`` when loading needs no network (after any one-time package-registry fetch).
    synthetic : bool
        ``True`` for generated data that is not a measurement of the world.
    license, citation : str
        The data's license and the reference to cite.
    size : str
        A human-readable size, e.g. ``"309 yearly values"``.
    num_examples : Mapping[str, int] or None
        Elements per split with the default options (``None`` where it varies).
    splits : tuple of str
        The splits :func:`load` accepts.
    options : Mapping[str, Any]
        The keyword options :func:`load` accepts, with their defaults.
    element : str
        The structure of one element of the returned ``tf.data.Dataset``.
    offline_alternative : str or None
        For online data sets, the offline data set to use instead.
    """

    name: str
    task: str
    modality: str
    source: str
    package: str
    offline: bool
    synthetic: bool
    license: str
    citation: str
    size: str
    num_examples: Mapping[str, int] | None
    splits: tuple[str, ...]
    options: Mapping[str, Any]
    element: str
    offline_alternative: str | None = None
    loader: str = dataclasses.field(default="", repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the public fields as a plain dict (handy for ``pandas.DataFrame``)."""
        record = dataclasses.asdict(self)
        record.pop("loader")
        return record


_CATALOGUE: dict[str, DatasetInfo] = {entry["name"]: DatasetInfo(**entry) for entry in ENTRIES}


def list_datasets(*, offline: bool | None = None, modality: str | None = None) -> list[DatasetInfo]:
    """List the data sets that :func:`load` knows, sorted by name.

    Parameters
    ----------
    offline : bool, optional
        Keep only the data sets that do (``True``) or do not (``False``) load offline.
    modality : str, optional
        Keep only one modality, e.g. ``"time series"``.

    Returns
    -------
    list of DatasetInfo
        One entry per data set; ``[info.as_dict() for info in ...]`` gives plain records.

    Example
    -------
    >>> names = [info.name for info in list_datasets(offline=True)]
    >>> "sunspots" in names and "imdb_reviews" not in names
    True
    """
    if offline is not None and not isinstance(offline, bool):
        raise TypeError(f"offline must be a bool or None, got {type(offline).__name__}.")
    modalities = sorted({info.modality for info in _CATALOGUE.values()})
    if modality is not None and modality not in modalities:
        raise ValueError(f"modality must be one of {modalities}, got {modality!r}.")
    return [
        info
        for name, info in sorted(_CATALOGUE.items())
        if (offline is None or info.offline == offline)
        and (modality is None or info.modality == modality)
    ]


def info(name: str) -> DatasetInfo:
    """Return the catalogue entry of ``name``.

    Raises
    ------
    ValueError
        For an unknown name, listing the closest known names.

    Example
    -------
    >>> info("sunspots").num_examples["all"]
    309
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__} {name!r}.")
    if name not in _CATALOGUE:
        close = difflib.get_close_matches(name, list(_CATALOGUE), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"Unknown data set name {name!r}.{hint} "
            "seqbook.data.registry.list_datasets() lists them all."
        )
    return _CATALOGUE[name]


def load(name: str, split: str = "train", **options: Any) -> tf.data.Dataset:
    """Load a data set of the catalogue as a ``tf.data.Dataset``.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`.
    split : str, default "train"
        One of the entry's ``splits`` (most have ``"train"``, ``"validation"``, ``"test"``
        and ``"all"``); splits are deterministic.
    **options
        The entry's ``options`` (e.g. ``num_examples`` and ``seed`` for generators,
        ``source`` and ``target`` for translation pairs).

    Returns
    -------
    tf.data.Dataset
        Unbatched elements whose structure is the entry's ``element``.

    Raises
    ------
    ValueError
        For an unknown name (with close matches), split or option, or a bad option value.

    Example
    -------
    >>> ds = load("sunspots", split="all")
    >>> sorted(ds.element_spec)
    ['value', 'year']
    """
    entry = info(name)
    if not isinstance(split, str) or split not in entry.splits:
        raise ValueError(f"split must be one of {list(entry.splits)} for {name!r}, got {split!r}.")
    unknown = sorted(set(options) - set(entry.options))
    if unknown:
        valid = sorted(entry.options) or "none"
        raise ValueError(f"Unknown option(s) {unknown} for {name!r}; valid options: {valid}.")
    module_name, function_name = entry.loader.split(":")
    loader = getattr(importlib.import_module(module_name), function_name)
    return loader(split=split, **{**entry.options, **options})
