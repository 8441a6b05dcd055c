"""seqbook.serving: the HTTP service, micro-batching and the load test.

The server tests start the real service (uvicorn in a child process) on a free loopback
port, send valid and invalid requests, read its metrics, and stop it. Nothing here depends on
the Keras backend (the server runs ONNX Runtime), so `make test` runs this file in its
TensorFlow job only; the ONNX file it serves is exported there.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import keras
import numpy as np
import pytest

from seqbook import serving
from test_export import FAMILIES, TOLERANCE, windows


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    """A small convolutional classifier exported to ONNX: what the server tests serve."""
    keras.utils.set_random_seed(0)
    model = FAMILIES["convolutional"]()
    folder = tmp_path_factory.mktemp("served")
    (result,) = serving.export_model(model, windows(4), folder, name="cnn", formats=["onnx"])
    assert result.error is None, result.error
    return model, result.path


def test_micro_batcher_answers_each_request_with_its_own_rows():
    calls = []

    def predict(rows):
        calls.append(len(rows))
        return rows.sum(axis=1, keepdims=True)

    async def send():
        batcher = serving.MicroBatcher(predict, max_batch_size=4, max_wait_seconds=0.05)
        requests = [np.full((size, 3), i, np.float32) for i, size in enumerate([1, 2, 1, 3])]
        answers = await asyncio.gather(*(batcher.submit(r) for r in requests))
        await batcher.close()
        return requests, answers

    requests, answers = asyncio.run(send())
    for request, answer in zip(requests, answers):
        np.testing.assert_array_equal(answer, request.sum(axis=1, keepdims=True))
    # 1 + 2 + 1 rows fill the first call (max 4); the 3-row request opens the second.
    assert calls == [4, 3]


def test_micro_batcher_passes_errors_to_every_waiting_request():
    def predict(rows):
        raise RuntimeError("engine failed")

    async def send():
        batcher = serving.MicroBatcher(predict, max_batch_size=8, max_wait_seconds=0.01)
        outcomes = await asyncio.gather(*(batcher.submit(np.zeros((1, 2))) for _ in range(3)),
                                        return_exceptions=True)
        await batcher.close()
        return outcomes

    assert [str(outcome) for outcome in asyncio.run(send())] == ["engine failed"] * 3


def test_micro_batcher_bad_arguments():
    with pytest.raises(ValueError, match="max_batch_size"):
        serving.MicroBatcher(lambda x: x, max_batch_size=0)
    with pytest.raises(ValueError, match="max_wait_seconds"):
        serving.MicroBatcher(lambda x: x, max_wait_seconds=5)


@pytest.mark.parametrize("max_batch_size", [0, 16], ids=["direct", "micro-batching"])
def test_server_predicts_validates_reports_health_and_metrics(onnx_model, max_batch_size):
    model, path = onnx_model
    rows = windows(5, seed=2)
    with serving.start_server(path, max_batch_size=max_batch_size, threads=1) as server:
        assert server.url.startswith("http://127.0.0.1:")
        health = httpx.get(server.url + "/health").json()
        assert health["status"] == "ok" and health["input_shape"] == [None, 60, 4]
        assert health["engine"] == "onnxruntime"
        assert (health["micro_batching"] is None) == (max_batch_size == 0)

        predicted = serving.request_predictions(server.url, rows)
        np.testing.assert_allclose(predicted, model.predict(rows, verbose=0), atol=TOLERANCE)

        bad_bodies = {
            "wrong shape": ({"instances": [[1.0, 2.0]]}, "must have shape [n, 60, 4]"),
            "ragged": ({"instances": [[[0.0] * 4] * 60, [[0.0] * 4] * 59]}, "ragged"),
            "text": ({"instances": [["a"] * 4] * 60}, "ragged or non-numeric"),
            "empty": ({"instances": []}, "1 to 1024 rows"),
            "no instances": ({"rows": [1]}, "instances"),
        }
        for name, (body, message) in bad_bodies.items():
            answer = httpx.post(server.url + "/predict", json=body)
            assert answer.status_code == 422, name
            assert message in answer.text, (name, answer.text)
        not_json = httpx.post(server.url + "/predict", content=b"{not json",
                              headers={"content-type": "application/json"})
        assert not_json.status_code == 422
        # It keeps serving after the bad requests.
        again = serving.request_predictions(server.url, rows[:1])
        np.testing.assert_allclose(again, predicted[:1], atol=1e-6)

        metrics = serving.read_metrics(server.url)
        ok = metrics[("seqbook_requests_total", (("endpoint", "/predict"), ("status", "200")))]
        refused = metrics[("seqbook_requests_total",
                           (("endpoint", "/predict"), ("status", "422")))]
        assert (ok, refused) == (2, len(bad_bodies) + 1)
        assert metrics[("seqbook_batch_rows_sum", ())] == len(rows) + 1
        assert metrics[("seqbook_request_seconds_count", (("endpoint", "/predict"),))] == ok + refused
    assert server.process.poll() is not None  # stopped on leaving the block


def test_micro_batching_joins_concurrent_requests(onnx_model):
    _, path = onnx_model
    with serving.start_server(path, max_batch_size=32, max_wait_seconds=0.02) as server:
        result = serving.load_test(server.url + "/predict", windows(1), requests=64,
                                   concurrency=16, warmup=0)
        metrics = serving.read_metrics(server.url)
    assert result.errors == 0
    calls = metrics[("seqbook_batch_rows_count", ())]
    assert metrics[("seqbook_batch_rows_sum", ())] == 64
    assert calls < 64 / 2, f"{calls} model calls for 64 requests from 16 clients"


def test_load_test_reports_percentiles_and_counts_errors(onnx_model):
    _, path = onnx_model
    with serving.start_server(path) as server:
        good = serving.sweep(server.url + "/predict", windows(4), batch_sizes=[1, 4],
                             concurrencies=[1, 3], requests=12)
        bad = serving.load_test(server.url + "/predict", np.zeros((1, 3)), requests=5)
    assert [(r["rows_per_request"], r["concurrency"]) for r in good] == [(1, 1), (1, 3),
                                                                         (4, 1), (4, 3)]
    for row in good:
        assert row["errors"] == 0 and row["requests"] == 12
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["rows_per_second"] == pytest.approx(
            row["requests_per_second"] * row["rows_per_request"])
    assert bad.errors == 5


def test_load_test_bad_arguments():
    with pytest.raises(ValueError, match="concurrency"):
        serving.load_test("http://127.0.0.1:9/predict", windows(1), concurrency=0)
    with pytest.raises(ValueError, match="instances must hold"):
        serving.load_test("http://127.0.0.1:9/predict", np.zeros((0, 60, 4)))
    with pytest.raises(ValueError, match="batch_sizes must not exceed"):
        serving.sweep("http://127.0.0.1:9/predict", windows(2), [4], [1])


def test_start_server_reports_a_server_that_cannot_start(tmp_path):
    with pytest.raises(ValueError, match="model_path must exist"):
        serving.start_server(tmp_path / "missing.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(RuntimeError, match="the server exited"):
        serving.start_server(broken, timeout=30)


def test_the_server_process_does_not_load_keras_or_tensorflow():
    code = ("import sys, seqbook.serving.server, seqbook.serving.app; "
            "print(any(m in sys.modules for m in ('keras', 'tensorflow', 'jax')))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "False"
