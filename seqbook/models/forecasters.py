"""Forecasters that map a window of past values ``[batch, window, features]`` to the next steps."""

from __future__ import annotations

import keras

from seqbook.models._common import compile_model, recurrent_layer, require_positive


def dense_forecaster(
    window: int,
    features: int = 1,
    horizon: int = 1,
    hidden: int = 0,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """A feed-forward forecaster on the flattened window.

    With ``hidden=0`` it is a linear autoregressive model, the classic AR(window) fitted by
    gradient descent; with ``hidden > 0`` it adds one ReLU layer. It sees the window as a flat
    vector, so it has one weight per lag and cannot share anything across time.

    Parameters
    ----------
    window : int
        Number of past steps in each input.
    features : int
        Number of values per step.
    horizon : int
        Number of future steps to predict.
    hidden : int
        Width of the hidden ReLU layer; 0 for none.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with mean squared error; outputs ``[batch, horizon]``.

    Example
    -------
    >>> dense_forecaster(window=12).output_shape
    (None, 1)
    """
    require_positive(window=window, features=features, horizon=horizon)
    if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 0:
        raise ValueError(f"hidden must be a non-negative integer; got {hidden!r}")
    past = keras.Input(shape=(window, features), name="past")
    flat = keras.layers.Flatten()(past)
    if hidden:
        flat = keras.layers.Dense(hidden, activation="relu")(flat)
    future = keras.layers.Dense(horizon, dtype="float32")(flat)
    model = keras.Model(past, future, name="linear_ar" if not hidden else "mlp_forecaster")
    return compile_model(model, "mse", ["mae"], learning_rate)


def recurrent_forecaster(
    window: int,
    features: int = 1,
    horizon: int = 1,
    units: int = 32,
    cell: str = "gru",
    learning_rate: float = 1e-2,
) -> keras.Model:
    """A recurrent forecaster: read the window step by step, predict from the last state.

    Parameters
    ----------
    window, features, horizon, learning_rate
        As in :func:`dense_forecaster`.
    units : int
        Size of the recurrent state.
    cell : {"gru", "lstm", "rnn"}
        Keras' ``GRU``, ``LSTM`` or ``SimpleRNN``.

    Returns
    -------
    keras.Model
        Compiled with mean squared error; outputs ``[batch, horizon]``.

    Example
    -------
    >>> recurrent_forecaster(window=12, horizon=3).output_shape
    (None, 3)
    """
    require_positive(window=window, features=features, horizon=horizon, units=units)
    past = keras.Input(shape=(window, features), name="past")
    state = recurrent_layer(cell, units)(past)
    future = keras.layers.Dense(horizon, dtype="float32")(state)
    model = keras.Model(past, future, name=f"{cell}_forecaster")
    return compile_model(model, "mse", ["mae"], learning_rate)
