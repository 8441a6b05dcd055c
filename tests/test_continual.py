"""Tests of seqbook.continual: forgetting metrics, reservoir replay, EWC, drift detection."""

import keras
import numpy as np
import pytest
from scipy import stats

from seqbook import continual, models

# Row i: after training on task i; column j: tested on task j.
HAND = np.array([[0.9, 0.2, 0.1],
                 [0.6, 0.8, 0.3],
                 [0.5, 0.7, 0.9]])


def test_metrics_match_a_hand_computed_matrix():
    # A = (0.5 + 0.7 + 0.9) / 3; F = ((0.9 - 0.5) + (0.8 - 0.7)) / 2
    assert continual.average_accuracy(HAND) == pytest.approx(0.7)
    assert continual.forgetting(HAND) == pytest.approx(0.25)
    assert continual.forgetting([[0.4]]) == 0.0
    # Later tasks that help an old one give negative forgetting.
    assert continual.forgetting([[0.5, 0.0], [0.7, 0.9]]) == pytest.approx(-0.2)
    built = continual.accuracy_matrix(lambda i: HAND[i], num_tasks=3)
    np.testing.assert_allclose(built, HAND)
    np.testing.assert_allclose(continual.accuracy_matrix(HAND.tolist()), HAND)


def test_metrics_reject_bad_matrices():
    with pytest.raises(ValueError, match="matrix must be a square"):
        continual.forgetting(np.ones((2, 3)))
    with pytest.raises(ValueError, match="matrix must be a square"):
        continual.average_accuracy(np.ones(3))
    with pytest.raises(ValueError, match="row 1 has 1"):
        continual.accuracy_matrix([[1.0, 0.0], [1.0]])
    with pytest.raises(ValueError, match="num_tasks must be given"):
        continual.accuracy_matrix(lambda i: [1.0])


def test_reservoir_keeps_capacity_and_a_uniform_sample():
    capacity, offered, blocks, runs = 50, 1000, 10, 200
    labels = np.arange(offered)
    counts = np.zeros(blocks)
    for seed in range(runs):
        buffer = continual.ExperienceReplay(capacity, seed=seed)
        for block in np.split(labels, blocks):  # ten "tasks" in turn
            buffer.add(block[:, None].astype(np.float32), block)
            assert len(buffer) <= capacity
        x, y = buffer.contents()
        assert len(y) == capacity and buffer.seen == offered
        assert len(set(y.tolist())) == capacity  # no example stored twice
        np.testing.assert_array_equal(x[:, 0], y)  # x and y stay paired
        counts += np.bincount(y // (offered // blocks), minlength=blocks)
    # Every block (task) equally represented: chi-square against uniform.
    assert stats.chisquare(counts).pvalue > 0.01, counts
    # A buffer that kept only the first examples (or the last) would fail this.
    assert stats.chisquare(np.r_[capacity * runs, np.zeros(blocks - 1)]).pvalue < 1e-6


def test_replay_mix_and_sample():
    buffer = continual.ExperienceReplay(4, seed=0)
    x_new, y_new = np.zeros((6, 2)), np.zeros(6, np.int64)
    mixed_x, mixed_y = buffer.mix(x_new, y_new)  # empty buffer: new data only
    assert mixed_x.shape == (6, 2) and mixed_y.sum() == 0
    buffer.add(np.ones((3, 2)), np.ones(3, np.int64))
    mixed_x, mixed_y = buffer.mix(x_new, y_new, ratio=0.5)
    assert mixed_x.shape == (9, 2) and mixed_y.sum() == 3
    x, y = buffer.sample(10)  # more than stored: with replacement
    assert x.shape == (10, 2) and set(y.tolist()) == {1}


def test_replay_rejects_bad_input():
    with pytest.raises(ValueError, match="capacity must be a positive integer; got 0"):
        continual.ExperienceReplay(0)
    with pytest.raises(ValueError, match="capacity"):
        continual.ExperienceReplay(-3)
    buffer = continual.ExperienceReplay(3)
    with pytest.raises(ValueError, match="buffer is empty"):
        buffer.sample(1)
    with pytest.raises(ValueError, match="same number of examples; got 2 and 3"):
        buffer.add(np.zeros((2, 1)), np.zeros(3))
    buffer.add(np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="example shape"):
        buffer.add(np.zeros((2, 5)), np.zeros(2))
    with pytest.raises(ValueError, match="ratio"):
        buffer.mix(np.zeros((2, 1)), np.zeros(2), ratio=-1)


def _logistic(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(1, activation="sigmoid", dtype="float32")])
    return models.compile_model(model, "binary_crossentropy", None, 0.05)


