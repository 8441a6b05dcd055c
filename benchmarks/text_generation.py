"""The settings of the text-generation chapter, chosen on the validation works, and its seed noise.

``book/applications/text-generation`` fits a Kneser-Ney character n-gram model and trains a
character-level recurrent LM (``models.char_lm``) and a small causal Transformer
(``models.causal_lm``) on Shakespeare's training works, then scores the held-out works in
bits per character. This script shows where the chapter's settings come from; it never
reads the test works. Three parts:

``ngram``
    Kneser-Ney n-gram models of orders 2 to 8 fitted on the training works, scored on the
    three *whole* validation works; the fit and scoring times are printed too.
``settings``
    The chapter's CPU-profile neural training (same windows, batches, number of training
    characters; seed 0) for a few cells, widths and learning rates, scored on the middle
    20,000 characters of each validation work, as in the chapter.
``seeds``
    The chapter's chosen neural settings trained from seeds 0, 1 and 2 (initial weights
    and the order and choice of the training windows): the mean and the spread (max - min)
    of the validation bits per character. The chapter calls a gap between the two neural
    models real only when it exceeds this spread.

Usage::

    python benchmarks/text_generation.py ngram       # ~2 min on 2 cores
    python benchmarks/text_generation.py settings    # ~4 min
    python benchmarks/text_generation.py seeds       # ~2 min
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SEQBOOK_PROFILE", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from seqbook import classical, data, models  # noqa: E402

SLICE = 20_000  # characters scored per held-out work in the CPU profile (the middle ones)
RECURRENT = {"cell": "gru", "units": 128, "learning_rate": 2e-2}  # chosen (settings)
TRANSFORMER = {"hidden_dim": 64, "learning_rate": 3e-3}  # chosen (settings)
RECURRENT_RUN = {"sequence_length": 64, "batch_size": 64, "characters": 1_000_000}
TRANSFORMER_RUN = {"sequence_length": 64, "batch_size": 32, "characters": 400_000}


def middle(text: str, length: int) -> str:
    """The ``length`` characters in the middle of ``text`` (the chapter's held-out slice)."""
    start = max(0, (len(text) - length) // 2)
    return text[start:start + length]


def corpus() -> tuple[dict[str, list[str]], data.Vocabulary, list[np.ndarray]]:
    works = data.shakespeare_works()
    texts = {split: [w["text"] for w in works if data.work_split(w["work"]) == split]
             for split in ("train", "validation")}
    vocabulary = data.Vocabulary.from_sequences(texts["train"])
    return texts, vocabulary, models.character_ids(texts["train"], vocabulary)


def training_windows(train_ids: list[np.ndarray], sequence_length: int, characters: int,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's training pairs: windows of the training works in a seeded random order,
    as many as make ``characters`` characters."""
    x, y = models.next_token_windows(train_ids, sequence_length)
    order = np.random.default_rng(seed).permutation(len(x))[:characters // sequence_length]
    return x[order], y[order]


def train_neural(kind: str, settings: dict, run: dict, vocabulary: data.Vocabulary,
                 train_ids: list[np.ndarray], seed: int) -> tuple[keras.Model, float]:
    keras.utils.set_random_seed(seed)
    length = run["sequence_length"]
    if kind == "recurrent":
        lm = models.char_lm(len(vocabulary), cell=settings["cell"],
                            units=settings["units"],
                            learning_rate=settings["learning_rate"])
    else:
        width = settings["hidden_dim"]
        lm = models.causal_lm(len(vocabulary), max_sequence_length=length, hidden_dim=width,
                              num_heads=4, num_layers=2, intermediate_dim=4 * width,
                              dropout=0.0, learning_rate=settings["learning_rate"])
    x, y = training_windows(train_ids, length, run["characters"], seed)
    start = time.perf_counter()
    lm.fit(x, y, batch_size=run["batch_size"], epochs=1, verbose=0)
    return lm, time.perf_counter() - start


def context_of(kind: str, run: dict) -> int:
    """The scoring window: the Transformer's own length; 4x the training windows for a RNN."""
    return run["sequence_length"] * (1 if kind == "transformer" else 4)


def ngram_grid(orders: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8)) -> None:
    texts, _, _ = corpus()
    print(f"Kneser-Ney on {sum(map(len, texts['train'])):,} training characters; "
          f"validation: 3 whole works, {sum(map(len, texts['validation'])):,} characters")
    print("order  validation bits/char  fit s  score s")
    for order in orders:
        start = time.perf_counter()
        lm = classical.NGramLM(order=order, smoothing="kneser_ney").fit(texts["train"])
        fitted = time.perf_counter() - start
        bits = math.log2(lm.perplexity(texts["validation"]))
        sliced = math.log2(lm.perplexity([middle(t, SLICE) for t in texts["validation"]]))
        scored = time.perf_counter() - start - fitted
        print(f"{order:5d}  {bits:20.3f}  {fitted:5.1f}  {scored:7.1f}   "
              f"(middle {SLICE:,} of each: {sliced:.3f})", flush=True)


def settings_grid() -> None:
    texts, vocabulary, train_ids = corpus()
    held_out = [middle(t, SLICE) for t in texts["validation"]]
    grid = [("recurrent", {"cell": cell, "units": width, "learning_rate": rate},
             RECURRENT_RUN)
            for cell in ("gru", "lstm") for width in (128,) for rate in (3e-3, 1e-2, 2e-2)]
    # Twice the width costs about twice the time per character: also at the same time.
    wide = {"cell": "gru", "units": 256, "learning_rate": 1e-2}
    grid += [("recurrent", wide, RECURRENT_RUN),
             ("recurrent", wide, {**RECURRENT_RUN, "characters": 500_000})]
    grid += [("transformer", {"hidden_dim": width, "learning_rate": rate}, TRANSFORMER_RUN)
             for width in (64,) for rate in (1e-3, 3e-3, 1e-2)]
    grid += [("transformer", {"hidden_dim": 128, "learning_rate": 3e-3}, TRANSFORMER_RUN)]
    print(f"validation: the middle {SLICE:,} characters of each validation work; seed 0")
    for kind, settings, run in grid:
        lm, seconds = train_neural(kind, settings, run, vocabulary, train_ids, seed=0)
        bits = models.bits_per_character(lm, held_out, vocabulary,
                                         context=context_of(kind, run), batch_size=128)
        print(f"{kind:11s} {settings}  {run['characters']:,} characters  "
              f"train {seconds:5.1f} s  validation {bits:.3f} bits/char", flush=True)


def seed_spread(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    texts, vocabulary, train_ids = corpus()
    held_out = [middle(t, SLICE) for t in texts["validation"]]
    spreads = {}
    for kind, settings, run in [("recurrent", RECURRENT, RECURRENT_RUN),
                                ("transformer", TRANSFORMER, TRANSFORMER_RUN)]:
        bits = []
        for seed in seeds:
            lm, seconds = train_neural(kind, settings, run, vocabulary, train_ids, seed)
            bits.append(models.bits_per_character(lm, held_out, vocabulary,
                                                  context=context_of(kind, run),
                                                  batch_size=128))
            print(f"{kind:11s} seed {seed}: validation {bits[-1]:.3f} bits/char "
                  f"(train {seconds:.1f} s)", flush=True)
        spreads[kind] = float(np.ptp(bits))
        print(f"{kind:11s} {settings}: mean {np.mean(bits):.3f}, std {np.std(bits):.3f}, "
              f"spread (max - min) {spreads[kind]:.3f} bits/char", flush=True)
    print(f"seed noise (the larger spread): {max(spreads.values()):.3f} bits/char")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=("ngram", "settings", "seeds"))
    args = parser.parse_args()
    {"ngram": ngram_grid, "settings": settings_grid, "seeds": seed_spread}[args.part]()


if __name__ == "__main__":
    main()
