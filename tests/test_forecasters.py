"""Forecasters (GRU, TCN, Transformer; quantiles; relative), baselines and forecast windows."""

import keras
import numpy as np
import pytest

from seqbook import data, metrics, models

Q = (0.1, 0.5, 0.9)


def _small(kind, **kwargs):
    """Tiny versions of the three neural forecasters."""
    if kind == "gru":
        return models.recurrent_forecaster(units=8, **kwargs)
    if kind == "tcn":
        return models.tcn_forecaster(filters=8, **kwargs)
    return models.transformer_forecaster(hidden_dim=8, num_heads=2, key_dim=4, intermediate_dim=16,
                                         **kwargs)


@pytest.mark.parametrize("kind", ["gru", "tcn", "transformer"])
@pytest.mark.parametrize("quantiles, relative", [(None, False), (Q, True)])
@pytest.mark.usefixtures("force_xla")  # the model must also compile with XLA
def test_shapes_and_save_load_round_trip(kind, quantiles, relative, tmp_path):
    keras.utils.set_random_seed(0)
    model = _small(kind, window=12, features=3, horizon=4, quantiles=quantiles,
                   relative=relative, target=1)
    assert model.jit_compile is True
    x = np.random.default_rng(0).normal(size=(5, 12, 3)).astype("float32")
    before = keras.ops.convert_to_numpy(model(x))
    assert before.shape == ((5, 4) if quantiles is None else (5, 4, 3))
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")  # safe mode: no lambdas
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(x)), before, atol=1e-6)
    if quantiles is not None:
        assert isinstance(restored.loss, models.QuantileLoss)
        assert restored.loss.quantiles == Q


@pytest.mark.parametrize("kind", ["gru", "tcn", "transformer"])
def test_relative_model_with_a_zero_head_is_the_naive_forecast(kind):
    """relative=True forecasts the change from the last value of the target feature."""
    model = _small(kind, window=10, features=2, horizon=3, relative=True, target=1)
    head = model.get_layer("forecast")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    x = np.random.default_rng(1).normal(size=(4, 10, 2)).astype("float32")
    expected = np.repeat(x[:, -1, 1:2], 3, axis=1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), expected, atol=1e-6)
    # Shifting the target feature by a constant shifts the forecast by it, whatever the head.
    model = _small(kind, window=10, features=2, horizon=3, relative=True, target=1)
    shifted = x.copy()
    shifted[:, :, 1] += 5.0
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(shifted)),
        keras.ops.convert_to_numpy(model(x)) + 5.0,
        atol=1e-4,
    )


def test_subtract_last_and_add_last_layers():
    x = np.arange(12, dtype="float32").reshape(1, 4, 3)
    shifted, last = models.SubtractLast(target=2)(x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(last), [[11.0]])
    expected = x.copy()
    expected[..., 2] -= 11.0
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(shifted), expected)
    delta = np.ones((1, 2, 3), "float32")
    out = keras.ops.convert_to_numpy(models.AddLast()([delta, np.array([[2.0]], "float32")]))
    np.testing.assert_array_equal(out, np.full((1, 2, 3), 3.0))
    for layer in (models.SubtractLast(target=2, name="s"), models.AddLast(name="a")):
        clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
        assert type(clone) is type(layer) and clone.name == layer.name
    assert keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(models.SubtractLast(target=2))
    ).target == 2


def test_quantile_loss_matches_the_numpy_pinball_loss():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(6, 4)).astype("float32")
    f = rng.normal(size=(6, 4, 3)).astype("float32")
    keras_value = float(models.QuantileLoss(Q)(y, f))
    numpy_value = np.mean([metrics.pinball_loss(y, f[..., i], q) for i, q in enumerate(Q)])
    assert keras_value == pytest.approx(numpy_value, rel=1e-5)


