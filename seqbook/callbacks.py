"""Keras callbacks the chapters share: timing epochs, and batch-normalisation statistics
recomputed with the final weights."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

__all__ = ["EpochTimer", "PreciseBatchNorm", "recompute_batch_norm"]


class EpochTimer(keras.callbacks.Callback):
    """Record the wall-clock seconds of every epoch of ``fit``.

    ``seconds`` restarts empty at each ``fit``. The first epoch also traces (and with XLA
    compiles) the training step, so :attr:`steady_median` leaves it out to compare the
    cost of training itself.

    Example
    -------
    >>> import numpy as np
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> timer = EpochTimer()
    >>> _ = model.fit(np.zeros((8, 2)), np.zeros(8), epochs=3, verbose=0, callbacks=[timer])
    >>> len(timer.seconds), timer.median > 0
    (3, True)
    """

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Start a new list of epoch times for this ``fit``."""
        self.seconds = []

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Start the clock."""
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Record the epoch's wall-clock seconds."""
        self.seconds.append(time.perf_counter() - self._start)

    @property
    def median(self) -> float:
        """Median seconds per epoch over all epochs."""
        if not self.seconds:
            raise ValueError("no epoch was timed yet: pass this timer to fit(callbacks=[...])")
        return statistics.median(self.seconds)

    @property
    def steady_median(self) -> float:
        """Median seconds per epoch after the first (which includes tracing)."""
        if len(self.seconds) < 2:
            raise ValueError(
                f"steady_median needs at least 2 timed epochs; got {len(self.seconds)}"
            )
        return statistics.median(self.seconds[1:])


def _batch_norm_layers(layer: Any) -> Iterator[keras.layers.BatchNormalization]:
    # Depth first through nested models and layers that hold layers.
    for inner in getattr(layer, "layers", []):
        if isinstance(inner, keras.layers.BatchNormalization):
            yield inner
        else:
            yield from _batch_norm_layers(inner)


def _check_inputs(x: Any, batch_size: Any) -> None:
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    if len(x) == 0:
        raise ValueError("x must hold at least one example; got an empty array")


def recompute_batch_norm(model: keras.Model, x: Any, batch_size: int = 64) -> int:
    """Replace the running statistics of every ``BatchNormalization`` layer of ``model`` by
    their average over ``x``, computed with the model's current weights.

    During training a batch-normalisation layer keeps an exponential moving average of the
    batch statistics, and it predicts with that average. The average mixes statistics of
    *earlier* weights: after a short training with a large step size it can be far from what
    the final weights produce, and the model then predicts badly on the very data it fits
    (Wu and Johnson, 2021, "Rethinking 'Batch' in BatchNorm", call the fix PreciseBN). This
    runs ``model`` in training mode over ``x`` batch by batch, with each layer's momentum
    set so that the stored statistics become the size-weighted average of the batches'
    statistics; the momenta are restored afterwards. No weight changes, but dropout (if any)
    is active during the pass, as it is in training.

    Parameters
    ----------
    model : keras.Model
        Nested models and layers are searched too.
    x : array
        Training inputs, ``[examples, ...]``.
    batch_size : int
        Examples per forward pass; the statistics are those of batches of this size, as in
        training when it matches the training batch size.

    Returns
    -------
    int
        How many batch-normalisation layers were updated (0 leaves ``model`` unchanged).

    Example
    -------
    >>> layer = keras.layers.BatchNormalization()
    >>> model = keras.Sequential([keras.Input((1,)), layer])
    >>> recompute_batch_norm(model, np.array([[1.0], [3.0]]))
    1
    >>> float(layer.moving_mean.numpy()[0]), float(layer.moving_variance.numpy()[0])
    (2.0, 1.0)
    """
    _check_inputs(x, batch_size)
    layers = list(_batch_norm_layers(model))
    momenta = [layer.momentum for layer in layers]
    seen = 0
    try:
        for start in range(0, len(x) if layers else 0, batch_size):
            batch = x[start:start + batch_size]
            # new = old * momentum + batch * (1 - momentum): with momentum seen / (seen + n)
            # the stored value is the running size-weighted mean of the batch statistics.
            for layer in layers:
                layer.momentum = seen / (seen + len(batch))
            model(batch, training=True)
            seen += len(batch)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return len(layers)


class PreciseBatchNorm(keras.callbacks.Callback):
    """Recompute the batch-normalisation statistics on ``x`` (:func:`recompute_batch_norm`)
    before every evaluation during ``fit`` (so the validation loss is that of the model as it
    will predict) and at the end of training.

    Parameters
    ----------
    x : array
        The training inputs.
    batch_size : int
        Passed to :func:`recompute_batch_norm`.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.BatchNormalization(),
    ...                           keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x = np.random.default_rng(0).normal(3.0, 1.0, (32, 2))
    >>> _ = model.fit(x, np.zeros(32), epochs=1, verbose=0, callbacks=[PreciseBatchNorm(x)])
    >>> bool(np.allclose(model.layers[0].moving_mean.numpy(), x.mean(axis=0), atol=1e-5))
    True
    """

    def __init__(self, x: Any, batch_size: int = 64) -> None:
        super().__init__()
        _check_inputs(x, batch_size)  # at construction, not at the end of a long fit
        self.x = x
        self.batch_size = batch_size

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before the validation pass of each epoch (and any ``evaluate`` with this callback)."""
        recompute_batch_norm(self.model, self.x, self.batch_size)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """So that the trained model predicts with statistics of its final weights."""
        recompute_batch_norm(self.model, self.x, self.batch_size)
