"""Statistical forecasting baselines, evaluated from rolling forecast origins.

A neural forecaster earns its place only by beating these on held-out data. Every function
here forecasts ``horizon`` steps ahead from *every* origin of a held-out period: origin
``t`` (for ``t = start, ..., len(series) - horizon``) may use the values before index ``t``
and forecasts ``series[t : t + horizon]``. Row ``i`` of each result is the forecast from
origin ``start + i``; :func:`rolling_targets` gives the matching true values. Model
parameters are estimated once, on ``series[:start]``, and never see the held-out period.

* :func:`naive_forecasts`: repeat the last value;
* :func:`seasonal_naive_forecasts`: repeat the last season;
* :func:`arima_forecasts`: a (seasonal) ARIMA model from statsmodels, optionally with
  regressors such as :func:`fourier_terms`, with prediction intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

__all__ = [
    "arima_forecasts",
    "fourier_terms",
    "naive_forecasts",
    "rolling_targets",
    "seasonal_naive_forecasts",
]


def _check_int(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")


def _origins(series, start: int, horizon: int, history: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Check a 1-D finite series and the rolling-origin settings; return it and the origins."""
    array = np.asarray(series, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"series must be 1-D [time]; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"series holds {bad} NaN or infinite values; fill or drop them first")
    _check_int("horizon", horizon, 1)
    _check_int("start", start, history)
    if start + horizon > len(array):
        raise ValueError(
            f"start + horizon must be at most the series length {len(array)}; got "
            f"start={start}, horizon={horizon}"
        )
    return array, np.arange(start, len(array) - horizon + 1)


def rolling_targets(series: np.ndarray | Sequence[float], start: int, horizon: int) -> np.ndarray:
    """The true values ``series[t : t + horizon]`` for every origin ``t >= start``.

    Parameters
    ----------
    series : array of shape ``[T]``
    start : int
        The first forecast origin (the first index of the held-out period).
    horizon : int
        Steps forecast from each origin.

    Returns
    -------
    numpy.ndarray
        ``[T - horizon - start + 1, horizon]``.

    Example
    -------
    >>> rolling_targets([0.0, 1.0, 2.0, 3.0, 4.0], start=3, horizon=2).tolist()
    [[3.0, 4.0]]
    """
    array, origins = _origins(series, start, horizon)
    return array[origins[:, None] + np.arange(horizon)]


def naive_forecasts(series: np.ndarray | Sequence[float], start: int, horizon: int) -> np.ndarray:
    """Forecast every future step with the last observed value.

    Parameters
    ----------
    series, start, horizon
        As in :func:`rolling_targets`.

    Returns
    -------
    numpy.ndarray
        ``[origins, horizon]``.

    Example
    -------
    >>> naive_forecasts([1.0, 5.0, 2.0, 7.0], start=2, horizon=2).tolist()
    [[5.0, 5.0]]
    >>> naive_forecasts([1.0, 5.0, 2.0, 7.0], start=2, horizon=1).tolist()
    [[5.0], [2.0]]
    """
    array, origins = _origins(series, start, horizon)
    return np.repeat(array[origins - 1, None], horizon, axis=1)


def seasonal_naive_forecasts(
    series: np.ndarray | Sequence[float], start: int, horizon: int, season: int
) -> np.ndarray:
    """Forecast each step with the last observed value one (or more) seasons earlier.

    Step ``t + j`` gets ``series[t + j - season * (1 + j // season)]``, the most recent
    value at the same position of the season that was observed before origin ``t``.

    Parameters
    ----------
    series, start, horizon
        As in :func:`rolling_targets`; ``start`` must be at least ``season``.
    season : int
        The seasonal period in steps (52 for weekly data with a yearly cycle).

    Returns
    -------
    numpy.ndarray
        ``[origins, horizon]``.

    Example
    -------
    >>> seasonal_naive_forecasts([1.0, 2.0, 3.0, 4.0, 5.0], start=4, horizon=1, season=2)
    array([[3.]])
    >>> seasonal_naive_forecasts([1.0, 2.0, 3.0, 4.0], start=2, horizon=2, season=2).tolist()
    [[1.0, 2.0]]
    """
    _check_int("season", season, 1)
    if isinstance(start, (int, np.integer)) and not isinstance(start, bool) and start < season:
        raise ValueError(
            f"start must be at least season={season} so that a whole season is observed; "
            f"got start={start}"
        )
    array, origins = _origins(series, start, horizon, history=season)
    steps = np.arange(horizon)
    lags = season * (1 + steps // season)
    return array[origins[:, None] + steps - lags]


def fourier_terms(length: int, period: float, order: int, offset: int = 0) -> np.ndarray:
    """Sine and cosine regressors for a seasonal cycle of ``period`` steps.

    Column pairs ``sin(2 pi k t / period)``, ``cos(2 pi k t / period)`` for ``k = 1..order``
    and ``t = offset, ..., offset + length - 1``. A few pairs describe a smooth seasonal
    shape with far fewer parameters than a seasonal ARIMA with a long period, and the period
    need not be a whole number (52.18 weeks in a year).

    Parameters
    ----------
    length : int
        Number of time steps (rows).
    period : float
        Length of the cycle in steps, > 1.
    order : int
        Number of harmonics (the result has ``2 * order`` columns).
    offset : int
        Index of the first row's step.

    Returns
    -------
    numpy.ndarray
        float64 ``[length, 2 * order]``.

    Example
    -------
    >>> fourier_terms(4, period=4, order=1).round(6).tolist()
    [[0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-1.0, -0.0]]
    """
    _check_int("length", length, 1)
    _check_int("order", order, 1)
    if isinstance(period, bool) or not isinstance(period, (int, float)) or not period > 1:
        raise ValueError(f"period must be a number > 1; got {period!r}")
    steps = offset + np.arange(length)[:, None]
    angle = 2 * np.pi * steps * np.arange(1, order + 1)[None, :] / period
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1).reshape(length, 2 * order)


def _at(matrix: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """A state-space system matrix at the given time steps: ``[..., len(steps)]``."""
    return matrix[..., steps] if matrix.shape[-1] > 1 else np.repeat(matrix, len(steps), -1)


def _state_space_forecasts(results, origins: np.ndarray, horizon: int):
    """Means and variances of h-step forecasts from every origin, all origins at once.

    ``results`` is a statsmodels Kalman filter result. Its predicted state ``a_t`` and
    covariance ``P_t`` (given the data before ``t``) start the recursions
    ``y = Z a + d``, ``F = Z P Z' + H``, ``a <- T a + c``, ``P <- T P T' + R Q R'``, the
    same computation as statsmodels' dynamic prediction, vectorised over origins.
    """
    state = results.predicted_state[:, origins]  # [k, n]
    cov = np.moveaxis(results.predicted_state_cov[:, :, origins], -1, 0)  # [n, k, k]
    mean = np.empty((len(origins), horizon))
    variance = np.empty_like(mean)
    for h in range(horizon):
        steps = origins + h
        design = np.moveaxis(_at(results.design, steps), -1, 0)[:, 0, :]  # [n, k]
        mean[:, h] = np.einsum("nk,kn->n", design, state) + _at(results.obs_intercept, steps)[0]
        obs_cov = _at(results.obs_cov, steps)[0, 0]
        variance[:, h] = np.einsum("nk,nkl,nl->n", design, cov, design) + obs_cov
        transition = np.moveaxis(_at(results.transition, steps), -1, 0)  # [n, k, k]
        selection = np.moveaxis(_at(results.selection, steps), -1, 0)
        shocks = np.moveaxis(_at(results.state_cov, steps), -1, 0)
        state = np.einsum("nkl,ln->kn", transition, state) + _at(results.state_intercept, steps)
        cov = (
            transition @ cov @ np.swapaxes(transition, 1, 2)
            + selection @ shocks @ np.swapaxes(selection, 1, 2)
        )
    return mean, variance


def arima_forecasts(
    series: np.ndarray | Sequence[float],
    start: int,
    horizon: int,
    order: tuple[int, int, int] = (1, 0, 0),
    seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0),
    trend: str | None = "c",
    exog: np.ndarray | None = None,
    level: float = 0.8,
    fit_window: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rolling-origin forecasts and prediction intervals of a statsmodels SARIMAX model.

    The parameters are estimated by maximum likelihood once, on the values before
    ``start`` (the last ``fit_window`` of them, if given). The fitted model is then run
    with those fixed parameters over the whole series (Kalman filter), and from each origin
    ``t`` the ``horizon``-step forecast uses only the values before ``t``, with the model's
    Gaussian ``level`` prediction interval.

    Parameters
    ----------
    series, start, horizon
        As in :func:`rolling_targets`.
    order : (p, d, q)
        Autoregressive order, differences and moving-average order.
    seasonal_order : (P, D, Q, s)
        The seasonal part, ``(0, 0, 0, 0)`` for none.
    trend : {"n", "c", "t", "ct"} or None
        Deterministic trend terms, as in ``statsmodels``' ``SARIMAX`` (``"c"``: a constant;
        with ``d = 1`` it is a drift).
    exog : array of shape ``[T, k]``, optional
        Regressors known for the whole series, such as :func:`fourier_terms`.
    level : float
        Nominal coverage of the prediction intervals, in ``(0, 1)``.
    fit_window : int, optional
        Estimate the parameters on only the last ``fit_window`` training values (faster on
        long series).

    Returns
    -------
    mean, lower, upper : numpy.ndarray
        Each ``[origins, horizon]``.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> y = np.zeros(200)
    >>> for t in range(1, 200):
    ...     y[t] = 0.8 * y[t - 1] + rng.normal()
    >>> mean, lower, upper = arima_forecasts(y, start=150, horizon=3, trend="n")
    >>> mean.shape, bool(np.all(lower < mean) and np.all(mean < upper))
    ((48, 3), True)
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX  # optional extra: seqbook[data]

    array, origins = _origins(series, start, horizon, history=2)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1); got {level!r}")
    if exog is not None:
        exog = np.asarray(exog, dtype=np.float64)
        if exog.ndim == 1:
            exog = exog[:, None]
        if exog.ndim != 2 or len(exog) != len(array):
            raise ValueError(
                f"exog must be [T, k] with T = len(series) = {len(array)}; got shape {exog.shape}"
            )
        if not np.all(np.isfinite(exog)):
            raise ValueError("exog holds NaN or infinite values")
    first = 0
    if fit_window is not None:
        _check_int("fit_window", fit_window, 2)
        first = max(0, start - fit_window)
    settings = dict(order=tuple(order), seasonal_order=tuple(seasonal_order), trend=trend)
    with warnings.catch_warnings():
        # Convergence chatter from the optimiser; the forecasts are what we score.
        warnings.simplefilter("ignore")
        fitted = SARIMAX(
            array[first:start], exog=None if exog is None else exog[first:start], **settings
        ).fit(disp=False)
        everything = fitted.apply(array, exog=exog)
    mean, variance = _state_space_forecasts(everything.filter_results, origins, horizon)
    from scipy.stats import norm  # a statsmodels dependency

    half_width = norm.ppf(0.5 + level / 2) * np.sqrt(variance)
    lower, upper = mean - half_width, mean + half_width
    return mean, lower, upper
