"""Execute chapters and report their wall-clock time (the brief's budget: 60 s each on 2 CPU cores).

Usage::

    python benchmarks/notebook_times.py                      # every paired notebook under book/
    python benchmarks/notebook_times.py book/foundations/ngrams.ipynb --show-output

Prints one line per notebook and fails (exit 1) if any exceeds ``--budget`` seconds, so the
figures quoted in notes and issues can be reproduced. The CPU profile is forced.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(path: pathlib.Path, show_output: bool) -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    if show_output:
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                if output.get("name") == "stdout":
                    print(output["text"], end="")
                elif "text/plain" in output.get("data", {}):
                    print(output["data"]["text/plain"])
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--show-output", action="store_true")
    args = parser.parse_args()
    os.environ["SEQBOOK_PROFILE"] = "cpu"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    notebooks = args.notebooks or sorted(ROOT.glob("book/**/*.ipynb"))
    over = 0
    for path in notebooks:
        seconds = run(path, args.show_output)
        over += seconds > args.budget
        print(f"{seconds:7.1f} s  {'OVER ' if seconds > args.budget else ''}{path}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
