"""Checks and the compile step shared by the model builders (and by chapters' hand-built models)."""

from __future__ import annotations

from typing import Any

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
    model: keras.Model,
    loss: Any,
    metrics: list[Any] | None = None,
    learning_rate: float = 1e-3,
    *,
    optimizer: keras.optimizers.Optimizer | None = None,
    supports_xla: bool = True,
) -> keras.Model:
    """Compile a model the way every builder does: Adam, the runtime's XLA policy, a built
    optimizer.

    Chapters that assemble a model by hand compile it with this function too, so that
    whether it runs under XLA is decided in one place, :func:`seqbook.runtime.xla_enabled`
    (on for GPUs and TPUs, off on a CPU; ``SEQBOOK_XLA=on|off`` forces it).

    The optimizer's variables are created here, for a built model: left to the first
    training step, their creation makes TensorFlow trace that step twice, which costs
    about as much as the whole first epoch of a small model on a CPU
    (``benchmarks/first_fit.py``).

    Parameters
    ----------
    model : keras.Model
    loss, metrics
        As for ``keras.Model.compile``.
    learning_rate : float
        Adam's learning rate; ignored when ``optimizer`` is given.
    optimizer : keras.optimizers.Optimizer, optional
        Another optimizer than Adam.
    supports_xla : bool
        False for a model that XLA cannot compile on TensorFlow (the HMM layer's ``scan``):
        then, on TensorFlow, it never compiles with XLA, whatever the policy says. On JAX,
        where every fast path is compiled and ``scan`` is ``jax.lax.scan``, it is ignored.

    Example
    -------
    >>> inputs = keras.Input((3,))
    >>> model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    >>> model = compile_model(model, "mse", learning_rate=0.01)
    >>> model.jit_compile == runtime.xla_enabled()
    True
    """
    if optimizer is None:
        if isinstance(learning_rate, bool) or not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {learning_rate!r}")
        optimizer = keras.optimizers.Adam(learning_rate)
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras.optimizers.Optimizer; got {optimizer!r}")
    model.compile(
        optimizer=optimizer,
        loss=loss,
        metrics=list(metrics or []),
        jit_compile=runtime.xla_enabled() and (supports_xla or runtime.backend() == "jax"),
    )
    if model.built and model.trainable_variables:
        model.optimizer.build(model.trainable_variables)
    return model
