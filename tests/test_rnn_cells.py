"""The hand-written cells equal Keras' own with copied weights, and save and load."""

import keras
import numpy as np
import pytest

from seqbook import layers, models

PAIRS = {
    "rnn": (layers.SimpleRNNCell, keras.layers.SimpleRNN),
    "lstm": (layers.LSTMCell, keras.layers.LSTM),
    "gru": (layers.GRUCell, keras.layers.GRU),
}


def _batch(seed=0, batch=4, steps=9, features=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    lengths = np.array([9, 5, 1, 7])[:batch]
    mask = np.arange(steps)[None, :] < lengths[:, None]
    return x, mask


def _copied_pair(kind, units=5, **options):
    ours_cell, theirs_layer = PAIRS[kind]
    theirs = theirs_layer(units, **options)
    ours = keras.layers.RNN(ours_cell(units), **options)
    x, _ = _batch()
    theirs(x)
    ours(x)
    # Non-trivial biases too, so a bias in the wrong place shows up.
    weights = [w + 0.1 * np.random.default_rng(1).normal(size=w.shape) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_same_weight_layout_as_keras(kind):
    ours, theirs = _copied_pair(kind)
    assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]
    names = [w.path.split("/")[-1] for w in ours.weights]
    assert names == [w.path.split("/")[-1] for w in theirs.weights]


@pytest.mark.parametrize("kind", sorted(PAIRS))
@pytest.mark.parametrize("masked", [False, True])
def test_equal_to_keras_with_sequences_and_states(kind, masked):
    ours, theirs = _copied_pair(kind, return_sequences=True, return_state=True)
    x, mask = _batch()
    kwargs = {"mask": mask} if masked else {}
    got, want = ours(x, **kwargs), theirs(x, **kwargs)
    assert len(got) == len(want) == (3 if kind == "lstm" else 2)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    if masked:
        # A masked step leaves the state alone: the sequence of length 1 ends on its first step.
        np.testing.assert_allclose(np.asarray(got[1])[2], np.asarray(got[0])[2, 0], atol=1e-6)


@pytest.mark.tensorflow_only  # measures gradients with tf.GradientTape
@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_equal_to_keras_backwards_last_output_and_gradients(kind):
    import tensorflow as tf  # the test measures gradients; the cells themselves use keras.ops

    ours, theirs = _copied_pair(kind, go_backwards=True)
    x, mask = _batch(seed=2)
    x = tf.constant(x)
    grads = []
    for layer in (ours, theirs):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = layer(x, mask=mask)
            loss = tf.reduce_sum(out**2)
        grads.append(tape.gradient(loss, [x, *layer.trainable_weights]))
        np.testing.assert_allclose(out.numpy(), theirs(x, mask=mask).numpy(), atol=1e-5)
    for a, b in zip(*grads):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.SimpleRNNCell(
            4, activation="relu", recurrent_initializer=keras.initializers.Identity(gain=0.9)
        ),
        lambda: layers.LSTMCell(4),
        lambda: layers.LSTMCell(4, peephole=True, coupled=True),
        lambda: layers.GRUCell(4),
    ],
)
def test_keras_save_load_round_trip(make, tmp_path):
    inputs = keras.Input(shape=(None, 3))
    outputs = keras.layers.RNN(make(), return_sequences=True)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(outputs))
    cell = model.layers[1].cell
    if getattr(cell, "peephole", False):  # non-zero peepholes so that they matter
        cell.peephole_weights.assign(np.full((3, 4), 0.3, "float32"))
    x, _ = _batch(seed=3)
    before = model.predict(x, verbose=0)
    model.save(tmp_path / "cell.keras")
    restored = keras.saving.load_model(tmp_path / "cell.keras")
    assert type(restored.layers[1].cell) is type(cell)
    assert restored.layers[1].cell.get_config() == cell.get_config()
    np.testing.assert_allclose(restored.predict(x, verbose=0), before, atol=1e-6)


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def test_lstm_variants_follow_their_equations():
    """One step of the peephole + coupled cell against the equations written in NumPy."""
    units, rng = 3, np.random.default_rng(4)
    cell = layers.LSTMCell(units, peephole=True, coupled=True)
    x = rng.normal(size=(2, 4)).astype("float32")
    h, c = (rng.normal(size=(2, units)).astype("float32") for _ in range(2))
    cell.build((None, 4))
    assert cell.kernel.shape == (4, 3 * units)  # no input-gate block
    p = rng.normal(size=(3, units)).astype("float32")
    cell.peephole_weights.assign(p)
    out, (h_new, c_new) = cell(x, [h, c])
    z = x @ cell.kernel.numpy() + h @ cell.recurrent_kernel.numpy() + cell.bias.numpy()
    z_f, z_g, z_o = np.split(z, 3, axis=-1)
    f = _sigmoid(z_f + p[1] * c)
    c_want = f * c + (1 - f) * np.tanh(z_g)
    h_want = _sigmoid(z_o + p[2] * c_want) * np.tanh(c_want)
    np.testing.assert_allclose(np.asarray(c_new), c_want, atol=1e-5)
    np.testing.assert_allclose(np.asarray(h_new), h_want, atol=1e-5)
    np.testing.assert_allclose(np.asarray(out), h_want, atol=1e-5)


def test_fresh_peephole_cell_equals_plain_lstm_and_forget_bias_is_one():
    x, _ = _batch(seed=5)
    plain = keras.layers.RNN(layers.LSTMCell(4))
    peep = keras.layers.RNN(layers.LSTMCell(4, peephole=True))
    plain(x), peep(x)
    assert len(peep.get_weights()) == 4
    peep.set_weights(plain.get_weights() + [np.zeros((3, 4), "float32")])
    np.testing.assert_allclose(np.asarray(peep(x)), np.asarray(plain(x)), atol=1e-6)
    bias = plain.cell.bias.numpy()
    np.testing.assert_array_equal(bias[4:8], 1.0)
    np.testing.assert_array_equal(np.delete(bias, np.s_[4:8]), 0.0)
    peep.cell.peephole_weights.assign(np.ones((3, 4), "float32"))
    assert np.abs(np.asarray(peep(x)) - np.asarray(plain(x))).max() > 1e-3


@pytest.mark.usefixtures("force_xla")
def test_cells_train_under_xla_in_a_model():
    keras.utils.set_random_seed(0)
    x, _ = _batch(seed=6, batch=4)
    y = x.sum(axis=(1, 2))[:, None]
    inputs = keras.Input(shape=(9, 3))
    hidden = keras.layers.RNN(layers.GRUCell(8))(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model = models.compile_model(model, "mse", learning_rate=0.05)
    assert model.jit_compile is True
    losses = model.fit(x, y, epochs=30, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.SimpleRNNCell(0), "units"),
        (lambda: layers.GRUCell(2.5), "units"),
        (lambda: layers.LSTMCell(3, peephole="yes"), "peephole"),
        (lambda: layers.LSTMCell(3, coupled=1), "coupled"),
    ],
)
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()
