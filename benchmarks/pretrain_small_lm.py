"""Pretrain the small causal language model that the pretraining chapter loads.

Reproduces ``seqbook/weights/docs_lm.weights.h5``, ``docs_lm.tokenizer.json`` and
``docs_lm.json`` (architecture, settings, time taken and learning curve):

    .venv/bin/python benchmarks/pretrain_small_lm.py            # the shipped settings
    .venv/bin/python benchmarks/pretrain_small_lm.py --epochs 2 --out /tmp/lm   # a quick try

The data are the training topics of ``data.load("python_docs")`` (the split of the n-gram
chapter); a BPE tokenizer is trained on them, every topic becomes ``[BOS] ... [EOS]``, and
the stream is cut into overlapping windows. After each epoch the script scores the
validation topics per character and keeps the weights of the best epoch. Everything is
seeded; on a CPU, thread scheduling can still change the last digits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import data, models, runtime  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


def topic_texts(split: str) -> list[str]:
    rows = data.load("python_docs", split=split).as_numpy_iterator()
    return [row["text"].decode() for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocabulary-size", type=int, default=1000)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--hidden-dim", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--intermediate-dim", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "seqbook" / "weights")
    parser.add_argument("--name", default="docs_lm")
    args = parser.parse_args()

    runtime.setup(seed=args.seed)
    texts = {split: topic_texts(split) for split in ("train", "validation")}
    tokenizer = data.train_subword_tokenizer(texts["train"], vocabulary_size=args.vocabulary_size)
    # The text the tokenizer can spell (lower case, single spaces): the models are scored
    # on exactly this text, so the chapter's n-gram model reads it too.
    normal = {s: [tokenizer.decode(tokenizer.encode(t)) for t in ts] for s, ts in texts.items()}
    encoded = {s: [tokenizer.encode(t, add_bos_eos=True) for t in ts]
               for s, ts in normal.items()}
    x, y = models.next_token_windows(encoded["train"], args.context, stride=args.context // 2)
    print(f"{len(x)} training windows of {args.context} tokens "
          f"({sum(map(len, encoded['train'])):,} tokens)")

    config = {"vocabulary_size": tokenizer.vocabulary_size, "max_sequence_length": args.context,
              "hidden_dim": args.hidden_dim, "num_heads": args.heads, "num_layers": args.layers,
              "intermediate_dim": args.intermediate_dim, "dropout": args.dropout}
    lm = models.causal_lm(**config, learning_rate=args.learning_rate)
    steps = args.epochs * math.ceil(len(x) / args.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, steps, warmup_target=args.learning_rate, warmup_steps=min(200, steps // 10))
    lm.compile(optimizer=keras.optimizers.Adam(schedule), loss=lm.loss,
               jit_compile=runtime.xla_enabled())
    print(f"{lm.count_params():,} parameters")

    def validation_ppl() -> float:
        log_probs = np.concatenate([models.sequence_log_probs(lm, ids, args.context)
                                    for ids in encoded["validation"]])
        return models.per_character_perplexity(log_probs, normal["validation"])

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / f"{args.name}.weights.h5"
    curve, best, seconds = [], math.inf, 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        history = lm.fit(x, y, batch_size=args.batch_size, epochs=1, shuffle=True, verbose=0)
        seconds += time.perf_counter() - start
        ppl = validation_ppl()
        curve.append({"epoch": epoch, "train_seconds": round(seconds, 1),
                      "train_loss": round(float(history.history["loss"][-1]), 4),
                      "validation_char_perplexity": round(ppl, 4)})
        print(curve[-1], flush=True)
        if ppl < best:  # keep the model's weights only, not the optimizer's state
            best = ppl
            keep = models.causal_lm(**config)
            keep.set_weights(lm.get_weights())
            keep.save_weights(weights)
    tokenizer.save(args.out / f"{args.name}.tokenizer.json")
    record = {
        "config": config,
        "settings": {k: (str(v) if isinstance(v, pathlib.Path) else v)
                     for k, v in vars(args).items() if k != "out"},
        "data": {"corpus": 'data.load("python_docs", split="train")',
                 "topics": len(texts["train"]),
                 "tokens": int(sum(map(len, encoded["train"]))),
                 "windows": int(len(x))},
        "parameters": int(lm.count_params()),
        "machine": f"{os.cpu_count()} CPU cores ({runtime.accelerator()})",
        "best_validation_char_perplexity": round(best, 4),
        "curve": curve,
    }
    (args.out / f"{args.name}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"best validation perplexity per character {best:.4f}; "
          f"{seconds:.0f} s of training; wrote {args.out}")


if __name__ == "__main__":
    main()
