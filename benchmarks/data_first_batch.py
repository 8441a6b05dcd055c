"""Time to the first batch of every offline data set, cold (empty cache) and cached.

Each measurement runs in a fresh interpreter, so "cold" includes importing the source
package and building TFDS data sets, and "cached" is a second fresh process that finds the
build on disk. Both include loading and padded batching, not importing TensorFlow itself.

Usage::

    python benchmarks/data_first_batch.py [--batch-size 32] [--names sunspots cmudict ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

_PROBE = """
import sys, time
import tensorflow as tf
from seqbook.data.registry import load
start = time.perf_counter()
batch = next(iter(load(sys.argv[1], split="train").padded_batch(int(sys.argv[2]))))
print("SECONDS", time.perf_counter() - start)
"""


def first_batch_seconds(name: str, batch_size: int, cache: str) -> float:
    """Run one fresh-process measurement and return its seconds."""
    env = {**os.environ, "SEQBOOK_DATA_DIR": cache, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, name, str(batch_size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split("SECONDS")[-1])


def main() -> None:
    from seqbook.data.registry import list_datasets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--names", nargs="*", help="data sets to time (default: every offline one)")
    args = parser.parse_args()
    names = args.names or [info.name for info in list_datasets(offline=True)]
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        print(f"{'data set':22s} {'cold s':>8s} {'cached s':>9s}")
        for name in names:
            cold = first_batch_seconds(name, args.batch_size, cache)
            cached = first_batch_seconds(name, args.batch_size, cache)
            results[name] = {"cold_s": round(cold, 3), "cached_s": round(cached, 3)}
            print(f"{name:22s} {cold:8.2f} {cached:9.2f}", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
