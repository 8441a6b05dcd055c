"""Checks and compile settings shared by the model builders."""

from __future__ import annotations

import keras

from seqbook import runtime
from seqbook._checks import require_positive, require_rate  # noqa: F401 - the builders' checks

RECURRENT_LAYERS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def recurrent_layer(cell: str, units: int, **kwargs) -> keras.layers.Layer:
    """Keras' built-in recurrent layer for ``cell`` ("rnn", "lstm" or "gru")."""
    if cell not in RECURRENT_LAYERS:
        raise ValueError(f"cell must be one of {', '.join(RECURRENT_LAYERS)}; got {cell!r}")
    return RECURRENT_LAYERS[cell](units, **kwargs)


def compile_model(
    model: keras.Model, loss: str, metrics: list[str], learning_rate: float
) -> keras.Model:
    """Compile with Adam and XLA, the settings every builder shares.

    XLA (``jit_compile=True``) is on wherever it works: see :func:`seqbook.runtime.xla_enabled`.
    The optimizer's variables are created here, for a built model: left to the first
    training step, their creation makes TensorFlow trace that step twice, which costs
    about as much as the whole first epoch of a small model on a CPU
    (``benchmarks/first_fit.py``).
    """
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0; got {learning_rate!r}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=loss,
        metrics=metrics,
        jit_compile=runtime.xla_enabled(),
    )
    if model.built and model.trainable_variables:
        model.optimizer.build(model.trainable_variables)
    return model
