"""The efficiency table: each technique against the same model without it, in one run.

``book/practice/efficiency`` measures a small version of this within its time budget. This
script runs the larger comparison on the splice-junction data of the genomics chapter and
the same small DNA Transformer (``genomics.dna_transformer_classifier``), and writes a
markdown table of ratios to the baseline (the float32 Transformer, compiled without XLA,
unquantized, unpruned):

* XLA on and off for the Transformer itself (the chapter times the small student):
  first epoch (trace + compile) and the median of the later epochs, data cut to whole
  batches so that XLA compiles one shape;
* ``mixed_bfloat16`` against float32: median epoch time, latency, validation accuracy;
* distillation (``keras.distillation.Distiller``) into the DeepBind-style student, with the
  small search over temperature ``T`` and student-loss weight ``w`` (on validation,
  seed 0) that the chapter's choice ``T = 2``, ``w = 0.9`` comes from, then the chosen
  setting against the student alone over ``--seeds`` seeds;
* ``model.quantize("int8")`` and ``"int4"``: memory, file size, latency, accuracy;
* magnitude pruning at 50 and 90 % with one epoch of fine-tuning: latency, gzip size,
  accuracy.

Usage::

    python benchmarks/efficiency.py                      # ~3 min on 2 cores
    python benchmarks/efficiency.py --seeds 0 1 2 3 4 --epochs 20 --out efficiency.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SEQBOOK_PROFILE", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import data, efficiency, models, runtime  # noqa: E402
from seqbook.callbacks import EpochTimer  # noqa: E402
from seqbook.models import genomics  # noqa: E402

warnings.filterwarnings("ignore", message=".*does not have a `quantize`")
BATCH = 128


def transformer() -> keras.Model:
    return genomics.dna_transformer_classifier(num_layers=1, kernel_size=6, strides=3,
                                               learning_rate=2e-3)


def student() -> keras.Model:
    return genomics.deepbind_classifier(filters=8, kernel_size=12, units=8, pool_size=7,
                                        learning_rate=3e-3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default=None, help="write the markdown table here too")
    args = parser.parse_args()
    runtime.setup(seed=0)
    splits = {}
    for split in ("train", "validation", "test"):
        arrays = data.to_numpy(data.load("splice_junctions", split=split))
        splits[split] = (arrays["one_hot"].astype("float32"), arrays["label"])
    x, y = splits["train"]
    batch = splits["test"][0][:64]

    def accuracy(model, split="validation"):
        xs, ys = splits[split]
        return float(np.mean(np.argmax(model.predict(xs, batch_size=512, verbose=0), -1)
                             == ys))

    def latency(model):
        return efficiency.median_seconds(lambda: model.predict_on_batch(batch), repeats=11)

    def train(build, epochs=args.epochs, xs=x, ys=y, seed=0):
        keras.utils.set_random_seed(seed)
        model = build()
        timer = EpochTimer()
        model.fit(xs, ys, epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[timer])
        return model, timer

    rows = []  # (technique, epoch ratio, first-epoch ratio, latency, size, accuracy diff)
    base, base_timer = train(transformer)
    base_val, base_test, base_lat = accuracy(base), accuracy(base, "test"), latency(base)
    base_size = efficiency.model_size(base)
    print(f"baseline: val {base_val:.3f} test {base_test:.3f} "
          f"latency {1000 * base_lat:.2f} ms {base_size}")

    xw, yw = data.trim_to_batches(x, y, batch_size=BATCH)
    timers = {}
    for enabled in (False, True):
        with efficiency.xla(enabled):
            _, timers[enabled] = train(transformer, epochs=4, xs=xw, ys=yw)
    rows.append(("XLA (Transformer)",
                 timers[True].steady_median / timers[False].steady_median,
                 timers[True].seconds[0] / timers[False].seconds[0], None, None, None))

    with efficiency.dtype_policy("mixed_bfloat16"):
        bf16, bf16_timer = train(transformer)
    rows.append(("mixed_bfloat16", bf16_timer.steady_median / base_timer.steady_median,
                 bf16_timer.seconds[0] / base_timer.seconds[0], latency(bf16) / base_lat,
                 None, accuracy(bf16, "test") - base_test))

    path = os.path.join(tempfile.mkdtemp(), "base.keras")
    base.save(path)
    for mode in ("int8", "int4"):
        quantized = keras.models.load_model(path)
        quantized.quantize(mode)
        size = efficiency.model_size(quantized)
        rows.append((f"{mode} quantization", None, None, latency(quantized) / base_lat,
                     size["memory_bytes"] / base_size["memory_bytes"],
                     accuracy(quantized, "test") - base_test))

    for level in (0.5, 0.9):
        pruned = transformer()
        pruned.set_weights(base.get_weights())
        masks = efficiency.magnitude_prune(pruned, level)
        pruned.fit(x, y, epochs=1, batch_size=BATCH, verbose=0,
                   callbacks=[efficiency.KeepPruned(masks)])
        size = efficiency.model_size(pruned, disk=False)
        rows.append((f"pruning {level:.0%} + 1 epoch", None, None, latency(pruned) / base_lat,
                     size["gzip_bytes"] / base_size["gzip_bytes"],
                     accuracy(pruned, "test") - base_test))

    teacher = efficiency.logits_model(keras.models.load_model(path))

    def distilled(temperature, weight, seed):
        keras.utils.set_random_seed(seed)
        pupil = efficiency.logits_model(student())
        distiller = keras.distillation.Distiller(
            teacher=teacher, student=pupil,
            distillation_losses=keras.distillation.LogitsDistillation(temperature=temperature),
            student_loss_weight=weight)
        models.compile_model(distiller,
                             keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                             learning_rate=3e-3)
        distiller.fit(x, y, epochs=args.epochs, batch_size=BATCH, verbose=0)
        return pupil

    print("distillation search (validation accuracy, seed 0):")
    for temperature, weight in [(3.0, 0.5), (2.0, 0.5), (1.0, 0.5), (4.0, 0.9), (2.0, 0.9)]:
        print(f"  T = {temperature}, w = {weight}: "
              f"{accuracy(distilled(temperature, weight, 0)):.3f}")
    alone = [train(student, seed=s)[0] for s in args.seeds]
    taught = [distilled(2.0, 0.9, s) for s in args.seeds]
    for name, runs in (("student alone", alone), ("student distilled", taught)):
        scores = [accuracy(m, "test") for m in runs]
        print(f"{name}: test accuracy per seed {np.round(scores, 3).tolist()}, "
              f"mean {statistics.mean(scores):.3f}, spread {max(scores) - min(scores):.3f}")
        rows.append((f"{name} (mean of {len(runs)})", None, None,
                     latency(runs[0]) / base_lat,
                     runs[0].count_params() / base.count_params(),
                     statistics.mean(scores) - base_test))

    lines = [f"Baseline: float32 Transformer, {args.epochs} epochs, test accuracy "
             f"{base_test:.3f}, latency {1000 * base_lat:.2f} ms for 64 windows. "
             "Ratios to the baseline (size: memory bytes; gzip bytes for pruning; "
             "parameters for the student).", "",
             "| technique | epoch time | first epoch | latency | size | test accuracy - "
             "baseline |", "|---|---|---|---|---|---|"]
    for name, *values in rows:
        shown = [("" if v is None else f"{v:.2f}") for v in values[:-1]]
        diff = "" if values[-1] is None else f"{values[-1]:+.3f}"
        lines.append(f"| {name} | " + " | ".join(shown) + f" | {diff} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(table + "\n")


if __name__ == "__main__":
    main()
