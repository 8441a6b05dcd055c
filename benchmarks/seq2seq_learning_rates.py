"""The learning rates of the transformers chapter, chosen on the validation splits.

``book/neural/transformers`` trains an encoder-decoder Transformer and an attention RNN on
number translation (en -> fr, word tokens) and on grapheme-to-phoneme conversion (CMUdict,
no stress), each with Adam at one fixed learning rate. This script shows where those rates
come from: for each task and model it trains the chapter's CPU-profile model (same sizes,
batches and epochs) at a few learning rates, decodes the *validation* split greedily (the
first 400 random validation words for G2P) and prints the sequence and token error rates
and the training time. The test splits are not touched.

With ``--seeds 0 1 2 --rates chosen`` it trains each model at the rate the chapter uses from
three seeds and prints the seed-to-seed spread (max - min, in points) of both error rates:
the chapter's ``seed_noise``, below which it calls a gap a tie.

Usage::

    python benchmarks/seq2seq_learning_rates.py            # all four grids, ~3 min on 2 cores
    python benchmarks/seq2seq_learning_rates.py --task numbers
    python benchmarks/seq2seq_learning_rates.py --seeds 0 1 2 --rates chosen   # ~4 min
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import data, metrics, models  # noqa: E402

START, END = data.Vocabulary.START, data.Vocabulary.END
GRIDS = {  # the rates tried, per task and model
    ("numbers", "Transformer"): (3e-3, 5e-3, 1e-2),
    ("numbers", "attention RNN"): (1e-2, 2e-2, 3e-2),
    ("g2p", "Transformer"): (3e-3, 5e-3, 1e-2),
    ("g2p", "attention RNN"): (1e-2, 2e-2),
}
CHOSEN = {  # the rates the chapter uses on a CPU (the best of each grid)
    ("numbers", "Transformer"): 5e-3,
    ("numbers", "attention RNN"): 2e-2,
    ("g2p", "Transformer"): 5e-3,
    ("g2p", "attention RNN"): 2e-2,
}


def number_task() -> dict:
    english, french = data.number_pairs("train")
    english_val, french_val = data.number_pairs("validation")
    source = [data.number_words(t) for t in english]
    target = [data.number_words(t) for t in french]
    return dict(source=source, target=target, batch=256, epochs=3,
                val_source=[data.number_words(t) for t in english_val],
                val_target=[data.number_words(t) for t in french_val])


def g2p_task(words: int = 12_288, val_words: int = 400) -> dict:
    train_words, train_phones = data.cmudict_pairs("train")
    val_all, val_phones_all = data.cmudict_pairs("validation")
    short = [i for i, (w, p) in enumerate(zip(train_words, train_phones))
             if len(w) <= 16 and len(p) <= 16]
    chosen = np.random.default_rng(0).permutation(short)[:words]
    pick = np.random.default_rng(1).permutation(len(val_all))[:val_words]
    return dict(source=[train_words[i] for i in chosen],
                target=[train_phones[i] for i in chosen], batch=128, epochs=1,
                val_source=[val_all[i] for i in pick],
                val_target=[val_phones_all[i] for i in pick],
                all_sources=train_words, all_targets=train_phones)


def build(task: str, model: str, source_vocab: int, target_vocab: int, rate: float):
    """The chapter's CPU-profile models (about 25k weights each)."""
    if model == "Transformer":
        return models.transformer_seq2seq(source_vocab, target_vocab, hidden_dim=32, num_heads=4,
                                          intermediate_dim=64, num_encoder_layers=1,
                                          num_decoder_layers=1, dropout=0.0, learning_rate=rate)
    if task == "g2p":
        return models.encoder_decoder(source_vocab, target_vocab, embedding_dim=16, units=32,
                                      bidirectional=True, attention="luong", dropout=0.0,
                                      learning_rate=rate)
    return models.encoder_decoder(source_vocab, target_vocab, embedding_dim=16, units=40,
                                  attention="bahdanau", dropout=0.0, learning_rate=rate)


def run(task: str, spec: dict, seeds=(0,), chosen_only: bool = False) -> None:
    source_vocab = data.Vocabulary.from_sequences(spec.get("all_sources", spec["source"]))
    target_vocab = data.Vocabulary.from_sequences(spec.get("all_targets", spec["target"]))
    source = source_vocab.encode(spec["source"])
    target_in, target_out = models.teacher_forcing(target_vocab.encode(spec["target"]),
                                                   START, END)
    keep = len(source) // spec["batch"] * spec["batch"]  # whole batches: one step shape
    order = np.random.default_rng(0).permutation(len(source))[:keep]
    source, target_in, target_out = source[order], target_in[order], target_out[order]
    val_source = source_vocab.encode(spec["val_source"])
    for (grid_task, model_name), rates in GRIDS.items():
        if grid_task != task:
            continue
        if chosen_only:
            rates = (CHOSEN[grid_task, model_name],)
        for rate in rates:
            errors = [train_and_score(task, model_name, rate, seed, spec, source_vocab,
                                      target_vocab, (source, target_in, target_out),
                                      val_source)
                      for seed in seeds]
            if len(seeds) > 1:
                spread = 100 * (np.max(errors, axis=0) - np.min(errors, axis=0))
                print(f"{task:8} {model_name:14} lr {rate:<6g} seed spread (max - min): "
                      f"sequence err {spread[0]:4.1f} points, token err {spread[1]:4.1f} "
                      "points", flush=True)


def train_and_score(task, model_name, rate, seed, spec, source_vocab, target_vocab, train,
                    val_source) -> tuple[float, float]:
    """Train one model from one seed; print and return its validation error rates."""
    source, target_in, target_out = train
    keras.utils.set_random_seed(seed)
    model = build(task, model_name, len(source_vocab), len(target_vocab), rate)
    start = time.perf_counter()
    model.fit({"source": source, "target_in": target_in}, target_out,
              batch_size=spec["batch"], epochs=spec["epochs"], shuffle=False,
              verbose=0)
    seconds = time.perf_counter() - start
    outputs = models.inference_model(model).translate(
        val_source, START, END, max_length=target_out.shape[1] + 2)
    guesses = target_vocab.decode_batch(outputs)
    exact = metrics.sequence_error_rate(spec['val_target'], guesses)
    token = metrics.token_error_rate(spec['val_target'], guesses)
    print(f"{task:8} {model_name:14} lr {rate:<6g} seed {seed} train {seconds:5.1f} s"
          f"  sequence err {100 * exact:5.1f}%  token err {100 * token:5.1f}%",
          flush=True)
    return exact, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("numbers", "g2p", "both"), default="both")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="random seeds per rate (several: print the spread)")
    parser.add_argument("--rates", choices=("grid", "chosen"), default="grid",
                        help="every rate of the grid, or only the chapter's")
    args = parser.parse_args()
    for task, spec in (("numbers", number_task), ("g2p", g2p_task)):
        if args.task in (task, "both"):
            run(task, spec(), seeds=args.seeds, chosen_only=args.rates == "chosen")


if __name__ == "__main__":
    main()
