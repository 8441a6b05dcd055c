"""The cost of a builder's first ``fit`` with and without the optimizer built at compile time.

Keras creates Adam's moment variables inside the first training step unless they exist
already, and a TensorFlow function that creates variables is traced twice. For the small
models of the book's CPU profile that second trace costs about as much as the first epoch.
``seqbook.models._common.compile_model`` therefore builds the optimizer for every builder;
this script measures what that saves: for a few builders, the seconds of a two-epoch
``fit`` (XLA off, as the chapters run on a CPU) with the optimizer left unbuilt (Keras'
default) and built at compile time, and the final loss of both (the same: only when the
variables are made changes).

Usage::

    python benchmarks/first_fit.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import models  # noqa: E402

FORECAST = dict(window=20, features=1, horizon=5, quantiles=(0.1, 0.5, 0.9), relative=True,
                learning_rate=1e-2)
BUILDERS = {
    "GRU forecaster": lambda: models.recurrent_forecaster(units=32, cell="gru", **FORECAST),
    "TCN forecaster": lambda: models.tcn_forecaster(filters=16, **FORECAST),
    "Transformer forecaster": lambda: models.transformer_forecaster(
        hidden_dim=16, num_heads=2, key_dim=8, intermediate_dim=32, **FORECAST),
    "FCN classifier": lambda: models.fcn_classifier(sequence_length=24, features=1, num_classes=2),
}


def first_fit(build, prebuilt: bool, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Seconds of a two-epoch fit of a fresh model, and its final loss."""
    keras.utils.set_random_seed(0)
    model = build()  # compiled by the runtime's XLA policy: off on a CPU
    if not prebuilt:  # undo compile_model's optimizer build: Keras' default behaviour
        model.compile(keras.optimizers.Adam(float(model.optimizer.learning_rate)),
                      model.loss, jit_compile=model.jit_compile)
    start = time.perf_counter()
    history = model.fit(x, y, epochs=2, batch_size=56, verbose=0)
    return time.perf_counter() - start, history.history["loss"][-1]


def main() -> None:
    rng = np.random.default_rng(0)
    data = {
        "forecaster": (rng.normal(size=(224, 20, 1)).astype("float32"),
                       rng.normal(size=(224, 5)).astype("float32")),
        "classifier": (rng.normal(size=(224, 24, 1)).astype("float32"),
                       rng.integers(0, 2, size=224)),
    }
    print(f"{'builder':24} {'unbuilt s':>10} {'built s':>8} {'loss unbuilt':>13} {'loss built':>11}")
    for name, build in BUILDERS.items():
        x, y = data[name.split()[-1]]
        slow, slow_loss = first_fit(build, False, x, y)
        fast, fast_loss = first_fit(build, True, x, y)
        print(f"{name:24} {slow:10.2f} {fast:8.2f} {slow_loss:13.5f} {fast_loss:11.5f}")


if __name__ == "__main__":
    main()
