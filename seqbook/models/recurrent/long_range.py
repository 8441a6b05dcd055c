"""The long-range dependency experiment: the adding problem at several sequence lengths.

The adding problem (Hochreiter & Schmidhuber, 1997) hides two marked numbers among
``length`` random ones; the model must output their sum after reading the whole sequence.
The first mark falls in the first half and the second in the second half, so the relevant
inputs lie up to ``length`` steps before the answer. Always predicting the mean sum scores
a mean squared error of about 0.167 (the variance of a sum of two uniforms, 1/6): a model
that has not learned to remember stays there.

:func:`adding_experiment` trains several models on the same batches and reports their
held-out error per length; the models are any builders ``length -> keras.Model``, so other
chapters can add their own architecture (a TCN, say) to the same table.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import numpy as np

from seqbook import data, runtime
from seqbook.models._common import compile_model, recurrent_layer, require_positive

__all__ = ["adding_arrays", "adding_experiment", "adding_model", "side_by_side"]

Builder = Callable[[int], keras.Model]


def adding_arrays(
    sequence_length: int, num_examples: int, split: str = "train", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem as arrays, from ``data.load("adding_problem", ...)``.

    Parameters
    ----------
    sequence_length : int
        Steps per sequence.
    num_examples : int
        Number of sequences.
    split : {"train", "validation", "test"}
        Each split is an independent draw.
    seed : int
        Seed of the generator.

    Returns
    -------
    tuple of numpy.ndarray
        Inputs ``float32 [num_examples, sequence_length, 2]`` (value, marker) and targets
        ``float32 [num_examples, 1]``.

    Example
    -------
    >>> x, y = adding_arrays(sequence_length=8, num_examples=3)
    >>> x.shape, y.shape
    ((3, 8, 2), (3, 1))
    """
    require_positive(sequence_length=sequence_length, num_examples=num_examples)
    dataset = data.load(
        "adding_problem", split=split, num_examples=num_examples, sequence_length=sequence_length,
        seed=seed,
    )
    batch = next(dataset.batch(num_examples).as_numpy_iterator())
    return batch["inputs"], batch["target"][:, None]


def adding_model(
    cell: str = "lstm", units: int = 32, learning_rate: float = 1e-2
) -> keras.Model:
    """A recurrent regressor for the adding problem: read all steps, predict the sum.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        Keras' ``SimpleRNN`` (tanh), ``LSTM`` or ``GRU``.
    units : int
        Size of the recurrent state.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with mean squared error; maps ``[batch, length, 2]`` (any length) to
        ``[batch, 1]``.

    Example
    -------
    >>> adding_model("gru", units=8).output_shape
    (None, 1)
    """
    require_positive(units=units)
    sequence = keras.Input(shape=(None, 2), name="sequence")
    state = recurrent_layer(cell, units, name=f"{cell}_layer")(sequence)
    total = keras.layers.Dense(1, dtype="float32", name=f"{cell}_sum")(state)
    model = keras.Model(sequence, total, name=cell)
    return compile_model(model, "mse", [], learning_rate)


