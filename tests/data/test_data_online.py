"""Online data sets: mocked loads offline, and a fast, helpful failure without a network."""

from __future__ import annotations

import time

import pytest
import tensorflow_datasets as tfds

from seqbook.data import online
from seqbook.data.registry import list_datasets, load

ONLINE = {
    "imdb_reviews": {"text", "label"},
    "ted_hrlr_translate": {"pt", "en"},
    "speech_commands": {"audio", "label"},
    "tiny_shakespeare": {"text"},
}


@pytest.mark.parametrize("name", sorted(ONLINE))
def test_online_sets_load_through_tfds(name, monkeypatch):
    monkeypatch.setattr(online, "network_available", lambda *args, **kwargs: True)
    with tfds.testing.mock_data(num_examples=3, policy=tfds.testing.MockPolicy.USE_CODE):
        elements = list(load(name, split="train").take(5).as_numpy_iterator())
    assert len(elements) == 3 and set(elements[0]) == ONLINE[name]


@pytest.mark.parametrize("name", sorted(ONLINE))
def test_no_network_fails_fast_naming_the_alternative(name, monkeypatch):
    monkeypatch.setattr(online, "PROBE_ADDRESS", ("127.0.0.1", 9))  # nothing listens there
    alternative = next(e.offline_alternative for e in list_datasets() if e.name == name)
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=f"offline data set '{alternative}'"):
        load(name, split="test")
    assert time.perf_counter() - start < 10


def test_bad_translation_pair():
    with pytest.raises(ValueError, match="pair must be one of"):
        load("ted_hrlr_translate", pair="xx_to_en")
