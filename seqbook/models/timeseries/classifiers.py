"""Classifiers for real-valued, possibly multivariate time series ``[batch, time, features]``.

Four families, all compiled through :func:`seqbook.models._common.compile_model`:

* :func:`fcn_classifier`, the fully convolutional network (FCN) of Wang, Yan & Oates (2017):
  three blocks of ``Conv1D`` + batch normalisation + ReLU, then global average pooling;
* :func:`resnet_classifier`, the residual network of the same paper: three residual blocks of
  three such convolutions each;
* :func:`lstm_classifier`, an LSTM whose final state is classified;
* :func:`transformer_classifier`, a stack of Transformer encoder blocks
  (:func:`seqbook.models.transformer.encoder.transformer_encoder`) with learned positions.

Variable-length series are padded at the *end* to a common length with a constant
(:func:`pad_series`; 0 by default) and the builders are given that constant as
``mask_value``. A time step is padding when every one of its features equals ``mask_value``.
The LSTM and the Transformer read the padding through ``keras.layers.Masking``: the LSTM
carries its state over padded steps and attention gives them no weight. ``Conv1D`` ignores
Keras masks, so the convolutional models handle padding explicitly: after every block they
set the padded steps back to zero (so the next convolution sees the same zeros as its own
``"same"`` padding at the end of an unpadded series), and they average only over the real
steps (:class:`MaskedAverage`). With ``mask_value=None`` (the default) nothing is masked,
which suits fixed-length data sets whose values may legitimately be 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from seqbook.models._common import compile_model, require_positive, require_rate
from seqbook.models.transformer.encoder import (
    GPT_POSITION_INIT,
    PositionEmbedding,
    transformer_encoder,
)

__all__ = [
    "MaskedAverage",
    "StepMask",
    "fcn_classifier",
    "lstm_classifier",
    "pad_series",
    "resnet_classifier",
    "transformer_classifier",
]


@keras.saving.register_keras_serializable(package="seqbook")
class StepMask(keras.layers.Layer):
    """Which steps are real: ``[batch, time, features] -> [batch, time, 1]`` of 1.0 and 0.0.

    A step is padding (0.0) when all its features equal ``mask_value``, the rule of
    ``keras.layers.Masking``. The float mask multiplies hidden sequences to zero their
    padded steps and weights :class:`MaskedAverage`.

    Parameters
    ----------
    mask_value : float
        The constant the series were padded with.

    Example
    -------
    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [0.0, 3.0], [0.0, 0.0]]], "float32")
    >>> keras.ops.convert_to_numpy(StepMask(0.0)(x))[0, :, 0].tolist()
    [1.0, 1.0, 0.0]
    """

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = _check_mask_value(mask_value, allow_none=False)

    def call(self, inputs):
        real = keras.ops.any(keras.ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return keras.ops.cast(real, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}


@keras.saving.register_keras_serializable(package="seqbook")
class MaskedAverage(keras.layers.Layer):
    """Average a sequence over its real steps: ``[values, mask] -> [batch, channels]``.

    ``values`` is ``[batch, time, channels]`` and ``mask`` is ``[batch, time, 1]`` with 1.0 for
    real steps and 0.0 for padding (as :class:`StepMask` makes it). The result is
    ``sum_t mask_t * values_t / sum_t mask_t``, so padding changes nothing; a series with no
    real step averages to 0.

    Example
    -------
    >>> import numpy as np
    >>> values = np.array([[[1.0], [3.0], [100.0]]], "float32")
    >>> mask = np.array([[[1.0], [1.0], [0.0]]], "float32")
    >>> keras.ops.convert_to_numpy(MaskedAverage()([values, mask])).tolist()
    [[2.0]]
    """

    def call(self, inputs):
        values, mask = inputs
        mask = keras.ops.cast(mask, values.dtype)
        total = keras.ops.sum(values * mask, axis=1)
        count = keras.ops.maximum(keras.ops.sum(mask, axis=1), 1.0)
        return total / count

    def compute_output_shape(self, input_shape):
        values_shape = input_shape[0]
        return (values_shape[0], values_shape[-1])

    def get_config(self) -> dict:
        return super().get_config()


def _check_mask_value(mask_value, allow_none: bool = True, name: str = "mask_value"):
    if mask_value is None and allow_none:
        return None
    if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)) or not np.isfinite(
        mask_value
    ):
        expected = "a finite number or None" if allow_none else "a finite number"
        raise ValueError(f"{name} must be {expected}; got {mask_value!r}")
    return float(mask_value)


def _check_sizes(name: str, values, count: int | None = None) -> tuple[int, ...]:
    """Return ``values`` as a tuple of positive ints (``count`` of them when given)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(f"{name} must be a sequence of positive integers; got {values!r}")
    sizes = tuple(values)
    if not sizes or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in sizes):
        raise ValueError(f"{name} must be a non-empty sequence of positive integers; got {values!r}")
    if count is not None and len(sizes) != count:
        raise ValueError(f"{name} must have {count} entries (one per block); got {values!r}")
    return sizes


