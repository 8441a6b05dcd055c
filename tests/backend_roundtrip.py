"""Save every case of ``backend_cases`` under one Keras backend, load it under the other.

A process has one backend, so ``tests/test_backends.py`` runs the TensorFlow half in its own
process and the JAX half as a subprocess; by hand:

    KERAS_BACKEND=tensorflow python tests/backend_roundtrip.py save TF_DIR
    KERAS_BACKEND=jax        python tests/backend_roundtrip.py load TF_DIR save JAX_DIR
    KERAS_BACKEND=tensorflow python tests/backend_roundtrip.py load JAX_DIR

``save`` builds each case with seed 0, trains it for two steps, predicts, and writes
``DIR/<case>.keras`` and ``DIR/<case>.npz`` (inputs and predictions). ``load`` reads them
back, predicts on the same inputs, and reports the largest absolute difference. Each writes
``DIR/<command>-<backend>.json``: per case, ``"ok"`` with figures, or the error it raised.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SEQBOOK_PROFILE", "cpu")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import seqbook  # noqa: E402,F401  (registers the package's serialisable layers)
from backend_cases import CASES  # noqa: E402


def _as_list(x) -> list[np.ndarray]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _predict(model: keras.Model, x) -> list[np.ndarray]:
    outputs = model.predict(x, verbose=0)
    return [np.asarray(o, dtype="float64") for o in _as_list(outputs)]


def save(directory: Path, name: str) -> dict:
    keras.utils.set_random_seed(0)
    model, x, y = CASES[name]()
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    losses = [float(v) for v in history.history["loss"]]
    if not np.all(np.isfinite(losses)):
        raise FloatingPointError(f"training loss is not finite: {losses}")
    predictions = _predict(model, x)
    model.save(directory / f"{name}.keras")
    named = x if isinstance(x, dict) else {str(i): a for i, a in enumerate(_as_list(x))}
    np.savez(directory / f"{name}.npz", **{f"x_{k}": a for k, a in named.items()},
             **{f"p{i}": p for i, p in enumerate(predictions)})
    return {"loss": losses[-1], "outputs": len(predictions)}


def load(directory: Path, name: str) -> dict:
    stored = np.load(directory / f"{name}.npz")
    named = {k[2:]: stored[k] for k in stored.files if k.startswith("x_")}
    if all(k.isdigit() for k in named):
        x = [named[str(i)] for i in range(len(named))]
        x = x[0] if len(x) == 1 else x
    else:
        x = named
    expected = [stored[f"p{i}"] for i in range(sum(k.startswith("p") for k in stored.files))]
    model = keras.models.load_model(directory / f"{name}.keras")
    predictions = _predict(model, x)
    difference = max(float(np.max(np.abs(p - e))) for p, e in zip(predictions, expected))
    return {"max_abs_difference": difference}


def run(command: str, directory: str | Path) -> dict:
    """Save or load every case in ``directory``; the per-case results, also written as JSON."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    backend = keras.backend.backend()
    results = {}
    for name in CASES:
        if command == "load" and not (directory / f"{name}.keras").exists():
            results[name] = {"error": "not saved by the other backend"}
            continue
        try:
            results[name] = {"ok": True, **(save if command == "save" else load)(directory, name)}
        except Exception as error:  # noqa: BLE001 - reported per case, the test fails on it
            results[name] = {"error": f"{type(error).__name__}: {error}",
                             "traceback": traceback.format_exc(limit=6)}
    (directory / f"{command}-{backend}.json").write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    steps = sys.argv[1:]
    if not steps or len(steps) % 2 or any(c not in ("save", "load") for c in steps[::2]):
        sys.exit("usage: backend_roundtrip.py {save,load} DIRECTORY [{save,load} DIRECTORY]")
    for command, directory in zip(steps[::2], steps[1::2]):
        run(command, directory)
