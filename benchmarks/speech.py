"""The speech chapter's experiment over several seeds: is augmentation's effect beyond noise?

The chapter (``book/applications/speech-recognition.md``) trains one seed of each model in
the CPU profile. This script repeats its CPU-profile experiment (260 training utterances,
at most 9 epochs, early stopping on the validation voices) for seeds 0, 1 and 2 and prints
the mean and the range of the word error rate of the augmented and the plain model on the
synthetic test voices and on the real speaker's spliced strings and isolated digits.

Usage::

    python benchmarks/speech.py [seeds ...]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import data, metrics, models, runtime  # noqa: E402
from seqbook.data.sources.speech import DIGIT_WORDS  # noqa: E402

ALPHABET = "0123456789"
AUGMENT = dict(rates=(120, 150, 175, 210, 250), pitches=(20, 35, 50, 65, 80),
               noise_snr_db=(15.0, 60.0), speeds=(0.85, 0.92, 1.0, 1.08, 1.15))
PLAIN = dict(rates=(175,), pitches=(50,), noise_snr_db=None, speeds=(1.0,))


def arrays(dataset):
    rows = list(dataset.as_numpy_iterator())
    return [r["audio"] for r in rows], [r["digits"].decode() for r in rows]


def words(strings):
    return [" ".join(DIGIT_WORDS[int(c)] for c in s) for s in strings]


def main(seeds: list[int]) -> None:
    runtime.setup(seed=0)
    train = {"augmented": arrays(data.load("spoken_digit_strings", split="train",
                                           num_train=260, **AUGMENT)),
             "plain": arrays(data.load("spoken_digit_strings", split="train",
                                       num_train=260, **PLAIN))}
    validation = arrays(data.load("spoken_digit_strings", split="validation", num_train=260,
                                  **AUGMENT))
    tests = {"synthetic strings": arrays(data.load("spoken_digit_strings", split="test",
                                                   num_train=260, **AUGMENT)),
             "real spliced": arrays(data.load("asterisk_digits", split="test",
                                              kind="spliced")),
             "real isolated": arrays(data.load("asterisk_digits", split="test"))}
    val_labels, _ = models.encode_transcripts(validation[1], ALPHABET)
    results: dict[tuple[str, str], list[float]] = {}
    for name, (audio, digits) in train.items():
        labels, _ = models.encode_transcripts(digits, ALPHABET)
        masks = 2 if name == "augmented" else 0
        for seed in seeds:
            start = time.perf_counter()
            keras.utils.set_random_seed(seed)
            model = models.ctc_recognizer(vocabulary_size=10, time_masks=masks,
                                          frequency_masks=masks, seed=seed)
            model.fit(models.AudioBatches(audio, labels, batch_size=8, shuffle=True,
                                          seed=seed),
                      validation_data=models.AudioBatches(validation[0], val_labels),
                      epochs=9, verbose=0,
                      callbacks=[keras.callbacks.EarlyStopping(
                          patience=3, restore_best_weights=True)])
            for test, (test_audio, test_digits) in tests.items():
                hypotheses = models.recognize(model, test_audio, ALPHABET)
                wer = metrics.word_error_rate(words(test_digits), words(hypotheses))
                results.setdefault((name, test), []).append(wer)
            print(f"{name} seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    for (name, test), wers in results.items():
        print(f"{name:9s} {test:17s} WER mean {np.mean(wers):.3f} range {np.ptp(wers):.3f} "
              f"{np.round(wers, 3).tolist()}")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])
