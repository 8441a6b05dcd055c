"""Forecast accuracy: MAE, MASE, sMAPE, pinball (quantile) loss and interval coverage.

All functions take NumPy arrays (or anything ``numpy.asarray`` accepts) of matching shapes,
for example ``[origins, horizon]`` for multi-step forecasts made at several forecast origins,
and return a plain ``float``. Inputs with NaN or infinite values, mismatched shapes or a
training series too short for the season raise ``ValueError`` naming the argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["interval_coverage", "mae", "mase", "naive_scale", "pinball_loss", "smape"]

ArrayLike = np.ndarray | Sequence[float] | float


def _finite(name: str, values: ArrayLike) -> np.ndarray:
    """``values`` as a float64 array, or ``ValueError`` if empty or not finite."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers; got {values!r}") from error
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} holds {bad} NaN or infinite values; expected finite numbers")
    return array


def _pair(y_true: ArrayLike, y_pred: ArrayLike, pred_name: str = "y_pred"):
    """Check two arrays of the same shape."""
    truth, prediction = _finite("y_true", y_true), _finite(pred_name, y_pred)
    if truth.shape != prediction.shape:
        raise ValueError(
            f"y_true and {pred_name} must have the same shape; got {truth.shape} and "
            f"{prediction.shape}"
        )
    return truth, prediction


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error, ``mean(|y_true - y_pred|)``.

    Parameters
    ----------
    y_true, y_pred : array_like
        Observed values and forecasts, the same shape.

    Returns
    -------
    float
        In the units of the series.

    Example
    -------
    >>> mae([1.0, 2.0, 4.0], [2.0, 2.0, 1.0])
    1.3333333333333333
    """
    truth, prediction = _pair(y_true, y_pred)
    return float(np.mean(np.abs(truth - prediction)))


def naive_scale(y_train: ArrayLike, season: int = 1) -> float:
    """In-sample MAE of the seasonal naive forecast, the denominator of :func:`mase`.

    Example
    -------
    >>> naive_scale([1.0, 2.0, 4.0, 3.0], season=2)  # (|4 - 1| + |3 - 2|) / 2
    2.0
    """
    if isinstance(season, bool) or not isinstance(season, (int, np.integer)) or season < 1:
        raise ValueError(f"season must be a positive integer; got {season!r}")
    train = _finite("y_train", y_train)
    if train.ndim != 1:
        raise ValueError(f"y_train must be 1-D [time]; got shape {train.shape}")
    if len(train) <= season:
        raise ValueError(
            f"y_train must be longer than season={season} to score a seasonal naive "
            f"forecast; got {len(train)} values"
        )
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    if scale == 0:
        raise ValueError(
            "y_train is constant at lag season: the naive in-sample error is 0, so MASE "
            "is undefined"
        )
    return scale


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_train: ArrayLike, season: int = 1) -> float:
    """Mean absolute scaled error (Hyndman & Koehler 2006).

    The forecast MAE divided by the in-sample MAE of the seasonal naive forecast on the
    training series, ``mean(|y_train[t] - y_train[t - season]|)``. Below 1, the forecasts
    beat what the naive method achieved one step ahead on the training data; the value does
    not depend on the units of the series, so it averages across series.

    Parameters
    ----------
    y_true, y_pred : array_like
        Observed values and forecasts over the held-out period, the same shape.
    y_train : array_like
        The 1-D training series that sets the scale.
    season : int
        Seasonal period of the naive forecast in the scale (1: plain naive).

    Returns
    -------
    float

    Example
    -------
    >>> mase([5.0, 7.0], [6.0, 6.0], y_train=[1.0, 2.0, 4.0], season=1)
    0.6666666666666666
    """
    return mae(y_true, y_pred) / naive_scale(y_train, season)


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200).

    ``100 * mean(2 |y - f| / (|y| + |f|))``, the form used in the M4 competition. A term
    whose true value and forecast are both 0 counts as 0 (a perfect forecast).

    Parameters
    ----------
    y_true, y_pred : array_like
        Observed values and forecasts, the same shape.

    Returns
    -------
    float

    Example
    -------
    >>> smape([100.0, 0.0], [110.0, 0.0])
    4.761904761904762
    """
    truth, prediction = _pair(y_true, y_pred)
    denominator = np.abs(truth) + np.abs(prediction)
    terms = np.divide(
        2 * np.abs(truth - prediction),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(100 * np.mean(terms))


def pinball_loss(y_true: ArrayLike, y_quantile: ArrayLike, quantile: float) -> float:
    """Mean pinball (quantile) loss of a forecast of the ``quantile``-th quantile.

    With ``e = y_true - y_quantile`` each term is ``quantile * e`` when ``e >= 0`` and
    ``(quantile - 1) * e`` otherwise; its expectation is smallest at the true quantile of
    ``y_true``. At ``quantile=0.5`` it is half the MAE.

    Parameters
    ----------
    y_true, y_quantile : array_like
        Observed values and forecast quantiles, the same shape.
    quantile : float
        The level in ``(0, 1)``.

    Returns
    -------
    float

    Example
    -------
    >>> pinball_loss([10.0, 10.0], [8.0, 11.0], quantile=0.9)
    0.95
    """
    if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) or not (
        0 < quantile < 1
    ):
        raise ValueError(f"quantile must be a number in (0, 1); got {quantile!r}")
    truth, prediction = _pair(y_true, y_quantile, "y_quantile")
    error = truth - prediction
    return float(np.mean(np.maximum(quantile * error, (quantile - 1) * error)))


def interval_coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Fraction of observed values inside their prediction interval ``[lower, upper]``.

    A well-calibrated 80% interval covers about 80% of the held-out values; much less means
    the intervals are too narrow (overconfident), much more that they are too wide.

    Parameters
    ----------
    y_true, lower, upper : array_like
        Observed values and the interval bounds, the same shape, ``lower <= upper``.

    Returns
    -------
    float
        Between 0 and 1.

    Example
    -------
    >>> interval_coverage([1.0, 5.0, 3.0, 9.0], lower=[0, 0, 0, 0], upper=[2, 4, 6, 8])
    0.5
    """
    truth, low = _pair(y_true, lower, "lower")
    _, high = _pair(y_true, upper, "upper")
    if np.any(low > high):
        raise ValueError(
            f"lower must not exceed upper; lower > upper at {int(np.sum(low > high))} points"
        )
    return float(np.mean((truth >= low) & (truth <= high)))
