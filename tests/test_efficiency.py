"""seqbook.efficiency: sizes against hand counts, pruning, quantized save/load, bad input."""

import os

import keras
import numpy as np
import pytest

from seqbook import efficiency, runtime


def _small_model() -> keras.Model:
    """Embedding (10 x 4) -> Dense (4 -> 3) per token -> Dense (3 -> 2): 40 + 15 + 8 values."""
    tokens = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(10, 4, name="embed")(tokens)
    x = keras.layers.Dense(3, activation="relu", name="hidden")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="out", dtype="float32")(x)
    return keras.Model(tokens, outputs)


def _tokens(rows: int = 6) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 10, size=(rows, 5)).astype("int32")


def test_model_size_matches_a_hand_count(tmp_path):
    model = _small_model()
    size = efficiency.model_size(model)
    parameters = 10 * 4 + (4 * 3 + 3) + (3 * 2 + 2)
    assert size["parameters"] == parameters == model.count_params()
    assert size["bytes_by_dtype"] == {"float32": 4 * parameters}
    assert size["memory_bytes"] == 4 * parameters
    path = tmp_path / "m.keras"
    model.save(path)
    assert size["disk_bytes"] == pytest.approx(os.path.getsize(path), rel=0.02)
    assert "disk_bytes" not in efficiency.model_size(model, disk=False)


def test_model_size_counts_int8_bytes_after_quantization():
    model = _small_model()
    model.quantize("int8")
    size = efficiency.model_size(model, disk=False)
    # Quantized kernels and embedding table: one byte per value.
    assert size["bytes_by_dtype"]["int8"] == 10 * 4 + 4 * 3 + 3 * 2
    modes = {row["layer"]: row["mode"] for row in efficiency.layer_dtypes(model)}
    assert modes == {"embed": "int8", "hidden": "int8", "out": "int8"}


def test_layer_dtypes_leaves_recurrent_and_norm_layers_in_float32():
    inputs = keras.Input((6, 3))
    x = keras.layers.GRU(4, return_sequences=True, name="gru")(inputs)
    x = keras.layers.LayerNormalization(name="norm")(x)
    outputs = keras.layers.Dense(2, name="out")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    model.quantize("int8")
    rows = {row["layer"]: row for row in efficiency.layer_dtypes(model)}
    by_class = {row["class"]: row for row in rows.values()}
    assert by_class["GRUCell"]["dtypes"] == "float32"  # the GRU's weights live in its cell
    assert by_class["GRUCell"]["mode"] is None
    assert rows["norm"]["dtypes"] == "float32"
    assert rows["out"]["mode"] == "int8" and "int8" in rows["out"]["dtypes"]


def test_quantized_model_saves_and_loads_with_the_same_outputs(tmp_path):
    model = _small_model()
    model.quantize("int8")
    path = tmp_path / "int8.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = _tokens()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_quantized_attention_reloads_through_its_weights(tmp_path):
    """The chapter's route for MultiHeadAttention: rebuild, quantize, load the weights."""
    def build() -> keras.Model:
        inputs = keras.Input((5, 8))
        x = keras.layers.MultiHeadAttention(2, 4, name="attention")(inputs, inputs)
        return keras.Model(inputs, keras.layers.Dense(2, name="out")(x))

    model = build()
    model.quantize("int8")
    model.save_weights(tmp_path / "q.weights.h5")
    again = build()
    again.quantize("int8")
    again.load_weights(tmp_path / "q.weights.h5")
    x = np.random.default_rng(1).normal(size=(3, 5, 8)).astype("float32")
    np.testing.assert_allclose(again(x), model(x), atol=1e-6)


