"""The same training step under Keras' TensorFlow and JAX backends, on this machine.

Three of the package's builders (an LSTM, a TCN and a Transformer forecaster, at the CPU
profile's sizes) train on the same data under

* TensorFlow with the package's CPU policy (no XLA: ``seqbook.runtime.xla_enabled``),
* TensorFlow with XLA forced on (``SEQBOOK_XLA=on``), and
* JAX (always compiled: JAX has no graph mode without XLA),

each in its own process (a process has one backend). For each it reports the first epoch
(tracing and compiling included) and the median of the following epochs, per training step,
and the ratios to TensorFlow's default. Run: ``python benchmarks/backends.py`` (about 2 min).

``--decode`` times greedy decoding instead (the translators of a small Transformer and a GRU
encoder-decoder, 200 sources, 7 steps): the first call, which compiles on JAX, and a repeat.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

RUNS = {
    "tensorflow": {"KERAS_BACKEND": "tensorflow", "SEQBOOK_XLA": "auto"},
    "tensorflow+xla": {"KERAS_BACKEND": "tensorflow", "SEQBOOK_XLA": "on"},
    "jax": {"KERAS_BACKEND": "jax", "SEQBOOK_XLA": "auto"},
}
EXAMPLES, WINDOW, FEATURES, BATCH, EPOCHS = 2048, 48, 4, 64, 6


def _measure() -> dict:
    """In this process's backend: seconds per training step, first epoch and steady state."""
    import keras
    import numpy as np

    from seqbook import callbacks, models

    builders = {
        "lstm": lambda: models.recurrent_forecaster(WINDOW, FEATURES, units=64, cell="lstm"),
        "tcn": lambda: models.tcn_forecaster(WINDOW, FEATURES, filters=64),
        "transformer": lambda: models.transformer_forecaster(
            WINDOW, FEATURES, hidden_dim=64, num_layers=2, num_heads=4, key_dim=16,
            intermediate_dim=128),
    }
    rng = np.random.default_rng(0)
    x = rng.normal(size=(EXAMPLES, WINDOW, FEATURES)).astype("float32")
    y = x[:, -8:, :1].mean(axis=1)
    steps = EXAMPLES // BATCH
    results = {}
    for name, build in builders.items():
        keras.utils.set_random_seed(0)
        model = build()
        timer = callbacks.EpochTimer()
        model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0, callbacks=[timer])
        results[name] = {
            "first_epoch_ms_per_step": 1000 * timer.seconds[0] / steps,
            "steady_ms_per_step": 1000 * statistics.median(timer.seconds[1:]) / steps,
            "jit_compile": bool(model.jit_compile),
        }
    return results


def _measure_decoding() -> dict:
    """In this process's backend: seconds of a first and a repeated greedy decode."""
    import time

    import numpy as np

    from seqbook import models

    sources = np.random.default_rng(0).integers(3, 12, size=(200, 5)).astype("int32")
    builders = {
        "transformer": lambda: models.transformer_seq2seq(
            12, 12, hidden_dim=32, num_heads=4, intermediate_dim=64),
        "gru seq2seq": lambda: models.encoder_decoder(12, 12),
    }
    results = {}
    for name, build in builders.items():
        translator = models.inference_model(build())
        seconds = []
        for _ in range(2):
            start = time.perf_counter()
            translator.translate(sources, start_token=1, end_token=2, max_length=7)
            seconds.append(time.perf_counter() - start)
        results[name] = {"first_s": seconds[0], "repeat_s": seconds[1]}
    return results


def _run_workers(flag: str) -> dict:
    measured = {}
    for run, settings in RUNS.items():
        if flag == "--decode-worker" and run == "tensorflow+xla":
            continue  # the translators do not go through compile(): XLA does not apply
        env = {**os.environ, **settings, "TF_CPP_MIN_LOG_LEVEL": "3"}
        out = subprocess.run([sys.executable, __file__, flag], env=env, check=True,
                             capture_output=True, text=True).stdout
        measured[run] = json.loads(out.strip().splitlines()[-1])
    return measured


def decode_main() -> None:
    measured = _run_workers("--decode-worker")
    print("greedy decoding of 200 sources, 7 steps: seconds (first call, then a repeat)")
    for model in measured["tensorflow"]:
        for run, results in measured.items():
            r = results[model]
            print(f"{model:<14}{run:<12}{r['first_s']:>8.2f} s first{r['repeat_s']:>8.2f} s repeat")


def main() -> None:
    measured = _run_workers("--worker")
    print(f"{EXAMPLES} windows of {WINDOW}x{FEATURES}, batch {BATCH}, {EPOCHS} epochs; "
          "ms per training step (ratio to tensorflow)")
    print(f"{'model':<12}{'run':<16}{'first epoch':>20}{'steady':>20}")
    for model in measured["tensorflow"]:
        base = measured["tensorflow"][model]
        for run, results in measured.items():
            r = results[model]
            first = r["first_epoch_ms_per_step"]
            steady = r["steady_ms_per_step"]
            print(f"{model:<12}{run:<16}"
                  f"{first:>11.2f} ({first / base['first_epoch_ms_per_step']:4.2f}x)"
                  f"{steady:>11.2f} ({steady / base['steady_ms_per_step']:4.2f}x)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        print(json.dumps(_measure()))
    elif sys.argv[1:] == ["--decode-worker"]:
        print(json.dumps(_measure_decoding()))
    elif sys.argv[1:] == ["--decode"]:
        decode_main()
    else:
        main()