def test_quantile_forecaster_learns_calibrated_intervals():
    """Targets: a noisy AR(1). The 10%-90% band should cover about 80% of fresh data."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    series = np.zeros(3000, "float32")
    for t in range(1, len(series)):
        series[t] = 0.7 * series[t - 1] + rng.normal()
    x, y = data.window_arrays(series[:2000], window=8, horizon=2)
    x_test, y_test = data.window_arrays(series[2000:], window=8, horizon=2)
    model = models.tcn_forecaster(window=8, horizon=2, filters=8, quantiles=Q,
                                  learning_rate=1e-2)
    model.fit(x, y, epochs=4, batch_size=128, verbose=0)
    f = keras.ops.convert_to_numpy(model(x_test))
    coverage = metrics.interval_coverage(y_test, np.minimum(f[..., 0], f[..., 2]),
                                         np.maximum(f[..., 0], f[..., 2]))
    assert 0.7 < coverage < 0.9, coverage
    # The median forecast is close to the best possible one, 0.7^h y_last, whose errors are
    # N(0, 1) one step ahead and N(0, 1 + 0.7^2) two steps ahead, and beats the naive one.
    best_mae = np.sqrt(2 / np.pi) * (1 + np.sqrt(1 + 0.7**2)) / 2
    median_mae = metrics.mae(y_test, f[..., 1])
    assert median_mae < 1.05 * best_mae, (median_mae, best_mae)
    naive = np.repeat(x_test[:, -1, :], 2, axis=1)
    assert median_mae < 0.95 * metrics.mae(y_test, naive)


def test_transformer_trains_under_mirrored_strategy_and_bfloat16_keeps_float32(two_cpu_strategy):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 2)).astype("float32")
    y = x[:, -1, :1] * 0.5
    with two_cpu_strategy.scope():
        model = _small("transformer", window=6, features=2, horizon=1, learning_rate=1e-2)
    loss = model.fit(x, y, batch_size=32, epochs=3, verbose=0).history["loss"]
    assert loss[-1] < loss[0]
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        for kind in ("gru", "tcn", "transformer"):
            model = _small(kind, window=6, features=2, horizon=2, quantiles=Q, relative=True)
            assert model.get_layer("forecast").compute_dtype == "float32"
            assert any(layer.compute_dtype == "bfloat16" for layer in model.layers)
            out = model(x[:4])
            assert out.dtype == "float32" and tuple(out.shape) == (4, 2, 3)
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.tcn_forecaster(window=8, quantiles=(0.9, 0.1)), "quantiles"),
        (lambda: models.tcn_forecaster(window=8, quantiles=(0.0, 0.5)), "quantiles"),
        (lambda: models.tcn_forecaster(window=8, quantiles=()), "quantiles"),
        (lambda: models.tcn_forecaster(window=8, quantiles="0.5"), "quantiles"),
        (lambda: models.tcn_forecaster(window=8, dilations=()), "dilations"),
        (lambda: models.tcn_forecaster(window=0), "window"),
        (lambda: models.recurrent_forecaster(window=8, features=2, target=2), "target"),
        (lambda: models.recurrent_forecaster(window=8, relative="yes"), "relative"),
        (lambda: models.transformer_forecaster(window=8, hidden_dim=0), "hidden_dim"),
        (lambda: models.transformer_forecaster(window=8, num_layers=0), "num_layers"),
        (lambda: models.transformer_forecaster(window=8, horizon=0), "horizon"),
        (lambda: models.QuantileLoss(None), "quantiles"),
        (lambda: models.SubtractLast(target=-1), "target"),
    ],
)
def test_bad_builder_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# Baselines -------------------------------------------------------------------------------


def test_naive_and_seasonal_naive_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    np.testing.assert_array_equal(
        models.naive_forecasts(y, start=4, horizon=2), [[4.0, 4.0], [5.0, 5.0]]
    )
    # Season 3, origin 4 (known: 1..4): steps 4, 5 repeat steps 1, 2; origin 5: 2, 3.
    np.testing.assert_array_equal(
        models.seasonal_naive_forecasts(y, start=4, horizon=2, season=3), [[2.0, 3.0], [3.0, 4.0]]
    )
    # A horizon longer than the season repeats the last observed season.
    np.testing.assert_array_equal(
        models.seasonal_naive_forecasts(y, start=4, horizon=3, season=2), [[3.0, 4.0, 3.0]]
    )
    np.testing.assert_array_equal(models.rolling_targets(y, 5, 2), [[6.0, 7.0]])


def test_rolling_targets_line_up_with_the_window_pipeline():
    """Windows of series[start - window:] have exactly the rolling-origin targets."""
    rng = np.random.default_rng(0)
    series = rng.normal(size=(60, 2))
    start, window, horizon = 40, 6, 3
    x, y = data.window_arrays(series[start - window:], window, horizon, target=1)
    np.testing.assert_allclose(y, models.rolling_targets(series[:, 1], start, horizon), rtol=1e-6)
    # Each window ends right before its origin: its last value is the naive forecast.
    np.testing.assert_allclose(
        x[:, -1, 1], models.naive_forecasts(series[:, 1], start, horizon)[:, 0], rtol=1e-6
    )


def test_seasonal_naive_is_exact_on_a_periodic_series():
    y = np.tile([3.0, 1.0, 4.0, 1.0, 5.0], 8)
    forecast = models.seasonal_naive_forecasts(y, start=20, horizon=7, season=5)
    np.testing.assert_array_equal(forecast, models.rolling_targets(y, 20, 7))


def test_fourier_terms_are_periodic():
    terms = models.fourier_terms(30, period=7.5, order=2)
    assert terms.shape == (30, 4)
    np.testing.assert_allclose(terms[:15], terms[15:], atol=1e-12)  # two periods of 7.5 = 15
    np.testing.assert_allclose(terms[:, 0] ** 2 + terms[:, 1] ** 2, 1.0)
    np.testing.assert_allclose(models.fourier_terms(5, 7.5, 2, offset=3), terms[3:8])


def _ar1(length, phi=0.8, seed=0):
    rng = np.random.default_rng(seed)
    y = np.zeros(length)
    for t in range(1, length):
        y[t] = phi * y[t - 1] + rng.normal()
    return y


def test_arima_forecasts_use_no_future_values_and_decay_like_an_ar1():
    y = _ar1(400)
    mean, lower, upper = models.arima_forecasts(y, start=300, horizon=3, trend="n")
    assert mean.shape == lower.shape == upper.shape == (98, 3)
    # The fitted AR(1) forecasts phi^h * (last value), phi close to 0.8.
    ratio = mean[:, 1] / mean[:, 0]
    assert np.allclose(ratio, ratio[0]) and 0.7 < ratio[0] < 0.9
    np.testing.assert_allclose(mean[:, 0] * ratio[0], mean[:, 1])
    np.testing.assert_allclose(mean[:, 0], ratio[0] * y[299:397], rtol=1e-6)
    # Changing a held-out value changes only the forecasts made after it was observed.
    changed = y.copy()
    changed[350] += 10.0
    again, _, _ = models.arima_forecasts(changed, start=300, horizon=3, trend="n")
    moved = np.flatnonzero(np.abs(again - mean).max(axis=1) > 1e-9) + 300  # origins
    assert moved.min() == 351 and np.all(np.abs(again[:51] - mean[:51]) < 1e-9)
    # 80% intervals: about 80% coverage, wider further ahead.
    truth = models.rolling_targets(y, 300, 3)
    assert 0.7 < metrics.interval_coverage(truth, lower, upper) < 0.9
    width = (upper - lower).mean(axis=0)
    assert width[0] < width[1] < width[2]


def test_arima_forecasts_equal_statsmodels_dynamic_prediction():
    """The vectorised forecasts repeat statsmodels' own dynamic prediction, interval included."""
    import warnings

    from statsmodels.tsa.statespace.sarimax import SARIMAX

    t = np.arange(240)
    y = np.cumsum(_ar1(240, phi=0.3, seed=2)) + 3 * np.sin(2 * np.pi * t / 12.5)
    exog = models.fourier_terms(240, period=12.5, order=1)
    mean, lower, upper = models.arima_forecasts(
        y, start=200, horizon=4, order=(1, 1, 1), exog=exog, level=0.9, fit_window=150
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = SARIMAX(y[50:200], exog=exog[50:200], order=(1, 1, 1), trend="c").fit(disp=False)
    everything = fitted.apply(y, exog=exog)
    for row in (0, 17, len(mean) - 1):
        reference = everything.get_prediction(start=200 + row, end=203 + row, dynamic=True)
        np.testing.assert_allclose(mean[row], reference.predicted_mean, rtol=1e-9)
        interval = np.asarray(reference.conf_int(alpha=0.1))
        np.testing.assert_allclose(lower[row], interval[:, 0], rtol=1e-9)
        np.testing.assert_allclose(upper[row], interval[:, 1], rtol=1e-9)


def test_arima_with_fourier_regressors_follows_a_seasonal_cycle():
    t = np.arange(300)
    y = 5 * np.sin(2 * np.pi * t / 12.5) + _ar1(300, phi=0.5, seed=1)
    exog = models.fourier_terms(300, period=12.5, order=1)
    seasonal, _, _ = models.arima_forecasts(y, 250, 6, order=(1, 0, 0), exog=exog)
    plain, _, _ = models.arima_forecasts(y, 250, 6, order=(1, 0, 0))
    truth = models.rolling_targets(y, 250, 6)
    assert metrics.mae(truth, seasonal) < 0.5 * metrics.mae(truth, plain)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.naive_forecasts([1.0, np.nan, 2.0], 1, 1), "NaN"),
        (lambda: models.naive_forecasts(np.zeros((5, 2)), 2, 1), "1-D"),
        (lambda: models.naive_forecasts(np.zeros(5), 4, 2), "start \\+ horizon"),
        (lambda: models.naive_forecasts(np.zeros(5), 0, 1), "start"),
        (lambda: models.naive_forecasts(np.zeros(5), 2, 0), "horizon"),
        (lambda: models.seasonal_naive_forecasts(np.zeros(20), 3, 1, season=4), "season=4"),
        (lambda: models.seasonal_naive_forecasts(np.zeros(20), 8, 1, season=0), "season"),
        (lambda: models.fourier_terms(10, period=1, order=1), "period"),
        (lambda: models.fourier_terms(10, period=12, order=0), "order"),
        (lambda: models.arima_forecasts(np.zeros(50), 40, 2, exog=np.zeros((49, 2))), "exog"),
        (lambda: models.arima_forecasts(np.zeros(50), 40, 2, level=80), "level"),
    ],
)
def test_bad_baseline_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"series": [1.0, np.nan, 3.0, 4.0, 5.0], "window": 2}, "NaN"),
        ({"series": np.arange(6.0), "window": 5, "horizon": 2}, "too short"),
        ({"series": np.zeros((8, 2, 2)), "window": 2}, "1-D.*2-D"),
        ({"series": np.arange(8.0), "window": 2.5}, "window must be an integer"),
        ({"series": np.arange(8.0), "window": 2, "horizon": True}, "horizon must be an integer"),
    ],
)
def test_forecast_windows_refuse_bad_series(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.window_arrays(**kwargs)
    with pytest.raises(ValueError, match=message):
        data.windows(**kwargs)
