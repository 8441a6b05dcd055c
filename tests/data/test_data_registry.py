"""The catalogue and the single ``load`` entry point: fields, names, splits, errors."""

from __future__ import annotations

import pytest

from seqbook.data.registry import DatasetInfo, info, list_datasets, load

REQUIRED = ("name", "task", "modality", "source", "offline", "license", "citation", "size")


def test_every_entry_has_the_documented_fields():
    entries = list_datasets()
    assert len(entries) >= 20
    for entry in entries:
        assert isinstance(entry, DatasetInfo)
        record = entry.as_dict()
        for field in REQUIRED:
            assert record[field] not in (None, ""), (entry.name, field)
        assert entry.source in ("package", "generator", "tfds-builder", "tfds")
        assert "loader" not in record and entry.element and entry.splits


def test_synthetic_and_online_entries_are_labelled():
    for entry in list_datasets():
        assert entry.synthetic == (entry.source == "generator"), entry.name
        assert entry.offline == (entry.source != "tfds"), entry.name
    online = list_datasets(offline=False)
    assert {e.name for e in online} == {
        "imdb_reviews",
        "ted_hrlr_translate",
        "speech_commands",
        "tiny_shakespeare",
    }
    for entry in online:
        assert info(entry.offline_alternative).offline, entry.name


def test_filters():
    series = list_datasets(modality="time series")
    assert "sunspots" in {e.name for e in series} and all(
        e.modality == "time series" for e in series
    )
    with pytest.raises(ValueError, match="modality"):
        list_datasets(modality="smell")
    with pytest.raises(TypeError, match="offline"):
        list_datasets(offline="yes")


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match="'sunspots'") as error:
        load("sunspot")
    assert "Unknown data set name 'sunspot'" in str(error.value)
    with pytest.raises(ValueError, match="list_datasets"):
        load("no_such_thing_at_all")
    with pytest.raises(TypeError, match="name must be a str"):
        load(3)


def test_bad_split_and_option_are_named():
    with pytest.raises(
        ValueError, match=r"split must be one of \['train', 'validation', 'test', 'all'\].*'valid'"
    ):
        load("sunspots", split="valid")
    with pytest.raises(ValueError, match=r"Unknown option\(s\) \['size'\].*'num_examples'"):
        load("copy_task", size=3)
    with pytest.raises(ValueError, match="num_examples must be >= 1, got -5"):
        load("copy_task", num_examples=-5)
    with pytest.raises(TypeError, match="length must be an integer"):
        load("adding_problem", sequence_length=2.5)