def test_fisher_diagonal_matches_numpy_on_logistic_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)).astype(np.float32)
    y = (rng.random(50) < 0.5).astype(np.int64)
    model = _logistic()
    model.set_weights([np.array([[0.5], [-1.0], [0.25]], np.float32),
                       np.array([0.1], np.float32)])
    w, b = model.get_weights()
    p = 1 / (1 + np.exp(-(x @ w[:, 0] + b[0])))
    # d log p(y|x) / d w = (y - p) x, d / d b = (y - p)
    expected_w = np.mean(((y - p)[:, None] * x) ** 2, axis=0)[:, None]
    expected_b = np.mean((y - p) ** 2)[None]
    fisher_w, fisher_b = continual.fisher_diagonal(model, x, y, batch_size=16)
    np.testing.assert_allclose(fisher_w, expected_w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(fisher_b, expected_b, rtol=1e-4, atol=1e-6)


def test_fisher_diagonal_softmax_and_bad_input():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(1).normal(size=(8, 4)).astype(np.float32)
    y = np.arange(8) % 3
    p = np.asarray(model(x))
    # For a softmax layer: d log p_y / d bias = onehot(y) - p
    expected_b = np.mean((np.eye(3)[y] - p) ** 2, axis=0)
    np.testing.assert_allclose(continual.fisher_diagonal(model, x, y)[1], expected_b,
                               rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="same, non-zero number of examples; got 8 and 7"):
        continual.fisher_diagonal(model, x, y[:7])


def test_ewc_penalty_is_zero_at_the_anchor_and_pulls_weights_back():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y_old = (x[:, 0] > 0).astype(np.float32)
    y_new = 1 - y_old  # a task that asks the opposite
    drift = {}
    for strength in (0.0, 100.0):
        model = _logistic()
        model.fit(np.tile(x, (20, 1)), np.tile(y_old, 20), epochs=1, batch_size=16, verbose=0)
        anchor = [w.copy() for w in model.get_weights()]
        fishers = continual.fisher_diagonal(model, x, y_old)
        continual.consolidate(model, fishers, strength)
        assert all(float(loss) == 0.0 for loss in model.losses)  # zero at the anchor
        model.fit(np.tile(x, (20, 1)), np.tile(y_new, 20), epochs=1, batch_size=16, verbose=0)
        drift[strength] = sum(float(np.sum((w - a) ** 2))
                              for w, a in zip(model.get_weights(), anchor))
        if strength:
            assert sum(float(loss) for loss in model.losses) > 0.0
            continual.release(model)
            assert len(model.losses) == 0
    assert drift[100.0] < 0.2 * drift[0.0], drift


def test_a_second_consolidation_reaches_the_compiled_training_step():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    moved = {}
    for strength in (0.0, 1e4):
        model = _logistic()
        fishers = [np.ones(v.shape, np.float32) for v in model.trainable_variables]
        continual.consolidate(model, fishers, 0.0)  # no pull yet
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # the step is compiled
        anchor = [w.copy() for w in model.get_weights()]
        continual.consolidate(model, fishers, strength)  # a new pull, same model
        model.fit(np.tile(x, (5, 1)), np.tile(1 - y, 5), epochs=1, batch_size=16, verbose=0)
        moved[strength] = max(float(np.abs(w - a).max())
                              for w, a in zip(model.get_weights(), anchor))
    assert moved[1e4] < 0.1 * moved[0.0], moved


def test_ewc_regularizer_value_config_and_bad_input():
    penalty = continual.EWCRegularizer(np.ones(3), np.array([1.0, 2.0, 0.0]), strength=4.0)
    value = float(penalty(np.array([2.0, 3.0, 9.0], np.float32)))
    assert value == pytest.approx(0.5 * 4.0 * (1.0 * 1 + 2.0 * 4 + 0.0))
    again = continual.EWCRegularizer.from_config(penalty.get_config())
    assert float(again(np.array([2.0, 3.0, 9.0], np.float32))) == pytest.approx(value)
    with pytest.raises(ValueError, match="same shape"):
        continual.EWCRegularizer(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="strength must be >= 0"):
        continual.EWCRegularizer(np.ones(2), np.ones(2), strength=-1.0)
    model = _logistic()
    with pytest.raises(ValueError, match="one array per trainable weight"):
        continual.consolidate(model, [np.ones((3, 1))], 1.0)
    with pytest.raises(ValueError, match="must have shape"):
        continual.consolidate(model, [np.ones((3, 2)), np.ones(1)], 1.0)


def test_detect_drift_finds_a_planted_shift_and_is_quiet_on_a_stationary_stream():
    rng = np.random.default_rng(0)
    shifted = np.r_[rng.normal(0, 1, 500), rng.normal(3, 1, 500)]
    stationary = np.random.default_rng(1).normal(0, 1, 1000)
    for name, options in (("adwin", {}), ("page_hinkley", {"delta": 0.5, "threshold": 10.0})):
        alarms = continual.detect_drift(shifted, name, **options)
        assert len(alarms) >= 1 and 500 <= alarms[0] < 560, (name, alarms)
        assert len(continual.detect_drift(stationary, name, **options)) == 0, name
    from river.drift import ADWIN

    np.testing.assert_array_equal(continual.detect_drift(shifted, ADWIN()),
                                  continual.detect_drift(shifted, "adwin"))


def test_detect_drift_rejects_bad_input():
    with pytest.raises(ValueError, match="detector must be one of .*'cusum'"):
        continual.detect_drift(np.zeros(10), "cusum")
    with pytest.raises(ValueError, match="residuals must be a non-empty 1-D"):
        continual.detect_drift(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="finite"):
        continual.detect_drift(np.array([0.0, np.nan]))
    from river.drift import ADWIN

    with pytest.raises(ValueError, match="options apply only"):
        continual.detect_drift(np.zeros(5), ADWIN(), delta=0.1)
