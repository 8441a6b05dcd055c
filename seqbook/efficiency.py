"""Measuring and shrinking models: size, latency, magnitude pruning, precision and XLA switches.

The efficiency chapter (``book/practice/efficiency``) compares each technique against the
same model without it; these are the measurements and the one technique Keras 3 lacks,
magnitude pruning (TensorFlow Model Optimization's pruning needs the legacy ``tf_keras``).
Quantization (``model.quantize``) and distillation (``keras.distillation.Distiller``) are
Keras' own and are used as they are.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np

from seqbook import runtime

__all__ = [
    "KeepPruned",
    "dtype_policy",
    "layer_dtypes",
    "logits_model",
    "magnitude_prune",
    "median_seconds",
    "model_size",
    "prunable_weights",
    "restart",
    "sparsity",
    "xla",
]


def model_size(model: keras.Model, disk: bool = True) -> dict[str, Any]:
    """Count a model's parameters and bytes: in memory by dtype, saved, and gzip-compressed.

    Parameters
    ----------
    model : keras.Model
        A built model (quantized or not).
    disk : bool
        Also save it as ``.keras`` in a temporary folder to measure the file (a few hundred
        milliseconds for a small model).

    Returns
    -------
    dict
        ``parameters`` (number of values in all variables, non-trainable included),
        ``bytes_by_dtype`` (``{"float32": ..., "int8": ...}``), ``memory_bytes`` (their sum),
        ``gzip_bytes`` (the raw weights gzip-compressed: what zeros from pruning save) and,
        with ``disk``, ``disk_bytes`` (the ``.keras`` file).

    Example
    -------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> size = model_size(model)
    >>> size["parameters"], size["bytes_by_dtype"]
    (8, {'float32': 32})
    >>> size["disk_bytes"] > size["memory_bytes"]
    True
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}")
    if not model.built:
        raise ValueError("model must be built (call it once or give it an Input) to be sized")
    by_dtype: dict[str, int] = {}
    parameters = 0
    raw = []
    for variable in model.variables:
        values = keras.ops.convert_to_numpy(variable.value)
        parameters += int(values.size)
        name = str(values.dtype)
        by_dtype[name] = by_dtype.get(name, 0) + int(values.nbytes)
        raw.append(np.ascontiguousarray(values).tobytes())
    size: dict[str, Any] = {
        "parameters": parameters,
        "bytes_by_dtype": by_dtype,
        "memory_bytes": sum(by_dtype.values()),
        "gzip_bytes": len(gzip.compress(b"".join(raw), compresslevel=6, mtime=0)),
    }
    if disk:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            model.save(path)
            size["disk_bytes"] = os.path.getsize(path)
    return size


def layer_dtypes(model: keras.Model) -> list[dict[str, Any]]:
    """One row per layer with variables: its class, quantization mode and variable dtypes.

    Shows what ``model.quantize(mode)`` converted (``Dense``, ``EinsumDense``, ``Embedding``
    get integer kernels and scales) and what it left in floating point.

    Returns
    -------
    list of dict
        ``layer`` (name), ``class``, ``mode`` (the layer's ``quantization_mode`` or None),
        ``dtypes`` (comma-separated dtypes of its own variables, sorted) and ``parameters``.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="out")])
    >>> model.quantize("int8")
    >>> row = layer_dtypes(model)[0]
    >>> row["layer"], row["mode"], row["dtypes"]
    ('out', 'int8', 'float32, int8')
    """
    rows = []
    for layer in model._flatten_layers(include_self=False, recursive=True):
        own = [v for v in layer._trainable_variables + layer._non_trainable_variables]
        if not own or isinstance(layer, keras.Model):
            continue
        rows.append({
            "layer": layer.name,
            "class": type(layer).__name__,
            "mode": getattr(layer, "quantization_mode", None),
            "dtypes": ", ".join(sorted({str(v.dtype) for v in own})),
            "parameters": int(sum(int(np.prod(v.shape)) for v in own)),
        })
    return rows


def prunable_weights(model: keras.Model) -> list[Any]:
    """The variables magnitude pruning acts on: floating-point matrices and kernels.

    Every weight with two or more dimensions, frozen or not (dense and convolution kernels,
    recurrent kernels, embeddings, attention projections); biases, layer-norm scales and
    other vectors stay dense, as in common practice (they are few and sensitive).

    Example
    -------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> [tuple(v.shape) for v in prunable_weights(model)]
    [(3, 2)]
    """
    return [v for v in model.weights
            if len(v.shape) >= 2 and "float" in str(v.dtype)]


