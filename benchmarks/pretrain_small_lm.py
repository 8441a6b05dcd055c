"""Pretrain the small causal language model that the pretraining chapter loads.

Reproduces ``seqbook/weights/docs_lm.weights.h5``, ``docs_lm.tokenizer.json`` and
``docs_lm.json`` (architecture, settings, time taken and learning curve):

    .venv/bin/python benchmarks/pretrain_small_lm.py            # the shipped settings
    .venv/bin/python benchmarks/pretrain_small_lm.py --epochs 2 --out /tmp/lm   # a quick try

With ``--objective masked`` it pretrains the BERT-style encoder instead
(``models.masked_lm``; files ``docs_mlm.*``) on the same data, tokenizer (plus a ``[MASK]``
token at the end of the vocabulary), sizes and budget of predictions: the causal model
predicts every token in each of its 8 epochs, the encoder only the 15 % it hides, so it
trains 8 / 0.15 = 53 epochs. (A trial with the causal model's 8 epochs left the encoder near
the unigram baseline: 7.5 % of the hidden validation tokens right, against 30.6 % after 53
epochs on a 2-core CPU.) Every epoch masks the training windows afresh
(``models.mask_tokens`` with a new seed: RoBERTa's dynamic masking); the validation windows
are masked once, with a fixed seed, and the epoch with the lowest masked-token loss on them
is kept:

    .venv/bin/python benchmarks/pretrain_small_lm.py --objective masked

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
    parser.add_argument("--epochs", type=int, default=None,
                        help="8 (causal); masked: as many predictions, 8 / mask rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "seqbook" / "weights")
    parser.add_argument("--objective", choices=("causal", "masked"), default="causal")
    parser.add_argument("--mask-rate", type=float, default=0.15)
    parser.add_argument("--tokenizer", type=pathlib.Path, default=None,
                        help="read this tokenizer file instead of training one "
                             "(default with --objective masked: the shipped docs_lm's)")
    parser.add_argument("--name", default=None, help="docs_lm (causal) or docs_mlm (masked)")
    args = parser.parse_args()
    masked = args.objective == "masked"
    args.name = args.name or ("docs_mlm" if masked else "docs_lm")
    if args.epochs is None:  # the causal model's 8 epochs predict every token 8 times
        args.epochs = round(8 / args.mask_rate) if masked else 8
    if masked and args.tokenizer is None:
        # BPE training numbers tokens of equal count in hash order, so a retrained tokenizer
        # can give some ids other meanings: read the causal model's to share every id.
        args.tokenizer = ROOT / "seqbook" / "weights" / "docs_lm.tokenizer.json"

    runtime.setup(seed=args.seed)
    texts = {split: topic_texts(split) for split in ("train", "validation")}
    if args.tokenizer is None:
        tokenizer = data.train_subword_tokenizer(texts["train"],
                                                 vocabulary_size=args.vocabulary_size)
    else:
        tokenizer = data.SubwordTokenizer.load(args.tokenizer)
    if masked:  # the same ids, plus [MASK] at the end
        tokenizer = models.add_mask_token(tokenizer)
        mask_id = tokenizer.token_to_id(models.MASK_TOKEN)
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
    builder = models.masked_lm if masked else models.causal_lm
    lm = builder(**config, learning_rate=args.learning_rate)
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

    if masked:  # validation windows masked once, the same for every epoch
        hidden = models.mask_tokens(
            models.next_token_windows(encoded["validation"], args.context, args.context)[0],
            mask_id, tokenizer.vocabulary_size, args.mask_rate, seed=10_000 + args.seed)

    def validation_masked() -> tuple[float, float]:
        """Cross-entropy and accuracy on the validation windows' chosen tokens."""
        inputs, targets, chosen = hidden
        logits = lm.predict(inputs, batch_size=128, verbose=0).astype(np.float64)
        logits -= logits.max(-1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        picked = np.take_along_axis(log_probs, targets[..., None].astype(np.int64), -1)[..., 0]
        chosen = chosen > 0
        right = logits.argmax(-1) == targets
        return float(-picked[chosen].mean()), float(right[chosen].mean())

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / f"{args.name}.weights.h5"
    curve, best, seconds = [], math.inf, 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        if masked:  # dynamic masking: a new choice of hidden tokens every epoch
            inputs, targets, chosen = models.mask_tokens(
                x, mask_id, tokenizer.vocabulary_size, args.mask_rate,
                seed=1000 * args.seed + epoch)
            history = lm.fit(inputs, targets, sample_weight=chosen,
                             batch_size=args.batch_size, epochs=1, shuffle=True, verbose=0)
        else:
            history = lm.fit(x, y, batch_size=args.batch_size, epochs=1, shuffle=True,
                             verbose=0)
        seconds += time.perf_counter() - start
        point = {"epoch": epoch, "train_seconds": round(seconds, 1),
                 "train_loss": round(float(history.history["loss"][-1]), 4)}
        if masked:
            score, accuracy = validation_masked()
            point |= {"validation_masked_loss": round(score, 4),
                      "validation_masked_accuracy": round(accuracy, 4)}
        else:
            score = validation_ppl()
            point["validation_char_perplexity"] = round(score, 4)
        curve.append(point)
        print(curve[-1], flush=True)
        if score < best:  # keep the model's weights only, not the optimizer's state
            best = score
            keep = builder(**config)
            keep.set_weights(lm.get_weights())
            # An uncompiled view of the same layers: the file then holds no (empty) Adam
            # moments, a third of the size.
            keras.Model(keep.input, keep.output).save_weights(weights)
    tokenizer.save(args.out / f"{args.name}.tokenizer.json")
    record = {
        "config": config,
        "settings": {k: (str(v.relative_to(ROOT) if v.is_relative_to(ROOT) else v)
                         if isinstance(v, pathlib.Path) else v)
                     for k, v in vars(args).items() if k != "out"},
        "data": {"corpus": 'data.load("python_docs", split="train")',
                 "topics": len(texts["train"]),
                 "tokens": int(sum(map(len, encoded["train"]))),
                 "windows": int(len(x))},
        "parameters": int(lm.count_params()),
        "machine": f"{os.cpu_count()} CPU cores ({runtime.accelerator()})",
        ("best_validation_masked_loss" if masked else "best_validation_char_perplexity"):
            round(best, 4),
        "curve": curve,
    }
    if masked:
        record["objective"] = (f"masked: {args.mask_rate:.0%} of the real tokens chosen, "
                               "80/10/10 [MASK]/random/unchanged, masked afresh every epoch")
        record["data"]["validation_windows"] = int(len(hidden[0]))
        record["data"]["validation_masked_tokens"] = int(hidden[2].sum())
    (args.out / f"{args.name}.json").write_text(json.dumps(record, indent=1) + "\n")
    measure = "masked-token loss" if masked else "perplexity per character"
    print(f"best validation {measure} {best:.4f}; "
          f"{seconds:.0f} s of training; wrote {args.out}")


if __name__ == "__main__":
    main()
