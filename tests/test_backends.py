"""Every public model builder and layer runs under TensorFlow and JAX, and moves between them.

For each case of ``tests/backend_cases.py``: built, trained two steps and used to predict
under both backends; a model saved under TensorFlow loads under JAX, and one saved under JAX
loads under TensorFlow, with the same predictions to 1e-5. The half of this process's backend
runs here and the other half in one subprocess (a process has one Keras backend), so the test
runs the same from either backend's pytest; `make test` runs it in its JAX run, which has the
lighter load of the two.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from backend_cases import CASES  # noqa: E402

TOLERANCE = 1e-5
HERE_BACKEND = keras.backend.backend()
OTHER_BACKEND = {"tensorflow": "jax", "jax": "tensorflow"}[HERE_BACKEND]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run the round trip once: save here -> the other backend loads and saves -> load here."""
    import backend_roundtrip

    base = tmp_path_factory.mktemp("backends")
    saved_here = backend_roundtrip.run("save", base / "here")
    environment = {**os.environ, "KERAS_BACKEND": OTHER_BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run(
        [sys.executable, str(HERE / "backend_roundtrip.py"), "load", str(base / "here"),
         "save", str(base / "other")],
        env=environment, capture_output=True, text=True, timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    loaded_here = backend_roundtrip.run("load", base / "other")
    read = lambda name: json.loads((base / name).read_text())  # noqa: E731
    return {
        f"save {HERE_BACKEND}": saved_here,
        f"load {OTHER_BACKEND}": read(f"here/load-{OTHER_BACKEND}.json"),
        f"save {OTHER_BACKEND}": read(f"other/save-{OTHER_BACKEND}.json"),
        f"load {HERE_BACKEND}": loaded_here,
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_trains_saves_and_loads_across_backends(results, case):
    assert len(results) == 4, sorted(results)
    for step in ("save tensorflow", "save jax"):
        outcome = results[step][case]
        assert "error" not in outcome, f"{step}: {outcome.get('traceback', outcome)}"
        assert outcome["loss"] == outcome["loss"]  # finite, checked in the worker too
    for step in ("load jax", "load tensorflow"):
        outcome = results[step][case]
        assert "error" not in outcome, f"{step}: {outcome.get('traceback', outcome)}"
        assert outcome["max_abs_difference"] <= TOLERANCE, (step, outcome)


def test_every_public_builder_and_layer_has_a_case():
    """A new builder or layer must join the cases (or be listed here with the reason)."""
    from seqbook import layers, models

    covered = " ".join(CASES).lower().replace("_", "")
    # Not builders of a Keras model: data helpers, metrics, decoding wrappers, and layers
    # that a case above uses inside a builder (named here with the case that covers them).
    not_models = {
        "add_mask_token", "adding_arrays", "adding_experiment", "arima_forecasts",
        "bits_per_character", "character_ids", "compile_model", "encode_labels",
        "encode_texts", "forecast_residual_scores", "fourier_terms", "inference_model",
        "load_pretrained_lm", "load_pretrained_mlm", "mask_tokens", "model_vocabulary_size",
        "naive_forecasts", "nearest_neighbour_outputs", "next_token_windows",
        "ngram_windows", "pad_series", "per_character_perplexity", "quantile_threshold",
        "QuantileLoss", "reconstruction_scores", "rolling_targets", "rolling_zscore",
        "seasonal_naive_forecasts", "sequence_log_probs", "side_by_side", "teacher_forcing",
        "token_occlusion", "tcn_dilations", "tcn_receptive_field", "EncoderState",
        "TransformerEncoded", "Translator", "Seq2SeqTranslator", "TransformerTranslator",
        "PointerGeneratorTranslator",
        "MASK_TOKEN", "scaled_dot_product_attention", "transformer",
        # layers inside the builders of the cases
        "AddLast", "SubtractLast", "LastStep", "StepMask", "MaskedAverage", "TokenPooling",
        "TokenMaxPooling", "ZeroPadding", "CausalPaddingMask", "EncoderPaddingMask",
        "PositionEmbedding", "tcn_block", "transformer_encoder",
        "TransformerEncoderBlock", "TransformerDecoderBlock",
        # recommendation: data helpers, baselines and a callback; HistoryMask is in sasrec
        "cooccurrence_scores", "history_windows", "next_item_scores", "next_item_windows",
        "popularity_scores", "seen_items", "HistoryMask", "BestEpoch",
        # genomics: baselines (NumPy and scikit-learn) and model readers
        "PositionWeightMatrixClassifier", "kmer_counts", "in_silico_mutagenesis",
        "motif_importance",
        # video: the rollout helpers (NumPy around any model); LastFrame is in the
        # predictors
        "rollout", "copy_last_rollout", "LastFrame",
        # speech: audio and transcript helpers; the feature layers and the loss are inside
        # ctc_recognizer
        "AudioBatches", "check_audio", "ctc_output_frames", "decode_transcripts",
        "encode_transcripts", "pad_audio", "recognize", "LogMelSpectrogram", "SpecAugment",
        "CTCLoss",
    }
    names = [n for n in models.__all__ + layers.__all__ if n not in not_models]
    missing = [n for n in names if n.lower().replace("_", "") not in covered]
    assert not missing, f"no backend case for {missing}: add one to tests/backend_cases.py"
