"""The seed noise of the sentiment-analysis chapter's networks.

``book/applications/sentiment-analysis`` trains each network once, from seed 0, in the CPU
profile. This script trains the same networks with the chapter's settings (same tokenizers,
sizes, epochs, batches, early stopping on the validation loss, the same subset for the
language models) from several seeds, and prints per seed the Pearson r with the human
ratings and the polarity macro-F1 (sign of the predicted rating) on the validation and test
splits, then the seed-to-seed spread (max - min) of each. The chapter's ``seed_noise`` is
the largest test spread, rounded up: it calls a smaller gap between two models a tie.

Usage::

    python benchmarks/sentiment.py --seeds 0 1 2           # all networks, ~4 min on 2 cores
    python benchmarks/sentiment.py --seeds 0 1 2 --models BiLSTM "1-D CNN"
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SEQBOOK_PROFILE", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import pearsonr  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from seqbook import data, models  # noqa: E402

SPLITS = ("train", "validation", "test")
LENGTH, LM_LENGTH, LM_SUBSET = 40, 40, 1500  # the chapter's CPU-profile values


def _settings(rows, tokenizer, lm, mlm):
    """Name -> (builder, which ids, epochs, batch size, fine-tune on the subset)."""
    sizes = {"vocabulary_size": tokenizer.vocabulary_size, "embedding_dim": 64}
    return {
        "BiLSTM": (lambda: models.text_classifier(
            "bilstm", task="regression", units=32, dropout=0.3, **sizes), "own", 2, 128, False),
        "1-D CNN": (lambda: models.text_classifier(
            "cnn", task="regression", filters=128, kernel_size=3, dropout=0.3, **sizes),
            "own", 2, 128, False),
        "causal LM, fine-tuned": (lambda: models.text_classifier(
            lm, task="regression", dropout=0.1, learning_rate=1e-3), "lm", 2, 64, True),
        "masked LM, fine-tuned": (lambda: models.text_classifier(
            mlm, task="regression", dropout=0.1, learning_rate=1e-3), "mlm", 2, 64, True),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=None)
    args = parser.parse_args()
    rows = {split: data.sentiment_sentences(split) for split in SPLITS}
    tokenizer = data.train_subword_tokenizer(rows["train"]["text"], vocabulary_size=4000)
    lm, lm_tokenizer, _ = models.load_pretrained_lm()
    mlm, mlm_tokenizer, _ = models.load_pretrained_mlm()
    ids = {
        "own": {s: models.encode_texts(rows[s]["text"], tokenizer, LENGTH) for s in SPLITS},
        "lm": {s: models.encode_texts(rows[s]["text"], lm_tokenizer, LM_LENGTH,
                                      add_bos_eos=True, model=lm) for s in SPLITS},
        "mlm": {s: models.encode_texts(rows[s]["text"], mlm_tokenizer, LM_LENGTH,
                                       add_bos_eos=True, model=mlm) for s in SPLITS},
    }
    subset = np.random.default_rng(0).permutation(len(rows["train"]["text"]))[:LM_SUBSET]
    majority = int(rows["train"]["polarity"].mean() > 0.5)
    settings = _settings(rows, tokenizer, lm, mlm)
    spreads = {}
    for name in args.models or list(settings):
        build, which, epochs, batch_size, on_subset = settings[name]
        keep = subset if on_subset else slice(None)
        runs = []
        for seed in args.seeds:
            keras.utils.set_random_seed(seed)
            start = time.time()
            model = build()
            model.fit(ids[which]["train"][keep], rows["train"]["rating"][keep],
                      epochs=epochs, batch_size=batch_size, verbose=0,
                      validation_data=(ids[which]["validation"], rows["validation"]["rating"]),
                      callbacks=[keras.callbacks.EarlyStopping(
                          monitor="val_loss", patience=1, restore_best_weights=True)])
            scores = []
            for split in ("validation", "test"):
                rating = model.predict(ids[which][split], batch_size=512, verbose=0)[:, 0]
                polarity = np.where(rating == 0, majority, rating > 0).astype(int)
                scores += [pearsonr(rating, rows[split]["rating"])[0],
                           f1_score(rows[split]["polarity"], polarity, average="macro")]
            runs.append(scores)
            print(f"{name:22} seed {seed}: validation r {scores[0]:.3f} F1 {scores[1]:.3f}; "
                  f"test r {scores[2]:.3f} F1 {scores[3]:.3f} ({time.time() - start:.0f} s)",
                  flush=True)
        runs = np.array(runs)
        spreads[name] = np.ptp(runs, axis=0)
        print(f"{name:22} spread (max - min): validation r {spreads[name][0]:.3f} "
              f"F1 {spreads[name][1]:.3f}; test r {spreads[name][2]:.3f} "
              f"F1 {spreads[name][3]:.3f}", flush=True)
    largest = np.max(list(spreads.values()), axis=0)
    print(f"largest test spread: r {largest[2]:.3f}, F1 {largest[3]:.3f}")


if __name__ == "__main__":
    main()
