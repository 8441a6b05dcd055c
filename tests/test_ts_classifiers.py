"""Time-series classifiers: shapes, padding invariance, save/load, training, bad input."""

import keras
import numpy as np
import pytest

from seqbook import models

FEATURES, CLASSES, LENGTH = 3, 4, 12

BUILDERS = {
    "fcn": lambda **kw: models.fcn_classifier(CLASSES, FEATURES, filters=(8, 16, 8), **kw),
    "resnet": lambda **kw: models.resnet_classifier(CLASSES, FEATURES, filters=(8, 16), **kw),
    "lstm": lambda **kw: models.lstm_classifier(CLASSES, FEATURES, units=8, **kw),
    "transformer": lambda **kw: models.transformer_classifier(
        CLASSES, FEATURES, max_sequence_length=kw.pop("sequence_length", LENGTH), hidden_dim=8,
        num_layers=2, num_heads=2, key_dim=4, intermediate_dim=16, **kw
    ),
}


def _ragged(seed=0, lengths=(5, 9, 12, 7)):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, FEATURES)).astype("float32") for n in lengths]


def _predict(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.usefixtures("force_xla")  # the model must also compile with XLA
def test_shapes_xla_float32_output_and_save_load_round_trip(kind, tmp_path):
    keras.utils.set_random_seed(0)
    model = BUILDERS[kind](mask_value=0.0, sequence_length=LENGTH)
    assert model.jit_compile is True
    x = models.pad_series(_ragged(), LENGTH)
    before = _predict(model, x)
    assert before.shape == (4, CLASSES) and before.dtype == np.float32
    np.testing.assert_allclose(before.sum(axis=1), 1.0, atol=1e-5)
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")  # safe mode: no lambdas
    np.testing.assert_allclose(_predict(restored, x), before, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_masked_models_ignore_padding_and_unmasked_ones_do_not(kind):
    """Each series alone, or padded to 12 or to 20 steps: the same prediction once masked."""
    series = _ragged(seed=1)
    short, long = models.pad_series(series, 12), models.pad_series(series, 20)
    longest = 20 if kind == "transformer" else None  # the others take any length
    keras.utils.set_random_seed(0)
    masked = BUILDERS[kind](mask_value=0.0, sequence_length=longest)
    alone = np.concatenate([_predict(masked, s[None]) for s in series])
    np.testing.assert_allclose(_predict(masked, short), alone, atol=1e-5)
    np.testing.assert_allclose(_predict(masked, long), alone, atol=1e-5)
    keras.utils.set_random_seed(0)
    unmasked = BUILDERS[kind](sequence_length=longest)  # not vacuous: unmasked, the zeros are data
    assert np.abs(_predict(unmasked, short) - _predict(unmasked, long)).max() > 1e-4


def test_step_mask_and_masked_average_values_and_config():
    x = np.zeros((2, 4, 2), "float32")
    x[0, :3] = 1.0
    x[1, 0, 1] = -2.0  # one non-zero feature is enough to make a step real
    mask = models.StepMask(0.0)(x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(mask)[..., 0], [[1, 1, 1, 0], [1, 0, 0, 0]])
    values = np.arange(16, dtype="float32").reshape(2, 4, 2)
    average = keras.ops.convert_to_numpy(models.MaskedAverage()([values, mask]))
    np.testing.assert_allclose(average, [values[0, :3].mean(0), values[1, :1].mean(0)])
    empty = keras.ops.convert_to_numpy(models.MaskedAverage()([values, np.zeros((2, 4, 1))]))
    np.testing.assert_array_equal(empty, 0.0)
    for layer in (models.StepMask(-1.5, name="m"), models.MaskedAverage(name="a")):
        clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
        assert type(clone) is type(layer) and clone.name == layer.name
    assert clone_mask_value(models.StepMask(-1.5)) == -1.5


def clone_mask_value(layer):
    return keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer)).mask_value


