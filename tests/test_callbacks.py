"""EpochTimer records one wall-clock time per epoch of each fit."""

import time

import keras
import numpy as np
import pytest

import seqbook
from seqbook.callbacks import EpochTimer


class Sleep(keras.callbacks.Callback):
    """Make every epoch last at least ``seconds``, so the timings have a floor to check."""

    def __init__(self, seconds):
        super().__init__()
        self.sleep = seconds

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(self.sleep)


def fit(timer, epochs):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((16, 3), "float32"), np.zeros((16, 1), "float32")
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0, callbacks=[Sleep(0.05), timer])
    return time.perf_counter() - start


def test_times_each_epoch_of_a_tiny_fit():
    timer = EpochTimer()
    total = fit(timer, epochs=2)
    assert len(timer.seconds) == 2 and all(isinstance(s, float) for s in timer.seconds)
    assert all(s >= 0.05 for s in timer.seconds)  # each includes its sleep
    assert sum(timer.seconds) <= total
    assert timer.median == pytest.approx(np.median(timer.seconds))
    assert timer.steady_median == timer.seconds[1]


def test_a_new_fit_starts_a_new_record():
    timer = EpochTimer()
    fit(timer, epochs=2)
    fit(timer, epochs=1)
    assert len(timer.seconds) == 1
    with pytest.raises(ValueError, match="at least 2 timed epochs; got 1"):
        timer.steady_median


def test_median_before_any_fit_is_refused():
    with pytest.raises(ValueError, match="no epoch was timed yet"):
        EpochTimer().median


def test_keras_only_and_exported():
    import ast
    import pathlib

    tree = ast.parse(pathlib.Path(seqbook.callbacks.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.startswith("tensorflow") for name in imported)
    assert "callbacks" in seqbook.__all__ and seqbook.callbacks.EpochTimer is EpochTimer