@pytest.mark.parametrize("level", [0.0, 0.3, 0.75, 0.9])
@pytest.mark.parametrize("scope", ["layer", "global"])
def test_pruning_reaches_the_asked_sparsity_and_keeps_the_largest_weights(level, scope):
    keras.utils.set_random_seed(0)
    model = _small_model()
    before = [keras.ops.convert_to_numpy(v) for v in efficiency.prunable_weights(model)]
    masks = efficiency.magnitude_prune(model, level, scope=scope)
    after = [keras.ops.convert_to_numpy(v) for v in efficiency.prunable_weights(model)]
    total = sum(w.size for w in before)
    assert efficiency.sparsity(model) == pytest.approx(level, abs=1.5 / total + 1e-9)
    assert len(masks) == len(before) == 3  # embedding and two kernels; no biases
    kept = np.concatenate([np.abs(w[a != 0]) for w, a in zip(before, after)])
    dropped = np.concatenate([np.abs(w[a == 0]) for w, a in zip(before, after)])
    for w, a in zip(before, after):
        np.testing.assert_array_equal(a[a != 0], w[a != 0])  # survivors unchanged
        if scope == "layer" and level > 0:
            assert np.abs(w[a != 0]).min() >= np.abs(w[a == 0]).max()
            assert np.mean(a == 0) == pytest.approx(level, abs=1 / w.size)
    if scope == "global" and level > 0:
        assert kept.min() >= dropped.max()


def test_keep_pruned_stops_fine_tuning_from_regrowing_weights():
    keras.utils.set_random_seed(0)
    model = _small_model()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    masks = efficiency.magnitude_prune(model, 0.6)
    x, y = _tokens(32), np.arange(32) % 2
    model.fit(x, y, epochs=2, batch_size=8, verbose=0,
              callbacks=[efficiency.KeepPruned(masks)])
    assert efficiency.sparsity(model) == pytest.approx(0.6, abs=0.02)
    free = _small_model()
    free.set_weights(model.get_weights())
    free.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    free.fit(x, y, epochs=1, batch_size=8, verbose=0)
    # Without the callback many zeros move (weights behind dead ReLUs get no gradient).
    assert efficiency.sparsity(free) < 0.45


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, True, "half", None])
def test_bad_sparsity_is_refused_with_a_clear_message(bad):
    with pytest.raises(ValueError, match=r"sparsity must be a number in \[0, 1\)"):
        efficiency.magnitude_prune(_small_model(), bad)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="scope must be"):
        efficiency.magnitude_prune(_small_model(), 0.5, scope="row")
    with pytest.raises(ValueError, match="repeats must be a positive integer"):
        efficiency.median_seconds(lambda: None, repeats=0)
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        efficiency.model_size("model.keras")
    with pytest.raises(ValueError, match="masks must be"):
        efficiency.KeepPruned({})
    with pytest.raises(ValueError, match="ending in a Dense layer"):
        efficiency.logits_model(keras.Sequential([keras.Input((3,)), keras.layers.Flatten()]))


def test_logits_model_gives_the_logits_of_the_softmax():
    model = _small_model()
    logits = efficiency.logits_model(model)
    x = _tokens()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.softmax(logits(x))),
                               keras.ops.convert_to_numpy(model(x)), atol=1e-6)


def test_median_seconds_excludes_the_warm_up():
    calls = []

    def slow_first():
        calls.append(1)
        if len(calls) == 1:
            import time
            time.sleep(0.2)

    assert efficiency.median_seconds(slow_first, repeats=3, warmup=1) < 0.1
    assert len(calls) == 4


def test_switches_restore_the_runtime_state(monkeypatch):
    monkeypatch.delenv(runtime.XLA_SWITCH, raising=False)
    with efficiency.xla(True):
        assert runtime.xla_enabled()
    with efficiency.xla(False):
        assert not runtime.xla_enabled()
    assert runtime.XLA_SWITCH not in os.environ
    before = keras.mixed_precision.dtype_policy().name
    with efficiency.dtype_policy("mixed_bfloat16"):
        assert keras.layers.Dense(2).compute_dtype == "bfloat16"
    assert keras.mixed_precision.dtype_policy().name == before
    with pytest.raises(ValueError, match="name must be a Keras dtype policy"):
        with efficiency.dtype_policy("float13"):
            pass
