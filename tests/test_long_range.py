"""The adding-problem experiment: data, the joint training trick, the table it returns."""

import keras
import numpy as np
import pytest

from seqbook import models


def test_adding_arrays_targets_are_the_marked_sums():
    x, y = models.adding_arrays(sequence_length=12, num_examples=50, split="test")
    assert x.shape == (50, 12, 2) and y.shape == (50, 1)
    assert (x[..., 1].sum(axis=1) == 2).all()
    np.testing.assert_allclose((x[..., 0] * x[..., 1]).sum(axis=1), y[:, 0], atol=1e-6)
    x_train, _ = models.adding_arrays(sequence_length=12, num_examples=50, split="train")
    assert not np.allclose(x_train, x)


def test_side_by_side_trains_each_model_as_if_alone():
    """Same batches, disjoint weights, Adam: the joint model's weights equal separate runs."""
    x, y = models.adding_arrays(sequence_length=6, num_examples=64)
    keras.utils.set_random_seed(0)
    alone = {"rnn": models.adding_model("rnn", 4), "gru": models.adding_model("gru", 4)}
    together = {"rnn": models.adding_model("rnn", 4), "gru": models.adding_model("gru", 4)}
    for name in alone:
        together[name].set_weights(alone[name].get_weights())
        alone[name].fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    joint = models.side_by_side(together)
    joint.fit(x, {name: y for name in together}, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for name in alone:
        for a, b in zip(alone[name].get_weights(), together[name].get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-5)


def test_adding_experiment_gated_model_learns_short_sequences():
    rows = models.adding_experiment(
        [4], models=["gru"], num_train=512, num_test=256, epochs=6, batch_size=16,
        units=16, learning_rate=0.02,
    )
    (row,) = rows
    assert row["length"] == 4 and row["model"] == "gru" and len(row["loss_history"]) == 6
    assert 0.12 < row["baseline_mse"] < 0.22  # 1/6 for a sum of two uniforms
    assert row["relative_error"] < 0.2, row
    assert row["loss_history"][-1] < row["loss_history"][0]


def test_adding_experiment_accepts_other_builders():
    def linear(length):
        inputs = keras.Input(shape=(length, 2))
        products = keras.layers.Flatten()(inputs)
        return keras.Model(inputs, keras.layers.Dense(1)(products))

    rows = models.adding_experiment(
        [3, 5], models={"linear": linear}, num_train=64, num_test=32, epochs=1
    )
    assert [(r["length"], r["model"]) for r in rows] == [(3, "linear"), (5, "linear")]
    assert all(np.isfinite(r["test_mse"]) and r["seconds"] > 0 for r in rows)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.adding_experiment([]), "lengths"),
        (lambda: models.adding_experiment([0]), "length"),
        (lambda: models.adding_experiment([5], models="lstm"), "models"),
        (lambda: models.adding_experiment([5], models={"x": 3}), "models"),
        (lambda: models.adding_experiment([5], epochs=0), "epochs"),
        (lambda: models.adding_model("transformer"), "cell"),
        (lambda: models.adding_arrays(sequence_length=0, num_examples=3), "sequence_length"),
        (lambda: models.side_by_side({}), "models"),
        (lambda: models.side_by_side({"tanh RNN": models.adding_model("rnn", 4)}), "model names"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
