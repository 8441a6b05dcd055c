"""TFDS builder of spoken digits synthesised by eSpeak NG in many voices, rates and pitches."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from seqbook.data.builders._base import PairsBuilder, load_built
from seqbook.data.sources import speech
from seqbook.data.sources._common import check_int


class SeqbookSpokenDigits(PairsBuilder):
    """The digits zero..nine spoken by eSpeak NG voices at several rates and pitches, 16 kHz."""

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=self.__doc__,
            features=tfds.features.FeaturesDict(
                {
                    "audio": tfds.features.Audio(
                        shape=(None,), dtype=np.float32, sample_rate=speech.SAMPLE_RATE
                    ),
                    "label": tfds.features.ClassLabel(names=list(speech.DIGIT_WORDS)),
                    "transcript": tfds.features.Text(),
                    "voice": tfds.features.Text(),
                }
            ),
            supervised_keys=("audio", "label"),
            homepage="https://github.com/espeak-ng/espeak-ng",
        )

    def records(self, options: Mapping[str, Any]) -> Iterable[tuple[str, str, dict]]:
        snr = options["noise_snr_db"]
        requests = [
            (word, voice, rate, pitch)
            for voice in options["voices"]
            for rate in options["rates"]
            for pitch in options["pitches"]
            for word in speech.DIGIT_WORDS
        ]
        for (word, voice, rate, pitch), audio in zip(
            requests, speech.synthesize_many(requests), strict=True
        ):
            key = f"{voice}|{rate}|{pitch}|{word}"
            if snr is not None:  # noise seeded by the utterance: rebuilds match
                rng = np.random.default_rng([options["seed"], zlib.crc32(key.encode())])
                audio = speech.add_noise(audio, snr, rng)
            example = {
                "audio": audio,
                "label": speech.DIGIT_WORDS.index(word),
                "transcript": word,
                "voice": voice,
            }
            yield key, key, example


def _check_ints(name: str, values: object, low: int, high: int) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{name} must be a non-empty list of integers, got {values!r}.")
    return tuple(check_int(name, v, minimum=low, maximum=high) for v in values)


def load_spoken_digits(
    split: str,
    voices: Sequence[str],
    rates: Sequence[int],
    pitches: Sequence[int],
    noise_snr_db: float | None,
    seed: int,
) -> tf.data.Dataset:
    """Elements ``{"audio": float32 [samples] (16 kHz), "label": int64 [], "transcript": string [],
    "voice": string []}``; one utterance per digit, voice, rate and pitch."""
    if isinstance(voices, str) or not isinstance(voices, Sequence) or not voices:
        raise TypeError(
            f"voices must be a non-empty list of eSpeak NG voice names, got {voices!r}."
        )
    for voice in voices:
        speech.synthesize("zero", voice)  # raises a ValueError naming an unknown voice
    if noise_snr_db is not None and not isinstance(noise_snr_db, (int, float)):
        raise TypeError(f"noise_snr_db must be a number of decibels or None, got {noise_snr_db!r}.")
    options = {
        "voices": tuple(voices),
        "rates": _check_ints("rates", rates, 80, 450),
        "pitches": _check_ints("pitches", pitches, 0, 99),
        "noise_snr_db": noise_snr_db,
        "seed": check_int("seed", seed, minimum=0),
    }
    return load_built(SeqbookSpokenDigits, split, options)
