"""Time and memory of full attention against sliding-window plus global attention.

For each sequence length ``T`` the script runs
``seqbook.layers.transformer.scaled_dot_product_attention`` (full attention: a ``T x T``
score matrix per head) and ``local_global_attention`` (a window of ``--radius`` positions on
each side plus ``--globals`` global positions, computed block by block) on random queries,
keys and values, and prints the best wall-clock time of ``--repeats`` runs and the peak
memory TensorFlow's allocator reports during them
(``tf.config.experimental.get_memory_info``, which covers CPU and GPU devices). Full
attention's time and memory grow about fourfold per doubling of ``T``; the local pattern's
about twofold.

Usage::

    python benchmarks/attention_cost.py                       # T = 256 ... 4096
    python benchmarks/attention_cost.py --lengths 1024 4096 16384 --radius 128
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from seqbook.layers.transformer import (  # noqa: E402
    local_global_attention,
    scaled_dot_product_attention,
)


def measure(fn, device: str, repeats: int) -> tuple[float, float]:
    """Best seconds of ``repeats`` calls and the peak MiB allocated above the baseline."""
    fn()  # warm up
    tf.config.experimental.reset_memory_stats(device)
    base = tf.config.experimental.get_memory_info(device)["current"]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        _ = out.numpy()  # wait for the result
        best = min(best, time.perf_counter() - start)
        del out
    peak = tf.config.experimental.get_memory_info(device)["peak"] - base
    return best, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--depth", type=int, default=32)
    parser.add_argument("--radius", type=int, default=32)
    parser.add_argument("--globals", type=int, default=1, help="global positions 0, 1, ...")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    device = "GPU:0" if tf.config.list_physical_devices("GPU") else "CPU:0"
    rng = np.random.default_rng(0)
    print(f"device {device}; {args.heads} heads of {args.depth}; radius {args.radius}, "
          f"{args.globals} global position(s)")
    print(f"{'T':>6} {'full ms':>9} {'full MiB':>9} {'local ms':>9} {'local MiB':>10}")
    for length in args.lengths:
        q, k, v = (tf.constant(rng.normal(size=(1, args.heads, length, args.depth)), "float32")
                   for _ in range(3))
        with tf.device(device):
            full = measure(lambda: scaled_dot_product_attention(q, k, v)[0], device, args.repeats)
            local = measure(lambda: local_global_attention(
                q, k, v, args.radius, range(args.globals)), device, args.repeats)
        print(f"{length:6d} {full[0] * 1e3:9.1f} {full[1]:9.1f} {local[0] * 1e3:9.1f} "
              f"{local[1]:10.1f}")


if __name__ == "__main__":
    main()
