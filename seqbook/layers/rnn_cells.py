"""Recurrent cells written out by hand: a tanh RNN, an LSTM (with its variants) and a GRU.

Each cell computes one step, ``output, new_states = cell(x_t, states)``, and is meant to be
wrapped in ``keras.layers.RNN``, which runs the loop over time, handles masks,
``return_sequences``, ``return_state``, ``go_backwards`` and ``stateful``. The weights have
the names, shapes and gate order of Keras' own cells (``kernel``, ``recurrent_kernel``,
``bias``), so ``ours.set_weights(keras_layer.get_weights())`` makes the two comparable;
the tests check that they then agree to 1e-5.

The cells are written for reading, so they leave out dropout: use Keras' built-in layers
(``keras.layers.LSTM(..., dropout=..., recurrent_dropout=...)``) when you need it.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell"]


Initializer = Any  # a name such as "orthogonal", or a keras.initializers.Initializer


def _check_units(units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValueError(f"units must be a positive integer; got {units!r}")
    return units


def _previous(states: Any) -> Any:
    """The single state tensor, whether ``states`` is a tensor or a one-element list."""
    return states[0] if isinstance(states, (list, tuple)) else states


@keras.saving.register_keras_serializable(package="seqbook")
class SimpleRNNCell(keras.layers.Layer):
    """One step of an Elman network: ``h_t = tanh(x_t W + h_{t-1} U + b)``.

    Parameters
    ----------
    units : int
        Size of the state ``h_t`` (also the output).
    activation : str
        The non-linearity ``f`` (``"tanh"`` as in Keras; ``"relu"`` or ``"linear"`` for
        experiments).
    kernel_initializer, recurrent_initializer, bias_initializer : str or Initializer
        Initializers of ``W`` (``kernel``, shape ``[input_dim, units]``), ``U``
        (``recurrent_kernel``, ``[units, units]``) and ``b`` (``bias``, ``[units]``); the
        defaults are Keras'.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Example
    -------
    >>> import numpy as np
    >>> rnn = keras.layers.RNN(SimpleRNNCell(4), return_sequences=True)
    >>> tuple(rnn(np.zeros((2, 5, 3), "float32")).shape)
    (2, 5, 4)
    """

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        kernel_initializer: Initializer = "glorot_uniform",
        recurrent_initializer: Initializer = "orthogonal",
        bias_initializer: Initializer = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = _check_units(units)
        self.activation_name = activation
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape: tuple) -> None:
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,), initializer=self.bias_initializer, name="bias"
        )

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple:
        h_prev = _previous(states)
        pre_activation = (
            ops.matmul(inputs, self.kernel)
            + ops.matmul(h_prev, self.recurrent_kernel)
            + self.bias
        )
        h = self.activation(pre_activation)
        return h, [h]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation_name,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }


@keras.saving.register_keras_serializable(package="seqbook")
class LSTMCell(keras.layers.Layer):
    """One step of a long short-term memory cell, with optional peepholes and coupled gates.

    With both options off it computes what ``keras.layers.LSTMCell`` computes, with the same
    weights: ``kernel`` ``[input_dim, 4 * units]``, ``recurrent_kernel`` ``[units, 4 * units]``
    and ``bias`` ``[4 * units]``, each holding the input gate ``i``, forget gate ``f``,
    candidate ``g`` and output gate ``o`` in that order::

        i, f, o = sigmoid(...), g = tanh(x W_g + h U_g + b_g)
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)

    The forget gate's bias starts at 1, as in Keras (``unit_forget_bias``).

    Parameters
    ----------
    units : int
        Size of the hidden state ``h_t`` and of the cell state ``c_t``.
    peephole : bool
        Let the gates look at the cell state (Gers & Schmidhuber, 2000): ``i`` and ``f`` add
        ``p_i * c_{t-1}`` and ``p_f * c_{t-1}``, ``o`` adds ``p_o * c_t``. The three
        diagonal weight vectors (``peephole``, shape ``[3, units]``) start at zero, so a new
        peephole cell computes what a plain one does.
    coupled : bool
        Couple the input and forget gates, ``i_t = 1 - f_t`` (the "CIFG" variant): the cell
        writes only as much as it forgets. The input gate's weights are dropped, so the
        kernels hold three blocks ``f, g, o`` instead of four.
    kernel_initializer, recurrent_initializer : str or Initializer
        Initializers of the input and recurrent weights; Keras' defaults.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Example
    -------
    >>> import numpy as np
    >>> rnn = keras.layers.RNN(LSTMCell(4, peephole=True), return_state=True)
    >>> h, h_last, c_last = rnn(np.zeros((2, 5, 3), "float32"))
    >>> tuple(h.shape), tuple(c_last.shape)
    ((2, 4), (2, 4))
    """

    def __init__(
        self,
        units: int,
        peephole: bool = False,
        coupled: bool = False,
        kernel_initializer: Initializer = "glorot_uniform",
        recurrent_initializer: Initializer = "orthogonal",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = _check_units(units)
        for name, value in (("peephole", peephole), ("coupled", coupled)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False; got {value!r}")
        self.peephole = peephole
        self.coupled = coupled
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.blocks = 3 if coupled else 4
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape: tuple) -> None:
        width = self.blocks * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width), initializer=self.kernel_initializer, name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
        )
        # Zero biases except the forget gate's, which starts at one.
        forget_block = 0 if self.coupled else 1
        start = [0.0] * width
        start[forget_block * self.units : (forget_block + 1) * self.units] = [1.0] * self.units
        self.bias = self.add_weight(
            shape=(width,), initializer=keras.initializers.Constant(start), name="bias"
        )
        if self.peephole:
            self.peephole_weights = self.add_weight(
                shape=(3, self.units), initializer="zeros", name="peephole"
            )

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple:
        h_prev, c_prev = states[0], states[1]
        z = (
            ops.matmul(inputs, self.kernel)
            + ops.matmul(h_prev, self.recurrent_kernel)
            + self.bias
        )
        if self.coupled:
            z_f, z_g, z_o = ops.split(z, 3, axis=-1)
            z_i = None
        else:
            z_i, z_f, z_g, z_o = ops.split(z, 4, axis=-1)
        if self.peephole:
            p_i, p_f, p_o = (self.peephole_weights[k] for k in range(3))
            z_f = z_f + p_f * c_prev
            if z_i is not None:
                z_i = z_i + p_i * c_prev
        f = ops.sigmoid(z_f)
        i = 1.0 - f if self.coupled else ops.sigmoid(z_i)
        c = f * c_prev + i * ops.tanh(z_g)
        if self.peephole:
            z_o = z_o + p_o * c
        h = ops.sigmoid(z_o) * ops.tanh(c)
        return h, [h, c]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "peephole": self.peephole,
            "coupled": self.coupled,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
        }


@keras.saving.register_keras_serializable(package="seqbook")
class GRUCell(keras.layers.Layer):
    """One step of a gated recurrent unit, in Keras' default ``reset_after=True`` form.

    The weights match ``keras.layers.GRUCell``: ``kernel`` ``[input_dim, 3 * units]`` and
    ``recurrent_kernel`` ``[units, 3 * units]`` with the update gate ``z``, reset gate ``r``
    and candidate ``n`` in that order, and ``bias`` ``[2, 3 * units]`` (row 0 for the input
    part, row 1 for the recurrent part)::

        z = sigmoid(x W_z + b_z + h U_z + c_z),  r = sigmoid(x W_r + b_r + h U_r + c_r)
        n = tanh(x W_n + b_n + r * (h U_n + c_n))
        h_t = z * h_{t-1} + (1 - z) * n

    The reset gate multiplies the recurrent term *after* the matrix product: that is the
    variant cuDNN implements, and Keras' default.

    Parameters
    ----------
    units : int
        Size of the state ``h_t``.
    kernel_initializer, recurrent_initializer, bias_initializer : str or Initializer
        Keras' defaults.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Example
    -------
    >>> import numpy as np
    >>> gru = keras.layers.RNN(GRUCell(4))
    >>> tuple(gru(np.zeros((2, 5, 3), "float32")).shape)
    (2, 4)
    """

    def __init__(
        self,
        units: int,
        kernel_initializer: Initializer = "glorot_uniform",
        recurrent_initializer: Initializer = "orthogonal",
        bias_initializer: Initializer = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = _check_units(units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape: tuple) -> None:
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 3 * self.units),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, 3 * self.units),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
        )
        self.bias = self.add_weight(
            shape=(2, 3 * self.units), initializer=self.bias_initializer, name="bias"
        )

    def call(self, inputs: Any, states: Any, training: bool = False) -> tuple:
        h_prev = _previous(states)
        x_z, x_r, x_n = ops.split(ops.matmul(inputs, self.kernel) + self.bias[0], 3, axis=-1)
        h_z, h_r, h_n = ops.split(
            ops.matmul(h_prev, self.recurrent_kernel) + self.bias[1], 3, axis=-1
        )
        z = ops.sigmoid(x_z + h_z)
        r = ops.sigmoid(x_r + h_r)
        n = ops.tanh(x_n + r * h_n)
        h = z * h_prev + (1.0 - z) * n
        return h, [h]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
