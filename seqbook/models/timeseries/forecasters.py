"""Forecasters that map a window of past values ``[batch, window, features]`` to the next steps.

Every builder forecasts all ``horizon`` future steps at once (the *direct* multi-step
strategy) from one window. The recurrent, TCN and Transformer builders can also

* forecast quantiles instead of a single value (``quantiles=(0.1, 0.5, 0.9)``), trained with
  the pinball loss (:class:`QuantileLoss`), for prediction intervals;
* forecast the change from the last observed value (``relative=True``), which starts them
  from the naive forecast and keeps trending series in range.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from seqbook.models._common import compile_model, recurrent_layer, require_positive
from seqbook.models.convolutional.tcn import LastStep, tcn_block, tcn_dilations
from seqbook.models.transformer.encoder import (
    GPT_POSITION_INIT,
    PositionEmbedding,
    transformer_encoder,
)


def dense_forecaster(
    window: int,
    features: int = 1,
    horizon: int = 1,
    intermediate_dim: int = 0,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """A feed-forward forecaster on the flattened window.

    With ``intermediate_dim=0`` it is a linear autoregressive model, the classic AR(window) fitted
    by gradient descent; with ``intermediate_dim > 0`` it adds one ReLU layer. It sees the window
    as a flat vector, so it has one weight per lag and cannot share anything across time.

    Parameters
    ----------
    window : int
        Number of past steps in each input.
    features : int
        Number of values per step.
    horizon : int
        Number of future steps to predict.
    intermediate_dim : int
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
    if (
        isinstance(intermediate_dim, bool)
        or not isinstance(intermediate_dim, int)
        or intermediate_dim < 0
    ):
        raise ValueError(
            f"intermediate_dim must be a non-negative integer; got {intermediate_dim!r}"
        )
    past = keras.Input(shape=(window, features), name="past")
    flat = keras.layers.Flatten()(past)
    if intermediate_dim:
        flat = keras.layers.Dense(intermediate_dim, activation="relu")(flat)
    future = keras.layers.Dense(horizon, dtype="float32")(flat)
    model = keras.Model(
        past, future, name="linear_ar" if not intermediate_dim else "mlp_forecaster"
    )
    return compile_model(model, "mse", ["mae"], learning_rate)


