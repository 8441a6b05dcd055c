"""A bounded load test: a fixed number of requests from a fixed number of concurrent clients.

Each of ``concurrency`` clients sends its next request as soon as its last one is answered
(a closed loop, as when callers wait for the answer), until ``requests`` have been sent in
all. The result is the latency of every request (p50, p95, p99) and the throughput over the
whole run. The clients are ``httpx`` coroutines on one event loop, run in a thread of their
own so that the test works the same from a script and from a notebook (whose cells already
run inside an event loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from dataclasses import asdict, dataclass
from typing import Sequence

import httpx
import numpy as np

__all__ = ["LoadResult", "load_test", "sweep"]


@dataclass(frozen=True)
class LoadResult:
    """Latency percentiles in milliseconds, throughput, and failures of one run."""

    concurrency: int
    rows_per_request: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests_per_second: float
    rows_per_second: float

    def as_dict(self) -> dict:
        return asdict(self)


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


async def _run(url: str, body: dict, requests: int, concurrency: int,
               timeout: float) -> tuple[list[float], int, float]:
    left = iter(range(requests))
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:

        async def one_client() -> None:
            nonlocal errors
            for _ in left:  # the clients share one iterator: `requests` in all
                start = time.perf_counter()
                try:
                    answer = await client.post(url, json=body)
                    ok = answer.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        return latencies, errors, time.perf_counter() - start


def load_test(url: str, instances: np.ndarray, requests: int = 200, concurrency: int = 1,
              timeout: float = 30.0, warmup: int = 5) -> LoadResult:
    """Send ``requests`` POSTs of ``{"instances": instances}`` to ``url``, ``concurrency`` at a time.

    Parameters
    ----------
    url : str
        The prediction endpoint, e.g. ``server.url + "/predict"``.
    instances : array
        The rows every request sends (their count is the request's batch size).
    requests, concurrency : int
        How many requests in all, and how many clients send them.
    timeout : float
        Seconds one request may take before it counts as an error.
    warmup : int
        Requests sent (one at a time) and not counted, before the run.

    Raises
    ------
    ValueError
        For counts below 1 (``warmup`` may be 0) or empty ``instances``.
    """
    _check_count("requests", requests)
    _check_count("concurrency", concurrency)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0; got {warmup!r}")
    instances = np.asarray(instances)
    if instances.ndim < 1 or len(instances) == 0:
        raise ValueError(f"instances must hold at least one row; got shape {instances.shape}")
    body = {"instances": instances.tolist()}

    def in_own_loop(count: int, clients: int):
        return asyncio.run(_run(url, body, count, clients, timeout))

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        if warmup:
            thread.submit(in_own_loop, warmup, 1).result()
        latencies, errors, seconds = thread.submit(in_own_loop, requests, concurrency).result()
    p50, p95, p99 = np.percentile(np.asarray(latencies) * 1000.0, [50, 95, 99])
    return LoadResult(concurrency, len(instances), requests, errors, float(p50), float(p95),
                      float(p99), requests / seconds, requests * len(instances) / seconds)


def sweep(url: str, rows: np.ndarray, batch_sizes: Sequence[int], concurrencies: Sequence[int],
          requests: int = 200, **options) -> list[dict]:
    """:func:`load_test` for every batch size and concurrency; one dict per run.

    Each request of a run sends the first ``batch_size`` rows of ``rows``.
    """
    results = []
    for batch_size in batch_sizes:
        _check_count("batch_size", batch_size)
        if batch_size > len(rows):
            raise ValueError(f"batch_sizes must not exceed the {len(rows)} rows given; "
                             f"got {batch_size}")
        for concurrency in concurrencies:
            results.append(load_test(url, rows[:batch_size], requests, concurrency,
                                     **options).as_dict())
    return results
