"""Spoken digits synthesised offline by eSpeak NG (shipped inside ``espeakng-loader``).

eSpeak NG is a formant synthesiser: its voices differ in accent, pitch, speed and timbre,
which makes a small, honest speech-recognition task with many "speakers" and no download.
It is synthetic speech, and the chapters say so; ``speech_commands`` is the real-speech
data set for users with a network.
"""

from __future__ import annotations

import ctypes
import threading

import numpy as np

SAMPLE_RATE = 16_000
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: Eight default voices: four English accents, and male/female variants (``+f3``: female 3).
VOICES = (
    "en-us",
    "en-us+f3",
    "en-gb-x-rp",
    "en-gb-x-rp+f2",
    "en-gb-scotland",
    "en-029",
    "en-gb-x-gbclan+m3",
    "en-us-nyc+f4",
)
#: Voices of the connected-digit set (:mod:`seqbook.data.builders.speech`), split by voice:
#: no accent-and-timbre pair of the validation or test voices is heard in training, and the
#: timbres (``+m5``, ``+f4``; ``+m6``, ``+f5``) and two accents are new to the model as well.
TRAIN_VOICES = tuple(
    f"{accent}{variant}"
    for accent in ("en-us", "en-gb-x-rp", "en-gb-scotland", "en-029")
    for variant in ("", "+m1", "+m3", "+f1", "+f2", "+f3")
)
VALIDATION_VOICES = ("en-gb-x-gbclan+m5", "en-us-nyc+f4", "en-gb-x-gbclan+f4", "en-us-nyc+m5")
TEST_VOICES = ("en-gb-x-gbcwmd+m6", "en+f5", "en-gb-x-gbcwmd+f5", "en+m6")

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE, _ESPEAK_PITCH = 1, 3
_POS_CHARACTER, _ESPEAK_CHARS_UTF8 = 1, 1
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Espeak:
    """A minimal ctypes binding: one synchronous engine per process, guarded by a lock."""

    def __init__(self) -> None:
        import espeakng_loader  # optional extra: seqbook[data]

        self.lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        data_path = espeakng_loader.get_data_path().encode()
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0)
        if self.rate <= 0:
            raise RuntimeError("eSpeak NG failed to initialise from espeakng-loader's data.")
        self.chunks: list[np.ndarray] = []
        self.callback = _CALLBACK(self._collect)  # kept on self so it is not garbage-collected
        self.lib.espeak_SetSynthCallback(self.callback)
        self.lock = threading.Lock()

    def _collect(self, samples, count, events) -> int:
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0  # 0 = keep synthesising

    def say(self, text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(
                    f"voices must name eSpeak NG voices such as 'en-us+f3', got {voice!r}."
                )
            self.lib.espeak_SetParameter(_ESPEAK_RATE, rate, 0)
            self.lib.espeak_SetParameter(_ESPEAK_PITCH, pitch, 0)
            self.chunks = []
            # eSpeak NG jitters its voicing with an internal random generator; reseeding it
            # before each utterance makes the audio depend on the arguments alone.
            self.lib.espeak_ng_SetRandSeed(ctypes.c_long(0))
            encoded = text.encode("utf-8") + b"\0"
            self.lib.espeak_Synth(
                encoded, len(encoded), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None
            )
            self.lib.espeak_Synchronize()
            return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)


_ENGINE: _Espeak | None = None


def synthesize(text: str, voice: str = "en-us", rate: int = 175, pitch: int = 50) -> np.ndarray:
    """Speak ``text`` with eSpeak NG and return float32 samples in [-1, 1] at 16 kHz.

    Parameters
    ----------
    text : str
        What to say.
    voice : str
        An eSpeak NG voice, optionally with a variant (``"en-gb-x-rp+f2"``).
    rate : int
        Words per minute (80-450).
    pitch : int
        Base pitch, 0-100.

    Repeated calls in one process can differ by a few samples (eSpeak NG carries state
    between utterances); :func:`synthesize_many` renders reproducibly.

    Example
    -------
    >>> audio = synthesize("seven")
    >>> audio.dtype, 0.2 < len(audio) / SAMPLE_RATE < 1.5
    (dtype('float32'), True)
    """
    from scipy.signal import resample_poly

    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Espeak()
    samples = _ENGINE.say(text, voice, rate, pitch).astype(np.float32) / 32768.0
    # eSpeak NG renders at 22,050 Hz; 16 kHz is the rate of speech corpora (Speech Commands).
    divisor = np.gcd(SAMPLE_RATE, _ENGINE.rate)
    return resample_poly(samples, SAMPLE_RATE // divisor, _ENGINE.rate // divisor).astype(
        np.float32
    )


# Run in a fresh interpreter that loads this file alone: importing the ``seqbook`` package
# would import TensorFlow, several seconds that the synthesis does not need.
_WORKER = """
import importlib.util, json, sys
import numpy as np
spec = importlib.util.spec_from_file_location("seqbook_speech_worker", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
requests = json.load(sys.stdin)
np.savez(sys.argv[2], *[module.synthesize(*request) for request in requests])
"""


def synthesize_many(requests: list[tuple[str, str, int, int]]) -> list[np.ndarray]:
    """Synthesise ``(text, voice, rate, pitch)`` requests reproducibly, in a fresh process.

    eSpeak NG keeps state between utterances (a few samples of difference from one call to
    the next in one process), but a fresh process given the same requests in the same order
    renders the same samples. Data set builds go through here so that they are repeatable.

    Example
    -------
    >>> a, b = synthesize_many([("one", "en-us", 175, 50)] * 2)
    >>> np.array_equal(a, synthesize_many([("one", "en-us", 175, 50)])[0])
    True
    """
    import json
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        output = f"{scratch}/audio.npz"
        subprocess.run(
            [sys.executable, "-c", _WORKER, __file__, output],
            input=json.dumps(list(requests)),
            text=True,
            check=True,
            capture_output=True,
        )
        with np.load(output) as arrays:
            return [arrays[f"arr_{i}"] for i in range(len(requests))]


def resample(audio: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """Resample ``audio`` from ``rate`` to ``target_rate`` samples per second (polyphase).

    Going down to 8 kHz keeps the 0-4 kHz telephone band, which the anti-aliasing filter
    of :func:`scipy.signal.resample_poly` enforces.

    Example
    -------
    >>> resample(np.zeros(16_000, np.float32), 16_000, 8_000).shape
    (8000,)
    """
    from scipy.signal import resample_poly

    divisor = np.gcd(rate, target_rate)
    return resample_poly(audio, target_rate // divisor, rate // divisor).astype(np.float32)


def digits_to_words(digits: str) -> str:
    """Spell a digit string in words, the way it is spoken one digit at a time.

    Example
    -------
    >>> digits_to_words("907")
    'nine zero seven'
    """
    if not isinstance(digits, str) or not digits.isdigit() or not digits.isascii():
        raise ValueError(f"digits must be a non-empty string of 0-9, got {digits!r}.")
    return " ".join(DIGIT_WORDS[int(d)] for d in digits)


def add_noise(audio: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add white noise at a signal-to-noise ratio of ``snr_db`` decibels."""
    power = float(np.mean(audio**2)) or 1e-12
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), size=audio.shape)
    return np.clip(audio + noise, -1.0, 1.0).astype(np.float32)
