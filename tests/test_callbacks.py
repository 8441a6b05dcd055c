"""EpochTimer records one wall-clock time per epoch of each fit; recompute_batch_norm and
PreciseBatchNorm give batch normalisation the statistics of the final weights."""

import time

import keras
import numpy as np
import pytest

import seqbook
from seqbook.callbacks import EpochTimer, PreciseBatchNorm, recompute_batch_norm


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


# recompute_batch_norm and PreciseBatchNorm: running statistics of the final weights.

def batch_norm_model(momentum=0.99):
    norm = keras.layers.BatchNormalization(momentum=momentum)
    return keras.Sequential([keras.Input((3,)), norm]), norm


def stats(layer):
    return (keras.ops.convert_to_numpy(layer.moving_mean),
            keras.ops.convert_to_numpy(layer.moving_variance))


def test_one_batch_gives_the_data_statistics_and_restores_momentum():
    x = np.random.default_rng(0).normal(5.0, 2.0, (100, 3)).astype("float32")
    model, norm = batch_norm_model()
    assert recompute_batch_norm(model, x, batch_size=100) == 1
    mean, variance = stats(norm)
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(variance, x.var(axis=0), rtol=1e-4)
    assert norm.momentum == 0.99


def test_uneven_batches_average_weighted_by_size():
    x = np.random.default_rng(1).normal(-1.0, 3.0, (70, 3)).astype("float32")
    model, norm = batch_norm_model()
    recompute_batch_norm(model, x, batch_size=30)  # batches of 30, 30 and 10
    batches = [x[:30], x[30:60], x[60:]]
    expected_variance = sum(len(b) * b.var(axis=0) for b in batches) / len(x)
    mean, variance = stats(norm)
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(variance, expected_variance, rtol=1e-4)


def test_finds_layers_inside_nested_models_and_leaves_weights_alone():
    inner, norm = batch_norm_model()
    dense = keras.layers.Dense(2)
    outer = keras.Sequential([keras.Input((3,)), inner, dense])
    before = [w.copy() for w in dense.get_weights()]
    x = np.random.default_rng(2).normal(4.0, 1.0, (40, 3)).astype("float32")
    assert recompute_batch_norm(outer, x, batch_size=40) == 1
    np.testing.assert_allclose(stats(norm)[0], x.mean(axis=0), rtol=1e-5)
    for old, new in zip(before, dense.get_weights()):
        np.testing.assert_array_equal(old, new)
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert recompute_batch_norm(plain, x) == 0


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_rejects_a_bad_batch_size(batch_size):
    model, _ = batch_norm_model()
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        recompute_batch_norm(model, np.zeros((4, 3), "float32"), batch_size=batch_size)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        PreciseBatchNorm(np.zeros((4, 3), "float32"), batch_size=batch_size)


def test_rejects_empty_inputs():
    model, _ = batch_norm_model()
    with pytest.raises(ValueError, match="x must hold at least one example"):
        recompute_batch_norm(model, np.zeros((0, 3), "float32"))
    with pytest.raises(ValueError, match="x must hold at least one example"):
        PreciseBatchNorm(np.zeros((0, 3), "float32"))


class RecordValidationStatistics(keras.callbacks.Callback):
    """The first layer's moving mean as each validation pass starts."""

    def __init__(self):
        super().__init__()
        self.means = []

    def on_test_begin(self, logs=None):
        self.means.append(stats(self.model.layers[0])[0].copy())


def test_the_callback_recomputes_before_validation_and_at_the_end():
    rng = np.random.default_rng(3)
    x = rng.normal(6.0, 2.0, (64, 3)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")
    norm = keras.layers.BatchNormalization(momentum=0.99)
    model = keras.Sequential([keras.Input((3,)), norm, keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    record = RecordValidationStatistics()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_data=(x[:8], y[:8]),
              callbacks=[PreciseBatchNorm(x, batch_size=64), record])
    # With momentum 0.99, 8 steps leave the moving mean near its start (0); recomputed, it
    # is the data's mean before each validation and after training.
    assert len(record.means) == 2
    for mean in [*record.means, stats(norm)[0]]:
        np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-4)
    assert norm.momentum == 0.99
