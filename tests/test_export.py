"""seqbook.serving.export: one model of each family to SavedModel, ONNX and LiteRT.

Each artefact is opened with its own engine and compared with the Keras model. Under JAX,
Keras exports a SavedModel but hands ONNX to ``jax2onnx`` (not installed here: it brings Flax
and Orbax) and refuses LiteRT; the tests check that these failures are reported with their
reason. A model trained under JAX is exported from a TensorFlow process through its
``.keras`` file (tests/test_backends.py checks that the file moves between backends).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from seqbook import serving
from seqbook.models import genomics
from seqbook.models.timeseries import classifiers

TOLERANCE = 1e-5  # float32 engines against Keras: differences seen are below 3e-7
ON_TENSORFLOW = keras.backend.backend() == "tensorflow"
# Why each format fails under JAX, as Keras 3.15 words it.
JAX_FAILURES = {"onnx": "jax2onnx", "litert": "LiteRT export requires TensorFlow"}
FAMILIES = {
    "recurrent": lambda: classifiers.lstm_classifier(num_classes=3, features=4, units=8),
    "convolutional": lambda: genomics.deepbind_classifier(
        filters=4, kernel_size=6, units=4, pool_size=5),
    "transformer": lambda: genomics.dna_transformer_classifier(
        num_layers=1, kernel_size=6, strides=3),
}


def windows(count: int, seed: int = 0) -> np.ndarray:
    """One-hot DNA windows of 60 bases, the input of all three families."""
    bases = np.random.default_rng(seed).integers(0, 4, size=(count, 60))
    return np.eye(4, dtype="float32")[bases]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_exports_to_every_format_with_equal_outputs(family, tmp_path):
    keras.utils.set_random_seed(0)
    model = FAMILIES[family]()
    sample = windows(8, seed=1)
    results = serving.export_model(model, sample, tmp_path, name=family)
    assert [r.format for r in results] == list(serving.FORMATS)
    for result in results:
        if not ON_TENSORFLOW and result.format in JAX_FAILURES:
            assert JAX_FAILURES[result.format] in result.error, result.error
            continue
        assert result.error is None, (family, result.format, result.error)
        assert result.size_bytes > 0
        assert result.max_abs_difference < TOLERANCE, (family, result.format)
    # The engines run without the model: reopen the SavedModel and compare once more.
    saved = serving.load_predictor(results[0].path)
    np.testing.assert_allclose(saved(sample), model.predict(sample, verbose=0), atol=TOLERANCE)


@pytest.mark.skipif(not ON_TENSORFLOW, reason="ONNX export under JAX needs jax2onnx")
def test_onnx_export_of_gelu_keeps_the_model_unchanged(tmp_path):
    keras.utils.set_random_seed(0)
    model = FAMILIES["transformer"]()
    gelu_layers = [layer for layer in model._flatten_layers()
                   if getattr(layer, "activation", None) is keras.activations.gelu]
    assert gelu_layers, "the Transformer should use the exact GELU this test is about"
    serving.export_model(model, windows(2), tmp_path, formats=["onnx"])
    assert all(layer.activation is keras.activations.gelu for layer in gelu_layers)


def test_erf_gelu_equals_keras_gelu():
    x = np.linspace(-6, 6, 101).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(serving.erf_gelu(x)),
                               keras.ops.convert_to_numpy(keras.activations.gelu(x)), atol=1e-6)


@pytest.mark.skipif(not ON_TENSORFLOW, reason="Keras exports LiteRT from TensorFlow only")
def test_litert_batch_is_fixed_and_sample_is_split(tmp_path):
    keras.utils.set_random_seed(0)
    model = FAMILIES["recurrent"]()
    (result,) = serving.export_model(model, windows(6), tmp_path, formats=["litert"],
                                     litert_batch_size=2)
    assert result.error is None, result.error
    # The batch is fixed; the LSTM still reads windows of any length.
    assert serving.load_predictor(result.path).input_shape == (2, None, 4)


def test_a_failing_format_is_reported_not_raised(tmp_path, monkeypatch):
    keras.utils.set_random_seed(0)
    model = FAMILIES["convolutional"]()

    def broken_export(*args, **kwargs):
        raise RuntimeError("converter exploded\nsecond line")

    monkeypatch.setattr(model, "export", broken_export)
    (result,) = serving.export_model(model, windows(2), tmp_path, formats=["onnx"])
    assert result.error == "RuntimeError: converter exploded"
    assert np.isnan(result.max_abs_difference) and result.size_bytes == 0


def test_export_bad_arguments(tmp_path):
    model = FAMILIES["convolutional"]()
    with pytest.raises(ValueError, match="formats must be"):
        serving.export_model(model, windows(2), tmp_path, formats=["pickle"])
    with pytest.raises(ValueError, match=r"sample must have shape \[n, 60, 4\]"):
        serving.export_model(model, np.zeros((2, 50, 4)), tmp_path)
    with pytest.raises(ValueError, match="litert_batch_size"):
        serving.export_model(model, windows(3), tmp_path, litert_batch_size=2)
    with pytest.raises(ValueError, match="path must be an existing"):
        serving.load_predictor(tmp_path / "nothing.onnx")
