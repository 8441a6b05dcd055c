"""Start the inference service: one command, or one call that runs it in its own process.

From a shell (uvicorn serves :func:`seqbook.serving.create_app`)::

    python -m seqbook.serving.server model.onnx --port 8000 --max-batch-size 32

From Python, :func:`start_server` starts that command as a child process on a free loopback
port, waits until ``/health`` answers, and hands back its address; ``stop()`` (or leaving the
``with`` block) ends it. A separate process is what a deployment runs, and it keeps the
server's work off the caller's interpreter, so a load test from the caller measures the
server and not the two sharing one Python lock.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Sequence

__all__ = ["RunningServer", "free_port", "start_server"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class RunningServer:
    """A server process started by :func:`start_server`.

    Attributes
    ----------
    url : str
        ``http://host:port``.
    process : subprocess.Popen
        The uvicorn process.
    log_path : str
        Its standard output and error.
    """

    def __init__(self, url: str, process: subprocess.Popen, log_path: str) -> None:
        self.url, self.process, self.log_path = url, process, log_path

    def log(self) -> str:
        """What the server printed so far (uvicorn's access log is off)."""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to finish (SIGTERM: uvicorn closes its connections), then wait."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"RunningServer({self.url!r}, {state})"


def _arguments(model_path: str, host: str, port: int, max_batch_size: int,
               max_wait_seconds: float, threads: int | None) -> list[str]:
    arguments = [os.fspath(model_path), "--host", host, "--port", str(port),
                 "--max-batch-size", str(max_batch_size),
                 "--max-wait-seconds", str(max_wait_seconds)]
    return arguments + (["--threads", str(threads)] if threads is not None else [])


def start_server(model_path: str | os.PathLike, port: int | None = None,
                 host: str = "127.0.0.1", max_batch_size: int = 0,
                 max_wait_seconds: float = 0.002, threads: int | None = None,
                 timeout: float = 60.0) -> RunningServer:
    """Run the service for ``model_path`` in a child process and wait until it is healthy.

    Parameters
    ----------
    model_path : str or path
        What :func:`seqbook.serving.create_app` serves.
    port : int, optional
        A free loopback port is picked where omitted.
    host : str
        The address to listen on: loopback by default, so nothing outside this machine can
        reach it.
    max_batch_size, max_wait_seconds, threads
        As in :func:`seqbook.serving.create_app`.
    timeout : float
        Seconds to wait for ``/health``.

    Raises
    ------
    ValueError
        If ``model_path`` does not exist.
    RuntimeError
        If the process exits or does not become healthy in time (its output is included).
    """
    if not os.path.exists(model_path):
        raise ValueError(f"model_path must exist; got {os.fspath(model_path)!r}")
    port = free_port(host) if port is None else port
    handle, log_path = tempfile.mkstemp(prefix="seqbook-server-", suffix=".log")
    with os.fdopen(handle, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "seqbook.serving.server",
             *_arguments(model_path, host, port, max_batch_size, max_wait_seconds, threads)],
            stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(f"http://{host}:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"the server was not healthy after {timeout} s:\n{server.log()[-3000:]}")


def main(argv: Sequence[str] | None = None) -> None:
    """The command line: parse, build the application, run uvicorn until stopped."""
    parser = argparse.ArgumentParser(description="Serve an exported seqbook model over HTTP.")
    parser.add_argument("model_path", help="a .onnx or .tflite file or a SavedModel folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-batch-size", type=int, default=0,
                        help="micro-batching: most rows per model call (0: off)")
    parser.add_argument("--max-wait-seconds", type=float, default=0.002)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    import uvicorn

    from seqbook.serving.app import create_app

    app = create_app(args.model_path, max_batch_size=args.max_batch_size,
                     max_wait_seconds=args.max_wait_seconds, threads=args.threads)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
