"""The text classifier with a chosen backbone: shapes, padding, saving, copies of a language
model, input checks and occlusion."""

import keras
import numpy as np
import pytest

from seqbook import data, models

SMALL_LM = {"vocabulary_size": 23, "max_sequence_length": 12, "hidden_dim": 16,
            "num_heads": 2, "num_layers": 1, "intermediate_dim": 32, "dropout": 0.0}
SIZES = {"vocabulary_size": 23, "embedding_dim": 8, "units": 4, "filters": 6}


def _tokens(seed=0, batch=4, length=7, vocab=23):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, vocab, size=(batch, length)).astype("int32")
    tokens[1, 4:] = 0  # rows of different lengths, right-padded
    tokens[2, 2:] = 0
    return tokens


def _build(backbone, task="classification", **kwargs):
    keras.utils.set_random_seed(0)
    if backbone == "lm":
        return models.text_classifier(models.causal_lm(**SMALL_LM), task=task, dropout=0.0,
                                      **kwargs)
    return models.text_classifier(backbone, task=task, dropout=0.0, **SIZES, **kwargs)


@pytest.mark.parametrize("backbone", ["bilstm", "bigru", "cnn", "lm"])
@pytest.mark.parametrize("task, width", [("classification", 3), ("regression", 1)])
def test_shapes_float32_and_padding_changes_nothing(backbone, task, width):
    model = _build(backbone, task, num_classes=3)
    tokens = _tokens()
    out = np.asarray(model(tokens))
    assert out.shape == (4, width) and out.dtype == np.float32
    more_padding = np.asarray(model(np.pad(tokens, ((0, 0), (0, 5)))))
    np.testing.assert_allclose(more_padding, out, atol=1e-5)
    # Row 2 alone, cut to its two real tokens: the same prediction.
    np.testing.assert_allclose(np.asarray(model(tokens[2:3, :2])), out[2:3], atol=1e-5)


@pytest.mark.parametrize("backbone", ["bilstm", "cnn", "lm"])
def test_trains_and_survives_a_keras_round_trip(backbone, tmp_path):
    model = _build(backbone, "regression")
    tokens, ratings = _tokens(length=6), np.array([1.0, -2.0, 0.5, 3.0], "float32")
    before = model.evaluate(tokens, ratings, verbose=0)[0]
    model.fit(tokens, ratings, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate(tokens, ratings, verbose=0)[0] < before
    path = tmp_path / f"{backbone}.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(restored(tokens)), np.asarray(model(tokens)),
                               atol=1e-6)


def test_a_language_model_backbone_is_copied_not_changed():
    keras.utils.set_random_seed(0)
    lm = models.causal_lm(**SMALL_LM)
    before = [w.copy() for w in lm.get_weights()]
    tuned = models.text_classifier(lm, task="regression", learning_rate=1e-2)
    scratch = models.text_classifier(lm, task="regression", pretrained=False)
    copied = tuned.get_layer("causal_lm").get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(copied, before))
    assert not all(np.array_equal(a, b) for a, b in
                   zip(scratch.get_layer("causal_lm").get_weights(), before))
    tuned.fit(_tokens(), np.arange(4, dtype="float32"), epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(lm.get_weights(), before))


def test_lm_classifier_is_the_text_classifier_with_a_language_model():
    keras.utils.set_random_seed(0)
    lm = models.causal_lm(**SMALL_LM)
    keras.utils.set_random_seed(3)
    old = models.lm_classifier(lm, num_classes=2, pretrained=False, dropout=0.1)
    keras.utils.set_random_seed(3)
    new = models.text_classifier(lm, num_classes=2, pretrained=False, dropout=0.1,
                                 learning_rate=3e-4)
    assert all(np.array_equal(a, b) for a, b in zip(old.get_weights(), new.get_weights()))


def test_output_stays_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = _build("cnn")
        assert np.asarray(model(_tokens())).dtype == np.float32
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_encode_texts_and_labels():
    tokenizer = data.train_subword_tokenizer(["not bad at all", "not good"] * 20,
                                             vocabulary_size=30)
    ids = models.encode_texts(["not bad", "good"], tokenizer, sequence_length=5)
    assert ids.shape == (2, 5) and ids.dtype == np.int32 and ids[1, -1] == 0
    model = models.text_classifier("cnn", vocabulary_size=tokenizer.vocabulary_size)
    models.encode_texts(["fine"], tokenizer, 5, model=model)  # the same vocabulary: accepted
    assert models.encode_labels(["neg", "pos", "pos"], ["neg", "pos"]).tolist() == [0, 1, 1]


def test_occlusion_deletes_one_token_at_a_time():
    seen = []

    def score(ids):
        seen.append(ids.copy())
        return 10.0 * ids[:, 0] + ids.sum(axis=1)

    values = models.token_occlusion(score, [4, 2, 7, 0, 0])
    assert seen[0].tolist()[1:] == [[2, 7, 0, 0, 0], [4, 7, 0, 0, 0], [4, 2, 0, 0, 0]]
    # Deleting the first token also moves 2 to the front: 10 * (4 - 2) + 4.
    assert values.tolist() == [24.0, 2.0, 7.0]


def _wrong_vocabulary():
    tokenizer = data.train_subword_tokenizer(["not bad at all"] * 20, vocabulary_size=30)
    model = models.text_classifier("bigru", vocabulary_size=tokenizer.vocabulary_size + 5)
    models.encode_texts(["not bad"], tokenizer, 4, model=model)


def _empty_text():
    tokenizer = data.train_subword_tokenizer(["not bad at all"] * 20, vocabulary_size=30)
    models.encode_texts(["fine", "  "], tokenizer, 4)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.text_classifier("transformer", vocabulary_size=9), "backbone"),
        (lambda: models.text_classifier("cnn"), "vocabulary_size"),
        (lambda: models.text_classifier("cnn", vocabulary_size=9, task="ranking"), "task"),
        (lambda: models.text_classifier("cnn", vocabulary_size=9, num_classes=1),
         "num_classes"),
        (lambda: models.text_classifier("cnn", vocabulary_size=9, dropout=1.0), "dropout"),
        (lambda: models.text_classifier("cnn", vocabulary_size=9, pooling="max"), "pooling"),
        (lambda: models.text_classifier(models.causal_lm(**SMALL_LM), vocabulary_size=99),
         "vocabulary_size must match"),
        (lambda: models.text_classifier(keras.Sequential([keras.layers.Dense(2)])),
         "final_norm"),
        (_wrong_vocabulary, "tokenizer must have the model's vocabulary"),
        (_empty_text, "text 1"),
        (lambda: models.encode_labels(["pos", "neutral"], ["neg", "pos"]), "neutral"),
        (lambda: models.encode_labels(["pos"], ["pos"]), "label_names"),
        (lambda: models.token_occlusion(lambda ids: ids.sum(1), [0, 0]), "tokens"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
