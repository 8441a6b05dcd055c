"""Keras callbacks the chapters share: timing epochs."""

from __future__ import annotations

import statistics
import time
from typing import Any

import keras

__all__ = ["EpochTimer"]


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
