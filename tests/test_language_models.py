"""The neural n-gram language model builder and its training windows."""

import math

import keras
import numpy as np
import pytest

from seqbook import models


def test_windows_cover_every_position_once():
    x, y = models.ngram_windows([[5, 6, 7], [8]], context=3)
    assert x.shape == (6, 3) and y.tolist() == [5, 6, 7, 1, 8, 1]
    assert x[0].tolist() == [0, 0, 0] and x[3].tolist() == [5, 6, 7]


@pytest.mark.usefixtures("force_xla")  # the model must also compile with XLA
def test_neural_ngram_learns_a_deterministic_pattern_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    sequences = [np.tile([3, 4, 5, 6], 30) for _ in range(8)]
    x, y = models.ngram_windows(sequences, context=2)
    model = models.neural_ngram_lm(vocabulary_size=7, context=2, intermediate_dim=32,
                                   learning_rate=1e-2)
    assert model.jit_compile is True
    loss = model.fit(x, y, epochs=15, batch_size=64, verbose=0).history["loss"]
    # After the first tokens, the next one is determined: perplexity falls near 1.
    assert math.exp(loss[-1]) < 1.3 < math.exp(loss[0])
    probs = model.predict(x[:20], verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    model.save(tmp_path / "lm.keras")
    restored = keras.saving.load_model(tmp_path / "lm.keras")
    np.testing.assert_allclose(restored.predict(x[:20], verbose=0), probs, atol=1e-6)


def test_without_direct_connections_and_with_dropout():
    model = models.neural_ngram_lm(vocabulary_size=11, context=4, direct=False, dropout=0.2)
    assert "direct" not in [layer.name for layer in model.layers]
    assert model.output_shape == (None, 11)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.neural_ngram_lm(vocabulary_size=0, context=3), "vocabulary_size"),
        (lambda: models.neural_ngram_lm(vocabulary_size=10, context=0), "context"),
        (lambda: models.neural_ngram_lm(vocabulary_size=10, context=2, dropout=1.0), "dropout"),
        (lambda: models.ngram_windows([[]], context=2, eos_id=None), "at least one token"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_trains_under_mirrored_strategy_and_mixed_bfloat16(two_cpu_strategy):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 9, size=(256, 3)).astype("int32")
    y = x[:, -1]  # the next token repeats the last one
    with two_cpu_strategy.scope():
        model = models.neural_ngram_lm(vocabulary_size=9, context=3, intermediate_dim=16,
                                       learning_rate=1e-2)
    loss = model.fit(x, y, batch_size=64, epochs=4, verbose=0).history["loss"]
    assert loss[-1] < loss[0]
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = models.neural_ngram_lm(vocabulary_size=9, context=3, intermediate_dim=16)
        assert model.get_layer("hidden").compute_dtype == "bfloat16"
        model.fit(x, y, batch_size=64, epochs=1, verbose=0)
        assert model(x[:4]).dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")
