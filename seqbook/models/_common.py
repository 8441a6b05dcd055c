"""Checks and compile settings shared by the model builders."""

from __future__ import annotations

import keras

from seqbook import runtime

RECURRENT_LAYERS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def require_positive(**values: int) -> None:
    """Raise ``ValueError`` naming the first argument that is not a positive integer."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


def require_rate(**values: float) -> None:
    """Raise ``ValueError`` naming the first argument that is not a number in ``[0, 1)``.

    For dropout rates: 1 would drop everything.
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise ValueError(f"{name} must be a number in [0, 1); got {value!r}")


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