def _series_input(features: int, sequence_length: int | None) -> keras.KerasTensor:
    require_positive(features=features)
    if sequence_length is not None:
        require_positive(sequence_length=sequence_length)
    return keras.Input(shape=(sequence_length, features), name="series")


def _classify(pooled, num_classes: int, inputs, name: str, learning_rate: float) -> keras.Model:
    probs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="probs")(
        pooled
    )
    model = keras.Model(inputs, probs, name=name)
    return compile_model(model, "sparse_categorical_crossentropy", ["accuracy"], learning_rate)


def _check_momentum(momentum: float) -> float:
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 < momentum < 1:
        raise ValueError(f"momentum must be a number in (0, 1); got {momentum!r}")
    return float(momentum)


def _conv_bn_relu(x, filters: int, kernel_size: int, momentum: float, relu: bool = True):
    x = keras.layers.Conv1D(filters, kernel_size, padding="same")(x)
    x = keras.layers.BatchNormalization(momentum=momentum)(x)
    return keras.layers.Activation("relu")(x) if relu else x


def _step_mask(series, mask_value: float | None):
    """``[batch, time, 1]`` with 1 on real steps, or ``None`` when nothing is padded."""
    return None if mask_value is None else StepMask(mask_value, name="step_mask")(series)


def _average_over_steps(x, mask):
    """Global average over time; over the real steps only when there is a mask."""
    if mask is None:
        return keras.layers.GlobalAveragePooling1D(name="average")(x)
    return MaskedAverage(name="average")([x, mask])


