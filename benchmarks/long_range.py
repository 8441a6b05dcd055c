"""The adding-problem table of the LSTM/GRU chapter, for either profile, with timings.

Usage::

    python benchmarks/long_range.py                    # the CPU profile, as the chapter runs it
    python benchmarks/long_range.py --profile accelerator

Prints the relative test error (test MSE / MSE of predicting the training mean) of each
model at each length, and the joint training time per length, so that the figures quoted
in notes and issues can be reproduced.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("cpu", "accelerator"), default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["SEQBOOK_PROFILE"] = args.profile
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from seqbook import models, runtime

    runtime.setup(seed=args.seed)
    # The same settings as book/neural/lstm-gru.md.
    lengths = runtime.pick(cpu=[5, 20], accelerator=[25, 50, 100, 200])
    budget = runtime.pick(
        cpu=dict(num_train=1500, epochs=6), accelerator=dict(num_train=10000, epochs=20)
    )
    start = time.perf_counter()
    rows = models.adding_experiment(
        lengths, ["rnn", "lstm", "gru"], batch_size=24, learning_rate=0.015,
        seed=args.seed, **budget,
    )
    for row in rows:
        print(
            f"T={row['length']:4}  {row['model']:5} relative error "
            f"{row['relative_error']:.3f}  (test MSE {row['test_mse']:.4f}; "
            f"{row['seconds']:.1f} s for all models at this length)"
        )
    print(f"total {time.perf_counter() - start:.1f} s ({args.profile} profile)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
