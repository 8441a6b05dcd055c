"""Data for the chapters: real sequences that ship inside packages, generators, pipelines.

Everything here works offline. ``series`` loads real time series bundled with installed
packages, ``word_order`` generates the first chapter's synthetic task, and ``pipelines``
turns arrays into padded, masked, bucketed or windowed ``tf.data`` pipelines.
"""

from seqbook.data.pipelines import (
    Standardizer,
    bucket_by_length,
    chronological_split,
    padding_fraction,
    window_arrays,
    windows,
)
from seqbook.data.series import sunspots
from seqbook.data.word_order import word_order_sentences

__all__ = [
    "Standardizer",
    "bucket_by_length",
    "chronological_split",
    "padding_fraction",
    "sunspots",
    "window_arrays",
    "windows",
    "word_order_sentences",
]
