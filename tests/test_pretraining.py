"""Pretraining pieces: the causal LM, next-token windows, sliding-window scoring, the
per-character perplexity, the classifier head, and the shipped pretrained weights."""

import math

import keras
import numpy as np
import pytest

from seqbook import data, models

SMALL = {"vocabulary_size": 23, "max_sequence_length": 12, "hidden_dim": 16, "num_heads": 2,
         "num_layers": 2, "intermediate_dim": 32, "dropout": 0.0}


def _tokens(seed=0, batch=4, length=9, vocab=23):
    return np.random.default_rng(seed).integers(1, vocab, size=(batch, length)).astype("int32")


def test_causal_padding_mask_is_causal_and_hides_padding():
    mask = np.asarray(models.CausalPaddingMask()(np.array([[3, 4, 5, 0, 0]])))[0]
    expected = np.tril(np.ones((5, 5), bool))
    expected[:, 3:] = False
    np.testing.assert_array_equal(mask, expected)


@pytest.mark.usefixtures("force_xla")  # the model must also compile with XLA
def test_causal_lm_never_reads_the_future_or_the_padding():
    keras.utils.set_random_seed(0)
    lm = models.causal_lm(**SMALL)
    assert lm.jit_compile is True
    tokens = _tokens()
    base = np.asarray(lm(tokens))
    assert base.shape == (4, 9, 23) and base.dtype == np.float32
    for position in (0, 4, 8):
        changed = tokens.copy()
        changed[:, position] = (changed[:, position] % 22) + 1
        moved = np.abs(np.asarray(lm(changed)) - base).max(axis=(0, 2))
        assert (moved[:position] < 1e-5).all(), (position, moved)
        assert moved[position] > 1e-4  # the token's own position reads it
    padded = np.asarray(lm(np.pad(tokens, ((0, 0), (0, 3)))))
    np.testing.assert_allclose(padded[:, :9], base, atol=1e-5)


def test_causal_lm_learns_a_deterministic_sequence():
    keras.utils.set_random_seed(0)
    stream = [list(range(1, 11)) * 30]  # 1, 2, ..., 10, 1, 2, ...: next token is certain
    x, y = models.next_token_windows(stream, sequence_length=8, stride=2)
    lm = models.causal_lm(vocabulary_size=12, max_sequence_length=8, hidden_dim=16, num_heads=2,
                          num_layers=1, intermediate_dim=32, dropout=0.0, learning_rate=1e-2)
    loss = lm.fit(x, y, batch_size=32, epochs=15, verbose=0).history["loss"]
    assert loss[-1] < 0.1 < loss[0], loss
    log_probs = models.sequence_log_probs(lm, stream[0][:40], context=8)
    assert math.exp(-log_probs.mean()) < 1.2


def test_causal_lm_save_load_round_trip(tmp_path):
    keras.utils.set_random_seed(1)
    lm = models.causal_lm(**SMALL)
    tokens = _tokens(seed=2)
    path = tmp_path / "lm.keras"
    lm.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(restored(tokens)), np.asarray(lm(tokens)), atol=1e-6)


def test_causal_lm_trains_under_mirrored_strategy_and_bfloat16_keeps_float32(two_cpu_strategy):
    x, y = models.next_token_windows([list(range(1, 11)) * 10], sequence_length=8, stride=4)
    with two_cpu_strategy.scope():
        lm = models.causal_lm(vocabulary_size=12, max_sequence_length=8, hidden_dim=16,
                              num_heads=2, num_layers=1, intermediate_dim=32, learning_rate=1e-2)
    loss = lm.fit(x, y, batch_size=8, epochs=3, verbose=0).history["loss"]
    assert loss[-1] < loss[0]
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        lm = models.causal_lm(**SMALL)
        clf = models.lm_classifier(lm, num_classes=3)
        assert any(layer.compute_dtype == "bfloat16" for layer in lm.layers)
        assert lm(x[:2]).dtype == "float32" and clf(x[:2]).dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("mode", ["mean", "last"])
