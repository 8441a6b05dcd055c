"""One model trained by several JAX processes: ``keras.distribution`` over ``jax.distributed``.

This is the recipe for more than one machine (or, to try it, more than one process on one
machine). Every process runs the same program:

1. ``initialize(coordinator, num_processes, process_id)`` joins the processes (the first
   one's address is the coordinator; ``jax.distributed`` exchanges the devices of all);
2. ``runtime.setup()`` then sees every device of every process and builds a
   ``keras.distribution.DataParallel`` over all of them;
3. each process calls ``fit`` on **its own share** of every global batch (``batch_size`` is
   the per-process batch); Keras assembles the global batch across processes, and every
   process applies the same averaged gradient, so the copies of the model stay equal.

The Keras 3 TensorFlow backend has no working multi-worker strategy
(keras-team/keras#20585), which is why this module needs ``KERAS_BACKEND=jax``.

Try it on one machine, two processes talking over the loopback interface::

    KERAS_BACKEND=jax python -m seqbook.distributed --processes 2

It trains the demo model of :func:`train_demo` and prints each process's losses, which are
the same in every process, and the same as one process training on the whole batch
(``tests/test_distributed.py`` checks both).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from typing import Any, Sequence

import keras
import numpy as np

from seqbook import runtime

__all__ = ["free_port", "initialize", "launch_local", "process_share", "train_demo"]


def _require_jax(what: str) -> None:
    if keras.backend.backend() != "jax":
        raise ValueError(f"{what} needs the JAX backend (set KERAS_BACKEND=jax before "
                         f"importing keras); this process runs {keras.backend.backend()!r}")


def initialize(coordinator_address: str, num_processes: int, process_id: int) -> None:
    """Join this process to the others: call it first, before any JAX computation.

    Parameters
    ----------
    coordinator_address : str
        ``"host:port"`` of process 0, which every process can reach.
    num_processes : int
        How many processes train together, at least 1.
    process_id : int
        This process's rank, in ``[0, num_processes)``.

    Raises
    ------
    ValueError
        On the TensorFlow backend, or for arguments out of range.
    """
    _require_jax("seqbook.distributed.initialize")
    if isinstance(num_processes, bool) or not isinstance(num_processes, int) or num_processes < 1:
        raise ValueError(f"num_processes must be an integer >= 1; got {num_processes!r}")
    if (isinstance(process_id, bool) or not isinstance(process_id, int)
            or not 0 <= process_id < num_processes):
        raise ValueError(f"process_id must be an integer in [0, {num_processes}); "
                         f"got {process_id!r}")
    if not isinstance(coordinator_address, str) or ":" not in coordinator_address:
        raise ValueError(f"coordinator_address must be 'host:port'; got {coordinator_address!r}")
    keras.distribution.initialize(coordinator_address, num_processes, process_id)


def process_share(array: np.ndarray, batch_size: int, num_processes: int,
                  process_id: int) -> np.ndarray:
    """The rows of ``array`` that one process feeds, so the processes' batches make the global one.

    Global batch ``k`` is rows ``[k * batch_size, (k + 1) * batch_size)``; process ``p`` feeds
    the ``p``-th of its ``num_processes`` equal slices, so ``fit(..., batch_size=batch_size //
    num_processes)`` on the share trains on exactly the global batches, in order.

    Example
    -------
    >>> process_share(np.arange(8), batch_size=4, num_processes=2, process_id=1).tolist()
    [2, 3, 6, 7]
    """
    if batch_size % num_processes:
        raise ValueError(f"batch_size must be a multiple of num_processes={num_processes}; "
                         f"got {batch_size}")
    steps = len(array) // batch_size
    if steps == 0:
        raise ValueError(f"array must hold at least one batch of {batch_size} rows; "
                         f"got {len(array)}")
    local = batch_size // num_processes
    batches = np.asarray(array[: steps * batch_size]).reshape(
        (steps, num_processes, local) + np.shape(array)[1:])
    return batches[:, process_id].reshape((steps * local,) + np.shape(array)[1:])


def train_demo(num_processes: int = 1, process_id: int = 0, batch_size: int = 32,
               epochs: int = 3, seed: int = 0) -> list[float]:
    """Train a small GRU forecaster data-parallel and return its loss after each epoch.

    The data are fixed (sine waves with noise, 512 windows), the weights start from
    ``seed``, and nothing is shuffled, so every run with the same global ``batch_size``
    sees the same global batches, however many processes share them.
    """
    from seqbook import models

    rng = np.random.default_rng(0)
    phase = rng.uniform(0, 2 * np.pi, size=(512, 1))
    steps = np.arange(17)[None, :]
    series = (np.sin(0.3 * steps + phase) + 0.1 * rng.normal(size=(512, 17))).astype("float32")
    x, y = series[:, :16, None], series[:, 16:]
    x = process_share(x, batch_size, num_processes, process_id)
    y = process_share(y, batch_size, num_processes, process_id)
    strategy = runtime.setup(seed=seed)
    if strategy.distribution is not None:
        # Each process feeds its own share (process_share): Keras must not shard it again.
        strategy.distribution.auto_shard_dataset = False
    with strategy.scope():
        model = models.recurrent_forecaster(window=16, features=1, units=16)
    history = model.fit(x, y, batch_size=batch_size // num_processes, epochs=epochs,
                        shuffle=False, verbose=0)
    return [float(v) for v in history.history["loss"]]


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch_local(num_processes: int, arguments: Sequence[str] = (), timeout: float = 300.0,
                 environment: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Start ``num_processes`` workers of the demo on this machine and collect their results.

    Each worker is ``python -m seqbook.distributed --worker ...``, joined to the others
    through a coordinator on ``127.0.0.1`` (loopback only) and bounded by ``timeout``.

    Returns
    -------
    list of dict
        One per process, in rank order: ``{"process_id", "devices", "losses"}``.

    Raises
    ------
    RuntimeError
        When a worker fails or does not finish in time (its error output is included).
    """
    if isinstance(num_processes, bool) or not isinstance(num_processes, int) or num_processes < 1:
        raise ValueError(f"num_processes must be an integer >= 1; got {num_processes!r}")
    address = f"127.0.0.1:{free_port()}"
    env = {**os.environ, **(environment or {}), "KERAS_BACKEND": "jax"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "seqbook.distributed", "--worker", "--coordinator", address,
             "--processes", str(num_processes), "--process-id", str(rank), *arguments],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for rank in range(num_processes)
    ]
    results = []
    try:
        for rank, worker in enumerate(workers):
            out, err = worker.communicate(timeout=timeout)
            if worker.returncode != 0:
                raise RuntimeError(f"worker {rank} failed ({worker.returncode}):\n{err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    return results


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--coordinator", help=argparse.SUPPRESS)
    parser.add_argument("--process-id", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    extra = ["--batch-size", str(args.batch_size), "--epochs", str(args.epochs)]
    if not args.worker:
        for result in launch_local(args.processes, extra):
            print(json.dumps(result))
        return
    if args.processes > 1:
        initialize(args.coordinator, args.processes, args.process_id)
    import jax

    losses = train_demo(args.processes, args.process_id, args.batch_size, args.epochs)
    print(json.dumps({"process_id": args.process_id, "devices": len(jax.devices()),
                      "losses": losses}))


if __name__ == "__main__":
    _main()
