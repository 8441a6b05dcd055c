"""The deployment chapter's measurements, larger: engine latency and the HTTP load test.

``book/practice/deployment-and-scaling`` runs a small version within its time budget (150
requests per setting, three concurrencies). This script exports the same DNA Transformer
(``genomics.dna_transformer_classifier``, one block; latency does not depend on training, so
it is left untrained) and measures:

* the median time of one prediction for 1 and 64 windows in Keras (``predict_on_batch``),
  the SavedModel, ONNX Runtime and LiteRT (batch fixed at 1);
* the HTTP service (``seqbook.serving.start_server``, ONNX Runtime, one thread per call)
  with and without micro-batching, for requests of ``--batch-sizes`` windows from
  ``--concurrencies`` clients, ``--requests`` requests each: p50, p95, p99 and throughput.

It prints two markdown tables. Client and server share the machine's cores, as in the
chapter.

Usage::

    python benchmarks/serving.py                           # ~1.5 min on 2 cores
    python benchmarks/serving.py --requests 2000 --concurrencies 1 2 4 8 16 32 64
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np
import pandas as pd

from seqbook import efficiency, runtime, serving
from seqbook.models import genomics


def engine_latency(folder: str, model, windows: np.ndarray) -> pd.DataFrame:
    engines = {
        "Keras predict_on_batch": model.predict_on_batch,
        "SavedModel (TensorFlow)": serving.load_predictor(os.path.join(folder, "transformer")),
        "ONNX Runtime": serving.load_predictor(os.path.join(folder, "transformer.onnx")),
        "LiteRT (batch 1)": serving.load_predictor(os.path.join(folder, "transformer.tflite")),
    }
    rows = []
    for name, run in engines.items():
        for count in (1, 64):
            if name.startswith("LiteRT") and count > 1:
                continue
            seconds = efficiency.median_seconds(lambda: run(windows[:count]), repeats=50)
            rows.append({"engine": name, "windows": count, "median ms": 1000 * seconds})
    return pd.DataFrame(rows).pivot(index="engine", columns="windows", values="median ms")


def load_sweep(onnx_path: str, windows: np.ndarray, args) -> pd.DataFrame:
    runs = []
    for label, max_batch_size in (("direct", 0), ("micro-batching", 64)):
        with serving.start_server(onnx_path, threads=1, max_batch_size=max_batch_size,
                                  max_wait_seconds=args.max_wait) as server:
            for row in serving.sweep(server.url + "/predict", windows, args.batch_sizes,
                                     args.concurrencies, requests=args.requests):
                runs.append({"service": label, **row})
    return pd.DataFrame(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--concurrencies", type=int, nargs="+", default=[1, 4, 16, 32])
    parser.add_argument("--max-wait", type=float, default=0.002)
    args = parser.parse_args()
    runtime.setup(seed=0)
    model = genomics.dna_transformer_classifier(num_layers=1, kernel_size=6, strides=3)
    rng = np.random.default_rng(0)
    windows = np.eye(4, dtype="float32")[rng.integers(0, 4, size=(64, 60))]
    folder = tempfile.mkdtemp()
    for result in serving.export_model(model, windows, folder, name="transformer"):
        print(f"{result.format:15} {result.seconds:5.2f} s  {result.size_bytes / 1000:7.1f} kB"
              f"  max |engine - Keras| {result.max_abs_difference:.1e}  {result.error or ''}")
    print("\nMedian time of one prediction (ms)\n")
    print(engine_latency(folder, model, windows).round(3).to_markdown())
    load = load_sweep(os.path.join(folder, "transformer.onnx"), windows, args)
    print(f"\nHTTP load test, {args.requests} requests per row\n")
    columns = ["service", "rows_per_request", "concurrency", "errors", "p50_ms", "p95_ms",
               "p99_ms", "requests_per_second", "rows_per_second"]
    print(load[columns].round(1).to_markdown(index=False))


if __name__ == "__main__":
    main()
