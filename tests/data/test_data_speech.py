"""Spoken digits synthesised by eSpeak NG: real audio, distinct voices, deterministic noise."""

from __future__ import annotations

import numpy as np
import pytest
from data_helpers import as_numpy

from seqbook.data.registry import info, load
from seqbook.data.sources import speech

SMALL = {"voices": ["en-us", "en-gb-x-rp+f2"], "rates": [150], "pitches": [50]}


def test_synthesized_digit_is_speech_at_16khz():
    audio = speech.synthesize("seven", "en-us")
    seconds = len(audio) / speech.SAMPLE_RATE
    assert audio.dtype == np.float32 and 0.2 < seconds < 1.5
    assert 0.05 < np.abs(audio).max() <= 1.0
    assert len(speech.synthesize("seven", "en-us", rate=300)) < 0.8 * len(audio)  # faster = shorter
    other = speech.synthesize("seven", "en-us+f3")
    assert len(other) != len(audio) or not np.allclose(other, audio)  # another voice
    assert len(info("spoken_digits").options["voices"]) >= 6


def test_spoken_digits_builder_labels_and_splits():
    elements = as_numpy(load("spoken_digits", split="all", **SMALL))
    assert len(elements) == 20
    assert sorted(int(e["label"]) for e in elements) == sorted(list(range(10)) * 2)
    assert all(e["transcript"].decode() == speech.DIGIT_WORDS[e["label"]] for e in elements)
    assert {e["voice"] for e in elements} == {b"en-us", b"en-gb-x-rp+f2"}
    sizes = [
        int(load("spoken_digits", split=s, **SMALL).cardinality())
        for s in ("train", "validation", "test")
    ]
    assert sum(sizes) == 20


def test_noise_is_seeded():
    a = as_numpy(load("spoken_digits", split="all", noise_snr_db=10.0, **SMALL))
    clean = {
        (e["voice"], int(e["label"])): e["audio"]
        for e in as_numpy(load("spoken_digits", split="all", **SMALL))
    }
    noisy = {(e["voice"], int(e["label"])): e["audio"] for e in a}
    key = (b"en-us", 3)
    residual = noisy[key] - clean[key]
    snr = 10 * np.log10(np.mean(clean[key] ** 2) / np.mean(residual**2))
    assert 8 < snr < 12
    assert np.array_equal(
        noisy[key],
        speech.add_noise(
            clean[key],
            10.0,
            np.random.default_rng([0, __import__("zlib").crc32(b"en-us|150|50|three")]),
        ),
    )


def test_bad_voice_and_rate():
    with pytest.raises(ValueError, match="voices must name eSpeak NG voices"):
        load("spoken_digits", voices=["xx-nobody"])
    with pytest.raises(ValueError, match="rates must be >= 80"):
        load("spoken_digits", rates=[10])


def test_rebuilding_in_a_new_cache_gives_the_same_audio(tmp_path, monkeypatch):
    first = {
        (e["voice"], int(e["label"])): e["audio"]
        for e in as_numpy(load("spoken_digits", split="all", **SMALL))
    }
    monkeypatch.setenv("SEQBOOK_DATA_DIR", str(tmp_path))
    second = {
        (e["voice"], int(e["label"])): e["audio"]
        for e in as_numpy(load("spoken_digits", split="all", **SMALL))
    }
    assert first.keys() == second.keys()
    assert all(np.array_equal(first[key], second[key]) for key in first)