def test_token_pooling_matches_numpy_and_ignores_padding(mode):
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=(3, 6, 4)).astype("float32")
    tokens = np.array([[5, 6, 7, 0, 0, 0], [1, 2, 3, 4, 5, 6], [9, 0, 0, 0, 0, 0]])
    out = np.asarray(models.TokenPooling(mode)([hidden, tokens]))
    lengths = (tokens != 0).sum(axis=1)
    if mode == "mean":
        expected = np.stack([hidden[i, :n].mean(axis=0) for i, n in enumerate(lengths)])
    else:
        expected = np.stack([hidden[i, n - 1] for i, n in enumerate(lengths)])
    np.testing.assert_allclose(out, expected, atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_lm_classifier_copies_weights_and_ignores_padding(pooling, tmp_path):
    keras.utils.set_random_seed(0)
    lm = models.causal_lm(**SMALL)
    before = [w.copy() for w in lm.get_weights()]
    pretrained = models.lm_classifier(lm, num_classes=2, pooling=pooling, dropout=0.0)
    scratch = models.lm_classifier(lm, num_classes=2, pooling=pooling, pretrained=False)
    backbone = pretrained.get_layer("causal_lm").get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(backbone, before))
    assert not all(np.array_equal(a, b) for a, b in
                   zip(scratch.get_layer("causal_lm").get_weights(), before))
    tokens = np.pad(_tokens(length=6), ((0, 0), (0, 4)))
    labels = np.array([0, 1, 0, 1])
    out = np.asarray(pretrained(tokens))
    np.testing.assert_allclose(np.asarray(pretrained(tokens[:, :6])), out, atol=1e-5)
    if pooling == "last":
        return  # training and saving are the same for both poolings
    pretrained.fit(tokens, labels, epochs=1, verbose=0)
    # Fine-tuning changed the copy, not the language model it came from.
    assert all(np.array_equal(a, b) for a, b in zip(lm.get_weights(), before))
    assert not all(np.array_equal(a, b) for a, b in
                   zip(pretrained.get_layer("causal_lm").get_weights(), before))
    path = tmp_path / "clf.keras"
    pretrained.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(restored(tokens)), np.asarray(pretrained(tokens)),
                               atol=1e-6)


def test_next_token_windows_shift_by_one_and_follow_the_stride():
    x, y = models.next_token_windows([[1, 2, 3], [4, 5, 6, 7, 8]], sequence_length=3, stride=2)
    assert x.tolist() == [[1, 2, 3], [3, 4, 5], [5, 6, 7]]
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
    assert y[:, -1].tolist() == [4, 6, 8]
    assert x.dtype == np.int32


def test_sequence_log_probs_scores_every_token_once_with_its_own_history():
    # A bigram "model": the logits at each position depend only on that position's token,
    # so every target's exact log-probability is known whatever window it is scored in.
    rng = np.random.default_rng(0)
    table = rng.normal(size=(7, 7))
    exact = table - np.log(np.exp(table).sum(axis=1, keepdims=True))

    def bigram(tokens):
        return table[np.asarray(tokens)].astype("float32")

    ids = rng.integers(0, 7, size=53)
    for context in (2, 5, 8, 60):
        got = models.sequence_log_probs(bigram, ids, context=context, batch_size=3)
        np.testing.assert_allclose(got, exact[ids[:-1], ids[1:]], atol=1e-5)


