"""Anomaly detectors: scorers against direct computations, a planted anomaly, save/load, bad input."""

import keras
import numpy as np
import pytest

from seqbook import metrics, models


def _last_value_forecaster(window: int, features: int = 1) -> keras.Model:
    """A linear model that repeats the last value of feature 0 (the naive forecast)."""
    model = keras.Sequential([keras.Input((window, features)), keras.layers.Flatten(),
                              keras.layers.Dense(1, use_bias=False)])
    kernel = np.zeros((window * features, 1))
    kernel[(window - 1) * features] = 1.0
    model.set_weights([kernel])
    return model


def _wave(steps: int = 600, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    return np.sin(2 * np.pi * t / 50) + 0.05 * rng.normal(size=steps)


def test_rolling_zscore_equals_a_loop():
    rng = np.random.default_rng(0)
    series = rng.normal(size=80).cumsum()
    window = 7
    scores = models.rolling_zscore(series, window)
    assert scores.shape == (80,) and np.isnan(scores[:window]).all()
    for t in range(window, 80):
        past = series[t - window:t]
        assert scores[t] == pytest.approx(abs(series[t] - past.mean()) / past.std())


def test_rolling_zscore_multivariate_takes_the_largest_feature_score():
    rng = np.random.default_rng(1)
    series = rng.normal(size=(60, 3))
    scores = models.rolling_zscore(series, 10)
    per_feature = np.stack([models.rolling_zscore(series[:, f], 10) for f in range(3)], -1)
    np.testing.assert_allclose(scores[10:], per_feature[10:].max(-1))


def test_rolling_zscore_flat_history_uses_min_std():
    scores = models.rolling_zscore([1.0, 1.0, 1.0, 1.0, 1.5], window=4, min_std=0.5)
    assert scores[-1] == pytest.approx(1.0)


def test_forecast_residual_scores_with_a_known_forecaster():
    series = np.array([0.0, 1.0, 3.0, 6.0, 6.0, 2.0])
    scores = models.forecast_residual_scores(_last_value_forecaster(2), series)
    # Residual of the naive forecast: |x_t - x_{t-1}|.
    np.testing.assert_allclose(scores, [np.nan, np.nan, 2.0, 3.0, 0.0, 4.0])
    # Multivariate: the model reads all features and forecasts the `target` column.
    two = np.stack([series, 10 * series], axis=-1)
    scores = models.forecast_residual_scores(_last_value_forecaster(2, 2), two, target=0)
    np.testing.assert_allclose(scores[2:], [2.0, 3.0, 0.0, 4.0])


def test_reconstruction_scores_average_the_windows_that_contain_each_step():
    # A "model" that rebuilds every window as zeros: the error at each position is x^2, and
    # every step is credited the same x^2 by each window containing it.
    zeros = keras.Sequential([keras.Input((3, 1)), keras.layers.Lambda(lambda x: 0.0 * x)])
    series = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_allclose(models.reconstruction_scores(zeros, series), series ** 2)
    # A model that doubles its input: error x^2 again, averaged over features.
    double = keras.Sequential([keras.Input((2, 2)), keras.layers.Lambda(lambda x: 2.0 * x)])
    pair = np.stack([series, 3 * series], axis=-1)
    np.testing.assert_allclose(models.reconstruction_scores(double, pair, batch_size=2),
                               (series ** 2 + 9 * series ** 2) / 2)


def test_quantile_threshold():
    assert models.quantile_threshold([0.2, np.nan, 0.9, 0.4]) == 0.9
    assert models.quantile_threshold(np.arange(11.0), q=0.5) == 5.0


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_lstm_autoencoder_shapes_dtype_and_save_load(tmp_path):
    keras.utils.set_random_seed(0)
    model = models.lstm_autoencoder(window=12, features=2, units=4)
    assert model.output_shape == (None, 12, 2)
    assert model.layers[-1].dtype_policy.compute_dtype == "float32"
    windows = np.random.default_rng(0).normal(size=(5, 12, 2)).astype("float32")
    path = tmp_path / "autoencoder.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(windows, verbose=0),
                               model.predict(windows, verbose=0), atol=1e-6)


