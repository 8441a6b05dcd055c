"""The training-diagnostics callbacks: learning-rate range test, gradient norms, activations."""

from __future__ import annotations

import glob
import math

import keras
import numpy as np
import pytest

from seqbook.diagnostics import (
    ActivationMonitor,
    GradientNormMonitor,
    LearningRateRangeTest,
    activation_statistics,
    gradient_norms,
)


def _linear(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="dense")(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])).astype("float32")
    return x, y


def test_range_test_raises_the_rate_geometrically_and_records_every_batch(regression):
    x, y = regression
    model = _linear()
    before = [w.copy() for w in model.get_weights()]
    test = LearningRateRangeTest(min_lr=1e-4, max_lr=1e-1, steps=12, stop_factor=None)
    model.fit(x, y, batch_size=16, epochs=10, verbose=0, callbacks=[test])
    assert len(test.learning_rates) == len(test.losses) == 12  # stopped after the sweep
    ratios = np.diff(np.log(test.learning_rates))
    np.testing.assert_allclose(ratios, np.log(1e3) / 11, rtol=1e-6)
    assert test.learning_rates[0] == pytest.approx(1e-4)
    assert test.learning_rates[-1] == pytest.approx(1e-1)
    assert not test.diverged
    # the per-batch loss is recovered from Keras' running mean: at small rates it falls
    assert test.losses[-1] < test.losses[0]
    for restored, original in zip(model.get_weights(), before):
        np.testing.assert_array_equal(restored, original)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == \
        pytest.approx(0.01)
    assert 1e-4 <= test.suggestion() <= 1e-1
    assert test.suggestion("minimum") == pytest.approx(
        test.learning_rates[int(np.argmin(test.smoothed))] / 10)


def test_range_test_recovers_each_batch_loss(regression):
    """The loss it records for a batch equals the model's loss on that batch (no training)."""
    x, y = regression
    model = _linear()
    test = LearningRateRangeTest(min_lr=1e-12, max_lr=1e-11, steps=4, smoothing=0.0)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[test])
    expected = [float(np.mean((model.predict(x[i:i + 16], verbose=0) - y[i:i + 16]) ** 2))
                for i in range(0, 64, 16)]
    np.testing.assert_allclose(test.losses, expected, rtol=1e-4)
    np.testing.assert_allclose(test.smoothed, expected, rtol=1e-4)


def test_range_test_stops_on_divergence(regression):
    x, y = regression
    model = _linear()
    test = LearningRateRangeTest(min_lr=1e-3, max_lr=1e3, steps=200, restore=False)
    model.fit(x, y, batch_size=8, epochs=50, verbose=0, callbacks=[test])
    assert test.diverged
    assert len(test.losses) < 200
    assert test.learning_rates[-1] > 1.0  # SGD on this problem diverges above a rate ~1


@pytest.mark.parametrize("kwargs, message", [
    (dict(min_lr=1.0, max_lr=0.1), "min_lr must be < max_lr"),
    (dict(min_lr=0.1, max_lr=0.1), "min_lr must be < max_lr"),
    (dict(min_lr=-1.0), "min_lr must be a number > 0"),
    (dict(steps=-5), "steps must be an integer >= 2"),
    (dict(steps=1), "steps must be an integer >= 2"),
    (dict(stop_factor=0.5), "stop_factor must be > 1"),
    (dict(smoothing=1.0), "smoothing must be a number in"),
])
def test_range_test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LearningRateRangeTest(**kwargs)


def test_suggestion_needs_a_run():
    with pytest.raises(ValueError, match="at least 3 recorded batches"):
        LearningRateRangeTest().suggestion()


def test_gradient_norm_matches_numpy(regression):
    """Dense layer, mean squared error: the gradient is known in closed form."""
    x, y = regression
    model = _linear()
    kernel, bias = model.get_weights()
    error = x @ kernel + bias - y  # [batch, 2]
    scale = 2.0 / error.size  # mean over batch and outputs
    grad_kernel, grad_bias = scale * x.T @ error, scale * error.sum(axis=0)
    expected = math.sqrt(np.sum(grad_kernel ** 2) + np.sum(grad_bias ** 2))
    norms = gradient_norms(model, x, y)
    assert norms["dense"] == pytest.approx(expected, rel=1e-5)
    assert norms["total"] == pytest.approx(expected, rel=1e-5)
    # an explicitly given loss gives the same, and a different loss a different norm
    assert gradient_norms(model, x, y, loss="mse")["dense"] == pytest.approx(expected, rel=1e-5)
    assert gradient_norms(model, x, y, loss="mae")["dense"] != pytest.approx(expected, rel=1e-2)


