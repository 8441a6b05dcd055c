"""CTC in NumPy (seqbook.decoding) against brute force and keras.ops' CTC loss and decoder."""

import itertools

import keras
import numpy as np
import pytest

from seqbook import decoding, models


def _log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _collapse(path, blank=0):
    out, previous = [], None
    for k in path:
        if k != previous and k != blank:
            out.append(k)
        previous = k
    return tuple(out)


def _brute_force(log_probs):
    """P(labels | x) for every labelling, summed over all class^frames paths."""
    frames, classes = log_probs.shape
    totals = {}
    for path in itertools.product(range(classes), repeat=frames):
        labels = _collapse(path)
        p = np.exp(sum(log_probs[t, k] for t, k in enumerate(path)))
        totals[labels] = totals.get(labels, 0.0) + p
    return totals


def test_forward_recursion_equals_brute_force_on_a_tiny_alphabet():
    rng = np.random.default_rng(0)
    log_probs = _log_softmax(rng.normal(size=(5, 3)) * 2)
    totals = _brute_force(log_probs)
    assert abs(sum(totals.values()) - 1.0) < 1e-9
    for labels, p in totals.items():
        assert decoding.ctc_log_likelihood(log_probs, list(labels)) == pytest.approx(
            np.log(p), abs=1e-9)


def test_forward_recursion_equals_keras_ctc_loss():
    rng = np.random.default_rng(1)
    batch, frames, classes = 6, 20, 5
    logits = rng.normal(size=(batch, frames, classes)).astype("float32") * 2
    lengths = rng.integers(1, 7, size=batch)
    labels = np.zeros((batch, 8), "int32")  # 0-padded: the blank is 0 too
    for row, n in zip(labels, lengths):
        row[:n] = rng.integers(1, classes, size=n)
    labels[0, :4] = [2, 2, 3, 3]  # repeats need blanks between them
    lengths[0] = 4
    loss = keras.ops.convert_to_numpy(keras.ops.ctc_loss(
        labels, logits, lengths, np.full(batch, frames), mask_index=0))
    ours = [-decoding.ctc_log_likelihood(x, row[:n])
            for x, row, n in zip(logits, labels, lengths)]
    np.testing.assert_allclose(loss, ours, atol=1e-4, rtol=1e-5)


def test_keras_ctc_loss_padding_value_and_blank_index():
    """Label padding beyond label_length is ignored; mask_index is the blank's index."""
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(1, 12, 4)).astype("float32")
    labels = np.array([[1, 2, 0, 0]], "int32")
    padded_other = np.array([[1, 2, 3, 3]], "int32")
    a = keras.ops.ctc_loss(labels, logits, np.array([2]), np.array([12]))
    b = keras.ops.ctc_loss(padded_other, logits, np.array([2]), np.array([12]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b),
                               atol=1e-5)
    # Blank last (mask_index=3) with symbols 0..2 is the same problem with classes permuted.
    permuted = np.concatenate([logits[..., 1:], logits[..., :1]], axis=-1)
    c = keras.ops.ctc_loss(labels - 1, permuted, np.array([2]), np.array([12]), mask_index=3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(c),
                               atol=1e-4)
    expected = -decoding.ctc_log_likelihood(logits[0], [1, 2])
    assert float(keras.ops.convert_to_numpy(a)[0]) == pytest.approx(expected, abs=1e-4)


def test_ctc_loss_class_matches_the_forward_recursion_with_padded_labels():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(2, 10, 4)).astype("float32")
    labels = np.array([[1, 3, 0], [2, 2, 1]])
    loss = float(models.CTCLoss()(labels, logits))
    expected = np.mean([-decoding.ctc_log_likelihood(logits[0], [1, 3]),
                        -decoding.ctc_log_likelihood(logits[1], [2, 2, 1])])
    assert loss == pytest.approx(expected, abs=1e-4)


def test_prefix_beam_search_finds_the_most_probable_labelling():
    rng = np.random.default_rng(4)
    for _ in range(20):
        log_probs = _log_softmax(rng.normal(size=(4, 3)) * 2)
        totals = _brute_force(log_probs)
        best = max(totals, key=totals.get)
        # 64 >= every prefix of length <= 4 over two symbols: no pruning, so exact.
        assert tuple(decoding.ctc_beam_search(log_probs[None], beam_width=64)[0]) == best


def test_beam_width_one_equals_greedy_on_confident_outputs():
    rng = np.random.default_rng(5)
    frames, classes = 15, 4
    batch = []
    for _ in range(200):
        top = rng.uniform(0.8, 1.0, size=frames)
        probs = rng.dirichlet(np.ones(classes), size=frames) * (1 - top)[:, None]
        probs[np.arange(frames), rng.integers(0, classes, frames)] = top
        batch.append(np.log(probs / probs.sum(-1, keepdims=True)))
    batch = np.array(batch)
    assert decoding.ctc_beam_search(batch, beam_width=1) == decoding.ctc_greedy(batch)


def test_beam_search_can_beat_the_best_path():
    p = np.log(np.array([[[0.4, 0.3, 0.3], [0.4, 0.3, 0.3]]]))
    assert decoding.ctc_greedy(p) == [[]]
    assert decoding.ctc_beam_search(p, beam_width=4) == [[1]]


def test_greedy_and_beam_equal_keras_ctc_decode_on_a_batch():
    rng = np.random.default_rng(6)
    batch, frames, classes = 8, 30, 6
    logits = rng.normal(size=(batch, frames, classes)).astype("float32") * 3
    lengths = rng.integers(5, frames + 1, size=batch)
    ours = decoding.ctc_greedy(logits, lengths)
    decoded, _ = keras.ops.ctc_decode(logits, lengths, strategy="greedy", mask_index=0)
    theirs = keras.ops.convert_to_numpy(decoded)[0]
    # Keras pads its decoded rows with -1.
    assert ours == [[int(k) for k in row if k >= 0] for row in theirs]
    beam = decoding.ctc_beam_search(logits, beam_width=16, lengths=lengths)
    decoded, _ = keras.ops.ctc_decode(logits, lengths, strategy="beam_search", beam_width=16,
                                      mask_index=0)
    theirs = keras.ops.convert_to_numpy(decoded)[0]
    assert beam == [[int(k) for k in row if k >= 0] for row in theirs]


def test_lengths_ignore_padding_frames():
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(1, 10, 4)) * 3
    padded = np.concatenate([logits, rng.normal(size=(1, 5, 4)) * 3], axis=1)
    assert decoding.ctc_greedy(padded, [10]) == decoding.ctc_greedy(logits)
    assert decoding.ctc_beam_search(padded, 4, [10]) == decoding.ctc_beam_search(logits, 4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: decoding.ctc_greedy(np.zeros((3, 4))), "outputs must be"),
        (lambda: decoding.ctc_greedy(np.zeros((1, 3, 4)), [4]), "lengths must"),
        (lambda: decoding.ctc_greedy(np.zeros((1, 3, 4)), blank=4), "blank must"),
        (lambda: decoding.ctc_beam_search(np.zeros((1, 3, 4)), 0), "beam_width must"),
        (lambda: decoding.ctc_log_likelihood(np.zeros((3, 4)), [0]), "labels must"),
        (lambda: decoding.ctc_greedy(np.full((1, 3, 4), np.nan)), "finite"),
    ],
)
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
