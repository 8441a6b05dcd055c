"""The video chapter's next-frame comparison, without its CPU caps.

``book/applications/video`` trains the Conv3D and ConvLSTM predictors from the seeds 0, 1
and 2 on every third training window for at most 6 epochs (CPU profile), with early
stopping on the validation loss. This script trains the same builders with the same
settings from the seeds given, on every window (``--train-every 1``) and with
``--max-epochs`` (default 30), and prints per model the validation MSE, the test MSE and
SSIM one and eight frames ahead (rollout on its own predictions; mean and standard
deviation over seeds), the best validation epochs and the wall time, beside the
copy-last-frame baseline. It tells whether the chapter's CPU-sized runs under-train.

Measured (2 shared CPU cores, seeds 0-2, the defaults: every window, at most 30 epochs,
32 x 32 frames): copy last frame, test MSE 1 / 8 ahead 0.000925 / 0.008311, SSIM 0.965 /
0.716. Conv3D: MSE 0.000441 +- 0.000018 / 0.00452 +- 0.00037, SSIM 0.982 / 0.821, best
epochs 29, 30, 30, 9 s per run. ConvLSTM: MSE 0.000507 +- 0.000023 / 0.00437 +- 0.00015,
SSIM 0.980 / 0.817, best epochs 18, 30, 30, 30 s per run. Trained longer, both networks
roughly halve the copy baseline's one-step error (the chapter's capped runs remove a
quarter or less); the Conv3D stays ahead one step out, and eight steps out the two are
within noise. Most runs still peaked at the last epoch: even 30 epochs under-train.

Usage::

    python benchmarks/video.py --seeds 0 1 2
    python benchmarks/video.py --seeds 0 1 2 --max-epochs 12 --models Conv3D --size 48
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import data, metrics, runtime  # noqa: E402
from seqbook.models import video  # noqa: E402

CONTEXT, HORIZON = 4, 8


def builders(size: int, filters: int) -> dict:
    """The chapter's two predictors, with its settings."""
    return {
        "Conv3D": lambda: video.conv3d_predictor(CONTEXT, (size, size), filters=filters,
                                                 num_layers=1, learning_rate=3e-3),
        "ConvLSTM": lambda: video.convlstm_predictor(CONTEXT, (size, size),
                                                     filters=filters, learning_rate=3e-3),
    }


def scores(true: np.ndarray, predicted: np.ndarray) -> dict:
    """Test MSE and SSIM one and HORIZON frames ahead."""
    return {f"{name} {h + 1}": float(np.mean(score(true[:, h], predicted[:, h])))
            for h in (0, HORIZON - 1)
            for name, score in (("MSE", metrics.frame_mse), ("SSIM", metrics.ssim))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--train-every", type=int, default=1)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--filters", type=int, default=8)
    parser.add_argument("--models", nargs="+", default=["Conv3D", "ConvLSTM"])
    args = parser.parse_args()

    strategy = runtime.setup(seed=0)
    frames = {s: data.video_frames(s, size=args.size) for s in ("train", "validation", "test")}
    x_train, y_train = data.frame_windows(frames["train"], CONTEXT)
    x_val, y_val = data.frame_windows(frames["validation"], CONTEXT)
    x_test, y_test = data.frame_windows(frames["test"], CONTEXT, HORIZON)
    every = args.train_every
    copy = scores(y_test, video.copy_last_rollout(x_test, HORIZON))
    print("copy last frame  " + "  ".join(f"{k} {v:.6f}" for k, v in copy.items()))
    build = builders(args.size, args.filters)
    for name in args.models:
        results, val_losses, epochs, seconds = [], [], [], []
        for seed in args.seeds:
            start = time.perf_counter()
            keras.utils.set_random_seed(seed)
            with strategy.scope():
                model = build[name]()
            stop = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
            history = model.fit(x_train[::every], y_train[::every, 0],
                                validation_data=(x_val, y_val[:, 0]),
                                epochs=args.max_epochs, batch_size=32, callbacks=[stop],
                                verbose=0)
            val_losses.append(min(history.history["val_loss"]))
            epochs.append(int(np.argmin(history.history["val_loss"])) + 1)
            results.append(scores(y_test, video.rollout(model, x_test, HORIZON)))
            seconds.append(time.perf_counter() - start)
        summary = "  ".join(f"{k} {np.mean([r[k] for r in results]):.6f} "
                            f"+- {np.std([r[k] for r in results]):.6f}" for k in copy)
        print(f"{name:16} val MSE {np.mean(val_losses):.6f}  {summary}  "
              f"best epochs {epochs}  {np.mean(seconds):.1f} s per run")


if __name__ == "__main__":
    main()
