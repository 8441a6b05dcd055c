"""The HMM against hmmlearn's CategoricalHMM, Baum-Welch's monotone likelihood, the Keras layer."""

import keras
import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm

from seqbook.classical import HMM, HMMLayer, hmm_model
from seqbook.data.generators import CASINO

# The HMM computes in float64 on every backend (on JAX it turns on 64-bit mode for itself).
RTOL, ATOL = 1e-12, 1e-6


def _reference(model: HMM):
    ref = hmmlearn_hmm.CategoricalHMM(n_components=model.num_states)
    ref.n_features = model.num_symbols
    ref.startprob_, ref.transmat_, ref.emissionprob_ = (
        model.initial, model.transition, model.emission
    )
    return ref


def _path_log_prob(model: HMM, path, obs) -> float:
    return float(
        np.log(model.initial[path[0]])
        + np.log(model.transition[path[:-1], path[1:]]).sum()
        + np.log(model.emission[path, obs]).sum()
    )


@pytest.mark.parametrize("seed", range(4))
def test_matches_hmmlearn_on_random_models_with_variable_lengths(seed):
    rng = np.random.default_rng(seed)
    states, symbols = int(rng.integers(2, 5)), int(rng.integers(2, 7))
    model = HMM.random(states, symbols, seed=seed)
    obs, _ = model.sample(5, 40, seed=seed)
    lengths = [40, 23, 1, 2, 31]
    sequences = [row[:n] for row, n in zip(obs, lengths)]
    log_likelihood = model.log_likelihood(sequences)
    posteriors = model.posteriors(sequences)
    paths = model.viterbi(sequences)
    assert posteriors.shape == (5, 40, states) and paths.shape == (5, 40)
    ref = _reference(model)
    for i, sequence in enumerate(sequences):
        n, x = len(sequence), sequence[:, None]
        np.testing.assert_allclose(log_likelihood[i], ref.score(x), rtol=RTOL, atol=1e-6)
        np.testing.assert_allclose(posteriors[i, :n], ref.predict_proba(x), atol=ATOL)
        ref_log_prob, ref_path = ref.decode(x, algorithm="viterbi")
        # Equal paths, or (on an exact tie between two paths) paths of equal probability.
        same = np.array_equal(paths[i, :n], ref_path)
        path_log_prob = _path_log_prob(model, paths[i, :n], sequence)
        assert same or abs(path_log_prob - ref_log_prob) < 1e-9
        np.testing.assert_allclose(path_log_prob, ref_log_prob, rtol=RTOL, atol=1e-6)
        assert np.all(paths[i, n:] == -1) and np.all(posteriors[i, n:] == 0)
    # One sequence at a time gives the [T, K] shapes and the same numbers as the batch.
    single = sequences[1]
    assert model.posteriors(single).shape == (23, states)
    assert model.viterbi(single).shape == (23,)
    np.testing.assert_allclose(model.log_likelihood(single), log_likelihood[1],
                               rtol=RTOL, atol=1e-9)


def test_baum_welch_never_decreases_and_recovers_the_casino():
    truth = HMM(CASINO["start"], CASINO["transition"], CASINO["emission"])
    obs, states = truth.sample(60, 300, seed=0)
    emission = np.random.default_rng(0).dirichlet(np.full(6, 5.0), size=2)
    model = HMM([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], emission)  # sticky start, random faces
    model.fit(obs, n_iter=60, tol=0.0)
    history = np.array(model.history_)
    assert len(history) == 61
    assert np.all(np.diff(history) >= -1e-8 * np.abs(history[1:]))
    # Up to a relabelling of the states, the fitted tables are close to the truth.
    loaded = int(np.argmax(model.emission[:, 5]))
    order = [1 - loaded, loaded]
    np.testing.assert_allclose(model.emission[order], truth.emission, atol=0.05)
    np.testing.assert_allclose(model.transition[np.ix_(order, order)], truth.transition, atol=0.05)
    # Maximum likelihood: at least as likely as the true tables on the training rolls.
    assert model.log_likelihood(obs).sum() >= truth.log_likelihood(obs).sum()


