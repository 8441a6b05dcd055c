"""Next-frame prediction with a convolutional LSTM (Shi et al. 2015)."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from seqbook.models._common import require_positive
from seqbook.models.video._frames import check_context, check_frame_size, next_frame_model

__all__ = ["convlstm_predictor"]


def convlstm_predictor(
    context: int = 4,
    frame_size: Sequence[int] = (32, 32),
    channels: int = 1,
    filters: int = 16,
    kernel_size: int = 3,
    num_layers: int = 1,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A ConvLSTM that reads ``context`` frames and predicts the next one.

    A convolutional LSTM is an LSTM whose gates are convolutions: the state is an image of
    ``filters`` channels, so the model keeps *where* things are while it integrates over
    time. ``num_layers`` ``ConvLSTM2D`` layers read the clip; a 3 x 3 convolution turns
    the last state into a change of the last frame, which is added to it (the convolution
    starts at zero, so before training the model copies the last frame).

    Parameters
    ----------
    context : int
        Frames the model sees.
    frame_size : (int, int)
        Height and width of a frame.
    channels : int
        Channels per frame (1 for grey).
    filters, kernel_size : int
        Channels and kernel width of each ConvLSTM layer.
    num_layers : int
        Stacked ConvLSTM layers.
    learning_rate : float
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled with mean squared error; maps ``[batch, context, height, width,
        channels]`` to the next frame ``[batch, height, width, channels]``.

    Example
    -------
    >>> model = convlstm_predictor(context=3, frame_size=(16, 16), filters=4)
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
        x = keras.layers.ConvLSTM2D(filters, kernel_size, padding="same",
                                    return_sequences=layer < num_layers - 1,
                                    name=f"convlstm_{layer + 1}")(x)
    return next_frame_model(clip, x, channels, "convlstm_predictor", learning_rate)