def test_lstm_autoencoder_trains_under_mirrored_strategy_and_mixed_bfloat16(two_cpu_strategy):
    rng = np.random.default_rng(0)
    t = np.arange(8)[None, :, None]
    x = np.sin(t / 2 + rng.uniform(0, 6, size=(128, 1, 1))).astype("float32")
    keras.utils.set_random_seed(0)
    with two_cpu_strategy.scope():
        model = models.lstm_autoencoder(window=8, units=8, learning_rate=1e-2)
    loss = model.fit(x, x, batch_size=32, epochs=4, verbose=0).history["loss"]
    assert loss[-1] < loss[0]
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = models.lstm_autoencoder(window=8, units=4)
        assert model.get_layer("encoder").compute_dtype == "bfloat16"
        out = model(x[:2])
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_detectors_find_a_planted_burst():
    """Train on a clean wave; a burst of jitter later on must outscore every normal step.

    The residual detector uses a linear autoregressive forecaster (quick to compile); the
    autoencoder is the LSTM builder itself.
    """
    keras.utils.set_random_seed(0)
    series = _wave(600)
    labels = np.zeros(600, int)
    labels[500:510] = 1
    series[500:510] += np.where(np.arange(10) % 2, 0.8, -0.8)  # alternating jitter
    window, fit_end = 12, 300
    past = np.lib.stride_tricks.sliding_window_view(series[:fit_end], window)[:, :, None]
    forecaster = models.dense_forecaster(window=window, learning_rate=1e-2)
    forecaster.fit(past[:-1][-280:], series[window:fit_end][-280:, None], epochs=20,
                   batch_size=40, verbose=0)
    residual = models.forecast_residual_scores(forecaster, series)
    autoencoder = models.lstm_autoencoder(window=window, units=12, learning_rate=1e-2)
    autoencoder.fit(past[-280:], past[-280:], epochs=12, batch_size=40, verbose=0)
    rebuilt = models.reconstruction_scores(autoencoder, series)
    test = slice(400, None)
    for scores in (residual, rebuilt):
        assert 495 <= 400 + np.argmax(scores[test]) <= 520
        assert metrics.auc_pr(labels[test], scores[test]) > 0.3
    # A threshold from clean held-out scores raises alarms in the burst and few elsewhere.
    threshold = models.quantile_threshold(residual[fit_end:400])
    alarms = residual[test] > threshold
    assert alarms[100:111].any() and alarms.sum() < 30


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.rolling_zscore([1.0, np.nan, 2.0, 3.0], 2), "NaN"),
        (lambda: models.rolling_zscore([1.0, 2.0, 3.0], 3), "too short"),
        (lambda: models.rolling_zscore(np.zeros((4, 2, 2)), 2), "1-D"),
        (lambda: models.rolling_zscore([1.0, 2.0, 3.0], 1), "window"),
        (lambda: models.rolling_zscore([1.0, 2.0, 3.0], 2, min_std=0.0), "min_std"),
        (lambda: models.forecast_residual_scores(_last_value_forecaster(4), [1.0, 2.0, 3.0, 4.0]),
         "too short"),
        (lambda: models.forecast_residual_scores(_last_value_forecaster(2), [1.0, np.inf, 3.0]),
         "NaN or infinite"),
        (lambda: models.forecast_residual_scores(_last_value_forecaster(2), np.zeros((6, 2))),
         "features"),
        (lambda: models.forecast_residual_scores(_last_value_forecaster(2, 2), np.zeros((6, 2)),
                                                 target=2), "target"),
        (lambda: models.reconstruction_scores(models.lstm_autoencoder(8, units=2), np.zeros(5)),
         "too short"),
        (lambda: models.reconstruction_scores(
            keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)]), np.zeros(5)),
         "window"),
        (lambda: models.reconstruction_scores(_last_value_forecaster(2), np.zeros(6)),
         "shaped like its input"),
        (lambda: models.quantile_threshold([np.nan, np.nan]), "no score"),
        (lambda: models.quantile_threshold([0.1, 0.2], q=0.0), "q must"),
        (lambda: models.quantile_threshold([[0.1, 0.2]]), "1-D"),
        (lambda: models.lstm_autoencoder(window=0), "window"),
        (lambda: models.lstm_autoencoder(window=8, units=-1), "units"),
    ],
)
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
