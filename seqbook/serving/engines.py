"""Run an exported model with its own inference engine, without Keras.

One function, :func:`load_predictor`, opens any of the three artefacts that
:func:`seqbook.serving.export_model` writes and returns a plain ``numpy -> numpy`` function:

* a ``.onnx`` file runs in ONNX Runtime;
* a ``.tflite`` file runs in the LiteRT interpreter (``ai_edge_litert``; TensorFlow's own
  ``tf.lite.Interpreter`` where that package is missing);
* a SavedModel folder runs in TensorFlow (``tf.saved_model.load``, its ``serve`` endpoint).

Each engine is imported only when its format is opened, so a server that runs ONNX files
never loads TensorFlow.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Predictor", "load_predictor"]


@dataclass(frozen=True)
class Predictor:
    """An exported model ready to run.

    Attributes
    ----------
    predict : callable
        ``float32 array [batch, ...] -> float32 array [batch, ...]``.
    input_shape : tuple
        The model's input shape, ``None`` where any size is accepted (the batch, at least,
        unless the export fixed it).
    engine : str
        ``"onnxruntime"``, ``"litert"`` or ``"tensorflow"``.
    """

    predict: Callable[[np.ndarray], np.ndarray]
    input_shape: tuple
    engine: str

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        return self.predict(inputs)


def load_predictor(path: str | os.PathLike, threads: int | None = None) -> Predictor:
    """Open an exported model (``.onnx``, ``.tflite`` or a SavedModel folder).

    Parameters
    ----------
    path : str or path
        The artefact.
    threads : int, optional
        Threads the engine may use for one call (ONNX Runtime's intra-op threads, LiteRT's
        ``num_threads``); the engine's default where omitted.

    Raises
    ------
    ValueError
        If ``path`` does not exist or is none of the three formats.

    Example
    -------
    >>> load_predictor("missing.onnx")
    Traceback (most recent call last):
    ...
    ValueError: path must be an existing .onnx or .tflite file or SavedModel folder; got 'missing.onnx'
    """
    path = os.fspath(path)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "saved_model.pb")):
        return _saved_model(path)
    if os.path.isfile(path) and path.endswith(".onnx"):
        return _onnx(path, threads)
    if os.path.isfile(path) and path.endswith(".tflite"):
        return _litert(path, threads)
    raise ValueError("path must be an existing .onnx or .tflite file or SavedModel folder; "
                     f"got {path!r}")


def _onnx(path: str, threads: int | None) -> Predictor:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    # Constructing the session checks the graph: an ONNX file with an operator that ONNX
    # does not define fails here, not at the first request.
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    (first,) = session.get_inputs()
    name = first.name

    def predict(inputs: np.ndarray) -> np.ndarray:
        # InferenceSession.run is thread-safe: concurrent requests may call it at once.
        return session.run(None, {name: np.asarray(inputs, np.float32)})[0]

    shape = tuple(d if isinstance(d, int) else None for d in first.shape)
    return Predictor(predict, shape, "onnxruntime")


def _litert(path: str, threads: int | None) -> Predictor:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # older set-ups: TensorFlow's copy of the same interpreter
        from tensorflow.lite import Interpreter
    interpreter = Interpreter(model_path=path, num_threads=threads)
    detail = interpreter.get_input_details()[0]
    fixed = tuple(int(d) for d in detail["shape_signature"])
    lock = threading.Lock()  # one interpreter holds one set of tensors: one call at a time

    def predict(inputs: np.ndarray) -> np.ndarray:
        inputs = np.asarray(inputs, np.float32)
        with lock:
            if tuple(interpreter.get_input_details()[0]["shape"]) != inputs.shape:
                interpreter.resize_tensor_input(detail["index"], inputs.shape)
            interpreter.allocate_tensors()
            interpreter.set_tensor(detail["index"], inputs)
            interpreter.invoke()
            return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).copy()

    shape = tuple(None if d < 0 else d for d in fixed)
    return Predictor(predict, shape, "litert")


def _saved_model(path: str) -> Predictor:
    import tensorflow as tf

    loaded = tf.saved_model.load(path)
    serve = loaded.signatures["serving_default"]
    (name, spec), = serve.structured_input_signature[1].items()

    def predict(inputs: np.ndarray) -> np.ndarray:
        outputs = serve(**{name: tf.constant(np.asarray(inputs, np.float32))})
        return next(iter(outputs.values())).numpy()

    return Predictor(predict, tuple(spec.shape.as_list()), "tensorflow")
