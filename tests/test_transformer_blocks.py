"""The shared Transformer encoder block of the model builders: masks, norms, saving, bad input."""

import keras
import numpy as np
import pytest

from seqbook.models import PositionEmbedding, transformer_encoder


def _pooled_model(norm_first=True):
    series = keras.Input(shape=(None, 3))
    hidden = keras.layers.Dense(16)(keras.layers.Masking()(series))
    hidden = PositionEmbedding(max_sequence_length=20)(hidden)
    hidden = transformer_encoder(hidden, num_heads=2, key_dim=8, intermediate_dim=32,
                                 norm_first=norm_first)
    pooled = keras.layers.GlobalAveragePooling1D()(hidden)
    return keras.Model(series, keras.layers.Dense(2)(pooled))


@pytest.mark.parametrize("norm_first", [True, False])
def test_padding_after_the_series_changes_nothing(norm_first):
    model = _pooled_model(norm_first)
    x = np.random.default_rng(0).normal(size=(4, 9, 3)).astype("float32")
    padded = np.concatenate([x, np.zeros((4, 6, 3), "float32")], axis=1)
    np.testing.assert_allclose(
        model.predict(padded, verbose=0), model.predict(x, verbose=0), atol=1e-5
    )


def test_positions_make_the_block_order_aware():
    model = _pooled_model()
    x = np.random.default_rng(1).normal(size=(2, 8, 3)).astype("float32")
    reversed_x = x[:, ::-1]
    assert np.abs(model.predict(x, verbose=0) - model.predict(reversed_x, verbose=0)).max() > 1e-4


def test_save_load_round_trip(tmp_path):
    model = _pooled_model(norm_first=False)
    x = np.random.default_rng(2).normal(size=(3, 7, 3)).astype("float32")
    path = tmp_path / "encoder.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_position_embedding_refuses_a_bad_max_length():
    with pytest.raises(ValueError, match="max_sequence_length"):
        PositionEmbedding(max_sequence_length=0)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"num_heads": 0}, "num_heads"), ({"intermediate_dim": -1}, "intermediate_dim"),
     ({"dropout": 1.0}, "dropout")],
)
def test_bad_block_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        transformer_encoder(keras.Input(shape=(5, 4)), **kwargs)


def test_one_position_embedding_class_under_every_name():
    from seqbook import layers

    assert PositionEmbedding is layers.PositionEmbedding is layers.transformer.PositionEmbedding
    assert layers.LearnedPositionEmbedding is PositionEmbedding  # the old name, an alias


def test_keras_files_saved_under_the_old_names_still_load(tmp_path):
    import json
    import zipfile

    model = _pooled_model()
    path, old = tmp_path / "new.keras", tmp_path / "old.keras"
    model.save(path)
    # Rewrite the file as it was saved before: LearnedPositionEmbedding(max_length=...).
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "config.json":
                text = json.dumps(json.loads(content))
                text = text.replace('"max_sequence_length"', '"max_length"')
                text = text.replace('"PositionEmbedding"', '"LearnedPositionEmbedding"')
                text = text.replace('"seqbook>PositionEmbedding"',
                                    '"seqbook>LearnedPositionEmbedding"')
                assert '"max_length"' in text and "seqbook>LearnedPositionEmbedding" in text
                content = text.encode()
            target.writestr(item, content)
    x = np.random.default_rng(3).normal(size=(2, 7, 3)).astype("float32")
    restored = keras.saving.load_model(old)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