def test_gradient_norm_monitor_records_and_logs(regression, tmp_path):
    x, y = regression
    model = _linear()
    monitor = GradientNormMonitor(x[:16], y[:16], log_dir=tmp_path / "logs")
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[monitor])
    assert len(monitor.history["dense"]) == 4  # before training + 3 epochs
    assert monitor.history["dense"][-1] < monitor.history["dense"][0]  # training converges
    assert not monitor.exploded
    assert glob.glob(str(tmp_path / "logs" / "events.out.tfevents*"))


def test_gradient_norm_monitor_detects_an_explosion():
    """A ReLU RNN with a recurrent gain of 3 multiplies its state ~3x per step."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((20, 2))
    rnn = keras.layers.SimpleRNN(
        8, activation="relu", name="rnn",
        recurrent_initializer=keras.initializers.Orthogonal(gain=3.0))
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(rnn(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.abs(np.random.default_rng(0).normal(size=(32, 20, 2))).astype("float32")
    y = np.ones((32, 1), "float32")
    monitor = GradientNormMonitor(x, y, max_norm=1e3, stop_on_explosion=True)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[monitor])
    assert monitor.exploded
    assert monitor.exploded_at == 0  # the initial network already explodes
    assert len(monitor.history["rnn"]) == 2  # fit stopped after the first epoch
    first = monitor.history["total"][0]
    assert not math.isfinite(first) or first > 1e3


def test_activation_statistics_of_a_known_layer():
    inputs = keras.Input((2,))
    layer = keras.layers.Dense(4, activation="relu", name="relu")
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(layer(inputs)))
    # units: always positive, always zero (dead), zero for negative inputs, zero for x0 > x1
    layer.set_weights([np.array([[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, 0.0, 1.0]]),
                       np.array([10.0, -10.0, 0.0, 0.0])])
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, 1.0], [-3.0, -1.0]], "float32")
    stats = activation_statistics(model, x, ["relu"])["relu"]
    outputs = np.maximum(x @ layer.get_weights()[0] + layer.get_weights()[1], 0)
    assert stats["zero_fraction"] == pytest.approx(np.mean(outputs == 0))
    assert stats["dead_fraction"] == pytest.approx(0.25)  # only unit 1
    assert stats["mean"] == pytest.approx(outputs.mean(), rel=1e-6)


def test_activation_monitor_sees_a_dying_layer(tmp_path):
    """A bias of -100 kills every ReLU unit: zero fraction 1, gradient norm 0."""
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden",
                                bias_initializer=keras.initializers.Constant(-100.0))
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden(inputs)))
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).uniform(size=(32, 3)).astype("float32")
    y = np.ones((32, 1), "float32")
    activations = ActivationMonitor(x, ["hidden"], log_dir=tmp_path / "act")
    gradients = GradientNormMonitor(x, y)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[activations, gradients])
    assert activations.history["hidden"]["zero_fraction"] == [1.0, 1.0, 1.0]
    assert activations.history["hidden"]["dead_fraction"] == [1.0, 1.0, 1.0]
    assert gradients.history["hidden"] == [0.0, 0.0, 0.0]
    assert gradients.history["out"][0] > 0  # only the output bias still learns
    assert glob.glob(str(tmp_path / "act" / "events.out.tfevents*"))


def test_activation_monitor_rejects_unknown_layers():
    model = _linear()
    x, y = np.zeros((4, 3)), np.zeros((4, 2))
    with pytest.raises(ValueError, match="unknown layer name 'nope'"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ActivationMonitor(x, ["nope"])])
    with pytest.raises(ValueError, match="non-empty list of layer names"):
        ActivationMonitor(x, "dense")
    with pytest.raises(ValueError, match="unknown layer name"):
        activation_statistics(model, x, ["dense", "missing"])


def test_gradient_arguments_are_checked(regression):
    x, y = regression
    with pytest.raises(ValueError, match="max_norm must be a number > 0"):
        GradientNormMonitor(x, y, max_norm=0)
    inputs = keras.Input((3,))
    uncompiled = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="loss must be given"):
        gradient_norms(uncompiled, x, y)
