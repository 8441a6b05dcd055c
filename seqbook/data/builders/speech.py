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


#: The sample rate of the connected-digit set: the telephone band of the real test speaker.
DIGIT_STRINGS_RATE = 8_000
_SPLIT_SEEDS = {"train": 0, "validation": 1, "test": 2}


class SeqbookDigitStrings(PairsBuilder):
    """Connected digit strings ("four one one") spoken by eSpeak NG voices, 8 kHz.

    The three splits are spoken by three disjoint sets of voices (``train_voices``,
    ``validation_voices``, ``test_voices``), so validation and test measure new voices.
    Each utterance draws its digits, its rate (from ``rates``) and its pitch (from
    ``pitches``) from a generator seeded by ``seed`` and the split, and, when
    ``noise_snr_db`` is a ``(low, high)`` pair, white noise at a signal-to-noise ratio drawn
    uniformly in that range. With ``isolated=True`` each voice says each digit once instead.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=self.__doc__,
            features=tfds.features.FeaturesDict(
                {
                    "audio": tfds.features.Audio(
                        shape=(None,), dtype=np.float32, sample_rate=DIGIT_STRINGS_RATE
                    ),
                    "digits": tfds.features.Text(),
                    "transcript": tfds.features.Text(),
                    "voice": tfds.features.Text(),
                }
            ),
            homepage="https://github.com/espeak-ng/espeak-ng",
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # synthesised locally; the split is by voice, not by hash
        options = self.builder_config.options
        return {
            split: self._generate_examples(list(self.split_records(options, split)))
            for split in _SPLIT_SEEDS
        }

    @staticmethod
    def split_records(options: Mapping[str, Any], split: str) -> Iterable[tuple[str, dict]]:
        rng = np.random.default_rng([options["seed"], _SPLIT_SEEDS[split]])
        voices = options[f"{split}_voices"]
        if options["isolated"]:
            plan = [(str(d), voice) for voice in voices for d in range(10)]
        else:
            plan = []
            for i in range(options[f"num_{split}"]):
                size = int(rng.integers(options["min_digits"], options["max_digits"] + 1))
                digits = "".join(str(d) for d in rng.integers(0, 10, size=size))
                plan.append((digits, voices[i % len(voices)]))
        requests = [
            (speech.digits_to_words(digits), voice, int(rng.choice(options["rates"])),
             int(rng.choice(options["pitches"])))
            for digits, voice in plan
        ]
        speeds = [float(rng.choice(options["speeds"])) for _ in plan]
        noise = options["noise_snr_db"]
        snrs = (rng.uniform(noise[0], noise[1], size=len(plan)) if noise is not None
                else [None] * len(plan))
        audios = speech.synthesize_many(requests)
        for i, ((digits, voice), request, audio, snr, speed) in enumerate(
            zip(plan, requests, audios, snrs, speeds, strict=True)
        ):
            # Speed perturbation: resample to 8 kHz / speed and play it at 8 kHz; faster
            # speech with every frequency (pitch and formants) scaled by ``speed``.
            target = int(round(DIGIT_STRINGS_RATE / speed / 100)) * 100
            audio = speech.resample(audio, speech.SAMPLE_RATE, target)
            if snr is not None:
                audio = speech.add_noise(audio, float(snr), rng)
            key = f"{split}|{i:05d}|{voice}|{request[2]}|{request[3]}|{speed}|{digits}"
            yield key, {"audio": audio, "digits": digits, "transcript": request[0],
                        "voice": voice}


def _check_speeds(speeds: object) -> tuple[float, ...]:
    if isinstance(speeds, (str, bytes)) or not isinstance(speeds, Sequence) or not speeds or any(
            isinstance(s, bool) or not isinstance(s, (int, float)) or not 0.5 <= s <= 2.0
            for s in speeds):
        raise ValueError(f"speeds must be a non-empty list of factors in [0.5, 2], got "
                         f"{speeds!r}.")
    return tuple(float(s) for s in speeds)


def load_digit_strings(
    split: str,
    num_train: int = 400,
    num_validation: int = 100,
    num_test: int = 100,
    min_digits: int = 1,
    max_digits: int = 5,
    rates: Sequence[int] = (120, 150, 175, 210, 250),
    pitches: Sequence[int] = (20, 35, 50, 65, 80),
    noise_snr_db: tuple[float, float] | None = (10.0, 30.0),
    speeds: Sequence[float] = (1.0,),
    train_voices: Sequence[str] = speech.TRAIN_VOICES,
    validation_voices: Sequence[str] = speech.VALIDATION_VOICES,
    test_voices: Sequence[str] = speech.TEST_VOICES,
    isolated: bool = False,
    seed: int = 0,
) -> tf.data.Dataset:
    """Connected digit strings synthesised by eSpeak NG at 8 kHz, split by voice.

    Elements ``{"audio": float32 [samples] (8 kHz), "digits": string [] ("4 1 1" as
    ``"411"``), "transcript": string [] ("four one one"), "voice": string []}``. Built once
    per set of options with TFDS and cached.

    Parameters
    ----------
    split : str
        ``"train"``, ``"validation"``, ``"test"`` or ``"all"``.
    num_train, num_validation, num_test : int
        Utterances per split (ignored with ``isolated=True``).
    min_digits, max_digits : int
        The length range of the digit strings.
    rates, pitches : list of int
        eSpeak NG speaking rates (words per minute) and base pitches to draw from: the speed
        and pitch augmentation. ``(175,)`` and ``(50,)`` turn it off.
    noise_snr_db : (float, float) or None
        The range of signal-to-noise ratios of the added white noise; None for clean audio.
    speeds : list of float
        Speed-perturbation factors to draw from (0.5-2.0): ``1.1`` plays the utterance 10%
        faster with every frequency 10% higher, as a shorter vocal tract would
        (``(1.0,)``: none).
    train_voices, validation_voices, test_voices : list of str
        eSpeak NG voices of each split; they must not overlap.
    isolated : bool
        One utterance per voice and digit (templates and isolated-digit tests) instead of
        random strings.
    seed : int
        Seeds the digits, rates, pitches and noise.

    Example
    -------
    >>> ds = load_digit_strings("validation", num_validation=4, seed=1)
    >>> [example["digits"].decode() == "".join(
    ...     str(speech.DIGIT_WORDS.index(w)) for w in example["transcript"].decode().split())
    ...  for example in ds.as_numpy_iterator()]
    [True, True, True, True]
    """
    sets = {}
    for name, voices in (("train_voices", train_voices),
                         ("validation_voices", validation_voices),
                         ("test_voices", test_voices)):
        if isinstance(voices, str) or not isinstance(voices, Sequence) or not voices:
            raise TypeError(
                f"{name} must be a non-empty list of eSpeak NG voice names, got {voices!r}."
            )
        sets[name] = tuple(voices)
    shared = (set(sets["train_voices"]) & (set(sets["validation_voices"])
                                           | set(sets["test_voices"])))
    if shared:
        raise ValueError(f"train_voices must not overlap the held-out voices; shared: "
                         f"{sorted(shared)}.")
    for voice in {v for voices in sets.values() for v in voices}:
        speech.synthesize("zero", voice)  # raises a ValueError naming an unknown voice
    if noise_snr_db is not None:
        if (isinstance(noise_snr_db, (str, bytes)) or not isinstance(noise_snr_db, Sequence)
                or len(noise_snr_db) != 2 or not noise_snr_db[0] <= noise_snr_db[1]):
            raise ValueError(f"noise_snr_db must be a (low, high) pair of decibels or None, "
                             f"got {noise_snr_db!r}.")
        noise_snr_db = (float(noise_snr_db[0]), float(noise_snr_db[1]))
    min_digits = check_int("min_digits", min_digits, minimum=1, maximum=20)
    max_digits = check_int("max_digits", max_digits, minimum=min_digits, maximum=20)
    options = {
        "num_train": check_int("num_train", num_train),
        "num_validation": check_int("num_validation", num_validation),
        "num_test": check_int("num_test", num_test),
        "min_digits": min_digits,
        "max_digits": max_digits,
        "rates": _check_ints("rates", rates, 80, 450),
        "pitches": _check_ints("pitches", pitches, 0, 99),
        "noise_snr_db": noise_snr_db,
        "speeds": _check_speeds(speeds),
        **sets,
        "isolated": bool(isolated),
        "seed": check_int("seed", seed, minimum=0),
    }
    return load_built(SeqbookDigitStrings, split, options)
