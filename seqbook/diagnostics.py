"""Training diagnostics as Keras callbacks: a learning-rate range test, gradient norms and
activation statistics, with TensorBoard logs.

:class:`LearningRateRangeTest` raises the learning rate geometrically from batch to batch and
records the training loss, to choose a learning rate before training (Smith, 2017).
:class:`GradientNormMonitor` and :class:`ActivationMonitor` measure, on one fixed batch at the
start of training and after every epoch, the gradient norm of each layer and how many of a
layer's activations are zero: an exploding network shows up as growing or non-finite gradient
norms, a dying one as zero fractions near 1 and gradient norms near 0. Both write their
numbers to TensorBoard when given a ``log_dir`` (open it with ``tensorboard --logdir DIR``).

Gradients are taken with the backend's own machinery: ``tf.GradientTape`` under TensorFlow,
``jax.grad`` of the model's ``stateless_call`` under JAX.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

__all__ = [
    "ActivationMonitor",
    "GradientNormMonitor",
    "LearningRateRangeTest",
    "activation_statistics",
    "gradient_norms",
]


def _positive_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0; got {value!r}")
    return float(value)


class _ScalarLog:
    """TensorBoard scalars in ``log_dir`` (TensorFlow's summary writer, any Keras backend)."""

    def __init__(self, log_dir: str | os.PathLike) -> None:
        try:
            import tensorflow as tf
        except ImportError as error:  # pragma: no cover - TensorFlow ships with seqbook
            raise ImportError("log_dir needs TensorFlow (pip install tensorflow) for its "
                              "TensorBoard writer; or pass log_dir=None") from error
        self._tf = tf
        os.makedirs(log_dir, exist_ok=True)
        self.writer = tf.summary.create_file_writer(os.fspath(log_dir))

    def write(self, values: dict[str, float], step: int) -> None:
        with self.writer.as_default():
            for tag, value in values.items():
                self._tf.summary.scalar(tag, float(value), step=step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


# ---------------------------------------------------------------------------------------
# Learning-rate range test
# ---------------------------------------------------------------------------------------


class LearningRateRangeTest(keras.callbacks.Callback):
    """Raise the learning rate geometrically every batch and record the training loss.

    Batch ``i`` (from 0) trains at ``min_lr * (max_lr / min_lr) ** (i / (steps - 1))``, so
    the rate sweeps from ``min_lr`` to ``max_lr`` in ``steps`` batches (Smith, 2017). The test
    stops after ``steps`` batches, or earlier once the loss diverges: non-finite, or a
    smoothed loss above ``stop_factor`` times the lowest seen. Train with enough epochs to
    cover ``steps`` batches; the callback ends ``fit`` itself. By default it then puts back
    the weights and learning rate the model had before (the optimizer's moments are not
    reset: build a fresh model to train for real).

    Keras reports the running mean of the epoch's loss after each batch; the callback turns
    it back into each batch's own loss, which is exact when all batches of an epoch have the
    same size (use whole batches: ``seqbook.data.trim_to_batches``).

    Parameters
    ----------
    min_lr, max_lr : float
        First and last learning rates, ``0 < min_lr < max_lr``.
    steps : int
        Number of batches of the sweep, at least 2.
    stop_factor : float
        Stop when the smoothed loss exceeds this many times its minimum (> 1); ``None``
        stops only on a non-finite loss or after ``steps`` batches.
    smoothing : float
        Weight of the past in the exponential moving average of the loss, in ``[0, 1)``;
        0 keeps the raw losses.
    restore : bool
        Put back the weights and learning rate of before the test at its end.

    Attributes
    ----------
    learning_rates, losses : list of float
        One entry per batch trained: its learning rate and its loss.
    smoothed : list of float
        The bias-corrected moving average of ``losses``.
    diverged : bool
        Whether the test stopped because the loss diverged.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((64, 2)), np.ones(64)
    >>> test = LearningRateRangeTest(min_lr=1e-4, max_lr=1.0, steps=5)
    >>> _ = model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[test])
    >>> [round(lr, 4) for lr in test.learning_rates]
    [0.0001, 0.001, 0.01, 0.1, 1.0]
    """

    def __init__(self, min_lr: float = 1e-6, max_lr: float = 1.0, steps: int = 100,
                 stop_factor: float | None = 4.0, smoothing: float = 0.9,
                 restore: bool = True) -> None:
        super().__init__()
        min_lr = _positive_number("min_lr", min_lr)
        max_lr = _positive_number("max_lr", max_lr)
        if min_lr >= max_lr:
            raise ValueError(f"min_lr must be < max_lr = {max_lr}; got min_lr={min_lr}")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            raise ValueError(f"steps must be an integer >= 2; got {steps!r}")
        if stop_factor is not None and not _positive_number("stop_factor", stop_factor) > 1:
            raise ValueError(f"stop_factor must be > 1 or None; got {stop_factor!r}")
        if isinstance(smoothing, bool) or not isinstance(smoothing, (int, float)) \
                or not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be a number in [0, 1); got {smoothing!r}")
        self.min_lr, self.max_lr, self.steps = min_lr, max_lr, steps
        self.stop_factor, self.smoothing, self.restore = stop_factor, float(smoothing), restore
        self.learning_rates: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.diverged = False

    def rate(self, step: int) -> float:
        """The learning rate of batch ``step`` (from 0) of the sweep."""
        return self.min_lr * (self.max_lr / self.min_lr) ** (step / (self.steps - 1))

    def _set_rate(self, value: float) -> None:
        if keras.backend.backend() == "jax":
            # JAX trains on a copy of the variables; write it back so that the new rate
            # is read by the next step (a sync per batch: slow, but the test is short).
            self.model.jax_state_sync()
            self.model._jax_state_synced = True
        self.model.optimizer.learning_rate = value

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Start the sweep: remember the weights and rate, set ``min_lr``."""
        self.learning_rates, self.losses, self.smoothed = [], [], []
        self.diverged = False
        self._average = 0.0
        self._best = math.inf
        self._saved_weights = self.model.get_weights() if self.restore else None
        self._saved_rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras' running mean of the loss restarts each epoch, and so does the inversion."""
        self._batches, self._previous_mean = 0, 0.0

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Set the rate of the next batch."""
        self._set_rate(self.rate(len(self.losses)))

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Record the batch's loss; stop at the end of the sweep or on divergence."""
        mean = float(keras.ops.convert_to_numpy((logs or {})["loss"]))
        self._batches += 1
        loss = self._batches * mean - (self._batches - 1) * self._previous_mean
        self._previous_mean = mean
        self.learning_rates.append(self.rate(len(self.losses)))
        self.losses.append(loss)
        step = len(self.losses)
        self._average = self.smoothing * self._average + (1 - self.smoothing) * loss
        smoothed = self._average / (1 - self.smoothing ** step)
        self.smoothed.append(smoothed)
        if not math.isfinite(loss) or not math.isfinite(mean):
            self.diverged = True
        elif self.stop_factor is not None and smoothed > self.stop_factor * self._best:
            self.diverged = True
        self._best = min(self._best, smoothed)
        if self.diverged or step >= self.steps:
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Put back the weights and learning rate of before the test."""
        if self.restore:
            self.model.set_weights(self._saved_weights)
            self.model.optimizer.learning_rate = self._saved_rate

    def suggestion(self, method: str = "steepest") -> float:
        """A learning rate read off the recorded curve.

        Parameters
        ----------
        method : {"steepest", "minimum"}
            ``"steepest"``: the rate where the smoothed loss falls fastest per decade of
            learning rate, before its minimum; ``"minimum"``: a tenth of the rate at the
            minimum of the smoothed loss.

        Returns
        -------
        float
        """
        if len(self.smoothed) < 3:
            raise ValueError("suggestion needs at least 3 recorded batches; pass the test to "
                             f"fit(callbacks=[...]) first (recorded {len(self.smoothed)})")
        smoothed = np.asarray(self.smoothed, dtype="float64")
        rates = np.asarray(self.learning_rates, dtype="float64")
        finite = np.isfinite(smoothed)
        lowest = int(np.argmin(np.where(finite, smoothed, np.inf)))
        if method == "minimum":
            return float(rates[lowest] / 10)
        if method != "steepest":
            raise ValueError(f"method must be 'steepest' or 'minimum'; got {method!r}")
        if lowest < 2:
            return float(rates[lowest])
        slope = np.gradient(smoothed[:lowest + 1], np.log10(rates[:lowest + 1]))
        return float(rates[int(np.argmin(slope))])

    def plot(self, ax: Any = None, mark: float | None = None) -> Any:
        """Loss (raw and smoothed) against learning rate, log-scaled; optionally mark a rate.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        ax.plot(self.learning_rates, self.losses, color="0.7", lw=0.8, label="batch loss")
        ax.plot(self.learning_rates, self.smoothed, color="C0", label="smoothed")
        if mark is not None:
            ax.axvline(mark, color="C3", ls="--", label=f"chosen {mark:.2g}")
        finite = [v for v in self.smoothed if math.isfinite(v)]
        if finite:  # keep the divergence from flattening the interesting part
            ax.set_ylim(min(finite) * 0.9, min(max(finite), 3 * finite[0]) * 1.1)
        ax.set(xscale="log", xlabel="learning rate", ylabel="training loss",
               title="learning-rate range test")
        ax.legend()
        return ax


# ---------------------------------------------------------------------------------------
# Gradient norms
# ---------------------------------------------------------------------------------------


def _loss_function(model: keras.Model, loss: Any) -> Callable[[Any, Any], Any]:
    loss = model.loss if loss is None else loss
    if loss is None:
        raise ValueError("loss must be given, or the model compiled with one; got None")
    if isinstance(loss, (list, tuple, dict)):
        raise ValueError(f"loss must be one loss for a single-output model; got {loss!r}")
    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    if not callable(function):
        raise ValueError(f"loss must be a Keras loss name or callable; got {loss!r}")
    return lambda y, y_pred: keras.ops.mean(function(y, y_pred))


def _layer_of_variables(model: keras.Model) -> dict[int, str]:
    owner = {}
    for layer in model.layers:
        for variable in layer.trainable_variables:
            owner.setdefault(id(variable), layer.name)
    return owner


def gradient_norms(model: keras.Model, x: Any, y: Any, loss: Any = None,
                   training: bool = False) -> dict[str, float]:
    """The L2 norm of the loss gradient of each layer's trainable weights on one batch.

    Gradients come from ``tf.GradientTape`` under TensorFlow and from ``jax.grad`` of
    ``model.stateless_call`` under JAX. A layer's norm is taken over all its trainable
    variables together; ``"total"`` is the norm over the whole model. The loss is the
    data loss (the compiled loss or ``loss``), without regularisation terms.

    Parameters
    ----------
    model : keras.Model
        A built model.
    x, y : array-like
        One batch of inputs and targets.
    loss : str or callable, optional
        Defaults to the loss the model was compiled with.
    training : bool
        Call the model in training mode (dropout on); ``False`` measures the deterministic
        network.

    Returns
    -------
    dict of str to float
        One entry per layer with trainable weights (by layer name), and ``"total"``.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((1,)),
    ...                           keras.layers.Dense(1, use_bias=False, name="d")])
    >>> model.compile(loss="mse")
    >>> model.layers[0].set_weights([np.zeros((1, 1))])
    >>> x, y = np.array([[1.0], [2.0]]), np.array([[1.0], [1.0]])
    >>> norms = gradient_norms(model, x, y)  # d/dw mean((w x - y)^2) at w = 0: -3
    >>> round(norms["d"], 4), round(norms["total"], 4)
    (3.0, 3.0)
    """
    if not model.built or not model.trainable_variables:
        raise ValueError("model must be a built model with trainable weights; got "
                         f"{getattr(model, 'name', model)!r} with none")
    loss_fn = _loss_function(model, loss)
    x = keras.ops.convert_to_tensor(x) if not isinstance(x, (dict, list, tuple)) else x
    y = keras.ops.convert_to_tensor(y)
    variables = model.trainable_variables
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss_value = loss_fn(y, model(x, training=training))
        grads = tape.gradient(loss_value, variables)
    elif backend == "jax":
        import jax

        frozen = [v.value for v in model.non_trainable_variables]

        def loss_of(trainable):
            y_pred, _ = model.stateless_call(trainable, frozen, x, training=training)
            return loss_fn(y, y_pred)

        grads = jax.grad(loss_of)([v.value for v in variables])
    else:
        raise ValueError("gradient_norms supports the 'tensorflow' and 'jax' backends; got "
                         f"KERAS_BACKEND={backend!r}")
    owner = _layer_of_variables(model)
    squares: dict[str, float] = {}
    for variable, grad in zip(variables, grads):
        name = owner.get(id(variable), variable.path.rsplit("/", 1)[0])
        value = 0.0 if grad is None else float(
            np.sum(np.square(keras.ops.convert_to_numpy(grad).astype("float64"))))
        squares[name] = squares.get(name, 0.0) + value
    norms = {name: math.sqrt(value) for name, value in squares.items()}
    norms["total"] = math.sqrt(sum(squares.values()))
    return norms


class _EpochMonitor(keras.callbacks.Callback):
    """What the two monitors share: measure after every epoch, log, close the log at the end.

    A subclass sets ``self._log`` (a :class:`_ScalarLog` or ``None``) in ``on_train_begin``
    and implements ``_measure(step)``.
    """

    _log: "_ScalarLog | None" = None

    def _measure(self, step: int) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Measure after the epoch."""
        self._measure(epoch + 1)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Close the TensorBoard writer."""
        if self._log is not None:
            self._log.close()


class GradientNormMonitor(_EpochMonitor):
    """Record each layer's gradient norm on a fixed batch, before training and every epoch.

    An exploding network shows up as a norm that grows by orders of magnitude or turns
    non-finite; a dead one as norms near zero. ``exploded`` says whether the total norm
    ever passed ``max_norm`` or stopped being finite; with ``stop_on_explosion`` that also
    ends ``fit``.

    Parameters
    ----------
    x, y : array-like
        The fixed batch (keep it small: a gradient is computed on it every epoch).
    loss : str or callable, optional
        As in :func:`gradient_norms`.
    max_norm : float
        The total norm above which the network counts as exploding.
    stop_on_explosion : bool
        Set ``model.stop_training`` once it explodes.
    log_dir : str or path, optional
        Write the norms as TensorBoard scalars ``gradient_norm/<layer>`` there.

    Attributes
    ----------
    history : dict of str to list of float
        Per layer (and ``"total"``), one norm before training and one per epoch.
    exploded_at : int or None
        The first epoch (1-based; 0 = before training) whose norm exploded.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="out")])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((8, 2)), np.ones(8)
    >>> monitor = GradientNormMonitor(x, y)
    >>> _ = model.fit(x, y, epochs=2, verbose=0, callbacks=[monitor])
    >>> sorted(monitor.history), len(monitor.history["out"]), monitor.exploded
    (['out', 'total'], 3, False)
    """

    def __init__(self, x: Any, y: Any, loss: Any = None, max_norm: float = 1e3,
                 stop_on_explosion: bool = False,
                 log_dir: str | os.PathLike | None = None) -> None:
        super().__init__()
        self.x, self.y, self.loss = x, y, loss
        self.max_norm = _positive_number("max_norm", max_norm)
        self.stop_on_explosion = stop_on_explosion
        self.log_dir = log_dir
        self.history: dict[str, list[float]] = {}
        self.exploded_at: int | None = None
        self._log: _ScalarLog | None = None

    @property
    def exploded(self) -> bool:
        """Whether the total gradient norm passed ``max_norm`` or stopped being finite."""
        return self.exploded_at is not None

    def _measure(self, step: int) -> None:
        norms = gradient_norms(self.model, self.x, self.y, loss=self.loss)
        for name, value in norms.items():
            self.history.setdefault(name, []).append(value)
        total = norms["total"]
        if self.exploded_at is None and (not math.isfinite(total) or total > self.max_norm):
            self.exploded_at = step
            if self.stop_on_explosion:
                self.model.stop_training = True
        if self._log is not None:
            self._log.write({f"gradient_norm/{k}": v for k, v in norms.items()}, step)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Start a new record and measure the untrained network."""
        self.history, self.exploded_at = {}, None
        self._log = None if self.log_dir is None else _ScalarLog(self.log_dir)
        self._measure(0)


    def plot(self, ax: Any = None, title: str = "gradient norm per layer") -> Any:
        """Each layer's norm against epoch on a log scale (non-finite values are left out).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        for name, values in self.history.items():
            if name != "total":
                ax.plot(np.arange(len(values)), np.asarray(values), marker=".", label=name)
        ax.set(yscale="log", xlabel="epoch (0 = before training)", ylabel="L2 norm",
               title=title)
        ax.legend(fontsize=8)
        return ax


# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------


def _probe(model: keras.Model, layers: Sequence[str]) -> keras.Model:
    names = [layer.name for layer in model.layers]
    for name in layers:
        if name not in names:
            raise ValueError(f"layers must name layers of the model ({', '.join(names)}); "
                             f"got unknown layer name {name!r}")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, [model.get_layer(name).output for name in layers])


def _statistics(values: np.ndarray) -> dict[str, float]:
    values = np.asarray(values, dtype="float64")
    zero = values == 0
    units = zero.reshape(-1, values.shape[-1]) if values.ndim > 1 else zero[:, None]
    return {
        "zero_fraction": float(zero.mean()),
        "dead_fraction": float(units.all(axis=0).mean()),
        "mean": float(values.mean()),
        "std": float(values.std()),
    }


def activation_statistics(model: keras.Model, x: Any, layers: Sequence[str]
                          ) -> dict[str, dict[str, float]]:
    """Statistics of the outputs of named layers on one batch.

    For each layer: ``zero_fraction`` (the share of its outputs that are exactly 0),
    ``dead_fraction`` (the share of its units, the last axis, that are 0 for every example
    and time step of the batch: a dead ReLU unit), ``mean`` and ``std``.

    Parameters
    ----------
    model : keras.Model
        A functional or Sequential model built on a ``keras.Input``.
    x : array-like
        One batch of inputs.
    layers : sequence of str
        Names of the layers to look at.

    Returns
    -------
    dict of str to dict of str to float

    Example
    -------
    >>> inputs = keras.Input((2,))
    >>> relu = keras.layers.Dense(2, activation="relu", name="relu")
    >>> model = keras.Model(inputs, relu(inputs))
    >>> relu.set_weights([np.array([[1.0, -1.0], [1.0, -1.0]]), np.zeros(2)])
    >>> stats = activation_statistics(model, np.ones((4, 2)), ["relu"])["relu"]
    >>> stats["zero_fraction"], stats["dead_fraction"]
    (0.5, 0.5)
    """
    if isinstance(layers, str) or not layers:
        raise ValueError(f"layers must be a non-empty list of layer names; got {layers!r}")
    outputs = _probe(model, layers)(x, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: _statistics(keras.ops.convert_to_numpy(out))
            for name, out in zip(layers, outputs)}


class ActivationMonitor(_EpochMonitor):
    """Record activation statistics of named layers on a fixed batch, before training and
    every epoch (see :func:`activation_statistics`).

    A dying ReLU layer shows up as a ``zero_fraction`` and ``dead_fraction`` climbing to 1.

    Parameters
    ----------
    x : array-like
        The fixed batch of inputs.
    layers : sequence of str
        Names of the layers to watch; an unknown name raises ``ValueError`` when ``fit``
        starts.
    log_dir : str or path, optional
        Write TensorBoard scalars ``activation/<layer>/<statistic>`` there.

    Attributes
    ----------
    history : dict of str to dict of str to list of float
        ``history[layer][statistic]``: one value before training and one per epoch.

    Example
    -------
    >>> inputs = keras.Input((2,))
    >>> outputs = keras.layers.Dense(1, name="out")(
    ...     keras.layers.Dense(4, activation="relu", name="hidden")(inputs))
    >>> model = keras.Model(inputs, outputs)
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> monitor = ActivationMonitor(np.ones((8, 2)), layers=["hidden"])
    >>> _ = model.fit(np.ones((8, 2)), np.ones(8), epochs=2, verbose=0,
    ...               callbacks=[monitor])
    >>> len(monitor.history["hidden"]["zero_fraction"])
    3
    """

    def __init__(self, x: Any, layers: Sequence[str],
                 log_dir: str | os.PathLike | None = None) -> None:
        super().__init__()
        if isinstance(layers, str) or not layers:
            raise ValueError(f"layers must be a non-empty list of layer names; got {layers!r}")
        self.x, self.layers, self.log_dir = x, list(layers), log_dir
        self.history: dict[str, dict[str, list[float]]] = {}
        self._log: _ScalarLog | None = None

    def _measure(self, step: int) -> None:
        outputs = self._probe(self.x, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        scalars = {}
        for name, out in zip(self.layers, outputs):
            for stat, value in _statistics(keras.ops.convert_to_numpy(out)).items():
                self.history[name].setdefault(stat, []).append(value)
                scalars[f"activation/{name}/{stat}"] = value
        if self._log is not None:
            self._log.write(scalars, step)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Check the layer names, start a new record, measure the untrained network."""
        self._probe = _probe(self.model, self.layers)
        self.history = {name: {} for name in self.layers}
        self._log = None if self.log_dir is None else _ScalarLog(self.log_dir)
        self._measure(0)

