"""From a trained Keras model to a service: export, serve over HTTP, load-test.

* :func:`export_model` writes a SavedModel, an ONNX file and a LiteRT file with
  ``model.export`` and checks each against the Keras model (module ``export``);
* :func:`load_predictor` runs any of them with its own engine, without Keras (``engines``);
* :func:`create_app` is the FastAPI service (``/predict``, ``/health``, ``/metrics``), with
  optional :class:`MicroBatcher` micro-batching (``app``, ``batching``);
* :func:`start_server` runs it under uvicorn in a child process, on a free loopback port
  (``server``; the same from a shell: ``python -m seqbook.serving.server model.onnx``);
* :func:`load_test` and :func:`sweep` measure latency percentiles and throughput
  (``loadtest``); :func:`request_predictions` and :func:`read_metrics` are the client side.

Names load on first use: the server process imports FastAPI and ONNX Runtime, never Keras
or TensorFlow (unless it serves a SavedModel).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "FORMATS": "export", "ExportResult": "export", "erf_gelu": "export",
    "export_model": "export",
    "Predictor": "engines", "load_predictor": "engines",
    "MicroBatcher": "batching",
    "create_app": "app",
    "RunningServer": "server", "free_port": "server", "start_server": "server",
    "LoadResult": "loadtest", "load_test": "loadtest", "sweep": "loadtest",
    "read_metrics": "client", "request_predictions": "client",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    # PEP 562: import the module that holds ``name`` only when it is first used.
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