def recurrent_forecaster(
    window: int,
    features: int = 1,
    horizon: int = 1,
    units: int = 32,
    cell: str = "gru",
    learning_rate: float = 1e-2,
    quantiles: Sequence[float] | None = None,
    relative: bool = False,
    target: int = 0,
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
    quantiles, relative, target
        As in :func:`tcn_forecaster`: quantile outputs, forecasting the change from the last
        value of feature ``target``.

    Returns
    -------
    keras.Model
        Compiled with mean squared error (or the quantile loss); outputs ``[batch, horizon]``
        (or ``[batch, horizon, len(quantiles)]``).

    Example
    -------
    >>> recurrent_forecaster(window=12, horizon=3).output_shape
    (None, 3)
    >>> recurrent_forecaster(window=12, horizon=3, quantiles=(0.1, 0.9)).output_shape
    (None, 3, 2)
    """
    require_positive(window=window, features=features, horizon=horizon, units=units)
    levels = _check_quantiles(quantiles)
    past, x, last = _forecast_input(window, features, relative, target)
    state = recurrent_layer(cell, units)(x)
    future = _forecast_head(state, horizon, levels, last)
    model = keras.Model(past, future, name=f"{cell}_forecaster")
    return _compile_forecaster(model, levels, learning_rate)


# ---------------------------------------------------------------------------------------
# Quantile outputs, forecasting relative to the last value, and TCN/Transformer forecasters.
# ---------------------------------------------------------------------------------------


def _check_quantiles(quantiles: Sequence[float] | None) -> tuple[float, ...] | None:
    """``None`` or a strictly increasing tuple of levels in ``(0, 1)``."""
    if quantiles is None:
        return None
    message = f"quantiles must be a non-empty increasing sequence of numbers in (0, 1); got {quantiles!r}"
    if isinstance(quantiles, (str, bytes)) or not isinstance(quantiles, Sequence):
        raise ValueError(message)
    values = tuple(quantiles)
    if not values or any(
        isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1 for q in values
    ):
        raise ValueError(message)
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(message)
    return tuple(float(q) for q in values)


@keras.saving.register_keras_serializable(package="seqbook")
class QuantileLoss(keras.losses.Loss):
    """Pinball loss averaged over several quantile levels, for ``[batch, horizon, q]`` outputs.

    For the level ``tau`` and the error ``e = y - f`` the loss is ``tau * e`` when
    ``e >= 0`` and ``(tau - 1) * e`` otherwise; minimising its expectation makes ``f`` the
    ``tau``-quantile of ``y`` (Koenker & Bassett 1978). Targets are ``[batch, horizon]``.

    Parameters
    ----------
    quantiles : sequence of float
        Increasing levels in ``(0, 1)``, one per slot of the last output axis.

    Example
    -------
    >>> import numpy as np
    >>> loss = QuantileLoss([0.1, 0.9])
    >>> y = np.array([[1.0]], "float32")
    >>> f = np.array([[[0.0, 0.0]]], "float32")  # both quantiles forecast 0
    >>> round(float(loss(y, f)), 4)  # (0.1 * 1 + 0.9 * 1) / 2
    0.5
    """

    def __init__(self, quantiles: Sequence[float], name: str = "quantile_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.quantiles = _check_quantiles(quantiles)
        if self.quantiles is None:
            raise ValueError("quantiles must be a non-empty increasing sequence; got None")

    def call(self, y_true, y_pred):
        levels = keras.ops.convert_to_tensor(self.quantiles, dtype=y_pred.dtype)
        error = keras.ops.expand_dims(keras.ops.cast(y_true, y_pred.dtype), -1) - y_pred
        loss = keras.ops.maximum(levels * error, (levels - 1.0) * error)
        return keras.ops.mean(loss, axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "quantiles": list(self.quantiles)}


@keras.saving.register_keras_serializable(package="seqbook")
class SubtractLast(keras.layers.Layer):
    """Make a window relative to its last value: ``x -> (x - last, last)``.

    ``last`` is the value of feature ``target`` at the final step, shape ``[batch, 1]``.
    Only that feature is shifted; the others pass unchanged. A forecaster that predicts the
    change from ``last`` and adds it back (:class:`AddLast`) starts from the naive forecast
    and stays in range when a trending series leaves the range of its training data.

    Parameters
    ----------
    target : int
        Index of the feature to forecast.

    Example
    -------
    >>> import numpy as np
    >>> x = np.array([[[1.0, 5.0], [3.0, 6.0]]], "float32")  # 2 steps, 2 features
    >>> shifted, last = SubtractLast(target=0)(x)
    >>> keras.ops.convert_to_numpy(shifted).tolist(), keras.ops.convert_to_numpy(last).tolist()
    ([[[-2.0, 5.0], [0.0, 6.0]]], [[3.0]])
    """

    def __init__(self, target: int = 0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target, bool) or not isinstance(target, int) or target < 0:
            raise ValueError(f"target must be a non-negative integer; got {target!r}")
        self.target = target

    def build(self, input_shape):
        features = input_shape[-1]
        if features is not None and self.target >= features:
            raise ValueError(f"target must index one of {features} features; got {self.target}")

    def call(self, inputs):
        features = keras.ops.shape(inputs)[-1]
        last = inputs[:, -1, self.target : self.target + 1]  # [batch, 1]
        selector = keras.ops.cast(
            keras.ops.equal(keras.ops.arange(features), self.target), inputs.dtype
        )
        shifted = inputs - keras.ops.expand_dims(last, 1) * selector
        return shifted, last

    def compute_output_shape(self, input_shape):
        return input_shape, (input_shape[0], 1)

    def get_config(self) -> dict:
        return {**super().get_config(), "target": self.target}


@keras.saving.register_keras_serializable(package="seqbook")
class AddLast(keras.layers.Layer):
    """Add the last observed value back to forecasts of the change: ``(delta, last) -> y``.

    ``delta`` is ``[batch, horizon]`` or ``[batch, horizon, quantiles]``; ``last`` is
    ``[batch, 1]`` (from :class:`SubtractLast`) and is broadcast over the other axes.

    Example
    -------
    >>> import numpy as np
    >>> delta = np.array([[0.5, -1.0]], "float32")
    >>> keras.ops.convert_to_numpy(AddLast()([delta, np.array([[3.0]], "float32")])).tolist()
    [[3.5, 2.0]]
    """

    def call(self, inputs):
        delta, last = inputs
        last = keras.ops.cast(last, delta.dtype)
        while len(last.shape) < len(delta.shape):
            last = keras.ops.expand_dims(last, -1)
        return delta + last

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return super().get_config()


def _forecast_input(window: int, features: int, relative: bool, target: int):
    """The ``past`` input and what the body reads: the raw window or its change from last."""
    require_positive(window=window, features=features)
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < features:
        raise ValueError(f"target must index one of {features} features; got {target!r}")
    if not isinstance(relative, bool):
        raise ValueError(f"relative must be True or False; got {relative!r}")
    past = keras.Input(shape=(window, features), name="past")
    if relative:
        shifted, last = SubtractLast(target, name="subtract_last")(past)
        return past, shifted, last
    return past, past, None


def _forecast_head(summary, horizon: int, quantiles, last):
    """Dense read-out: ``[batch, horizon]``, or ``[batch, horizon, q]`` with quantiles."""
    require_positive(horizon=horizon)
    if quantiles is None:
        future = keras.layers.Dense(horizon, dtype="float32", name="forecast")(summary)
    else:
        flat = keras.layers.Dense(horizon * len(quantiles), dtype="float32")(summary)
        future = keras.layers.Reshape((horizon, len(quantiles)), dtype="float32",
                                      name="forecast")(flat)
    if last is not None:
        future = AddLast(dtype="float32", name="add_last")([future, last])
    return future


def _compile_forecaster(model, quantiles, learning_rate):
    if quantiles is None:
        return compile_model(model, "mse", ["mae"], learning_rate)
    return compile_model(model, QuantileLoss(quantiles), [], learning_rate)


def tcn_forecaster(
    window: int,
    features: int = 1,
    horizon: int = 1,
    filters: int = 32,
    kernel_size: int = 3,
    dilations: Sequence[int] | None = None,
    dropout: float = 0.0,
    quantiles: Sequence[float] | None = None,
    relative: bool = False,
    target: int = 0,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A TCN forecaster: dilated causal residual blocks, read at the last step.

    The body is :func:`seqbook.models.tcn_block` repeated once per dilation; the output of
    the last step, which has seen the last :func:`~seqbook.models.tcn_receptive_field` steps,
    feeds a dense layer with all ``horizon`` future values at once (direct multi-step).

    Parameters
    ----------
    window, features, horizon, learning_rate
        As in :func:`dense_forecaster`.
    filters, kernel_size, dropout
        As in :func:`seqbook.models.tcn_regressor`.
    dilations : sequence of int, optional
        One block per entry; default: the shortest doubling schedule that covers ``window``
        (:func:`seqbook.models.tcn_dilations`).
    quantiles : sequence of float, optional
        Forecast these quantile levels, trained with :class:`QuantileLoss`; the output is
        then ``[batch, horizon, len(quantiles)]``.
    relative : bool
        Read the window relative to its last value of feature ``target`` and forecast the
        change from it (:class:`SubtractLast`, :class:`AddLast`).
    target : int
        The feature to forecast, for ``relative``.

    Returns
    -------
    keras.Model
        Compiled (mean squared error, or the quantile loss); outputs ``[batch, horizon]`` or
        ``[batch, horizon, len(quantiles)]``.

    Example
    -------
    >>> tcn_forecaster(window=24, horizon=6, quantiles=(0.1, 0.5, 0.9)).output_shape
    (None, 6, 3)
    """
    levels = _check_quantiles(quantiles)
    past, x, last = _forecast_input(window, features, relative, target)
    if dilations is None:
        dilations = tcn_dilations(window, kernel_size=kernel_size)
    if isinstance(dilations, (str, bytes)) or not isinstance(dilations, Sequence) or not dilations:
        raise ValueError(
            f"dilations must be a non-empty sequence of positive integers; got {dilations!r}"
        )
    for i, dilation in enumerate(dilations):
        x = tcn_block(x, filters, kernel_size, dilation, dropout=dropout, name=f"block{i + 1}")
    summary = LastStep(name="last_step")(x)
    future = _forecast_head(summary, horizon, levels, last)
    model = keras.Model(past, future, name="tcn_forecaster")
    return _compile_forecaster(model, levels, learning_rate)


def transformer_forecaster(
    window: int,
    features: int = 1,
    horizon: int = 1,
    hidden_dim: int = 32,
    num_layers: int = 1,
    num_heads: int = 2,
    key_dim: int = 16,
    intermediate_dim: int = 64,
    dropout: float = 0.0,
    quantiles: Sequence[float] | None = None,
    relative: bool = False,
    target: int = 0,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A Transformer-encoder forecaster over the steps of the window.

    Each step's features are projected to ``hidden_dim`` values, a learned position vector is
    added (:class:`seqbook.models.transformer.encoder.PositionEmbedding`), and ``num_layers``
    pre-norm encoder blocks (:func:`seqbook.models.transformer.encoder.transformer_encoder`)
    let every step attend to every other; the normalised, flattened sequence feeds a dense
    layer with all ``horizon`` values at once. No causal mask is needed: the whole window is
    the past.

    Parameters
    ----------
    window, features, horizon, learning_rate
        As in :func:`dense_forecaster`.
    hidden_dim : int
        Width of each step's representation.
    num_layers : int
        Number of encoder blocks.
    num_heads, key_dim, intermediate_dim, dropout
        As in :func:`seqbook.models.transformer.encoder.transformer_encoder`. Dropout is off
        by default: small forecasting data sets rarely need it, and under XLA on a CPU its
        random masks make every training step several times slower.
    quantiles, relative, target
        As in :func:`tcn_forecaster`.

    Returns
    -------
    keras.Model
        As in :func:`tcn_forecaster`.

    Example
    -------
    >>> transformer_forecaster(window=24, features=3, horizon=7).output_shape
    (None, 7)
    """
    require_positive(hidden_dim=hidden_dim, num_layers=num_layers)
    levels = _check_quantiles(quantiles)
    past, x, last = _forecast_input(window, features, relative, target)
    x = keras.layers.Dense(hidden_dim, name="embed")(x)
    x = PositionEmbedding(window, initializer=GPT_POSITION_INIT, name="positions")(x)
    for _ in range(num_layers):
        x = transformer_encoder(x, num_heads=num_heads, key_dim=key_dim,
                                intermediate_dim=intermediate_dim,
                                dropout=dropout, norm_first=True)
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    summary = keras.layers.Flatten()(x)
    future = _forecast_head(summary, horizon, levels, last)
    model = keras.Model(past, future, name="transformer_forecaster")
    return _compile_forecaster(model, levels, learning_rate)
