"""TCNs and the CNN-LSTM hybrid: receptive field measured, causality, save/load, bad input."""

import keras
import numpy as np
import pytest

from seqbook import models


def _tcn_stack(length, features, kernel_size, dilations, convs, filters=8):
    """A many-to-many stack of TCN blocks: one output vector per input step."""
    inputs = keras.Input(shape=(length, features))
    x = inputs
    for dilation in dilations:
        x = models.tcn_block(x, filters, kernel_size, dilation, convs=convs)
    return keras.Model(inputs, x)


def _influence(model, length, features, trials=8, seed=0):
    """influence[s, t] is True when changing input step s changes output step t."""
    rng = np.random.default_rng(seed)
    influence = np.zeros((length, length), bool)
    for _ in range(trials):
        base = rng.normal(size=(1, length, features)).astype("float32")
        perturbed = np.repeat(base, length, axis=0)
        perturbed[np.arange(length), np.arange(length), :] += rng.choice([-3.0, 3.0])
        outputs = keras.ops.convert_to_numpy(model(np.concatenate([base, perturbed])))
        change = np.abs(outputs[1:] - outputs[:1]).max(axis=-1)  # [input step s, output t]
        influence |= change > 1e-5
    return influence


@pytest.mark.parametrize(
    "kernel_size, dilations, convs",
    [(3, (1, 2, 4), 2), (2, (1, 2, 4, 8), 1), (4, (1, 3), 2)],
)
def test_receptive_field_formula_matches_a_measurement(kernel_size, dilations, convs):
    """Perturb one input step at a time: the outputs that move are exactly the predicted ones."""
    keras.utils.set_random_seed(0)
    length, features = 48, 2
    field = models.tcn_receptive_field(kernel_size, dilations, convs_per_block=convs)
    assert field < length
    influence = _influence(_tcn_stack(length, features, kernel_size, dilations, convs), length, features)
    steps = np.arange(length)
    lag = steps[None, :] - steps[:, None]  # t - s
    expected = (lag >= 0) & (lag < field)
    np.testing.assert_array_equal(influence, expected)
    # Seen from the last output: it depends on the last `field` inputs and on no others.
    assert influence[:, -1].sum() == field


def test_receptive_field_values_and_dilation_schedule():
    assert models.tcn_receptive_field(3, (1, 2, 4, 8)) == 61
    assert models.tcn_receptive_field(2, [1], convs_per_block=1) == 2
    assert models.tcn_receptive_field(5, (1, 2, 4, 8), convs_per_block=2) == 121
    for length in (1, 10, 50, 100, 1000):
        dilations = models.tcn_dilations(length)
        assert models.tcn_receptive_field(3, dilations) >= length
        assert len(dilations) == 1 or models.tcn_receptive_field(3, dilations[:-1]) < length
    assert models.tcn_dilations(50, kernel_size=5) == (1, 2, 4)


@pytest.mark.parametrize(
    "build, shape",
    [
        (lambda: models.tcn_classifier(num_classes=4, features=3, dilations=(1, 2)), (5, 4)),
        (lambda: models.tcn_regressor(features=3, outputs=2, sequence_length=20, dropout=0.1),
         (5, 2)),
        (lambda: models.cnn_lstm_classifier(num_classes=4, features=3, sequence_length=20), (5, 4)),
        (lambda: models.cnn_lstm_classifier(num_classes=4, features=3, conv_layers=0), (5, 4)),
    ],
)
@pytest.mark.usefixtures("force_xla")  # the model must also compile with XLA
def test_builders_shapes_and_save_load_round_trip(build, shape, tmp_path):
    keras.utils.set_random_seed(0)
    model = build()
    assert model.jit_compile is True
    x = np.random.default_rng(0).normal(size=(5, 20, 3)).astype("float32")
    before = keras.ops.convert_to_numpy(model(x))
    assert before.shape == shape
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")  # safe mode: no lambdas
    np.testing.assert_allclose(keras.ops.convert_to_numpy(restored(x)), before, atol=1e-6)


def test_last_step_layer_round_trip_and_config():
    layer = models.LastStep(name="pick")
    x = np.arange(24, dtype="float32").reshape(2, 4, 3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x[:, -1])
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(clone, models.LastStep) and clone.name == "pick"


def test_tcn_classifier_reads_the_end_of_front_padded_sequences():
    """Classification reads the last step, which a causal TCN computes from the real data."""
    keras.utils.set_random_seed(0)
    model = models.tcn_classifier(num_classes=3, features=2, dilations=(1,))
    x = np.random.default_rng(0).normal(size=(2, 6, 2)).astype("float32")
    # Receptive field 5: the first of 6 steps, or extra front padding, cannot matter.
    changed = x.copy()
    changed[:, 0] += 10.0
    padded = np.pad(x, ((0, 0), (3, 0), (0, 0)))
    base = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(changed)), base, atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(padded)), base, atol=1e-6)


def test_tcn_learns_a_long_range_target_and_bfloat16_keeps_float32_outputs():
    """Target: the first value of a 24-step sequence, 23 steps before the read-out."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        keras.utils.set_random_seed(0)
        rng = np.random.default_rng(0)
        x = rng.uniform(size=(512, 24, 1)).astype("float32")
        y = x[:, 0, 0]
        model = models.tcn_regressor(
            features=1, sequence_length=24, filters=16, dilations=models.tcn_dilations(24),
            learning_rate=5e-3,
        )
        assert model.layers[1].compute_dtype == "bfloat16"
        model.fit(x, y, epochs=25, batch_size=64, verbose=0)
        x_test = rng.uniform(size=(256, 24, 1)).astype("float32")
        prediction = model(x_test)
        assert prediction.dtype == "float32"
        mse = float(np.mean((keras.ops.convert_to_numpy(prediction)[:, 0] - x_test[:, 0, 0]) ** 2))
        assert mse < 0.25 / 12, mse  # a quarter of the variance of the target (1/12)
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.tcn_receptive_field(0, (1, 2)), "kernel_size"),
        (lambda: models.tcn_receptive_field(3, ()), "dilations"),
        (lambda: models.tcn_receptive_field(3, (1, 0)), "dilations"),
        (lambda: models.tcn_receptive_field(3, "124"), "dilations"),
        (lambda: models.tcn_receptive_field(3, (1, 2), convs_per_block=0), "convs_per_block"),
        (lambda: models.tcn_dilations(10, kernel_size=1), "kernel_size"),
        (lambda: models.tcn_classifier(num_classes=0, features=2), "num_classes"),
        (lambda: models.tcn_classifier(num_classes=2, features=2, dropout=1.0), "dropout"),
        (lambda: models.tcn_regressor(features=2, sequence_length=0), "sequence_length"),
        (lambda: models.tcn_regressor(features=2, dilations=(1, 2.5)), "dilations"),
        (lambda: models.cnn_lstm_classifier(2, 3, conv_layers=-1), "conv_layers"),
        (lambda: models.cnn_lstm_classifier(2, 3, sequence_length=3, conv_layers=2),
         "sequence_length"),
        (lambda: models.tcn_block(keras.Input((None, 2)), 4, 3, dilation_rate=0), "dilation_rate"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
