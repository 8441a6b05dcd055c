"""Anomaly detectors for time series: a score for every time step, and a threshold.

A detector here has two parts. A *scorer* gives each step a number, higher meaning more
unusual: the rolling z-score of the step against the steps just before it, the error of a
forecaster that predicts the step from the steps before it (:func:`forecast_residual_scores`),
or the error of an autoencoder that rebuilds windows of normal data
(:func:`reconstruction_scores` with :func:`lstm_autoencoder`). A *threshold* then turns scores
into alarms; :func:`quantile_threshold` picks it from scores on data known to be normal, so
that no anomaly label is needed to set it.

The scorers are plain NumPy around a trained Keras model, so they work with any forecaster
or autoencoder that takes windows ``[batch, window, features]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from seqbook._checks import finite_series
from seqbook.models._common import compile_model, require_positive

__all__ = [
    "forecast_residual_scores",
    "lstm_autoencoder",
    "quantile_threshold",
    "reconstruction_scores",
    "rolling_zscore",
]


def _series(series: np.ndarray | Sequence[float], name: str = "series") -> np.ndarray:
    """Check a finite 1-D ``[T]`` or 2-D ``[T, features]`` series; return it as ``[T, features]``."""
    array = finite_series(series, name, dtype="float64")
    return array[:, None] if array.ndim == 1 else array


def _long_enough(steps: int, needed: int, what: str) -> None:
    if steps < needed:
        raise ValueError(f"series of length {steps} is too short for {what}: it needs at least {needed} steps")


def _model_window(model: keras.Model, features: int) -> int:
    """The window length and feature count a model expects, checked against the series."""
    shape = tuple(model.input_shape)
    if len(shape) != 3 or shape[1] is None:
        raise ValueError(
            f"model must take windows [batch, window, features] with a fixed window; "
            f"its input shape is {shape}"
        )
    if shape[2] != features:
        raise ValueError(f"model expects {shape[2]} features per step; the series has {features}")
    return int(shape[1])


def _predict(model: keras.Model, inputs: np.ndarray, batch_size: int) -> np.ndarray:
    """The model's outputs for ``inputs``, called batch by batch.

    A direct call rather than ``model.predict``: ``predict`` compiles a function (with XLA,
    for the builders' models) for each batch shape, which on a CPU costs more time than
    scoring a series of a few thousand steps.
    """
    outputs = [
        keras.ops.convert_to_numpy(model(inputs[start : start + batch_size], training=False))
        for start in range(0, len(inputs), batch_size)
    ]
    return np.concatenate(outputs)


def rolling_zscore(
    series: np.ndarray | Sequence[float], window: int, min_std: float = 1e-6
) -> np.ndarray:
    """Score each step by how many standard deviations it lies from the steps just before it.

    For step :math:`t`, with :math:`m_t` and :math:`s_t` the mean and standard deviation of the
    ``window`` steps :math:`x_{t-w}, \\dots, x_{t-1}`, the score is
    :math:`|x_t - m_t| / \\max(s_t, \\text{min\\_std})`. Only past steps enter, so the score can be
    computed as data arrive. A multivariate series gets the largest score over its features.

    Parameters
    ----------
    series : array of shape ``[T]`` or ``[T, features]``
        Finite values.
    window : int
        Number of past steps in the rolling mean and standard deviation; at least 2.
    min_std : float
        Floor on the standard deviation, so a flat stretch does not divide by zero.

    Returns
    -------
    numpy.ndarray
        float64 ``[T]``; the first ``window`` steps, which have no full history, are NaN.

    Example
    -------
    >>> rolling_zscore([1.0, 2.0, 1.0, 2.0, 9.0], window=4).round(2).tolist()
    [nan, nan, nan, nan, 15.0]
    """
    array = _series(series)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 2:
        raise ValueError(f"window must be an integer >= 2; got {window!r}")
    window = int(window)
    if not min_std > 0:
        raise ValueError(f"min_std must be > 0; got {min_std!r}")
    _long_enough(len(array), window + 1, f"window={window} (window + 1 steps)")
    past = np.lib.stride_tricks.sliding_window_view(array[:-1], window, axis=0)  # [T-w, F, w]
    z = np.abs(array[window:] - past.mean(axis=-1)) / np.maximum(past.std(axis=-1), min_std)
    scores = np.full(len(array), np.nan)
    scores[window:] = z.max(axis=-1)
    return scores


def forecast_residual_scores(
    model: keras.Model,
    series: np.ndarray | Sequence[float],
    target: int = 0,
    batch_size: int = 8192,
) -> np.ndarray:
    """Score each step by how far it lies from a one-step forecast made from the steps before it.

    The model reads the ``window`` steps before step :math:`t` and predicts step :math:`t`
    (its first output); the score is the absolute error :math:`|x_t - \\hat{x}_t|` in the units
    of ``series``. A forecaster trained on normal data predicts normal behaviour well, so a
    large residual marks a step that the normal dynamics do not explain.

    Parameters
    ----------
    model : keras.Model
        A trained forecaster taking ``[batch, window, features]`` and returning
        ``[batch, horizon]``, such as :func:`seqbook.models.recurrent_forecaster`.
    series : array of shape ``[T]`` or ``[T, features]``
        The series to score, scaled as the model's training data were.
    target : int
        For a multivariate series, the feature the model forecasts.
    batch_size : int
        Windows per prediction batch.

    Returns
    -------
    numpy.ndarray
        float64 ``[T]``; the first ``window`` steps, which have no full history, are NaN.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((3, 1)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(1, use_bias=False)])
    >>> model.set_weights([np.array([[0.0], [0.0], [1.0]])])  # repeat the last value
    >>> forecast_residual_scores(model, [1.0, 2.0, 3.0, 3.0, 7.0]).tolist()
    [nan, nan, nan, 0.0, 4.0]
    """
    array = _series(series)
    require_positive(batch_size=batch_size)
    window = _model_window(model, array.shape[1])
    if not 0 <= target < array.shape[1]:
        raise ValueError(f"target must index one of {array.shape[1]} features; got {target!r}")
    _long_enough(len(array), window + 1, f"the model's window of {window} (window + 1 steps)")
    inputs = np.lib.stride_tricks.sliding_window_view(array[:-1], window, axis=0)
    inputs = np.swapaxes(inputs, 1, 2).astype(np.float32)  # [T-w, window, features]
    predicted = _predict(model, inputs, batch_size)
    predicted = predicted.reshape(len(inputs), -1)[:, 0].astype(np.float64)
    scores = np.full(len(array), np.nan)
    scores[window:] = np.abs(array[window:, target] - predicted)
    return scores


def reconstruction_scores(
    model: keras.Model,
    series: np.ndarray | Sequence[float],
    batch_size: int = 8192,
) -> np.ndarray:
    """Score each step by how badly an autoencoder rebuilds the windows that contain it.

    Every window of ``window`` consecutive steps (stride 1) goes through the model; the squared
    error at each position, averaged over features, is credited to that step, and each step's
    score is the mean over the (up to ``window``) windows that contain it. An autoencoder
    trained on normal windows rebuilds normal shapes and fails on shapes it never saw.

    Parameters
    ----------
    model : keras.Model
        A trained autoencoder mapping ``[batch, window, features]`` to the same shape, such as
        :func:`lstm_autoencoder`.
    series : array of shape ``[T]`` or ``[T, features]``
        The series to score, scaled as the model's training data were.
    batch_size : int
        Windows per prediction batch.

    Returns
    -------
    numpy.ndarray
        float64 ``[T]``, one score for every step.

    Example
    -------
    >>> identity = keras.Sequential([keras.Input((2, 1)), keras.layers.Identity()])
    >>> reconstruction_scores(identity, [1.0, 5.0, 2.0]).tolist()
    [0.0, 0.0, 0.0]
    """
    array = _series(series)
    require_positive(batch_size=batch_size)
    window = _model_window(model, array.shape[1])
    _long_enough(len(array), window, f"the model's window of {window}")
    inputs = np.swapaxes(np.lib.stride_tricks.sliding_window_view(array, window, axis=0), 1, 2)
    rebuilt = _predict(model, inputs.astype(np.float32), batch_size)
    if rebuilt.shape != inputs.shape:
        raise ValueError(
            f"model must return windows shaped like its input {inputs.shape[1:]}; "
            f"it returned {rebuilt.shape[1:]}"
        )
    error = ((rebuilt.astype(np.float64) - inputs) ** 2).mean(axis=-1)  # [windows, window]
    total = np.zeros(len(array))
    count = np.zeros(len(array))
    for position in range(window):
        total[position : position + len(error)] += error[:, position]
        count[position : position + len(error)] += 1
    return total / count


def quantile_threshold(clean_scores: np.ndarray | Sequence[float], q: float = 1.0) -> float:
    """A threshold from scores of data known to be normal: their ``q``-quantile.

    No anomaly labels are needed: score a stretch of normal data the detector was not trained
    on, and flag future steps that score above this value. With ``q=1`` the threshold is the
    largest normal score, so that stretch raises no alarm; a lower ``q`` accepts a false-alarm
    rate of about ``1 - q`` on normal data in return for catching milder anomalies. NaN scores
    (steps a scorer could not score) are left out.

    Parameters
    ----------
    clean_scores : array of shape ``[time]``
        Scores of normal steps held out from training.
    q : float
        Quantile in ``(0, 1]``.

    Returns
    -------
    float

    Example
    -------
    >>> quantile_threshold([0.5, 0.1, 0.3, np.nan, 0.2])
    0.5
    >>> quantile_threshold(np.arange(101.0), q=0.9)
    90.0
    """
    array = np.asarray(clean_scores, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"clean_scores must be 1-D [time]; got shape {array.shape}")
    if not 0 < q <= 1:
        raise ValueError(f"q must be in (0, 1]; got {q!r}")
    finite = array[~np.isnan(array)]
    if finite.size == 0:
        raise ValueError("clean_scores holds no score that is not NaN")
    if np.isinf(finite).any():
        raise ValueError("clean_scores holds infinite values")
    return float(np.quantile(finite, q))


def lstm_autoencoder(
    window: int,
    features: int = 1,
    units: int = 32,
    learning_rate: float = 3e-3,
) -> keras.Model:
    """An LSTM encoder-decoder that rebuilds a window of a series from one state vector.

    The encoder LSTM reads the window and keeps only its final state, a vector of ``units``
    numbers: the bottleneck. The decoder LSTM receives that vector at every step and writes the
    window back, one step at a time, through a dense layer. Trained on normal windows only, it
    learns to rebuild normal shapes; :func:`reconstruction_scores` turns its errors into
    anomaly scores.

    Parameters
    ----------
    window : int
        Steps per window.
    features : int
        Values per step.
    units : int
        Size of the encoder's state (the bottleneck) and of the decoder's.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with mean squared error; maps ``[batch, window, features]`` to the same
        shape, in float32.

    Example
    -------
    >>> lstm_autoencoder(window=16, features=2, units=8).output_shape
    (None, 16, 2)
    """
    require_positive(window=window, features=features, units=units)
    windows = keras.Input(shape=(window, features), name="window")
    state = keras.layers.LSTM(units, name="encoder")(windows)
    repeated = keras.layers.RepeatVector(window, name="repeat_state")(state)
    decoded = keras.layers.LSTM(units, return_sequences=True, name="decoder")(repeated)
    rebuilt = keras.layers.Dense(features, dtype="float32", name="rebuilt")(decoded)
    model = keras.Model(windows, rebuilt, name="lstm_autoencoder")
    return compile_model(model, "mse", ["mae"], learning_rate)