def side_by_side(
    models: Mapping[str, keras.Model],
    learning_rate: float = 1e-2,
) -> keras.Model:
    """Join models with the same input into one model with one output per model.

    Training the joint model on the sum of the per-output losses updates each model exactly
    as training it alone on the same batches would: the models share no weights, so each
    loss term has gradients for its own model only, and Adam scales each weight's step by
    that weight's own gradient history. One compiled step then serves every model, which
    saves a compilation per model.

    Parameters
    ----------
    models : mapping of str to keras.Model
        Models with one input and one output each; their input shapes must agree.
    learning_rate : float
        Adam's step size, shared by all.

    Returns
    -------
    keras.Model
        Compiled with mean squared error on every output; outputs a dict keyed like
        ``models``.

    Example
    -------
    >>> joint = side_by_side({"rnn": adding_model("rnn", 4), "gru": adding_model("gru", 4)})
    >>> sorted(joint.output)
    ['gru', 'rnn']
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError(f"models must be a non-empty mapping of name to model; got {models!r}")
    for name in models:
        # The names become layer names, which Keras restricts to this alphabet.
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
            raise ValueError(
                f"model names must be letters, digits, '_', '.' or '-' (they name layers); "
                f"got {name!r}"
            )
    shapes = {name: tuple(model.input_shape) for name, model in models.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError(f"models must share one input shape; got {shapes}")
    sequence = keras.Input(shape=next(iter(shapes.values()))[1:], name="shared_input")
    outputs = {
        name: keras.layers.Identity(name=f"{name}_output", dtype="float32")(model(sequence))
        for name, model in models.items()
    }
    return compile_model(
        keras.Model(sequence, outputs, name="side_by_side"), "mse", [], learning_rate
    )


def _builders(models: Sequence[str] | Mapping[str, Builder], units: int) -> dict[str, Builder]:
    if isinstance(models, Mapping):
        for name, build in models.items():
            if not callable(build):
                raise ValueError(
                    f"models[{name!r}] must be a callable length -> keras.Model; got {build!r}"
                )
        return dict(models)
    if isinstance(models, str) or not models:
        raise ValueError(
            f"models must be a non-empty list of cells or a mapping of builders; got {models!r}"
        )
    return {cell: (lambda length, cell=cell: adding_model(cell, units)) for cell in models}


def adding_experiment(
    sequence_lengths: Sequence[int],
    models: Sequence[str] | Mapping[str, Builder] = ("rnn", "lstm", "gru"),
    num_train: int = 1500,
    num_test: int = 500,
    epochs: int = 8,
    batch_size: int = 32,
    units: int = 32,
    learning_rate: float = 1e-2,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Train models on the adding problem at each length; report held-out errors.

    For each length every model starts from fresh weights (seeded) and trains on the same
    batches (see :func:`side_by_side`), inside the runtime's strategy scope.

    Parameters
    ----------
    sequence_lengths : sequence of int
        Sequence lengths to test.
    models : sequence of {"rnn", "lstm", "gru"}, or mapping of name to builder
        Cells for :func:`adding_model`, or builders ``length -> keras.Model`` mapping
        ``[batch, length, 2]`` to ``[batch, 1]`` (compiled or not).
    num_train, num_test : int
        Training and held-out sequences per length.
    epochs, batch_size : int
        Training budget, the same for every model.
    units : int
        State size of the cells named by string.
    learning_rate : float
        Adam's step size.
    seed : int
        Seeds the data and the weights.

    Returns
    -------
    list of dict
        One row per (length, model): ``length``, ``model``, ``test_mse``,
        ``baseline_mse`` (always predicting the training mean), ``relative_error``
        (``test_mse / baseline_mse``; about 1 means nothing was learned),
        ``loss_history`` and ``seconds`` (the joint training time at that length).

    Example
    -------
    >>> rows = adding_experiment([4], models=["gru"], num_train=64, num_test=32, epochs=1)
    >>> sorted(rows[0])[:3], rows[0]["baseline_mse"] > 0.05
    (['baseline_mse', 'length', 'loss_history'], True)
    """
    if isinstance(sequence_lengths, (str, bytes)) or not sequence_lengths:
        raise ValueError(
            f"sequence_lengths must be a non-empty list of integers; got {sequence_lengths!r}"
        )
    for length in sequence_lengths:
        require_positive(length=length)
    require_positive(
        num_train=num_train, num_test=num_test, epochs=epochs, batch_size=batch_size, units=units
    )
    builders = _builders(models, units)
    rows = []
    for length in sequence_lengths:
        x_train, y_train = adding_arrays(length, num_train, "train", seed)
        x_test, y_test = adding_arrays(length, num_test, "test", seed)
        baseline = float(np.mean((y_test - y_train.mean()) ** 2))
        keras.utils.set_random_seed(seed)
        with runtime.strategy().scope():
            built = {name: build(length) for name, build in builders.items()}
            joint = side_by_side(built, learning_rate)
        start = time.perf_counter()
        history = joint.fit(
            x_train,
            {name: y_train for name in built},
            epochs=epochs,
            batch_size=batch_size,
            shuffle=True,
            verbose=0,
        ).history
        seconds = time.perf_counter() - start
        # A direct call: for one batch, cheaper than tracing a predict function.
        predictions = joint(x_test, training=False)
        for name in built:
            prediction = keras.ops.convert_to_numpy(predictions[name])
            mse = float(np.mean((prediction - y_test) ** 2))
            losses = history.get(f"{name}_loss", history["loss"])
            rows.append(
                {
                    "length": length,
                    "model": name,
                    "test_mse": mse,
                    "baseline_mse": baseline,
                    "relative_error": mse / baseline,
                    "loss_history": [float(v) for v in losses],
                    "seconds": seconds,
                }
            )
    return rows