def fcn_classifier(
    num_classes: int,
    features: int,
    sequence_length: int | None = None,
    filters: Sequence[int] = (128, 256, 128),
    kernel_sizes: Sequence[int] = (8, 5, 3),
    mask_value: float | None = None,
    momentum: float = 0.9,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """The fully convolutional network (FCN) of Wang et al. (2017) for time series.

    Each block is a ``Conv1D`` (``"same"`` padding, stride 1) followed by batch normalisation
    and a ReLU; global average pooling over time feeds a softmax. The paper's sizes are the
    defaults: 128, 256 and 128 filters with kernels 8, 5 and 3.

    Parameters
    ----------
    num_classes : int
        Number of labels; the model outputs their probabilities.
    features : int
        Values per time step (1 for a univariate series).
    sequence_length : int, optional
        Fixed (padded) length, or ``None`` for any length.
    filters, kernel_sizes : sequence of int
        One entry per convolutional block; both must have the same number of entries.
    mask_value : float, optional
        The padding constant of variable-length inputs (see :func:`pad_series`). Steps whose
        features all equal it are zeroed after every block and left out of the average, so
        the prediction does not depend on how much padding follows a series. ``None``: no
        masking.
    momentum : float
        Momentum of the batch-normalisation running statistics used at inference. Keras'
        default, 0.99, keeps 0.99**n of the initial statistics after n steps, so short
        trainings (a few hundred steps) predict with statistics far from the data's; 0.9
        forgets them within about 50 steps.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, time, features]`` to
        probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> model = fcn_classifier(num_classes=2, features=1, filters=(8, 16, 8))
    >>> model.output_shape
    (None, 2)
    """
    require_positive(num_classes=num_classes)
    filters = _check_sizes("filters", filters)
    kernel_sizes = _check_sizes("kernel_sizes", kernel_sizes, count=len(filters))
    mask_value = _check_mask_value(mask_value)
    momentum = _check_momentum(momentum)
    series = _series_input(features, sequence_length)
    mask = _step_mask(series, mask_value)
    x = series
    for width, kernel in zip(filters, kernel_sizes):
        x = _conv_bn_relu(x, width, kernel, momentum)
        if mask is not None:
            x = keras.layers.Multiply()([x, mask])
    pooled = _average_over_steps(x, mask)
    return _classify(pooled, num_classes, series, "fcn_classifier", learning_rate)


def resnet_classifier(
    num_classes: int,
    features: int,
    sequence_length: int | None = None,
    filters: Sequence[int] = (64, 128, 128),
    kernel_sizes: Sequence[int] = (8, 5, 3),
    mask_value: float | None = None,
    momentum: float = 0.9,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """The residual network (ResNet) of Wang et al. (2017) for time series.

    Each residual block applies three ``Conv1D`` + batch-norm layers with the kernel sizes
    ``kernel_sizes`` (ReLU after the first two), adds a shortcut (the block's input, through
    a 1x1 convolution when the number of channels changes, then batch norm) and applies a ReLU. The
    paper uses three blocks of 64, 128 and 128 filters and kernels 8, 5, 3; global average
    pooling and a softmax follow. Padding is handled as in :func:`fcn_classifier`.

    Parameters
    ----------
    num_classes, features, sequence_length, mask_value, momentum, learning_rate
        As in :func:`fcn_classifier`.
    filters : sequence of int
        Channels of each residual block (one entry per block).
    kernel_sizes : sequence of int
        Kernel sizes of the convolutions inside every block (one entry per convolution).

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, time, features]`` to
        probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> model = resnet_classifier(num_classes=3, features=2, filters=(8, 8))
    >>> model.output_shape
    (None, 3)
    """
    require_positive(num_classes=num_classes)
    filters = _check_sizes("filters", filters)
    kernel_sizes = _check_sizes("kernel_sizes", kernel_sizes)
    mask_value = _check_mask_value(mask_value)
    momentum = _check_momentum(momentum)
    series = _series_input(features, sequence_length)
    mask = _step_mask(series, mask_value)
    x = series
    for width in filters:
        branch = x
        for i, kernel in enumerate(kernel_sizes):
            branch = _conv_bn_relu(branch, width, kernel, momentum, relu=i < len(kernel_sizes) - 1)
            if mask is not None:
                branch = keras.layers.Multiply()([branch, mask])
        shortcut = x if x.shape[-1] == width else keras.layers.Conv1D(width, 1)(x)
        shortcut = keras.layers.BatchNormalization(momentum=momentum)(shortcut)
        x = keras.layers.Activation("relu")(keras.layers.Add()([shortcut, branch]))
        if mask is not None:
            x = keras.layers.Multiply()([x, mask])
    pooled = _average_over_steps(x, mask)
    return _classify(pooled, num_classes, series, "resnet_classifier", learning_rate)


def lstm_classifier(
    num_classes: int,
    features: int,
    sequence_length: int | None = None,
    units: int = 64,
    bidirectional: bool = False,
    dropout: float = 0.0,
    mask_value: float | None = None,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """An LSTM reads the series in order; its final state is classified.

    With ``mask_value`` set, a ``keras.layers.Masking`` layer marks padded steps: the LSTM
    skips them (carrying its state over), so its final state is the one after the last real
    step, whatever the padding.

    Parameters
    ----------
    num_classes, features, sequence_length, mask_value, learning_rate
        As in :func:`fcn_classifier`.
    units : int
        Size of the LSTM state.
    bidirectional : bool
        Also read the series backwards and join both final states.
    dropout : float
        Dropout on the final state, in ``[0, 1)``.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, time, features]`` to
        probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> model = lstm_classifier(num_classes=9, features=12, units=16, mask_value=0.0)
    >>> model.output_shape
    (None, 9)
    """
    require_positive(num_classes=num_classes, units=units)
    require_rate(dropout=dropout)
    mask_value = _check_mask_value(mask_value)
    series = _series_input(features, sequence_length)
    x = keras.layers.Masking(mask_value)(series) if mask_value is not None else series
    reader = keras.layers.LSTM(units)
    if bidirectional:
        reader = keras.layers.Bidirectional(reader)
    state = reader(x)
    if dropout:
        state = keras.layers.Dropout(dropout)(state)
    return _classify(state, num_classes, series, "lstm_classifier", learning_rate)


def transformer_classifier(
    num_classes: int,
    features: int,
    max_sequence_length: int,
    hidden_dim: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    key_dim: int = 16,
    intermediate_dim: int = 128,
    dropout: float = 0.1,
    mask_value: float | None = None,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A Transformer encoder over the time steps, averaged over the real steps and classified.

    Each step's features are projected to ``hidden_dim`` values, a learned position vector is
    added (:class:`~seqbook.models.transformer.encoder.PositionEmbedding`), ``num_layers``
    pre-norm encoder blocks follow, and the outputs are averaged over time. With
    ``mask_value`` set, ``keras.layers.Masking`` marks padded steps: attention gives them no
    weight and the average leaves them out. Pad at the end (:func:`pad_series`) so that the
    real steps keep their positions.

    Parameters
    ----------
    num_classes, features, mask_value, learning_rate
        As in :func:`fcn_classifier`.
    max_sequence_length : int
        The longest input: the number of learned positions. Inputs may be shorter.
    hidden_dim : int
        Width of the encoder.
    num_layers : int
        Number of encoder blocks.
    num_heads, key_dim, intermediate_dim : int
        Attention heads, size of each head, width of the feed-forward layer.
    dropout : float
        Dropout inside the blocks, in ``[0, 1)``.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy; maps ``[batch, time, features]``
        (``time <= max_sequence_length``) to probabilities ``[batch, num_classes]``.

    Example
    -------
    >>> model = transformer_classifier(num_classes=9, features=12, max_sequence_length=29,
    ...                                hidden_dim=16, num_layers=1, num_heads=2, key_dim=8,
    ...                                intermediate_dim=32)
    >>> model.output_shape
    (None, 9)
    """
    require_positive(
        num_classes=num_classes,
        max_sequence_length=max_sequence_length,
        hidden_dim=hidden_dim,
        num_layers=num_layers,
        num_heads=num_heads,
        key_dim=key_dim,
        intermediate_dim=intermediate_dim,
    )
    require_rate(dropout=dropout)
    mask_value = _check_mask_value(mask_value)
    require_positive(features=features)
    # Any length up to ``max_sequence_length`` (the learned positions): shorter inputs use the
    # first ones.
    series = keras.Input(shape=(None, features), name="series")
    x = keras.layers.Masking(mask_value)(series) if mask_value is not None else series
    x = keras.layers.Dense(hidden_dim, name="project")(x)
    x = PositionEmbedding(max_sequence_length, initializer=GPT_POSITION_INIT, name="positions")(x)
    for _ in range(num_layers):
        x = transformer_encoder(
            x, num_heads=num_heads, key_dim=key_dim, intermediate_dim=intermediate_dim,
            dropout=dropout, norm_first=True,
        )
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    pooled = keras.layers.GlobalAveragePooling1D(name="average")(x)
    return _classify(pooled, num_classes, series, "transformer_classifier", learning_rate)


def pad_series(
    series: Sequence[np.ndarray],
    sequence_length: int | None = None,
    value: float = 0.0,
) -> np.ndarray:
    """Stack series of different lengths into one float32 array, padded at the end.

    Parameters
    ----------
    series : sequence of arrays
        Each ``[time, features]`` (or ``[time]`` for a univariate series), all with the same
        number of features and only finite values.
    sequence_length : int, optional
        Length to pad to; defaults to the longest series. A longer series is an error, not
        silently truncated.
    value : float
        The padding constant; give the same ``mask_value`` to the classifier. A real step
        whose features all equal ``value`` would be mistaken for padding, so it is an error.

    Returns
    -------
    numpy.ndarray
        ``[len(series), sequence_length, features]``, float32.

    Raises
    ------
    ValueError
        On an empty list, a series that is not 1-D or 2-D or is empty, mismatched numbers of
        features, NaN or infinite values, a series longer than ``sequence_length``, or a real step
        equal to the padding value.

    Example
    -------
    >>> import numpy as np
    >>> padded = pad_series([np.ones((2, 3)), np.ones((4, 3))])
    >>> padded.shape, padded[0, :, 0].tolist()
    ((2, 4, 3), [1.0, 1.0, 0.0, 0.0])
    """
    if isinstance(series, np.ndarray) and series.ndim in (2, 3):
        series = list(series)
    if isinstance(series, (str, bytes)) or not isinstance(series, Sequence) or not len(series):
        raise ValueError(f"series must be a non-empty sequence of arrays; got {type(series).__name__}")
    value = _check_mask_value(value, allow_none=False, name="value")
    arrays = []
    for i, item in enumerate(series):
        array = np.asarray(item, dtype="float32")
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] == 0:
            raise ValueError(
                f"series[{i}] must be a non-empty [time, features] or [time] array; "
                f"got shape {np.shape(item)}"
            )
        if arrays and array.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"series[{i}] has {array.shape[1]} features but series[0] has "
                f"{arrays[0].shape[1]}: all series must have the same number of features"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"series[{i}] contains NaN or infinite values")
        if (array == value).all(axis=1).any():
            step = int(np.flatnonzero((array == value).all(axis=1))[0])
            raise ValueError(
                f"series[{i}] step {step} has every feature equal to the padding value {value}: "
                "it would be masked as padding; choose another value"
            )
        arrays.append(array)
    longest = max(len(a) for a in arrays)
    if sequence_length is None:
        sequence_length = longest
    require_positive(sequence_length=sequence_length)
    if longest > sequence_length:
        raise ValueError(
            f"sequence_length must be at least the longest series ({longest} steps); "
            f"got {sequence_length}"
        )
    out = np.full((len(arrays), sequence_length, arrays[0].shape[1]), value, dtype="float32")
    for i, array in enumerate(arrays):
        out[i, : len(array)] = array
    return out
