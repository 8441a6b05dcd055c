"""Real time series: sizes, dates, value ranges and splits match the published records."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import as_numpy

from seqbook import data
from seqbook.data.pipelines import chronological_split
from seqbook.data.registry import info, load


def column(dataset, key):
    return np.array([element[key] for element in as_numpy(dataset)])


def test_sunspots_cover_1700_to_2008_in_time_order():
    years = column(load("sunspots", split="all"), "year")
    assert years.tolist() == list(range(1700, 2009))
    parts = [column(load("sunspots", split=s), "year") for s in ("train", "validation", "test")]
    assert np.concatenate(parts).tolist() == years.tolist()  # disjoint, ordered, complete
    assert parts[0].max() < parts[1].min() < parts[2].min()
    values = column(load("sunspots", split="all"), "value")
    assert values.dtype == np.float32 and values.min() >= 0 and 150 < values.max() < 200


def test_co2_weekly_record_and_missing_weeks():
    elements = as_numpy(load("co2", split="all"))
    assert len(elements) == 2284
    assert elements[0]["date"] == b"1958-03-29" and elements[-1]["date"] == b"2001-12-29"
    values = np.array([e["co2"] for e in elements])
    assert np.isfinite(values).all() and 310 < values.min() < values.max() < 375
    assert int(load("co2", split="all", missing="drop").cardinality()) == 2284 - 59
    with pytest.raises(ValueError, match="59 missing weeks"):
        load("co2", missing="raise")
    with pytest.raises(ValueError, match="missing must be one of"):
        load("co2", missing="zero")


def test_seattle_weather_years_and_labels():
    test = as_numpy(load("seattle_weather", split="test"))
    assert len(test) == 365 and all(e["date"].startswith(b"2015-") for e in test)
    every = as_numpy(load("seattle_weather", split="all"))
    assert len(every) == 1461
    assert {e["weather"] for e in every} == {0, 1, 2, 3, 4}
    assert all(e["temp_max"] >= e["temp_min"] for e in every)


@pytest.mark.parametrize("name, length", [("italy_power_demand", 24), ("gunpoint", 150)])
def test_ucr_classification_shapes(name, length):
    for split in ("train", "test"):
        dataset = load(name, split=split)
        assert dataset.element_spec["series"].shape == (length, 1)
        labels = column(dataset, "label")
        assert len(labels) == info(name).num_examples[split]
        assert set(labels.tolist()) == {0, 1}


def test_japanese_vowels_are_variable_length():
    elements = as_numpy(load("japanese_vowels", split="train+validation"))
    assert len(elements) == 270
    lengths = {e["series"].shape[0] for e in elements}
    assert min(lengths) == 7 and max(lengths) <= 29 and len(lengths) > 10
    assert all(e["series"].shape[1] == 12 for e in elements)
    assert sorted({int(e["label"]) for e in elements}) == list(range(9))


@pytest.mark.parametrize("name", ["italy_power_demand", "gunpoint", "japanese_vowels"])
def test_ucr_validation_is_a_stratified_fifth_of_the_archive_train_split(name):
    """One protocol: train and validation partition the archive's train split, by class."""
    parts = {s: as_numpy(load(name, split=s)) for s in ("train", "validation", "train+validation")}
    assert len(parts["train"]) + len(parts["validation"]) == len(parts["train+validation"])
    whole = [e["series"].tobytes() for e in parts["train+validation"]]
    pieces = [e["series"].tobytes() for s in ("train", "validation") for e in parts[s]]
    assert sorted(whole) == sorted(pieces)
    labels = {s: np.array([int(e["label"]) for e in parts[s]]) for s in parts}
    for label in np.unique(labels["train+validation"]):
        share = (labels["validation"] == label).sum() / (labels["train+validation"] == label).sum()
        assert 0.15 <= share <= 0.25, (label, share)


def test_sunspot_protocol_is_the_catalogue_split():
    for split in ("train", "validation", "test", "all"):
        years, values = data.sunspots(split)
        rows = as_numpy(load("sunspots", split=split))
        assert years.tolist() == [int(r["year"]) for r in rows]
    with pytest.raises(ValueError, match="split must be one of"):
        data.sunspots("future")


def test_anomaly_series_has_one_labelled_anomaly_only_in_test():
    train, test = (column(load("kdd_tsad_135", split=s), "anomaly") for s in ("train", "test"))
    assert len(train) == 1200 and train.sum() == 0
    assert len(test) == 7501 and test.sum() == 12
    positions = np.flatnonzero(test)
    assert (np.diff(positions) == 1).all()  # one contiguous event


@pytest.mark.parametrize(
    "test_size, val_size, sizes",
    [
        (0.15, 0.15, [70, 15, 15]),
        (0.1, 0, [90, 0, 10]),
        (10, 0.2, [70, 20, 10]),
        (0.001, 0.004, [98, 1, 1]),  # a non-zero fraction keeps at least one step
        (np.float32(0.25), np.int64(5), [70, 5, 25]),
        (0.989, 0, [1, 0, 99]),  # 98.9 steps round to 99
    ],
)
def test_chronological_split_takes_counts_and_fractions(test_size, val_size, sizes):
    series = np.arange(100.0)
    parts = chronological_split(series, test_size=test_size, val_size=val_size)
    assert [len(part) for part in parts] == sizes
    np.testing.assert_array_equal(np.concatenate(parts), series)


@pytest.mark.parametrize(
    "test_size, val_size, message",
    [
        (True, 0, r"test_size must be a count \(an int >= 1\) or a fraction .* got True"),
        (0, 0, "test_size .* got 0$"),
        (-3, 0, "test_size .* got -3"),
        (1.0, 0, "test_size .* got 1.0"),
        (2.0, 0, "test_size .* got 2.0"),
        (0.0, 0, "test_size .* got 0.0"),
        ("10", 0, "test_size .* got '10'"),
        (None, 0, "test_size .* got None"),
        (float("nan"), 0, "test_size .* got nan"),
        (5, -1, r"val_size must be a count \(an int >= 0\) .* got -1"),
        (5, 1.5, "val_size .* got 1.5"),
        (5, False, "val_size .* got False"),
        (5, None, "val_size .* got None"),
        (0.5, 0.5, "must leave training data: 5 \\+ 5 steps"),
    ],
)
def test_chronological_split_refuses_other_sizes(test_size, val_size, message):
    with pytest.raises(ValueError, match=message):
        chronological_split(np.arange(10.0), test_size=test_size, val_size=val_size)
