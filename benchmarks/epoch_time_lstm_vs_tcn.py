"""Time per epoch of an LSTM and a TCN on the same adding-problem data, and their test error.

For each sequence length the script loads the adding problem (``data.load("adding_problem")``,
2,000 training and 1,000 test sequences by default), trains Keras' LSTM (one ``LSTM`` layer
read at its last state, then a linear output) and ``models.tcn_regressor`` (dilations from ``models.tcn_dilations``, so its receptive
field covers the sequence) with the same batches, and prints one row per model and length:
parameters, seconds per epoch (median over the epochs after the first, which includes
compilation), compile-and-first-epoch seconds and test mean squared error. Predicting 1 for
every sequence scores about 0.167.

Usage::

    python benchmarks/epoch_time_lstm_vs_tcn.py                      # lengths 10 50 100
    python benchmarks/epoch_time_lstm_vs_tcn.py --lengths 100 400 1000 --epochs 20  # on a GPU
    python benchmarks/epoch_time_lstm_vs_tcn.py --models tcn          # the TCN row only

The chapter ``book/neural/cnn-tcn`` runs the same comparison at one length.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import data, models, runtime  # noqa: E402
from seqbook.models._common import compile_model  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    """Record the wall-clock seconds of every epoch."""

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def adding_arrays(length: int, num_examples: int, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem as NumPy arrays ``([n, length, 2], [n])``."""
    rows = data.load("adding_problem", split=split, sequence_length=length,
                     num_examples=num_examples)
    batch = next(rows.batch(num_examples).as_numpy_iterator())
    return batch["inputs"], batch["target"]


def lstm_regressor(length: int, units: int, learning_rate: float) -> keras.Model:
    """One LSTM layer read at its last state, then a linear output (the recurrent baseline)."""
    inputs = keras.Input(shape=(length, 2))
    state = keras.layers.LSTM(units)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, dtype="float32")(state), name="lstm")
    return compile_model(model, "mse", ["mae"], learning_rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--models", nargs="+", choices=["lstm", "tcn"], default=["lstm", "tcn"])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--train", type=int, default=2000, help="training sequences")
    parser.add_argument("--batch-size", type=int, default=50,
                        help="divide --train by it, or XLA compiles the last batch again")
    parser.add_argument("--units", type=int, default=32, help="LSTM state size")
    parser.add_argument("--filters", type=int, default=16, help="TCN channels")
    parser.add_argument("--learning-rate", type=float, default=5e-3)
    args = parser.parse_args()

    strategy = runtime.setup(seed=0)
    print(runtime.describe())
    print(f"{'length':>6} {'model':5} {'params':>7} {'s/epoch':>8} {'first':>7} {'test MSE':>9}")
    for length in args.lengths:
        x_train, y_train = adding_arrays(length, args.train, "train")
        x_test, y_test = adding_arrays(length, 1000, "test")
        for name in args.models:
            keras.utils.set_random_seed(0)
            with strategy.scope():
                if name == "lstm":
                    model = lstm_regressor(length, args.units, args.learning_rate)
                else:
                    model = models.tcn_regressor(
                        features=2,
                        sequence_length=length,
                        filters=args.filters,
                        dilations=models.tcn_dilations(length),
                        learning_rate=args.learning_rate,
                    )
            timer = EpochTimer()
            model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                      verbose=0, callbacks=[timer])
            mse = model.evaluate(x_test, y_test, verbose=0)[0]
            per_epoch = statistics.median(timer.seconds[1:]) if args.epochs > 1 else float("nan")
            print(f"{length:6d} {name:5} {model.count_params():7d} {per_epoch:8.3f} "
                  f"{timer.seconds[0]:7.2f} {mse:9.4f}", flush=True)


if __name__ == "__main__":
    main()