def test_random_restarts_never_decrease_either():
    for seed in range(3):
        data, _ = HMM.random(3, 4, seed=10 + seed).sample(8, 60, seed=seed)
        model = HMM.random(3, 4, seed=seed).fit(data, n_iter=25, tol=0.0)
        assert np.all(np.diff(model.history_) >= -1e-8 * np.abs(np.array(model.history_[1:])))


def test_layer_equals_hmm_and_survives_keras_round_trip(tmp_path):
    model = hmm_model(num_states=3, num_symbols=4, seed=0)  # any length, no XLA
    reference = HMM.random(3, 4, seed=5)
    model.get_layer("hmm").set_from_hmm(reference)
    obs, _ = reference.sample(6, 20, seed=1)
    obs[2, 12:] = -1  # a shorter sequence, padded
    out = model.predict(obs, verbose=0)
    np.testing.assert_allclose(out, reference.log_likelihood(obs), rtol=1e-5)
    model.save(tmp_path / "hmm.keras")
    restored = keras.saving.load_model(tmp_path / "hmm.keras")
    np.testing.assert_allclose(restored.predict(obs, verbose=0), out, atol=1e-6)
    assert isinstance(restored.get_layer("hmm"), HMMLayer)


def test_gradient_ascent_increases_the_likelihood():
    keras.utils.set_random_seed(0)
    truth = HMM(CASINO["start"], CASINO["transition"], CASINO["emission"])
    obs, _ = truth.sample(40, 100, seed=2)
    model = hmm_model(num_states=2, num_symbols=6, sequence_length=50, learning_rate=0.1, seed=1)
    before = model.get_layer("hmm").to_hmm().log_likelihood(obs).sum()
    pieces = obs.reshape(-1, 50)
    model.fit(pieces, np.zeros(len(pieces)), epochs=40, batch_size=40, verbose=0)
    after = model.get_layer("hmm").to_hmm().log_likelihood(obs).sum()
    assert after > before + 50
    assert after > truth.log_likelihood(obs).sum() - 60  # close to the truth


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: HMM([0.5, 0.6], [[1, 0], [0, 1]], [[1.0], [1.0]]), "initial"),
        (lambda: HMM([0.5, 0.5], [[0.5, 0.4], [0, 1]], [[1.0], [1.0]]), "transition.*sum to 1"),
        (lambda: HMM([0.5, 0.5], [[1.2, -0.2], [0, 1]], [[1.0], [1.0]]), "negative"),
        (lambda: HMM([0.5, 0.5], [[1, 0], [0, 1]], [[0.5, 0.5, 0.1], [1, 0, 0]]), "emission"),
        (lambda: HMM([1.0], [[1.0, 0.0]], [[1.0]]), "transition must have shape"),
        (lambda: HMM.random(2, 3).log_likelihood([0, 3]), "symbols must be in 0..2"),
        (lambda: HMM.random(2, 3).log_likelihood([0, -2]), "symbols"),
        (lambda: HMM.random(2, 3).log_likelihood(np.array([], dtype=int)), "empty"),
        (lambda: HMM.random(2, 3).posteriors([[0, 1], []]), "empty"),
        (lambda: HMM.random(2, 3).viterbi([[0, -1, 1]]), "padding"),
        (lambda: HMM.random(2, 3).log_likelihood([0.0, 1.0]), "integer"),
        (lambda: HMM.random(2, 3).fit([[0, 1]], n_iter=0), "n_iter"),
        (lambda: HMMLayer(num_states=0, num_symbols=3), "num_states"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="JAX's 64-bit mode only")
def test_float64_on_jax_stays_inside_the_hmm():
    import jax

    default = jax.config.jax_enable_x64
    HMM.random(2, 3, seed=0).log_likelihood([0, 1, 2])
    assert jax.config.jax_enable_x64 == default  # the rest of the program keeps JAX's setting
    assert keras.ops.ones(1).dtype == "float32"
