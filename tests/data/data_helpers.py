"""Helpers of the data-layer tests (a plain module: ``conftest`` names can clash)."""

from __future__ import annotations


def as_numpy(dataset):
    """Return the elements of a small dataset as a list of dicts of numpy values."""
    return list(dataset.as_numpy_iterator())


def columns(dataset):
    """Return a whole fixed-shape dataset as one dict of numpy columns (one big batch)."""
    return {key: value.numpy() for key, value in next(iter(dataset.batch(1 << 30))).items()}
