"""What the video builders share: the last-frame layer and the checks of frame sizes."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from seqbook._checks import require_positive
from seqbook.models._common import compile_model

__all__ = ["LastFrame", "check_frame_size"]


@keras.saving.register_keras_serializable(package="seqbook")
class LastFrame(keras.layers.Layer):
    """Keep the last frame of a clip: ``[batch, time, h, w, c] -> [batch, h, w, c]``.

    The next-frame predictors add what they learn to this frame, so an untrained predictor
    (its last convolution starts at zero) is exactly the copy-last-frame baseline.

    Example
    -------
    >>> import numpy as np
    >>> clip = np.arange(8.0).reshape(1, 2, 2, 2, 1)
    >>> keras.ops.convert_to_numpy(LastFrame()(clip))[0, ..., 0].tolist()
    [[4.0, 5.0], [6.0, 7.0]]
    """

    def call(self, inputs):
        return inputs[:, -1]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *input_shape[2:])

    def get_config(self) -> dict:
        return super().get_config()


def check_frame_size(frame_size: Sequence[int]) -> tuple[int, int]:
    """Return ``frame_size`` as ``(height, width)`` of positive integers, else raise.

    Example
    -------
    >>> check_frame_size((32, 32))
    (32, 32)
    """
    try:
        height, width = frame_size
    except (TypeError, ValueError):
        raise ValueError(f"frame_size must be (height, width), got {frame_size!r}.") from None
    require_positive(frame_height=height, frame_width=width)
    return int(height), int(width)


def check_context(context: int) -> int:
    """Return ``context`` if it is an integer >= 1 (frames a model sees), else raise."""
    if isinstance(context, bool) or not isinstance(context, int) or context < 1:
        raise ValueError(f"context must be an integer >= 1 (frames the model sees), "
                         f"got {context!r}.")
    return context


def next_frame_model(clip: keras.KerasTensor, features: keras.KerasTensor, channels: int,
                     name: str, learning_rate: float) -> keras.Model:
    """The head both predictors share: ``features [batch, H, W, filters]`` -> the next frame.

    A 3 x 3 convolution turns the features into a change of the clip's last frame, which is
    added to it. The convolution starts at zero, so before training the model copies the
    last frame (the baseline), and training only has to learn what moves. Compiled with
    mean squared error.
    """
    change = keras.layers.Conv2D(channels, 3, padding="same", kernel_initializer="zeros",
                                 dtype="float32", name="change")(features)
    last = LastFrame(dtype="float32", name="last_frame")(clip)
    following = keras.layers.Add(dtype="float32", name="next_frame")([last, change])
    return compile_model(keras.Model(clip, following, name=name), "mse",
                         learning_rate=learning_rate)
