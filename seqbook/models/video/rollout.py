"""Multi-step prediction: a next-frame model fed its own predictions, and the copy baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from seqbook.models.video._frames import check_context

__all__ = ["copy_last_rollout", "rollout"]


def _check_clips(context_frames: Any, steps: int) -> np.ndarray:
    clips = np.asarray(context_frames, dtype="float32")
    if clips.ndim != 5:
        raise ValueError(f"context_frames must be [batch, context, height, width, channels], "
                         f"got shape {clips.shape}.")
    check_context(clips.shape[1])
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}.")
    return clips


def rollout(model: Any | Callable[[np.ndarray], np.ndarray], context_frames: np.ndarray,
            steps: int, batch_size: int = 256) -> np.ndarray:
    """Predict ``steps`` frames ahead, feeding each prediction back as the newest frame.

    The model never sees a true frame after the context: step ``k`` reads the last
    ``context`` frames of (true context + its own ``k - 1`` predictions), so its errors
    compound as they would in use.

    Parameters
    ----------
    model : keras.Model or callable
        Maps ``[batch, context, height, width, channels]`` to the next frame ``[batch,
        height, width, channels]``; a Keras model (``predict_on_batch`` is used) or any
        function.
    context_frames : numpy.ndarray
        ``[batch, context, height, width, channels]``, the true frames before the first
        prediction.
    steps : int
        Frames to predict.
    batch_size : int
        Windows per call of the model.

    Returns
    -------
    numpy.ndarray
        ``[batch, steps, height, width, channels]``: predictions 1 to ``steps`` ahead.

    Example
    -------
    >>> plus_one = lambda clip: clip[:, -1] + 1.0
    >>> rollout(plus_one, np.zeros((1, 2, 3, 3, 1)), steps=4)[0, :, 0, 0, 0].tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    window = _check_clips(context_frames, steps).copy()
    if hasattr(model, "predict_on_batch"):  # a Keras model: no per-call data pipeline
        def predict(x):
            return np.concatenate([model.predict_on_batch(x[i:i + batch_size])
                                   for i in range(0, len(x), batch_size)])
    else:
        predict = model
    predictions = []
    for _ in range(steps):
        following = np.asarray(predict(window), dtype="float32").reshape(
            window[:, -1].shape)
        predictions.append(following)
        window = np.concatenate([window[:, 1:], following[:, None]], axis=1)
    return np.stack(predictions, axis=1)


def copy_last_rollout(context_frames: np.ndarray, steps: int) -> np.ndarray:
    """The copy-last-frame baseline: every future frame is the last frame seen.

    Example
    -------
    >>> copy_last_rollout(np.arange(2.0).reshape(1, 2, 1, 1, 1), 3)[0, :, 0, 0, 0].tolist()
    [1.0, 1.0, 1.0]
    """
    clips = _check_clips(context_frames, steps)
    return np.repeat(clips[:, -1:], steps, axis=1)
