"""Forecast metrics against values worked out by hand, their defining properties, bad input."""

import numpy as np
import pytest

from seqbook import metrics


def test_mae_and_mase_by_hand():
    # |3-2| + |5-7| + |4-4| = 3 over 3 values.
    assert metrics.mae([3.0, 5.0, 4.0], [2.0, 7.0, 4.0]) == pytest.approx(1.0)
    # Training series 1, 3, 2, 6: naive one-step errors 2, 1, 4 -> scale 7/3.
    assert metrics.mase([3.0, 5.0, 4.0], [2.0, 7.0, 4.0], [1.0, 3.0, 2.0, 6.0]) == pytest.approx(
        3 / 7
    )
    # Season 2: errors |2-1|, |6-3| -> scale 2; the forecast MAE is 1.
    assert metrics.mase([3.0, 5.0, 4.0], [2.0, 7.0, 4.0], [1.0, 3.0, 2.0, 6.0], season=2) == (
        pytest.approx(0.5)
    )
    assert metrics.naive_scale([1.0, 3.0, 2.0, 6.0], season=3) == pytest.approx(5.0)


def test_mase_of_multi_step_forecasts_and_of_the_naive_method_in_sample():
    """A 2-D [origins, horizon] array is scored over all entries; the in-sample naive is 1."""
    rng = np.random.default_rng(0)
    train = np.cumsum(rng.normal(size=200))
    assert metrics.mase(train[1:], train[:-1], train) == pytest.approx(1.0)
    truth = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecast = np.array([[1.5, 2.0], [3.0, 2.0]])  # errors 0.5, 0, 0, 2 -> MAE 0.625
    assert metrics.mase(truth, forecast, [0.0, 1.0, 3.0]) == pytest.approx(0.625 / 1.5)
    # A perfectly periodic series is forecast exactly by its seasonal naive method.
    season = np.tile([1.0, 4.0, 2.0], 10)
    assert metrics.mae(season[3:], season[:-3]) == 0.0


def test_smape_by_hand_and_its_bounds():
    # 2|100-110| / 210 = 0.0952..., 2|50-25| / 75 = 0.666...; mean in percent.
    expected = 100 * (20 / 210 + 50 / 75) / 2
    assert metrics.smape([100.0, 50.0], [110.0, 25.0]) == pytest.approx(expected)
    assert metrics.smape([0.0, 2.0], [0.0, 2.0]) == 0.0  # 0/0 counts as a perfect forecast
    assert metrics.smape([1.0, 2.0], [-1.0, 0.0]) == pytest.approx(200.0)  # the maximum
    # Symmetric in its two arguments (unlike MAPE).
    assert metrics.smape([3.0, 8.0], [5.0, 2.0]) == pytest.approx(metrics.smape([5.0, 2.0], [3.0, 8.0]))


def test_pinball_loss_by_hand_and_minimised_by_the_quantile():
    # Errors y - f: 2 (under-forecast) and -1 (over-forecast) at tau = 0.9: (1.8 + 0.1) / 2.
    assert metrics.pinball_loss([10.0, 10.0], [8.0, 11.0], 0.9) == pytest.approx(0.95)
    y = np.array([1.0, 4.0, 2.0, 8.0])
    assert metrics.pinball_loss(y, np.full(4, 3.0), 0.5) == pytest.approx(
        metrics.mae(y, np.full(4, 3.0)) / 2
    )
    sample = np.random.default_rng(1).exponential(size=4000)
    candidates = np.linspace(0.0, 4.0, 401)
    losses = [metrics.pinball_loss(sample, np.full_like(sample, c), 0.8) for c in candidates]
    assert candidates[int(np.argmin(losses))] == pytest.approx(np.quantile(sample, 0.8), abs=0.02)


def test_interval_coverage_counts_the_bounds_as_inside():
    y = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert metrics.interval_coverage(y, [1, 0, 4, 0, 6], [1, 1, 5, 9, 7]) == pytest.approx(0.4)
    truth = np.arange(6.0).reshape(2, 3)
    assert metrics.interval_coverage(truth, truth - 1, truth + 1) == 1.0
    # A Gaussian 80% interval covers about 80% of Gaussian draws.
    draws = np.random.default_rng(2).normal(size=20000)
    z = 1.2815515655446004
    coverage = metrics.interval_coverage(draws, np.full_like(draws, -z), np.full_like(draws, z))
    assert coverage == pytest.approx(0.8, abs=0.01)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.mae([1.0, np.nan], [1.0, 2.0]), "y_true holds 1 NaN"),
        (lambda: metrics.mae([1.0, 2.0], [1.0, np.inf]), "y_pred holds 1 NaN or infinite"),
        (lambda: metrics.mae([1.0, 2.0], [1.0, 2.0, 3.0]), r"same shape.*\(2,\).*\(3,\)"),
        (lambda: metrics.mae([], []), "must not be empty"),
        (lambda: metrics.mae(["a"], [1.0]), "y_true must be an array of numbers"),
        (lambda: metrics.mase([1.0], [1.0], [1.0, np.nan, 2.0]), "y_train holds 1 NaN"),
        (lambda: metrics.mase([1.0], [1.0], [[1.0, 2.0], [3.0, 4.0]]), "y_train must be 1-D"),
        (lambda: metrics.mase([1.0], [1.0], [1.0, 2.0, 3.0], season=3), "longer than season=3"),
        (lambda: metrics.mase([1.0], [1.0], [1.0, 2.0, 3.0], season=0), "season"),
        (lambda: metrics.mase([1.0], [1.0], [2.0, 2.0, 2.0]), "constant"),
        (lambda: metrics.smape([1.0, 2.0], [[1.0, 2.0]]), "same shape"),
        (lambda: metrics.pinball_loss([1.0], [1.0], 1.0), "quantile"),
        (lambda: metrics.pinball_loss([1.0], [1.0, 2.0], 0.5), "y_quantile must have the same"),
        (lambda: metrics.interval_coverage([1.0], [2.0], [0.0]), "lower must not exceed upper"),
        (lambda: metrics.interval_coverage([1.0, 2.0], [0.0], [3.0]), "lower must have the same"),
        (lambda: metrics.interval_coverage([1.0], [0.0], [np.nan]), "upper holds"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
