"""Where XLA pays on this machine: the measurements behind ``seqbook.runtime.xla_enabled``.

For three small model families of the book (an LSTM, a dilated causal CNN, a Transformer
encoder block), at the CPU profile's size and at a four-times larger size, it times

* the first ``fit`` (tracing and, with XLA, compiling, plus one epoch), and
* the median of the following epochs (steady state),

with ``jit_compile`` off and on, one after the other in the same process. The runtime's rule
and the figures it quotes come from this script's output on the reference machine (2 CPU
cores). Run: ``python benchmarks/xla_policy.py`` (about 2 minutes).
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402


class _Timer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def lstm(length: int, width: int) -> keras.Model:
    inputs = keras.Input((length, 8))
    x = keras.layers.LSTM(width)(inputs)
    return keras.Model(inputs, keras.layers.Dense(4)(x))


def tcn(length: int, width: int) -> keras.Model:
    inputs = keras.Input((length, 8))
    x = inputs
    for dilation in (1, 2, 4, 8):
        x = keras.layers.Conv1D(width, 3, padding="causal", dilation_rate=dilation,
                                activation="relu")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(4)(x))


def transformer(length: int, width: int) -> keras.Model:
    inputs = keras.Input((length, 8))
    x = keras.layers.Dense(width)(inputs)
    for _ in range(2):
        attended = keras.layers.MultiHeadAttention(4, width // 4)(x, x)
        x = keras.layers.LayerNormalization()(x + attended)
        x = keras.layers.LayerNormalization()(x + keras.layers.Dense(width)(
            keras.layers.Dense(2 * width, activation="relu")(x)))
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(4)(x))


def measure(build, length: int, width: int, examples: int, xla: bool, epochs: int = 4):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(examples, length, 8)).astype("float32")
    y = rng.integers(0, 4, size=examples)
    model = build(length, width)
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=xla)
    model.optimizer.build(model.trainable_variables)
    timer = _Timer()
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    first = time.perf_counter() - start
    model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=[timer])
    return first, statistics.median(timer.seconds)


def main() -> None:
    sizes = {"cpu profile": (32, 32, 1024), "4x larger": (128, 64, 2048)}
    print(f"{'model':12} {'size':12} {'first fit off/on (s)':>22} {'epoch off/on (s)':>18}"
          f" {'epoch speed-up':>15}")
    for name, build in (("LSTM", lstm), ("TCN", tcn), ("Transformer", transformer)):
        for size, (length, width, examples) in sizes.items():
            off = measure(build, length, width, examples, xla=False)
            on = measure(build, length, width, examples, xla=True)
            print(f"{name:12} {size:12} {off[0]:9.2f} / {on[0]:6.2f}      "
                  f"{off[1]:7.3f} / {on[1]:6.3f}  {off[1] / on[1]:12.2f}x", flush=True)


if __name__ == "__main__":
    main()
