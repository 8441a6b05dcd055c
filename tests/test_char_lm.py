"""The character-level recurrent LM, its character ids and the bits-per-character score."""

import math

import keras
import numpy as np
import pytest

from seqbook import data, models, runtime

VOCABULARY = data.Vocabulary(list("abcdefgh"))  # 12 ids


def _tokens(seed=0, batch=3, length=7):
    return np.random.default_rng(seed).integers(4, 12, size=(batch, length)).astype("int32")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_char_lm_maps_tokens_to_float32_logits(cell):
    keras.utils.set_random_seed(0)
    lm = models.char_lm(12, units=8, num_layers=2, cell=cell, embedding_dim=4)
    logits = np.asarray(lm(_tokens()))
    assert logits.shape == (3, 7, 12) and logits.dtype == np.float32
    assert lm.jit_compile is runtime.xla_enabled()  # the one policy, via compile_model


def test_padding_does_not_change_the_real_positions():
    keras.utils.set_random_seed(1)
    lm = models.char_lm(12, units=8, embedding_dim=4)
    tokens = _tokens(seed=2)
    base = np.asarray(lm(tokens))
    right = np.asarray(lm(np.pad(tokens, ((0, 0), (0, 4)))))
    np.testing.assert_allclose(right[:, :7], base, atol=1e-6)
    left = np.asarray(lm(np.pad(tokens, ((0, 0), (3, 0)))))  # masked: skipped entirely
    np.testing.assert_allclose(left[:, 3:], base, atol=1e-5)


def test_padded_targets_are_left_out_of_the_loss():
    keras.utils.set_random_seed(3)
    lm = models.char_lm(12, units=8, embedding_dim=4)
    x, y = _tokens(seed=4), _tokens(seed=5)
    padded_x, padded_y = np.pad(x, ((0, 0), (0, 5))), np.pad(y, ((0, 0), (0, 5)))
    assert np.isclose(lm.evaluate(x, y, verbose=0), lm.evaluate(padded_x, padded_y, verbose=0),
                      rtol=1e-5)


def test_char_lm_save_load_round_trip(tmp_path):
    keras.utils.set_random_seed(6)
    lm = models.char_lm(12, units=8, cell="gru", embedding_dim=4, dropout=0.1)
    path = tmp_path / "char_lm.keras"
    lm.save(path)
    loaded = keras.saving.load_model(path)
    tokens = _tokens(seed=7)
    np.testing.assert_array_equal(np.asarray(loaded(tokens)), np.asarray(lm(tokens)))


@pytest.mark.parametrize("arguments, name", [
    ({"vocabulary_size": 0}, "vocabulary_size"),
    ({"units": 2.5}, "units"),
    ({"num_layers": 0}, "num_layers"),
    ({"embedding_dim": -1}, "embedding_dim"),
    ({"cell": "transformer"}, "cell"),
    ({"dropout": 1.0}, "dropout"),
    ({"learning_rate": 0.0}, "learning_rate"),
])
def test_char_lm_rejects_bad_arguments(arguments, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        models.char_lm(**{"vocabulary_size": 12, **arguments})


def test_char_lm_learns_a_tiny_corpus():
    keras.utils.set_random_seed(0)
    texts = ["abcdefgh" * 40, "hgfedcba" * 40]
    ids = models.character_ids(texts, VOCABULARY)
    x, y = models.next_token_windows(ids, sequence_length=16, stride=4)
    lm = models.char_lm(len(VOCABULARY), units=32, embedding_dim=8, learning_rate=2e-2)
    # 12 epochs: the same seed draws other initial weights on each backend, and the slower
    # of the two (JAX: 2.34 -> 0.12 in 12 epochs, TensorFlow 2.30 -> 0.02) still passes.
    loss = lm.fit(x, y, batch_size=32, epochs=12, verbose=0).history["loss"]
    assert loss[-1] < 0.3 * loss[0], loss
    # Within a text every next character is certain once the direction is known.
    assert models.bits_per_character(lm, ["abcdefgh" * 8], VOCABULARY, context=16) < 0.5


def test_character_ids_wrap_each_text_in_start_and_end():
    ids = models.character_ids(["ab", "", "az"], VOCABULARY)
    assert [row.tolist() for row in ids] == [[1, 4, 5, 2], [1, 2], [1, 4, 3, 2]]
    assert all(row.dtype == np.int32 for row in ids)
    with pytest.raises(ValueError, match="^texts must be a sequence of strings"):
        models.character_ids("ab", VOCABULARY)
    with pytest.raises(ValueError, match="^texts must hold strings"):
        models.character_ids(["ab", 3], VOCABULARY)
    with pytest.raises(ValueError, match="^vocabulary must be"):
        models.character_ids(["ab"], {"a": 4})


def test_bits_per_character_matches_the_ngram_definition():
    # A "model" that gives every id the probability its unigram frequency has in the text,
    # END included: bits per character must equal the entropy computed by hand.
    text = "aab"
    probs = np.full(len(VOCABULARY), 1e-12)
    probs[[4, 5, VOCABULARY.END]] = [2 / 4, 1 / 4, 1 / 4]
    logits = np.log(probs / probs.sum()).astype("float32")

    def unigram(tokens):
        return np.broadcast_to(logits, tokens.shape + logits.shape)

    expected = -(2 * math.log2(2 / 4) + 2 * math.log2(1 / 4)) / 4
    assert math.isclose(models.bits_per_character(unigram, [text], VOCABULARY, context=2),
                        expected, rel_tol=1e-5)
    with pytest.raises(ValueError, match="^texts must hold at least one text"):
        models.bits_per_character(unigram, [], VOCABULARY)
    with pytest.raises(ValueError, match="^context must be"):
        models.bits_per_character(unigram, [text], VOCABULARY, context=1)
    with pytest.raises(ValueError, match="^lm must be"):
        models.bits_per_character(None, [text], VOCABULARY)