def test_resnet_and_fcn_follow_the_papers_sizes_by_default():
    fcn = models.fcn_classifier(2, 1, sequence_length=24)
    widths = [layer.filters for layer in fcn.layers if isinstance(layer, keras.layers.Conv1D)]
    kernels = [layer.kernel_size[0] for layer in fcn.layers if isinstance(layer, keras.layers.Conv1D)]
    assert widths == [128, 256, 128] and kernels == [8, 5, 3]
    resnet = models.resnet_classifier(2, 1, sequence_length=24)
    convs = [layer for layer in resnet.layers if isinstance(layer, keras.layers.Conv1D)]
    # Three blocks of three convolutions, plus 1x1 shortcuts where the width changes (1->64->128).
    assert sorted(layer.filters for layer in convs if layer.kernel_size[0] > 1) == [64] * 3 + [128] * 6
    assert sorted(layer.filters for layer in convs if layer.kernel_size[0] == 1) == [64, 128]
    adds = [layer for layer in resnet.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == 3


def test_masked_fcn_and_lstm_learn_a_variable_length_task():
    """Label: is the mean of the *real* steps positive? Padding zeros would blur it if counted."""
    rng = np.random.default_rng(0)
    lengths = rng.integers(4, 25, size=384)
    labels = rng.integers(0, 2, size=384)
    series = [
        rng.normal(loc=(0.6 if y else -0.6), size=(n, 1)).astype("float32")
        for n, y in zip(lengths, labels)
    ]
    x = models.pad_series(series, 24)
    for build in (
        lambda: models.fcn_classifier(2, 1, 24, filters=(8, 8, 8), mask_value=0.0,
                                      learning_rate=1e-2),
        lambda: models.lstm_classifier(2, 1, 24, units=8, mask_value=0.0, learning_rate=1e-2),
    ):
        keras.utils.set_random_seed(0)
        model = build()
        model.fit(x[:256], labels[:256], epochs=6, batch_size=64, verbose=0)
        accuracy = np.mean(np.argmax(_predict(model, x[256:]), -1) == labels[256:])
        assert accuracy > 0.9, (model.name, accuracy)


def test_mixed_bfloat16_computes_in_bf16_and_outputs_float32():
    x = models.pad_series(_ragged(), LENGTH)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        keras.utils.set_random_seed(0)
        model = BUILDERS["fcn"](mask_value=0.0, sequence_length=LENGTH)
        assert model.get_layer("step_mask").compute_dtype == "bfloat16"
        hidden = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
        assert hidden[0].compute_dtype == "bfloat16"
        probs = model(x, training=True)  # a training-mode pass: batch statistics in bf16
        assert probs.dtype == "float32"
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(probs)))
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_trains_under_mirrored_strategy(two_cpu_strategy):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 10, 2)).astype("float32")
    y = (x[:, :, 0].mean(axis=1) > 0).astype("int32")
    with two_cpu_strategy.scope():
        model = models.lstm_classifier(2, 2, sequence_length=10, units=8, learning_rate=1e-2)
    loss = model.fit(x, y, batch_size=32, epochs=4, verbose=0).history["loss"]
    assert np.all(np.isfinite(loss)) and loss[-1] < loss[0]


def test_pad_series_pads_at_the_end_and_checks_its_input():
    padded = models.pad_series([np.arange(1.0, 4.0), np.array([5.0])], sequence_length=4,
                               value=-1.0)
    assert padded.shape == (2, 4, 1) and padded.dtype == np.float32
    np.testing.assert_array_equal(padded[..., 0], [[1, 2, 3, -1], [5, -1, -1, -1]])
    same = models.pad_series(np.ones((3, 5, 2)))  # an already rectangular array works too
    assert same.shape == (3, 5, 2)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.pad_series([]), "series"),
        (lambda: models.pad_series([np.array([1.0, np.nan])]), "NaN"),
        (lambda: models.pad_series([np.ones((2, 2, 2))]), r"series\[0\]"),
        (lambda: models.pad_series([np.ones((0, 2))]), r"series\[0\]"),
        (lambda: models.pad_series([np.ones((3, 2)), np.ones((3, 4))]), "features"),
        (lambda: models.pad_series([np.ones((5, 1))], sequence_length=3), "sequence_length"),
        (lambda: models.pad_series([np.array([1.0, 0.0])]), "padding value"),
        (lambda: models.pad_series([np.ones(3)], value=float("nan")), "value must be"),
        (lambda: models.fcn_classifier(0, 1), "num_classes"),
        (lambda: models.fcn_classifier(2, 0), "features"),
        (lambda: models.fcn_classifier(2, 1, filters=(8, 8), kernel_sizes=(3, 3, 3)), "kernel_sizes"),
        (lambda: models.fcn_classifier(2, 1, filters=(8, 0, 8)), "filters"),
        (lambda: models.fcn_classifier(2, 1, mask_value="0"), "mask_value"),
        (lambda: models.fcn_classifier(2, 1, momentum=1.0), "momentum"),
        (lambda: models.resnet_classifier(2, 1, sequence_length=0), "sequence_length"),
        (lambda: models.resnet_classifier(2, 1, kernel_sizes=8), "kernel_sizes"),
        (lambda: models.lstm_classifier(2, 1, units=0), "units"),
        (lambda: models.lstm_classifier(2, 1, dropout=1.0), "dropout"),
        (lambda: models.transformer_classifier(2, 1, max_sequence_length=None),
         "max_sequence_length"),
        (lambda: models.transformer_classifier(2, 1, max_sequence_length=10, num_layers=0),
         "num_layers"),
        (lambda: models.transformer_classifier(2, 1, max_sequence_length=10,
                                               mask_value=float("inf")), "mask_value"),
        (lambda: models.StepMask(None), "mask_value"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
