"""Convolutional sequence models: dilated causal TCNs and a CNN-LSTM hybrid.

A temporal convolutional network (TCN) stacks residual blocks of dilated causal
``keras.layers.Conv1D`` layers, as in WaveNet (van den Oord et al. 2016) and the generic TCN of
Bai, Kolter & Koltun (2018). "Causal" means the output at step ``t`` sees only inputs at steps
``<= t``; doubling the dilation from block to block makes the receptive field grow
exponentially with depth, which :func:`tcn_receptive_field` computes.

Variable-length inputs are padded at the *front* (``padding="pre"``) and the models read the
output of the last step: with causal convolutions that step has seen the whole real sequence.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from seqbook.models._common import compile_model, require_positive, require_rate

__all__ = [
    "LastStep",
    "cnn_lstm_classifier",
    "tcn_block",
    "tcn_classifier",
    "tcn_dilations",
    "tcn_receptive_field",
    "tcn_regressor",
]


@keras.saving.register_keras_serializable(package="seqbook")
class LastStep(keras.layers.Layer):
    """Keep only the last time step: ``[batch, time, channels] -> [batch, channels]``.

    After causal convolutions the last step is the one that has seen the whole sequence, so
    it plays the role of an RNN's final state. Pad variable-length inputs at the front.

    Example
    -------
    >>> import numpy as np
    >>> x = np.arange(12.0).reshape(1, 4, 3)
    >>> keras.ops.convert_to_numpy(LastStep()(x)).tolist()
    [[9.0, 10.0, 11.0]]
    """

    def call(self, inputs):
        return inputs[:, -1, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict:
        return super().get_config()


def _check_dilations(dilations: Sequence[int]) -> tuple[int, ...]:
    """Return ``dilations`` as a tuple of positive ints or raise ``ValueError`` naming them."""
    if isinstance(dilations, (str, bytes)) or not isinstance(dilations, Sequence):
        raise ValueError(
            f"dilations must be a non-empty sequence of positive integers; got {dilations!r}"
        )
    values = tuple(dilations)
    if not values or any(
        isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in values
    ):
        raise ValueError(
            f"dilations must be a non-empty sequence of positive integers; got {dilations!r}"
        )
    return values


def tcn_receptive_field(
    kernel_size: int, dilations: Sequence[int], convs_per_block: int = 2
) -> int:
    """Number of input steps that one output step of a causal TCN can see.

    A causal convolution with kernel size ``k`` and dilation ``d`` looks ``(k - 1) * d``
    steps further into the past than its input does. Stacking adds these reaches, and a
    residual connection (identity or 1x1 convolution) adds none, so

    ``R = 1 + convs_per_block * (kernel_size - 1) * sum(dilations)``.

    Parameters
    ----------
    kernel_size : int
        Width of every convolution kernel.
    dilations : sequence of int
        One dilation rate per residual block, e.g. ``(1, 2, 4, 8)``.
    convs_per_block : int
        Causal convolutions per block, all with the block's dilation (2 in Bai et al. 2018).

    Returns
    -------
    int
        The receptive field in time steps, the current step included.

    Example
    -------
    >>> tcn_receptive_field(kernel_size=3, dilations=(1, 2, 4, 8))
    61
    >>> tcn_receptive_field(kernel_size=2, dilations=(1, 2, 4), convs_per_block=1)
    8
    """
    require_positive(kernel_size=kernel_size, convs_per_block=convs_per_block)
    values = _check_dilations(dilations)
    return 1 + convs_per_block * (kernel_size - 1) * sum(values)


def tcn_dilations(
    sequence_length: int, kernel_size: int = 3, convs_per_block: int = 2
) -> tuple[int, ...]:
    """The shortest doubling schedule ``(1, 2, 4, ...)`` whose receptive field covers
    ``sequence_length``.

    Parameters
    ----------
    sequence_length : int
        Number of steps the last output must see (the sequence length).
    kernel_size, convs_per_block : int
        As in :func:`tcn_receptive_field`.

    Returns
    -------
    tuple of int
        Dilations, one per residual block.

    Example
    -------
    >>> tcn_dilations(100)
    (1, 2, 4, 8, 16)
    >>> tcn_receptive_field(3, tcn_dilations(100))
    125
    """
    require_positive(
        sequence_length=sequence_length, kernel_size=kernel_size, convs_per_block=convs_per_block
    )
    if kernel_size == 1:
        raise ValueError("kernel_size must be at least 2 to grow the receptive field; got 1")
    dilations = [1]
    while tcn_receptive_field(kernel_size, dilations, convs_per_block) < sequence_length:
        dilations.append(2 * dilations[-1])
    return tuple(dilations)


def tcn_block(
    inputs: keras.KerasTensor,
    filters: int,
    kernel_size: int,
    dilation_rate: int,
    convs: int = 2,
    dropout: float = 0.0,
    name: str | None = None,
) -> keras.KerasTensor:
    """Apply one residual block of dilated causal convolutions to a ``[batch, time, ch]`` tensor.

    The block computes ``relu(x + F(x))`` where ``F`` is ``convs`` causal ``Conv1D`` layers
    (ReLU, then dropout of whole channels) with the same dilation. When ``x`` has a different
    number of channels than ``filters``, a 1x1 convolution projects it first. The output
    at step ``t`` depends on inputs at steps ``t - convs * (kernel_size - 1) * dilation_rate``
    to ``t`` only.

    Parameters
    ----------
    inputs : KerasTensor
        Symbolic input of shape ``[batch, time, channels]``.
    filters : int
        Channels of every convolution in the block (and of its output).
    kernel_size : int
        Width of the kernels.
    dilation_rate : int
        Gap between the taps of each kernel.
    convs : int
        Number of causal convolutions on the residual branch.
    dropout : float
        ``SpatialDropout1D`` rate after each convolution (0 for none).
    name : str, optional
        Prefix for the block's layer names.

    Returns
    -------
    KerasTensor
        Shape ``[batch, time, filters]``.

    Example
    -------
    >>> x = keras.Input(shape=(None, 3))
    >>> tcn_block(x, filters=8, kernel_size=3, dilation_rate=4).shape
    (None, None, 8)
    """
    require_positive(
        filters=filters, kernel_size=kernel_size, dilation_rate=dilation_rate, convs=convs
    )
    require_rate(dropout=dropout)
    prefix = f"{name}_" if name else None
    branch = inputs
    for i in range(convs):
        branch = keras.layers.Conv1D(
            filters,
            kernel_size,
            padding="causal",
            dilation_rate=dilation_rate,
            activation="relu",
            name=f"{prefix}conv{i + 1}" if prefix else None,
        )(branch)
        if dropout:
            branch = keras.layers.SpatialDropout1D(dropout)(branch)
    shortcut = inputs
    if inputs.shape[-1] != filters:
        shortcut = keras.layers.Conv1D(
            filters, 1, name=f"{prefix}project" if prefix else None
        )(inputs)
    merged = keras.layers.Add(name=f"{prefix}add" if prefix else None)([shortcut, branch])
    return keras.layers.Activation("relu", name=f"{prefix}out" if prefix else None)(merged)


def _tcn_body(
    features: int,
    sequence_length: int | None,
    filters: int,
    kernel_size: int,
    dilations: Sequence[int],
    dropout: float,
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """Input and last-step output of a TCN stack (shared by the TCN builders)."""
    require_positive(features=features, filters=filters, kernel_size=kernel_size)
    if sequence_length is not None:
        require_positive(sequence_length=sequence_length)
    values = _check_dilations(dilations)
    require_rate(dropout=dropout)
    sequence = keras.Input(shape=(sequence_length, features), name="sequence")
    x = sequence
    for i, dilation in enumerate(values):
        x = tcn_block(x, filters, kernel_size, dilation, dropout=dropout, name=f"block{i + 1}")
    last = LastStep(name="last_step")(x)
    return sequence, last


def tcn_classifier(
    num_classes: int,
    features: int,
    sequence_length: int | None = None,
    filters: int = 32,
    kernel_size: int = 3,
    dilations: Sequence[int] = (1, 2, 4, 8),
    dropout: float = 0.0,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A TCN that reads a sequence and classifies it from the output of its last step.

    Parameters
    ----------
    num_classes : int
        Number of labels; the model outputs their probabilities.
    features : int
        Values per time step.
    sequence_length : int, optional
        Fixed sequence length, or ``None`` for any length (pad shorter ones at the front).
    filters : int
        Channels of every convolution.
    kernel_size : int
        Width of every kernel.
    dilations : sequence of int
        One residual block per entry, with that dilation; see :func:`tcn_receptive_field`.
    dropout : float
        ``SpatialDropout1D`` rate inside the blocks.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, time, features]`` to
        probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> model = tcn_classifier(num_classes=9, features=12)
    >>> model.output_shape
    (None, 9)
    """
    require_positive(num_classes=num_classes)
    sequence, last = _tcn_body(features, sequence_length, filters, kernel_size, dilations, dropout)
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(last)
    model = keras.Model(sequence, probs, name="tcn_classifier")
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)


