"""Next-frame prediction with a small 3-D convolutional network over a context of frames."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from seqbook.models._common import require_positive
from seqbook.models.video._frames import check_context, check_frame_size, next_frame_model

__all__ = ["conv3d_predictor"]


def conv3d_predictor(
    context: int = 4,
    frame_size: Sequence[int] = (32, 32),
    channels: int = 1,
    filters: int = 16,
    kernel_size: int = 3,
    num_layers: int = 2,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A 3-D CNN that reads ``context`` frames as one block and predicts the next frame.

    ``num_layers`` ``Conv3D`` layers with ``kernel_size`` in time, height and width (padded
    to keep the size) mix neighbouring pixels of neighbouring frames; a last ``Conv3D``
    whose kernel spans the whole context in time (and one pixel in space) folds the time
    axis away; a 3 x 3 convolution, started at zero, turns the result into a change of
    the last frame, which is added to it. There is no state: the model sees exactly
    ``context`` frames, where a ConvLSTM could in principle read any number.

    Parameters
    ----------
    context : int
        Frames the model sees.
    frame_size : (int, int)
        Height and width of a frame.
    channels : int
        Channels per frame (1 for grey).
    filters, kernel_size : int
        Channels and kernel width (in time and space) of each 3-D convolution.
    num_layers : int
        3-D convolutions before the one that folds time.
    learning_rate : float
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled with mean squared error; maps ``[batch, context, height, width,
        channels]`` to the next frame ``[batch, height, width, channels]``.

    Example
    -------
    >>> model = conv3d_predictor(context=3, frame_size=(16, 16), filters=4)
    >>> model.output_shape
    (None, 16, 16, 1)
    """
    check_context(context)
    height, width = check_frame_size(frame_size)
    require_positive(channels=channels, filters=filters, kernel_size=kernel_size,
                     num_layers=num_layers)
    clip = keras.Input(shape=(context, height, width, channels), name="frames")
    x = clip
    for layer in range(num_layers):
        x = keras.layers.Conv3D(filters, kernel_size, padding="same", activation="relu",
                                name=f"conv3d_{layer + 1}")(x)
    x = keras.layers.Conv3D(filters, (context, 1, 1), activation="relu",
                            name="fold_time")(x)  # [batch, 1, height, width, filters]
    x = keras.layers.Reshape((height, width, filters))(x)
    return next_frame_model(clip, x, channels, "conv3d_predictor", learning_rate)
