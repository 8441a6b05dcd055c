"""A real speaker for speech recognition: the digit prompts of Asterisk's English sounds.

The Asterisk telephone exchange speaks to callers with prompts recorded by one professional
voice, Allison Smith, released under CC-BY-SA 3.0. Debian ships them, as 8 kHz 16-bit mono
WAV files (the telephone band), in ``asterisk-core-sounds-en-wav``. The ``.deb`` is fetched
once with ``apt-get download`` (checksum-verified, never installed, see
:mod:`seqbook.data.sources.debian_archives`) and the files are read out of it here.

What is there: 568 prompts, but no transcript file (the package has no
``core-sounds-en.txt``; Debian's copyright file names the speaker and the licence). The
transcripts that are certain are the file names of the ten digit prompts,
``digits/0.wav`` ... ``digits/9.wav`` ("zero" ... "nine"), so those are the real test set:
each digit said once, in isolation. ``digits/oh.wav`` ("oh", a spoken zero) is left out, as
are the other number words (teens, tens, "hundred"). Connected strings are made by splicing
the ten recordings with short pauses: real audio of one real voice, but not the
coarticulation of natural connected speech, and the chapters say so. It is one speaker.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from seqbook.data.sources import debian_archives
from seqbook.data.sources._common import (check_choice, check_int, data_dir,
                                             write_atomically)
from seqbook.data.sources.speech import DIGIT_WORDS

#: ``(package, version, file name, SHA-256)`` of the Debian package read here.
PACKAGE = (
    "asterisk-core-sounds-en-wav", "1.6.1-1", "asterisk-core-sounds-en-wav_1.6.1-1_all.deb",
    "2be3ea287d83299d143815fa804f11179a75b7affd4a758b98b55f5afc18a35d",
)
SAMPLE_RATE = 8_000
SPEAKER = "en_US_f_Allison"
KINDS = ("isolated", "spliced")
_PROMPTS = f"usr/share/asterisk/sounds/{SPEAKER}/digits/"
_CACHE = "asterisk-core-sounds-en-1.6.1-digits.npz"


def read_wav(content: bytes, expected_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Return the samples of a 16-bit mono WAV file as float32 in [-1, 1].

    Raises
    ------
    ValueError
        When the file is not mono, not 16-bit, empty, or not at ``expected_rate``.

    Example
    -------
    >>> buffer = io.BytesIO()
    >>> with wave.open(buffer, "wb") as out:
    ...     out.setnchannels(1); out.setsampwidth(2); out.setframerate(8000)
    ...     out.writeframes(np.array([0, 16384, -32768], np.int16).tobytes())
    >>> read_wav(buffer.getvalue())
    array([ 0. ,  0.5, -1. ], dtype=float32)
    """
    with wave.open(io.BytesIO(content)) as audio:
        channels, width = audio.getnchannels(), audio.getsampwidth()
        rate, frames = audio.getframerate(), audio.readframes(audio.getnframes())
    if channels != 1 or width != 2:
        raise ValueError(f"content must be 16-bit mono audio, got {channels} channel(s) of "
                         f"{8 * width} bits.")
    if rate != expected_rate:
        raise ValueError(f"content must be sampled at {expected_rate} Hz, got {rate} Hz.")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    if samples.size == 0:
        raise ValueError("content must hold at least one sample, got an empty recording.")
    return samples


def digit_recordings() -> dict[str, np.ndarray]:
    """Return the ten digit prompts, ``{"0": samples, ..., "9": samples}`` (8 kHz float32).

    Fetches the ``.deb`` once (18 MB) and caches the ten recordings (about 1 s each) as one
    ``.npz`` file under the data directory.

    Example
    -------
    >>> recordings = digit_recordings()
    >>> sorted(recordings) == [str(d) for d in range(10)]
    True
    """
    cache = data_dir() / _CACHE
    if not cache.exists():
        deb = debian_archives.fetch_deb(*PACKAGE)
        wanted = {f"{_PROMPTS}{d}.wav": str(d) for d in range(10)}
        found = {wanted[name]: read_wav(content)
                 for name, content in debian_archives.deb_members(deb) if name in wanted}
        if len(found) != 10:
            raise RuntimeError(f"{deb} lacks digit prompts: found {sorted(found)}.")
        write_atomically(cache, lambda scratch: np.savez(scratch, **found))
    with np.load(cache) as arrays:
        return {str(d): arrays[str(d)] for d in range(10)}


def load_asterisk_digits(
    split: str = "test",
    kind: str = "isolated",
    num_strings: int = 200,
    min_digits: int = 2,
    max_digits: int = 5,
    pause_seconds: Sequence[float] = (0.05, 0.3),
    seed: int = 0,
) -> tf.data.Dataset:
    """The real test speaker's digits: isolated, or spliced into connected strings.

    Elements ``{"audio": float32 [samples] (8 kHz), "digits": string [] ("411"),
    "transcript": string [] ("four one one")}``. Test data only: it is one speaker, and ten
    recordings.

    Parameters
    ----------
    split : str
        ``"test"`` (or ``"all"``, the same).
    kind : str
        ``"isolated"``: the ten recordings, one digit each. ``"spliced"``: ``num_strings``
        random strings of ``min_digits``-``max_digits`` digits, the recordings joined by
        silences drawn uniformly from ``pause_seconds``.
    num_strings, min_digits, max_digits : int
        Size and lengths of the spliced strings.
    pause_seconds : (float, float)
        The range of the pause between spliced digits.
    seed : int
        Seeds the spliced strings.

    Example
    -------
    >>> ds = load_asterisk_digits(kind="spliced", num_strings=3, seed=1)
    >>> [len(e["digits"]) == len(e["transcript"].split()) for e in ds.as_numpy_iterator()]
    [True, True, True]
    """
    check_choice("split", split, ("test", "all"))
    check_choice("kind", kind, KINDS)
    recordings = digit_recordings()
    if kind == "isolated":
        plan = [str(d) for d in range(10)]
        audios = [recordings[d] for d in plan]
    else:
        num_strings = check_int("num_strings", num_strings)
        min_digits = check_int("min_digits", min_digits, maximum=20)
        max_digits = check_int("max_digits", max_digits, minimum=min_digits, maximum=20)
        low, high = (float(p) for p in pause_seconds)
        if not 0 <= low <= high:
            raise ValueError(f"pause_seconds must be a (low, high) pair with 0 <= low <= "
                             f"high, got {pause_seconds!r}.")
        rng = np.random.default_rng([check_int("seed", seed, minimum=0), 18])
        plan, audios = [], []
        for _ in range(num_strings):
            digits = "".join(
                str(d) for d in rng.integers(0, 10, size=rng.integers(min_digits,
                                                                      max_digits + 1)))
            pieces = []
            for d in digits:
                pause = np.zeros(int(rng.uniform(low, high) * SAMPLE_RATE), np.float32)
                pieces += [pause, recordings[d]]
            plan.append(digits)
            audios.append(np.concatenate(pieces[1:]))  # no pause before the first digit
    transcripts = [" ".join(DIGIT_WORDS[int(d)] for d in digits) for digits in plan]
    return tf.data.Dataset.from_generator(
        lambda: ({"audio": a, "digits": d, "transcript": t}
                 for a, d, t in zip(audios, plan, transcripts, strict=True)),
        output_signature={
            "audio": tf.TensorSpec([None], tf.float32),
            "digits": tf.TensorSpec([], tf.string),
            "transcript": tf.TensorSpec([], tf.string),
        },
    )
