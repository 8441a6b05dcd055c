"""Generation speed of a small decoder-only Transformer with and without a key/value cache.

For each length ``n`` the script generates ``n`` tokens greedily after a one-token prompt,
for a batch of sequences, once with the cache (``DecoderLM.generate(..., use_cache=True)``)
and once recomputing the whole prefix at every step, and prints tokens per second for both
and their ratio. It also checks that both paths produce the same tokens. The model is
untrained: the cost of a step does not depend on the values of the weights, only on their
shapes. Both paths run as compiled TensorFlow graphs (``tf.function``), so that Python's
per-operation overhead does not hide the arithmetic; ``--eager`` runs them eagerly.

Usage::

    python benchmarks/kv_cache.py                          # lengths 32 64 128 256
    python benchmarks/kv_cache.py --lengths 256 512 --hidden_dim 256 --layers 4   # bigger

The chapter ``book/neural/efficient-transformers`` measures the per-step cost at several
prefix lengths with the same model.
"""

from __future__ import annotations

import argparse
import functools
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from seqbook import models  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--hidden-dim", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs")
    parser.add_argument("--eager", action="store_true", help="do not compile the steps")
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    lm = models.DecoderLM(vocabulary_size=args.vocab, max_sequence_length=max(args.lengths) + 1,
                          hidden_dim=args.hidden_dim, num_heads=args.heads, num_layers=args.layers,
                          intermediate_dim=4 * args.hidden_dim)
    if not args.eager:
        lm.compile_steps(functools.partial(tf.function, reduce_retracing=True))
    prompt = np.ones((args.batch, 1), "int32")
    lm(prompt)  # build the weights
    for use_cache in (True, False):  # trace the graphs before timing
        lm.generate(prompt, 4, use_cache=use_cache)
        lm.generate(prompt, 8, use_cache=use_cache)

    print(f"model: hidden_dim {args.hidden_dim}, {args.layers} layers, "
          f"{lm.count_params():,} parameters; "
          f"batch {args.batch}; {'eager' if args.eager else 'tf.function'}")
    print(f"{'tokens':>6} {'cached tok/s':>13} {'uncached tok/s':>15} {'speed-up':>9} {'same':>5}")
    for n in args.lengths:
        rates, outputs = {}, {}
        for use_cache in (True, False):
            best = float("inf")
            for _ in range(args.repeats):
                start = time.perf_counter()
                outputs[use_cache] = lm.generate(prompt, n, use_cache=use_cache)
                best = min(best, time.perf_counter() - start)
            rates[use_cache] = args.batch * n / best
        same = bool((outputs[True] == outputs[False]).all())
        print(f"{n:6d} {rates[True]:13.0f} {rates[False]:15.0f} "
              f"{rates[True] / rates[False]:8.1f}x {str(same):>5}")


if __name__ == "__main__":
    main()