def test_sequence_log_probs_windows_overlap_by_half_and_reach_the_end():
    seen = []

    def recorder(tokens):
        seen.append(np.asarray(tokens).copy())
        return np.zeros(np.asarray(tokens).shape + (40,), "float32")

    context, ids = 8, np.arange(40)
    models.sequence_log_probs(recorder, ids, context=context, batch_size=2)
    windows = np.concatenate(seen)
    assert windows.shape[1] == context
    starts = windows[:, 0].tolist()  # ids are their own positions
    assert starts[0] == 0
    assert all(b - a == context - context // 2 for a, b in zip(starts, starts[1:]))
    assert starts[-1] + context >= len(ids) - 1 > starts[-2] + context


def test_per_character_perplexity_by_hand():
    # "ab" as one token (p = 1/2) and the end (p = 1/4): 3 symbols, log(8) nats in all.
    value = models.per_character_perplexity([math.log(0.5), math.log(0.25)], ["ab"])
    assert value == pytest.approx(8 ** (1 / 3))
    no_end = models.per_character_perplexity([math.log(0.5)], ["ab"], end_of_text=False)
    assert no_end == pytest.approx(2 ** 0.5)


def test_per_character_perplexity_equals_ngram_perplexity_for_a_character_model():
    from seqbook import classical

    lm = classical.NGramLM(order=2).fit(["hello world", "help me"])
    texts = ["hello", "held"]
    log_probs = np.concatenate([np.log(lm.token_probs(t)) for t in texts])
    assert models.per_character_perplexity(log_probs, texts) == pytest.approx(
        lm.perplexity(texts))


def test_pretrained_weights_load_and_predict_held_out_text():
    lm, tokenizer, record = models.load_pretrained_lm()
    assert lm.lm_config == record["config"]
    assert tokenizer.vocabulary_size == record["config"]["vocabulary_size"]
    assert lm.count_params() == record["parameters"]
    topic = next(data.load("python_docs", split="validation").as_numpy_iterator())
    text = tokenizer.decode(tokenizer.encode(topic["text"].decode()[:3000]))
    ids = tokenizer.encode(text, add_bos_eos=True)
    log_probs = models.sequence_log_probs(lm, ids, record["config"]["max_sequence_length"])
    # A model that knew nothing would score the vocabulary size per token (1000); the
    # record's best validation figure over all topics is about 4 per character.
    assert models.per_character_perplexity(log_probs, [text]) < 6.0


def test_decoder_lm_copy_of_a_causal_lm_gives_its_logits():
    # Random weights in every layer, three blocks: a block or a layer copied to the wrong
    # place would change the logits.
    keras.utils.set_random_seed(3)
    lm = models.causal_lm(vocabulary_size=23, max_sequence_length=12, hidden_dim=16, num_heads=2,
                          num_layers=3, intermediate_dim=24, dropout=0.0)
    copy = models.DecoderLM.from_causal_lm(lm)
    tokens = _tokens(length=12)  # ids from 1: no padding, which causal_lm would mask
    np.testing.assert_allclose(keras.ops.convert_to_numpy(copy(tokens)),
                               keras.ops.convert_to_numpy(lm(tokens)), atol=1e-5)
    with pytest.raises(ValueError, match="lm must be a model built by"):
        models.DecoderLM.from_causal_lm(keras.Sequential([keras.layers.Dense(2)]))


def test_the_shipped_lm_generates_the_same_text_with_the_key_value_cache():
    lm, tokenizer, record = models.load_pretrained_lm()
    copy = models.DecoderLM.from_causal_lm(lm)
    prompt = np.array([tokenizer.encode("def read(self, path):", add_bos_eos=False)])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(copy(prompt)),
                               keras.ops.convert_to_numpy(lm(prompt)), atol=1e-4)
    cached = copy.generate(prompt, 12, use_cache=True)
    np.testing.assert_array_equal(cached, copy.generate(prompt, 12, use_cache=False))
    # The same greedy continuation as the Keras model, token by token.
    tokens = prompt
    for _ in range(12):
        logits = keras.ops.convert_to_numpy(lm(tokens))[:, -1]
        tokens = np.concatenate([tokens, logits.argmax(-1)[:, None]], 1)
    np.testing.assert_array_equal(cached, tokens)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.causal_lm(vocabulary_size=0, max_sequence_length=8), "vocabulary_size"),
        (lambda: models.causal_lm(vocabulary_size=10, max_sequence_length=8, hidden_dim=10,
                                  num_heads=4), "hidden_dim"),
        (lambda: models.lm_classifier(keras.Sequential(), num_classes=2), "lm"),
        (lambda: models.lm_classifier(models.causal_lm(**SMALL), num_classes=1), "num_classes"),
        (lambda: models.lm_classifier(models.causal_lm(**SMALL), 2, pooling="max"), "pooling"),
        (lambda: models.TokenPooling("max"), "mode"),
        (lambda: models.next_token_windows([[1, 2]], sequence_length=2), "sequence_length \\+ 1"),
        (lambda: models.next_token_windows([[1, 2, 3]], sequence_length=2, stride=0), "stride"),
        (lambda: models.next_token_windows("abc", sequence_length=2), "sequences"),
        (lambda: models.sequence_log_probs(lambda t: t, [1], context=4), "tokens"),
        (lambda: models.sequence_log_probs(lambda t: t, [1, 2], context=1), "context"),
        (lambda: models.per_character_perplexity([0.5], ["a"]), "log_probs"),
        (lambda: models.per_character_perplexity([-1.0], "a"), "texts"),
        (lambda: models.per_character_perplexity([], [""], end_of_text=False), "texts"),
        (lambda: models.load_pretrained_lm("no_such_model"), "name"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