def tcn_regressor(
    features: int,
    outputs: int = 1,
    sequence_length: int | None = None,
    filters: int = 32,
    kernel_size: int = 3,
    dilations: Sequence[int] = (1, 2, 4, 8),
    dropout: float = 0.0,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A TCN that maps a sequence to ``outputs`` real numbers read at its last step.

    Use it for forecasting (a window of the past -> the next ``outputs`` values) or for
    sequence regression such as the adding problem.

    Parameters
    ----------
    features : int
        Values per time step.
    outputs : int
        Number of real outputs (the forecast horizon when forecasting).
    sequence_length, filters, kernel_size, dilations, dropout, learning_rate
        As in :func:`tcn_classifier`.

    Returns
    -------
    keras.Model
        Compiled with mean squared error; maps ``[batch, time, features]`` to
        ``[batch, outputs]``.

    Example
    -------
    >>> tcn_regressor(features=2, sequence_length=100).output_shape
    (None, 1)
    """
    require_positive(outputs=outputs)
    sequence, last = _tcn_body(features, sequence_length, filters, kernel_size, dilations, dropout)
    values = keras.layers.Dense(outputs, dtype="float32")(last)
    model = keras.Model(sequence, values, name="tcn_regressor")
    return compile_model(model, "mse", ["mae"], learning_rate)


def cnn_lstm_classifier(
    num_classes: int,
    features: int,
    sequence_length: int | None = None,
    conv_layers: int = 1,
    filters: int = 32,
    kernel_size: int = 3,
    pool_size: int = 2,
    units: int = 32,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A CNN-LSTM hybrid: convolutions extract local features, an LSTM reads them in order.

    Each convolutional layer is a causal ``Conv1D`` with ReLU followed by max pooling over
    ``pool_size`` steps, which shortens the sequence the LSTM must read. With
    ``conv_layers=0`` the model is a plain LSTM classifier on the raw features, the natural
    point of comparison.

    Parameters
    ----------
    num_classes, features, sequence_length, learning_rate
        As in :func:`tcn_classifier`.
    conv_layers : int
        Number of convolution + pooling stages before the LSTM (0 for none).
    filters : int
        Channels of each convolution.
    kernel_size : int
        Width of each kernel.
    pool_size : int
        Steps merged by each max pooling (1 for no pooling).
    units : int
        Size of the LSTM state.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, time, features]`` to
        probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> cnn_lstm_classifier(num_classes=9, features=12).output_shape
    (None, 9)
    """
    require_positive(
        num_classes=num_classes,
        features=features,
        filters=filters,
        kernel_size=kernel_size,
        pool_size=pool_size,
        units=units,
    )
    if isinstance(conv_layers, bool) or not isinstance(conv_layers, int) or conv_layers < 0:
        raise ValueError(f"conv_layers must be a non-negative integer; got {conv_layers!r}")
    if sequence_length is not None:
        require_positive(sequence_length=sequence_length)
        if sequence_length < pool_size**conv_layers:
            raise ValueError(
                f"sequence_length must be at least pool_size ** conv_layers = "
                f"{pool_size**conv_layers}; got {sequence_length!r}"
            )
    sequence = keras.Input(shape=(sequence_length, features), name="sequence")
    x = sequence
    for _ in range(conv_layers):
        x = keras.layers.Conv1D(filters, kernel_size, padding="causal", activation="relu")(x)
        if pool_size > 1:
            x = keras.layers.MaxPooling1D(pool_size)(x)
    state = keras.layers.LSTM(units)(x)
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(state)
    name = "cnn_lstm_classifier" if conv_layers else "lstm_classifier"
    model = keras.Model(sequence, probs, name=name)
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)
