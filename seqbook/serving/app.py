"""The HTTP inference service: a FastAPI application around one exported model.

Endpoints:

* ``POST /predict`` with ``{"instances": [...]}`` (one entry per input row, each shaped like
  the model's input without the batch axis) answers ``{"predictions": [...]}``. A body that is
  not JSON, has no ``instances``, holds ragged or non-numeric rows, rows of the wrong shape,
  non-finite numbers or too many rows gets a **422** whose ``detail`` says what was expected;
  the server goes on serving.
* ``GET /health`` answers ``{"status": "ok", ...}`` with the model's input shape, engine and
  batching settings, once the model is loaded (for a load balancer or an orchestrator's
  readiness probe).
* ``GET /metrics``: Prometheus' text format (``prometheus-client``): requests by endpoint and
  status, request latency, and rows per model call.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest
from pydantic import BaseModel

from seqbook.serving.batching import MicroBatcher
from seqbook.serving.engines import load_predictor

__all__ = ["create_app"]


class PredictRequest(BaseModel):
    """The body of ``POST /predict``; the rows' shape is checked against the model after."""

    instances: list


class _Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per application)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("seqbook_requests", "HTTP requests answered",
                                ["endpoint", "status"], registry=self.registry)
        self.latency = Histogram(
            "seqbook_request_seconds", "Time to answer a request", ["endpoint"],
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
            registry=self.registry)
        self.rows = Histogram("seqbook_batch_rows", "Rows per model call",
                              buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
                              registry=self.registry)


def _check_instances(instances: list, input_shape: tuple, max_rows: int) -> np.ndarray:
    """The rows as a float32 array, or ``ValueError`` saying what was expected."""
    expected = "[" + ", ".join("n" if d is None else str(d) for d in input_shape) + "]"
    if not 1 <= len(instances) <= max_rows:
        raise ValueError(f"instances must hold 1 to {max_rows} rows; got {len(instances)}")
    try:
        rows = np.asarray(instances, dtype=np.float32)
    except (ValueError, TypeError):
        raise ValueError(f"instances must be numbers in nested lists of shape {expected}; "
                         "got ragged or non-numeric rows") from None
    fits = rows.ndim == len(input_shape) and all(
        want is None or want == got for want, got in zip(input_shape[1:], rows.shape[1:]))
    if not fits:
        raise ValueError(f"instances must have shape {expected}; got {list(rows.shape)}")
    if not np.all(np.isfinite(rows)):
        raise ValueError("instances must hold finite numbers; got NaN or infinity")
    return rows


def create_app(model_path: str | os.PathLike, max_batch_size: int = 0,
               max_wait_seconds: float = 0.002, max_rows: int = 1024,
               threads: int | None = None) -> FastAPI:
    """The FastAPI application serving one exported model.

    Parameters
    ----------
    model_path : str or path
        A ``.onnx`` or ``.tflite`` file or a SavedModel folder
        (:func:`seqbook.serving.load_predictor`).
    max_batch_size : int
        0 (the default): each request runs alone. Above 0: micro-batching
        (:class:`seqbook.serving.MicroBatcher`) with at most this many rows per model call.
    max_wait_seconds : float
        Micro-batching only: how long a request waits for others.
    max_rows : int
        Most rows one request may send.
    threads : int, optional
        The engine's threads per call.
    """
    predictor = load_predictor(model_path, threads=threads)
    metrics = _Metrics()
    batcher = (MicroBatcher(predictor.predict, max_batch_size, max_wait_seconds,
                            on_batch=metrics.rows.observe) if max_batch_size else None)
    app = FastAPI(title="seqbook inference", version="1")
    settings = {"model": os.path.basename(os.fspath(model_path).rstrip("/")),
                "engine": predictor.engine,
                "input_shape": list(predictor.input_shape),
                "micro_batching": ({"max_batch_size": max_batch_size,
                                    "max_wait_seconds": max_wait_seconds}
                                   if batcher else None)}

    @app.middleware("http")
    async def count_and_time(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        endpoint = request.url.path
        metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
        metrics.requests.labels(endpoint, str(response.status_code)).inc()
        return response

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", **settings}

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/predict")
    async def predict(body: PredictRequest):
        try:
            rows = _check_instances(body.instances, predictor.input_shape, max_rows)
        except ValueError as error:
            return JSONResponse({"detail": str(error)}, status_code=422)
        if batcher is not None:
            outputs = await batcher.submit(rows)
        else:
            outputs = await asyncio.get_running_loop().run_in_executor(
                None, predictor.predict, rows)
            metrics.rows.observe(len(rows))
        return {"predictions": outputs.tolist()}

    return app