def _check_sparsity(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
            or not 0 <= value < 1:
        raise ValueError(f"sparsity must be a number in [0, 1); got {value!r}")
    return float(value)


def magnitude_prune(
    model: keras.Model, sparsity: float, scope: str = "layer"
) -> dict[str, np.ndarray]:
    """Set the smallest-magnitude weights to zero, in place; return the masks that keep them so.

    Magnitude pruning (Han et al., 2015): a weight's importance is taken to be its absolute
    value, and the fraction ``sparsity`` with the smallest values is removed.

    Parameters
    ----------
    model : keras.Model
        A built model; its :func:`prunable_weights` are pruned.
    sparsity : float
        Fraction of weights to zero, in ``[0, 1)``.
    scope : {"layer", "global"}
        ``"layer"``: the same fraction in every weight matrix (the usual choice: no matrix is
        emptied). ``"global"``: one threshold over all of them, so matrices of small
        weights lose more.

    Returns
    -------
    dict
        ``{variable path: mask}``, 1.0 where a weight is kept and 0.0 where it was pruned;
        pass it to :class:`KeepPruned` to fine-tune without regrowing the pruned weights.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5)])
    >>> masks = magnitude_prune(model, 0.5)
    >>> round(sparsity(model), 2)
    0.5
    """
    sparsity = _check_sparsity(sparsity)
    if scope not in ("layer", "global"):
        raise ValueError(f"scope must be 'layer' or 'global'; got {scope!r}")
    weights = prunable_weights(model)
    if not weights:
        raise ValueError("model has no prunable weights (matrices or kernels)")
    values = [keras.ops.convert_to_numpy(v.value) for v in weights]
    if scope == "global":
        everything = np.concatenate([np.abs(w).ravel() for w in values])
        cut = int(round(sparsity * everything.size))
        order = np.argsort(everything, kind="stable")
        keep_all = np.ones(everything.size, bool)
        keep_all[order[:cut]] = False
        splits = np.cumsum([w.size for w in values])[:-1]
        keeps = [k.reshape(w.shape) for k, w in zip(np.split(keep_all, splits), values)]
    else:
        keeps = []
        for w in values:
            flat = np.abs(w).ravel()
            cut = int(round(sparsity * flat.size))
            keep = np.ones(flat.size, bool)
            keep[np.argsort(flat, kind="stable")[:cut]] = False
            keeps.append(keep.reshape(w.shape))
    masks = {}
    for variable, w, keep in zip(weights, values, keeps):
        mask = keep.astype(w.dtype)
        variable.assign(w * mask)
        masks[variable.path] = mask
    return masks


def sparsity(model: keras.Model) -> float:
    """Fraction of exact zeros among a model's :func:`prunable_weights`.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    >>> _ = model.layers[0].kernel.assign(np.array([[0.0, 1.0], [0.0, 2.0]]))
    >>> sparsity(model)
    0.5
    """
    weights = prunable_weights(model)
    if not weights:
        raise ValueError("model has no prunable weights (matrices or kernels)")
    zeros = total = 0
    for variable in weights:
        values = keras.ops.convert_to_numpy(variable.value)
        zeros += int(np.count_nonzero(values == 0))
        total += int(values.size)
    return zeros / total


class KeepPruned(keras.callbacks.Callback):
    """Re-apply pruning masks after every training batch, so fine-tuning cannot regrow them.

    Parameters
    ----------
    masks : dict
        From :func:`magnitude_prune`: ``{variable path: mask}``.

    Example
    -------
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> masks = magnitude_prune(model, 0.75)
    >>> _ = model.fit(np.ones((8, 4)), np.ones((8, 4)), epochs=2, verbose=0,
    ...               callbacks=[KeepPruned(masks)])
    >>> sparsity(model)
    0.75
    """

    def __init__(self, masks: dict[str, np.ndarray]) -> None:
        super().__init__()
        if not isinstance(masks, dict) or not masks:
            raise ValueError("masks must be the non-empty dict that magnitude_prune returns")
        self.masks = masks
        self._pairs: list[tuple[Any, Any]] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Match the masks to the model's variables by path."""
        by_path = {v.path: v for v in self.model.weights}
        missing = [path for path in self.masks if path not in by_path]
        if missing:
            raise ValueError(f"masks name variables the model does not have: {missing[:3]}")
        self._pairs = [(by_path[path], keras.ops.convert_to_tensor(mask))
                       for path, mask in self.masks.items()]

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Zero the pruned weights again."""
        # JAX trains on a copy of the state; syncing it back to the variables makes the
        # next step start from them, so the masked values are the ones trained on.
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None:
            sync()
        for variable, mask in self._pairs:
            variable.assign(variable.value * keras.ops.cast(mask, variable.dtype))


def logits_model(model: keras.Model) -> keras.Model:
    """The same network with its last ``Dense`` layer's softmax removed: logits out.

    Distillation (``keras.distillation.LogitsDistillation``) divides logits by a
    temperature, so a teacher or student that ends in a softmax must give its logits
    instead. The returned model shares every layer but the last with ``model`` (training it
    trains them) and has a float32 copy of the last layer, without activation.

    Example
    -------
    >>> inputs = keras.Input((3,))
    >>> probs = keras.layers.Dense(2, activation="softmax")(inputs)
    >>> model = keras.Model(inputs, probs)
    >>> x = np.ones((1, 3), "float32")
    >>> logits = logits_model(model)(x)
    >>> bool(np.allclose(keras.ops.softmax(logits), model(x), atol=1e-6))
    True
    """
    last = model.layers[-1] if isinstance(model, keras.Model) and model.layers else None
    if not isinstance(last, keras.layers.Dense):
        raise ValueError("model must be a functional keras.Model ending in a Dense layer; "
                         f"got one ending in {type(last).__name__}")
    config = last.get_config() | {"activation": "linear", "name": f"{last.name}_logits",
                                  "dtype": "float32"}
    head = keras.layers.Dense.from_config(config)
    logits = head(last.input)
    head.set_weights(last.get_weights())
    return keras.Model(model.inputs, logits, name=f"{model.name}_logits")


def restart(
    model: keras.Model, weights: list[Any], optimizer: keras.optimizers.Optimizer | None = None
) -> None:
    """Give a compiled model new starting weights and a fresh optimizer state, in place.

    Several trainings of the same architecture (seeds, pruning levels) can then reuse one
    compiled model, and its traced training step, instead of paying for a new trace each
    time. The optimizer's step counter and slots (Adam's moments, momentum) go back to
    zero, which is their starting value for Adam, SGD and RMSprop; the learning rate is kept.

    Parameters
    ----------
    model : keras.Model
        The model whose weights are set (``model.set_weights(weights)``).
    weights : list of arrays
        New weights, as from ``other.get_weights()`` of the same architecture.
    optimizer : keras.optimizers.Optimizer, optional
        The optimizer to reset; by default ``model.optimizer`` (a ``Distiller`` holds the
        optimizer that trains its student).

    Example
    -------
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> start = model.get_weights()
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0)
    >>> restart(model, start)
    >>> int(model.optimizer.iterations), bool(np.all(model.get_weights()[0] == start[0]))
    (0, True)
    """
    model.set_weights(weights)
    optimizer = optimizer if optimizer is not None else getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return
    for variable in optimizer.variables:
        if "learning_rate" in variable.path:
            continue
        variable.assign(keras.ops.zeros(variable.shape, variable.dtype))


def median_seconds(
    function: Callable[[], Any], repeats: int = 5, warmup: int = 1
) -> float:
    """Median wall-clock seconds of ``function()`` over ``repeats`` calls after ``warmup``.

    The warm-up calls (tracing, compiling, caches) are not timed; the median ignores one
    slow outlier. For latency: ``median_seconds(lambda: model.predict_on_batch(x))``.

    Example
    -------
    >>> median_seconds(lambda: sum(range(1000)), repeats=3) >= 0
    True
    """
    for name, value in (("repeats", repeats), ("warmup", warmup + 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


@contextlib.contextmanager
def xla(enabled: bool) -> Iterator[None]:
    """Force the runtime's XLA policy on or off for models compiled inside the block.

    Sets ``SEQBOOK_XLA`` (:func:`seqbook.runtime.xla_enabled`'s one switch) and restores it,
    so that a comparison compiles the same model both ways through
    :func:`seqbook.models.compile_model`.

    Example
    -------
    >>> with xla(True):
    ...     runtime.xla_enabled()
    True
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be True or False; got {enabled!r}")
    before = os.environ.get(runtime.XLA_SWITCH)
    os.environ[runtime.XLA_SWITCH] = "on" if enabled else "off"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(runtime.XLA_SWITCH, None)
        else:
            os.environ[runtime.XLA_SWITCH] = before


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    """Build models inside the block under a Keras dtype policy, then restore the old one.

    Parameters
    ----------
    name : str
        ``"float32"``, ``"mixed_bfloat16"`` or ``"mixed_float16"`` (any Keras policy).

    Example
    -------
    >>> with dtype_policy("mixed_bfloat16"):
    ...     keras.layers.Dense(2).compute_dtype
    'bfloat16'
    >>> keras.mixed_precision.dtype_policy().name == "float32"
    True
    """
    before = keras.mixed_precision.dtype_policy()
    try:
        keras.mixed_precision.set_dtype_policy(name)
    except ValueError as error:
        raise ValueError(f"name must be a Keras dtype policy; got {name!r}") from error
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(before)
