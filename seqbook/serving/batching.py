"""Server-side micro-batching: requests that arrive together share one model call.

A model call has a fixed cost (entering the engine, launching its kernels) on top of the cost
per row. When many clients send one row each, a server that runs each request alone pays the
fixed cost for every row. :class:`MicroBatcher` instead holds the first request for at most
``max_wait_seconds``, gathers what arrives meanwhile (up to ``max_batch_size`` rows), runs
the model once on all of it and hands each request its own rows back. It trades a little
latency at low load for throughput at high load; the deployment chapter measures both sides.
"""

from __future__ import annotations

import asyncio
from typing import Callable

import numpy as np

__all__ = ["MicroBatcher"]


class MicroBatcher:
    """Gather concurrent requests into one call of ``predict`` (use inside one event loop).

    Parameters
    ----------
    predict : callable
        ``array [rows, ...] -> array [rows, ...]``; it runs in a worker thread so that the
        event loop keeps accepting requests meanwhile.
    max_batch_size : int
        Most rows per call. A request with more rows than this runs alone.
    max_wait_seconds : float
        How long the first request of a batch waits for company.
    on_batch : callable, optional
        Called with the rows of each call (for metrics).

    Example
    -------
    >>> async def demo():
    ...     batcher = MicroBatcher(lambda x: 2 * x, max_batch_size=8, max_wait_seconds=0.01)
    ...     rows = [np.full((1, 2), i, np.float32) for i in range(3)]
    ...     answers = await asyncio.gather(*(batcher.submit(r) for r in rows))
    ...     await batcher.close()
    ...     return [a.tolist() for a in answers], batcher.calls
    >>> asyncio.run(demo())
    ([[[0.0, 0.0]], [[2.0, 2.0]], [[4.0, 4.0]]], 1)
    """

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray], max_batch_size: int = 32,
                 max_wait_seconds: float = 0.002,
                 on_batch: Callable[[int], None] | None = None) -> None:
        if isinstance(max_batch_size, bool) or not isinstance(max_batch_size, int) \
                or max_batch_size < 1:
            raise ValueError(f"max_batch_size must be a positive integer; got {max_batch_size!r}")
        if not isinstance(max_wait_seconds, (int, float)) or not 0 <= max_wait_seconds <= 1:
            raise ValueError("max_wait_seconds must be a number in [0, 1]; "
                             f"got {max_wait_seconds!r}")
        self.predict = predict
        self.max_batch_size = max_batch_size
        self.max_wait_seconds = float(max_wait_seconds)
        self.on_batch = on_batch
        self.calls = 0
        self._queue: asyncio.Queue | None = None
        self._worker: asyncio.Task | None = None
        self._held = None  # a request too big for the last batch: it opens the next one

    async def submit(self, rows: np.ndarray) -> np.ndarray:
        """Queue ``rows`` and wait for their outputs."""
        if self._worker is None:  # started lazily, inside the loop that serves the requests
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._serve())
        answer = asyncio.get_running_loop().create_future()
        await self._queue.put((rows, answer))
        return await answer

    async def close(self) -> None:
        """Stop the worker (requests still queued are cancelled)."""
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    async def _gather(self) -> list:
        """The first waiting request, plus what arrives before the deadline or the size cap."""
        loop = asyncio.get_running_loop()
        if self._held is not None:
            waiting, self._held = [self._held], None
        else:
            waiting = [await self._queue.get()]
        rows = len(waiting[0][0])
        deadline = loop.time() + self.max_wait_seconds
        while rows < self.max_batch_size:
            # Take what is already queued without waiting; then wait out the deadline.
            if self._queue.empty():
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), left)
                except asyncio.TimeoutError:
                    break
            else:
                item = self._queue.get_nowait()
            if rows + len(item[0]) > self.max_batch_size:
                self._held = item
                break
            waiting.append(item)
            rows += len(item[0])
        return waiting

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            waiting = await self._gather()
            inputs = np.concatenate([rows for rows, _ in waiting])
            try:
                outputs = await loop.run_in_executor(None, self.predict, inputs)
            except Exception as error:  # noqa: BLE001  (every waiting request gets the error)
                for _, answer in waiting:
                    if not answer.done():
                        answer.set_exception(error)
                continue
            self.calls += 1
            if self.on_batch is not None:
                self.on_batch(len(inputs))
            start = 0
            for rows, answer in waiting:
                if not answer.done():
                    answer.set_result(outputs[start:start + len(rows)])
                start += len(rows)
