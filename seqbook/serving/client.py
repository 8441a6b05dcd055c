"""Talk to a running inference service: predictions and its Prometheus metrics."""

from __future__ import annotations

import httpx
import numpy as np
from prometheus_client.parser import text_string_to_metric_families

__all__ = ["read_metrics", "request_predictions"]


def request_predictions(url: str, instances: np.ndarray, timeout: float = 30.0) -> np.ndarray:
    """POST ``instances`` to ``url + "/predict"`` and return the predictions as an array.

    Raises
    ------
    httpx.HTTPStatusError
        For an answer other than 200 (the server's ``detail`` is in the message).
    """
    answer = httpx.post(url + "/predict", json={"instances": np.asarray(instances).tolist()},
                        timeout=timeout)
    if answer.status_code != 200:
        raise httpx.HTTPStatusError(f"{answer.status_code}: {answer.text}",
                                    request=answer.request, response=answer)
    return np.asarray(answer.json()["predictions"], np.float32)


def read_metrics(url: str, prefix: str = "seqbook_") -> dict[tuple, float]:
    """The service's metrics whose names start with ``prefix``, parsed from ``/metrics``.

    Returns
    -------
    dict
        ``(sample name, ((label, value), ...)) -> value``, for example
        ``("seqbook_requests_total", (("endpoint", "/predict"), ("status", "200"))) -> 12.0``.
    """
    text = httpx.get(url + "/metrics", timeout=10).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name.startswith(prefix)}
