"""Clip classifiers: a per-frame CNN whose frames are averaged (order-blind), and the same
CNN followed by an LSTM (order-aware)."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from seqbook.models._common import compile_model, require_positive
from seqbook.models.video._frames import check_frame_size

__all__ = ["clip_average_classifier", "clip_lstm_classifier"]


def _frame_encoder(frame_size: tuple[int, int], channels: int, filters: int) -> keras.Model:
    """A small CNN from one frame to a vector of ``2 * filters`` features.

    The feature maps are flattened, not pooled over the frame, so the features keep
    *where* things are: a direction of motion is a change of position over time.
    """
    frame = keras.Input(shape=(*frame_size, channels))
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(frame)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(2 * filters, activation="relu")(x)
    return keras.Model(frame, x, name="frame_encoder")


def _check(num_frames, frame_size, channels, filters, num_classes):
    size = check_frame_size(frame_size)
    require_positive(num_frames=num_frames, channels=channels, filters=filters,
                     num_classes=num_classes)
    if min(size) < 2:
        raise ValueError(f"frame_size must be at least 2 x 2 (the CNN pools by 2), "
                         f"got {tuple(frame_size)}.")
    return size


def clip_average_classifier(
    num_frames: int = 8,
    frame_size: Sequence[int] = (16, 16),
    channels: int = 1,
    filters: int = 16,
    num_classes: int = 2,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Classify a clip from the *average* of its per-frame CNN features (order-blind).

    ``TimeDistributed`` applies one small CNN (a convolution, max pooling and a dense layer
    on the flattened maps) to every frame; ``GlobalAveragePooling1D``
    averages the frame features over time, so any reordering of the frames gives the same
    output: the model sees a bag of frames.

    Parameters
    ----------
    num_frames : int
        Frames per clip.
    frame_size : (int, int)
        Height and width of a frame.
    channels : int
        Channels per frame.
    filters : int
        Channels of the CNN's convolution (its dense layer has twice as many units).
    num_classes : int
        Output classes.
    learning_rate : float
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy and accuracy; maps ``[batch,
        num_frames, height, width, channels]`` to probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> clip_average_classifier(num_frames=4, frame_size=(8, 8), filters=4).output_shape
    (None, 2)
    """
    size = _check(num_frames, frame_size, channels, filters, num_classes)
    clip = keras.Input(shape=(num_frames, *size, channels), name="frames")
    features = keras.layers.TimeDistributed(_frame_encoder(size, channels, filters),
                                            name="per_frame_cnn")(clip)
    pooled = keras.layers.GlobalAveragePooling1D(name="average_over_time")(features)
    outputs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32",
                                 name="class")(pooled)
    model = keras.Model(clip, outputs, name="clip_average_classifier")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"],
                         learning_rate)


def clip_lstm_classifier(
    num_frames: int = 8,
    frame_size: Sequence[int] = (16, 16),
    channels: int = 1,
    filters: int = 16,
    units: int = 32,
    num_classes: int = 2,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Classify a clip with per-frame CNN features read in order by an LSTM.

    The same per-frame CNN as :func:`clip_average_classifier`, but an LSTM of ``units``
    reads the frame features in time order and its last state is classified, so the
    model can tell a clip from the same clip played backwards.

    Parameters
    ----------
    num_frames : int
        Frames per clip.
    frame_size : (int, int)
        Height and width of a frame.
    channels : int
        Channels per frame.
    filters : int
        Channels of the CNN's convolution (its dense layer has twice as many units).
    units : int
        LSTM state size.
    num_classes : int
        Output classes.
    learning_rate : float
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy and accuracy; maps ``[batch,
        num_frames, height, width, channels]`` to probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> clip_lstm_classifier(num_frames=4, frame_size=(8, 8), filters=4).output_shape
    (None, 2)
    """
    size = _check(num_frames, frame_size, channels, filters, num_classes)
    require_positive(units=units)
    clip = keras.Input(shape=(num_frames, *size, channels), name="frames")
    features = keras.layers.TimeDistributed(_frame_encoder(size, channels, filters),
                                            name="per_frame_cnn")(clip)
    state = keras.layers.LSTM(units, name="lstm")(features)
    outputs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32",
                                 name="class")(state)
    model = keras.Model(clip, outputs, name="clip_lstm_classifier")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"],
                         learning_rate)
