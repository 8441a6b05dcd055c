"""Export a Keras model to SavedModel, ONNX and LiteRT, and check each copy against it.

``model.export`` writes each format; this module adds what a deployment needs around it:
every artefact is opened again with its own engine (:mod:`seqbook.serving.engines`) and run
on a sample, and its outputs are compared with the Keras model's. A format that fails, at
export or when its engine opens it, is reported with the reason instead of stopping the
others.

Two converter limits are handled here, both found on this book's models (Keras 3.15,
TensorFlow 2.21, tf2onnx 1.17):

* **GELU and ONNX.** Keras' exact GELU runs ``erfc`` on TensorFlow, an operator tf2onnx does
  not convert: the ONNX file is written but ONNX Runtime rejects it. For the ONNX export the
  activation is swapped, on the model's own layers and only while exporting, for the same
  function written with ``erf`` (``x/2 * (1 + erf(x / sqrt 2))``), which ONNX has.
* **Recurrent layers and LiteRT.** With a free batch size, a Keras LSTM or GRU converts to
  TensorFlow "Flex" operators that the LiteRT runtime does not include. LiteRT is for one
  device answering one request, so :func:`export_model` fixes its batch size
  (``litert_batch_size``, 1 by default); the loop then converts to LiteRT's own ``WHILE``.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass
from typing import Iterator, Sequence

import keras
import numpy as np

from seqbook.serving.engines import load_predictor

__all__ = ["FORMATS", "ExportResult", "erf_gelu", "export_model"]

FORMATS = ("tf_saved_model", "onnx", "litert")
_SUFFIX = {"tf_saved_model": "", "onnx": ".onnx", "litert": ".tflite"}


@dataclass
class ExportResult:
    """What happened to one format.

    Attributes
    ----------
    format : str
        One of :data:`FORMATS`.
    path : str
        The artefact (a folder for a SavedModel).
    seconds : float
        Export time.
    size_bytes : int
        On disk (0 when the export failed).
    max_abs_difference : float
        Largest ``|engine - Keras|`` over the sample's outputs (NaN when it failed).
    error : str or None
        Why the format failed, or ``None``.
    """

    format: str
    path: str
    seconds: float
    size_bytes: int
    max_abs_difference: float
    error: str | None = None


def erf_gelu(x):
    """The exact GELU, ``x/2 * (1 + erf(x / sqrt 2))``, written with ``erf``.

    Equal to ``keras.activations.gelu(x, approximate=False)`` (which TensorFlow computes with
    ``erfc``) up to float rounding.

    Example
    -------
    >>> x = np.linspace(-4, 4, 9).astype("float32")
    >>> bool(np.allclose(keras.ops.convert_to_numpy(erf_gelu(x)),
    ...                  keras.ops.convert_to_numpy(keras.activations.gelu(x)), atol=1e-6))
    True
    """
    return 0.5 * x * (1.0 + keras.ops.erf(x / math.sqrt(2.0)))


@contextlib.contextmanager
def _gelu_written_with_erf(model: keras.Model) -> Iterator[int]:
    """Swap exact-GELU activations for :func:`erf_gelu` while the block runs; yield how many."""
    swapped = []
    # _flatten_layers walks nested layers too (the Dense layers inside a Transformer block).
    for layer in model._flatten_layers(include_self=False):
        if getattr(layer, "activation", None) is keras.activations.gelu:
            swapped.append(layer)
            layer.activation = erf_gelu
    try:
        yield len(swapped)
    finally:
        for layer in swapped:
            layer.activation = keras.activations.gelu


def _input_spec(model: keras.Model, batch_size: int | None) -> list:
    (tensor,) = model.inputs
    return [keras.InputSpec(shape=(batch_size, *tensor.shape[1:]), dtype=tensor.dtype)]


def _size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, names in os.walk(path) for name in names)


def _export_one(model: keras.Model, fmt: str, path: str, litert_batch_size: int) -> None:
    if fmt == "onnx":
        with _gelu_written_with_erf(model):
            model.export(path, format="onnx", verbose=False)
    elif fmt == "litert":
        model.export(path, format="litert", verbose=False,
                     input_signature=_input_spec(model, litert_batch_size))
    else:
        model.export(path, format="tf_saved_model", verbose=False)


def _largest_difference(expected: np.ndarray, path: str, sample: np.ndarray,
                        batch_size: int | None) -> float:
    predictor = load_predictor(path)
    if batch_size is None:
        found = predictor(sample)
    else:  # a fixed batch size: feed the sample in pieces of that size
        found = np.concatenate([predictor(sample[i:i + batch_size])
                                for i in range(0, len(sample), batch_size)])
    return float(np.max(np.abs(found - expected)))


def export_model(model: keras.Model, sample: np.ndarray, folder: str | os.PathLike,
                 name: str | None = None, formats: Sequence[str] = FORMATS,
                 litert_batch_size: int = 1) -> list[ExportResult]:
    """Export ``model`` to each format, open each artefact with its engine, compare outputs.

    Parameters
    ----------
    model : keras.Model
        A built model with one input.
    sample : array
        Inputs to compare on, ``[n, ...]``; with a fixed LiteRT batch size, ``n`` must be a
        multiple of it.
    folder : str or path
        Where the artefacts go (created if missing): ``name``, ``name.onnx``,
        ``name.tflite``.
    name : str, optional
        Defaults to the model's name.
    formats : sequence of str
        A subset of :data:`FORMATS`.
    litert_batch_size : int
        The LiteRT model's fixed batch size (see the module's note on recurrent layers).

    Returns
    -------
    list of ExportResult
        One per format, in the order asked; failures carry their ``error``.

    Raises
    ------
    ValueError
        For an unknown format, a model with several inputs, or a sample that does not fit.
    """
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}; got {formats!r}")
    if len(model.inputs) != 1:
        raise ValueError(f"model must have one input; {model.name!r} has {len(model.inputs)}")
    sample = np.asarray(sample, np.float32)
    expected_shape = tuple(model.inputs[0].shape[1:])
    fits = sample.ndim == 1 + len(expected_shape) and len(sample) > 0 and all(
        want is None or want == got for want, got in zip(expected_shape, sample.shape[1:]))
    if not fits:
        wanted = ", ".join("any" if d is None else str(d) for d in expected_shape)
        raise ValueError(f"sample must have shape [n, {wanted}] with n >= 1; "
                         f"got {list(sample.shape)}")
    if isinstance(litert_batch_size, bool) or not isinstance(litert_batch_size, int) \
            or litert_batch_size < 1 or len(sample) % litert_batch_size:
        raise ValueError("litert_batch_size must be a positive integer dividing the sample's "
                         f"{len(sample)} rows; got {litert_batch_size!r}")
    os.makedirs(folder, exist_ok=True)
    name = name or model.name
    # A direct call, not predict(): it also marks the model as called, which the ONNX
    # exporter requires, under either backend.
    expected = keras.ops.convert_to_numpy(model(sample, training=False))
    results = []
    for fmt in formats:
        path = os.path.join(os.fspath(folder), name + _SUFFIX[fmt])
        start = time.perf_counter()
        try:
            _export_one(model, fmt, path, litert_batch_size)
            seconds = time.perf_counter() - start
            batch = litert_batch_size if fmt == "litert" else None
            difference = _largest_difference(expected, path, sample, batch)
            results.append(ExportResult(fmt, path, seconds, _size(path), difference))
        except Exception as error:  # noqa: BLE001  (report every converter's failure)
            first_line = (str(error).strip().splitlines() or [""])[0]
            message = f"{type(error).__name__}: {first_line[:300]}"
            results.append(ExportResult(fmt, path, time.perf_counter() - start,
                                        _size(path) if os.path.exists(path) else 0,
                                        float("nan"), message))
    return results
