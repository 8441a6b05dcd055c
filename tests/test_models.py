"""The model builders: shapes, what order does and does not change, save/load, bad input."""

import keras
import numpy as np
import pytest

from seqbook import models


def _token_batch(seed=0, batch=6, length=7, vocab=30):
    rng = np.random.default_rng(seed)
    return rng.integers(1, vocab, size=(batch, length)).astype("int32")


def test_bag_of_words_ignores_order_and_padding():
    model = models.bag_of_words_classifier(vocabulary_size=30, num_classes=3)
    tokens = _token_batch()
    shuffled = tokens[:, np.random.default_rng(1).permutation(tokens.shape[1])]
    padded = np.pad(tokens, ((0, 0), (0, 4)))
    base = model.predict(tokens, verbose=0)
    assert base.shape == (6, 3)
    np.testing.assert_allclose(model.predict(shuffled, verbose=0), base, atol=1e-6)
    np.testing.assert_allclose(model.predict(padded, verbose=0), base, atol=1e-6)


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_recurrent_classifier_sees_order_but_not_padding(cell):
    model = models.recurrent_classifier(vocabulary_size=30, cell=cell, bidirectional=cell == "gru")
    tokens = _token_batch()
    reversed_tokens = tokens[:, ::-1]
    padded = np.pad(tokens, ((0, 0), (0, 4)))  # post-padding, masked out
    base = model.predict(tokens, verbose=0)
    assert base.shape == (6, 2)
    np.testing.assert_allclose(base.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(model.predict(padded, verbose=0), base, atol=1e-5)
    assert np.abs(model.predict(reversed_tokens, verbose=0) - base).max() > 1e-4


@pytest.mark.parametrize(
    "build",
    [
        lambda: models.dense_forecaster(window=10, features=2, horizon=3),
        lambda: models.dense_forecaster(window=10, features=2, horizon=3, intermediate_dim=8),
        lambda: models.recurrent_forecaster(window=10, features=2, horizon=3, cell="lstm"),
    ],
)
@pytest.mark.usefixtures("force_xla")  # the model must also compile with XLA
def test_forecasters_shape_and_save_load_round_trip(build, tmp_path):
    model = build()
    x = np.random.default_rng(0).normal(size=(5, 10, 2)).astype("float32")
    assert model.jit_compile is True
    before = model.predict(x, verbose=0)
    assert before.shape == (5, 3)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), before, atol=1e-6)


def test_classifier_save_load_round_trip(tmp_path):
    model = models.recurrent_classifier(vocabulary_size=30)
    tokens = _token_batch()
    model.save(tmp_path / "clf.keras")
    restored = keras.saving.load_model(tmp_path / "clf.keras")
    np.testing.assert_allclose(restored.predict(tokens, verbose=0), model.predict(tokens, verbose=0), atol=1e-6)


def test_linear_forecaster_learns_an_ar_process():
    """A linear AR(2) series is fitted almost exactly: the builder trains, it is not a stub."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    series = np.zeros(600, dtype="float32")
    for t in range(2, 600):
        series[t] = 0.6 * series[t - 1] - 0.3 * series[t - 2] + rng.normal(scale=0.1)
    x = np.stack([series[t - 2 : t] for t in range(2, 600)])[:, :, None]
    y = series[2:, None]
    model = models.dense_forecaster(window=2, learning_rate=0.05)
    model.fit(x, y, epochs=40, batch_size=64, verbose=0)
    weights = model.layers[-1].get_weights()[0][:, 0]
    np.testing.assert_allclose(weights, [-0.3, 0.6], atol=0.08)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.bag_of_words_classifier(vocabulary_size=0), "vocabulary_size"),
        (lambda: models.recurrent_classifier(vocabulary_size=10, units=-1), "units"),
        (lambda: models.recurrent_classifier(vocabulary_size=10, cell="transformer"), "cell"),
        (lambda: models.dense_forecaster(window=3, intermediate_dim=-2), "intermediate_dim"),
        (lambda: models.recurrent_forecaster(window=0), "window"),
        (lambda: models.dense_forecaster(window=3, learning_rate=0), "learning_rate"),
        (lambda: models.bag_of_words_classifier(vocabulary_size=2.5), "vocabulary_size"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_compile_model_builds_the_optimizer_of_a_built_model_only():
    # Built at compile time, Adam's variables are not created inside the first training
    # step, which TensorFlow would otherwise trace twice (benchmarks/first_fit.py).
    from seqbook.models._common import compile_model

    built = compile_model(models.recurrent_forecaster(window=6, units=4), "mse", [], 1e-2)
    assert built.optimizer.built
    slots = len(built.optimizer.variables)
    assert slots > 2 * len(built.trainable_variables)  # two moments per weight, plus counters
    x, y = np.zeros((8, 6, 1), "float32"), np.zeros((8, 1), "float32")
    built.fit(x, y, epochs=1, verbose=0)
    assert len(built.optimizer.variables) == slots  # nothing new created while training
    # A model without weights yet (no input shape) is left to Keras: built on first use.
    lazy = compile_model(keras.Sequential([keras.layers.Dense(1)]), "mse", [], 1e-2)
    assert not lazy.optimizer.built
    lazy.fit(np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    assert lazy.optimizer.built
