"""The BERT-style masked language model: its bidirectional encoder, BERT's masking scheme,
the masked loss, saving, the [MASK] token, and the shipped pretrained weights."""

import keras
import numpy as np
import pytest

from seqbook import data, models

SMALL = {"vocabulary_size": 23, "max_sequence_length": 12, "hidden_dim": 16, "num_heads": 2,
         "num_layers": 2, "intermediate_dim": 32, "dropout": 0.0}


def _tokens(seed=0, batch=4, length=9, vocab=23):
    return np.random.default_rng(seed).integers(1, vocab, size=(batch, length)).astype("int32")


def test_padding_mask_lets_every_position_read_every_real_token():
    mask = np.asarray(models.EncoderPaddingMask()(np.array([[3, 4, 5, 0, 0]])))[0]
    expected = np.zeros((5, 5), bool)
    expected[:, :3] = True
    np.testing.assert_array_equal(mask, expected)


def test_masked_lm_shapes_config_and_feature_layer():
    mlm = models.masked_lm(**SMALL)
    out = np.asarray(mlm(_tokens()))
    assert out.shape == (4, 9, 23) and out.dtype == np.float32
    assert mlm.lm_config == SMALL
    assert mlm.get_layer("final_norm").output.shape[-1] == SMALL["hidden_dim"]
    # The same network as the causal model: only the attention mask differs.
    assert mlm.count_params() == models.causal_lm(**SMALL).count_params()


@pytest.mark.usefixtures("force_xla")  # the model must also compile with XLA
def test_encoder_reads_both_sides_where_the_causal_lm_reads_the_left_only():
    keras.utils.set_random_seed(0)
    mlm = models.masked_lm(**SMALL)
    assert mlm.jit_compile is True
    keras.utils.set_random_seed(0)
    lm = models.causal_lm(**SMALL)
    tokens = _tokens()
    changed = tokens.copy()
    changed[:, 6] = (changed[:, 6] % 22) + 1  # a later token
    for model, reads_right in ((mlm, True), (lm, False)):
        moved = np.abs(np.asarray(model(changed)) - np.asarray(model(tokens))).max(axis=(0, 2))
        assert moved[6] > 1e-4
        assert (moved[:6] > 1e-4).all() if reads_right else (moved[:6] < 1e-5).all(), moved


def test_padding_does_not_change_the_real_positions():
    keras.utils.set_random_seed(1)
    mlm = models.masked_lm(**SMALL)
    tokens = _tokens(length=7)
    base = np.asarray(mlm(tokens))
    for extra in (1, 5):
        padded = np.asarray(mlm(np.pad(tokens, ((0, 0), (0, extra)))))
        np.testing.assert_allclose(padded[:, :7], base, atol=1e-5)


def test_mask_tokens_follows_bert_proportions_and_spares_padding_and_specials():
    vocab, mask_id = 500, 499
    rng = np.random.default_rng(0)
    ids = rng.integers(4, mask_id, size=(2000, 100))
    ids[:, 0], ids[:, 50] = 2, 3  # [BOS], [EOS]
    ids[:, 90:] = 0  # padding
    inputs, targets, weights = models.mask_tokens(ids, mask_id, vocab, seed=0)
    assert inputs.dtype == targets.dtype == np.int32 and weights.dtype == np.float32
    np.testing.assert_array_equal(targets, ids)
    real = (ids >= 4)
    chosen = weights > 0
    assert not chosen[~real].any()  # padding and special tokens never chosen
    np.testing.assert_array_equal(inputs[~chosen], ids[~chosen])  # nor touched
    assert abs(chosen.sum() / real.sum() - 0.15) < 0.005
    masked = inputs[chosen] == mask_id
    same = inputs[chosen] == ids[chosen]
    random = ~masked & ~same
    assert abs(masked.mean() - 0.8) < 0.01
    assert abs(random.mean() - 0.1) < 0.01
    assert abs(same.mean() - 0.1) < 0.01
    # Random replacements are ordinary tokens, never a special id or the mask.
    assert (inputs[chosen][random] >= 4).all() and (inputs[chosen][random] < mask_id).all()
    # The same seed gives the same masking; another gives another (dynamic masking).
    again = models.mask_tokens(ids, mask_id, vocab, seed=0)
    np.testing.assert_array_equal(again[0], inputs)
    assert (models.mask_tokens(ids, mask_id, vocab, seed=1)[2] != weights).any()


def test_mask_rate_and_custom_special_ids():
    ids = np.tile(np.arange(1, 21), (500, 1))
    _, _, weights = models.mask_tokens(ids, mask_id=20, vocabulary_size=21, mask_rate=0.5,
                                       special_ids=(5,), seed=3)
    chosen = weights > 0
    assert not chosen[ids == 5].any() and not chosen[ids == 20].any()
    assert chosen[ids == 1].any()  # 1 is ordinary once special_ids leaves it out
    assert abs(chosen[(ids != 5) & (ids != 20)].mean() - 0.5) < 0.02


def test_loss_counts_only_the_chosen_positions():
    keras.utils.set_random_seed(2)
    mlm = models.masked_lm(**SMALL)
    tokens = _tokens(length=10)
    inputs, targets, weights = models.mask_tokens(tokens, 22, 23, mask_rate=0.3, seed=0)
    loss = mlm.evaluate(inputs, targets, sample_weight=weights, verbose=0)
    other = np.where(weights > 0, targets, (targets + 7) % 22 + 1)  # unchosen targets changed
    assert mlm.evaluate(inputs, other, sample_weight=weights, verbose=0) == pytest.approx(loss)
    logits = np.asarray(mlm(inputs), np.float64)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], -1)[..., 0]
    assert loss == pytest.approx(-picked[weights > 0].mean(), rel=1e-4)


def test_masked_lm_save_load_round_trip(tmp_path):
    keras.utils.set_random_seed(3)
    mlm = models.masked_lm(**SMALL)
    tokens = np.pad(_tokens(seed=2), ((0, 0), (0, 2)))
    path = tmp_path / "mlm.keras"
    mlm.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(restored(tokens)), np.asarray(mlm(tokens)), atol=1e-6)


def test_masked_lm_trains_under_mirrored_strategy_and_bfloat16_keeps_float32(two_cpu_strategy):
    x, _ = models.next_token_windows([list(range(4, 14)) * 10], sequence_length=8, stride=4)
    inputs, targets, weights = models.mask_tokens(x, 14, 15, mask_rate=0.3, seed=0)
    with two_cpu_strategy.scope():
        mlm = models.masked_lm(vocabulary_size=15, max_sequence_length=8, hidden_dim=16,
                               num_heads=2, num_layers=1, intermediate_dim=32,
                               learning_rate=1e-2)
    history = mlm.fit(inputs, targets, sample_weight=weights, batch_size=8, epochs=3,
                      verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mlm = models.masked_lm(**SMALL)
        assert any(layer.compute_dtype == "bfloat16" for layer in mlm.layers)
        assert mlm(x[:2]).dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_add_mask_token_appends_one_id_and_keeps_the_others():
    tok = data.train_subword_tokenizer(["the cat sat on the mat"] * 20, vocabulary_size=40)
    with_mask = models.add_mask_token(tok)
    assert with_mask.vocabulary_size == tok.vocabulary_size + 1
    assert with_mask.token_to_id(models.MASK_TOKEN) == tok.vocabulary_size
    assert tok.token_to_id(models.MASK_TOKEN) is None  # the original is left alone
    assert with_mask.encode("the cat sat") == tok.encode("the cat sat")
    ids = with_mask.encode("the cat")
    assert with_mask.decode([*ids, with_mask.token_to_id("[MASK]")]) == "the cat"
    assert models.add_mask_token(with_mask) is with_mask


def test_shipped_encoder_beats_the_unigram_baseline_on_held_out_topics():
    mlm, tokenizer, record = models.load_pretrained_mlm()
    lm_tokenizer = models.load_pretrained_lm()[1]
    config = record["config"]
    assert mlm.lm_config == config and mlm.count_params() == record["parameters"]
    mask_id = tokenizer.token_to_id(models.MASK_TOKEN)
    assert mask_id == config["vocabulary_size"] - 1 == lm_tokenizer.vocabulary_size
    # Every id but the mask means what it means to the shipped causal model.
    train = data.texts("python_docs", "train")
    assert tokenizer.encode(train[0][:2000]) == lm_tokenizer.encode(train[0][:2000])
    counts = np.bincount(np.concatenate([tokenizer.encode(t) for t in train]),
                         minlength=config["vocabulary_size"])
    most_frequent = int(counts.argmax())
    topics = data.texts("python_docs", "test")
    ids = [tokenizer.encode(t, add_bos_eos=True) for t in topics]
    windows, _ = models.next_token_windows(ids, config["max_sequence_length"],
                                           config["max_sequence_length"])
    inputs, targets, weights = models.mask_tokens(windows, mask_id, config["vocabulary_size"],
                                                  seed=0)
    chosen = weights > 0
    assert chosen.sum() > 300
    predicted = np.asarray(mlm.predict(inputs, verbose=0)).argmax(-1)
    accuracy = (predicted[chosen] == targets[chosen]).mean()
    baseline = (targets[chosen] == most_frequent).mean()
    # Measured: 0.39 against 0.03 for the most frequent token.
    assert accuracy > baseline + 0.2, (accuracy, baseline)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.masked_lm(vocabulary_size=0, max_sequence_length=8), "vocabulary_size"),
        (lambda: models.masked_lm(vocabulary_size=10, max_sequence_length=8, hidden_dim=10,
                                  num_heads=4), "hidden_dim"),
        (lambda: models.masked_lm(vocabulary_size=10, max_sequence_length=8, dropout=1.5),
         "dropout"),
        (lambda: models.mask_tokens([[1.5, 2.0]], 9, 10), "token_ids"),
        (lambda: models.mask_tokens([[4, 12]], 9, 10), "token_ids"),
        (lambda: models.mask_tokens([[4, 5]], 10, 10), "mask_id"),
        (lambda: models.mask_tokens([[4, 5]], 0, 10), "mask_id"),
        (lambda: models.mask_tokens([[4, 5]], 9, 1), "vocabulary_size"),
        (lambda: models.mask_tokens([[4, 5]], 9, 10, mask_rate=0.0), "mask_rate"),
        (lambda: models.mask_tokens([[4, 5]], 9, 10, mask_rate=1.2), "mask_rate"),
        (lambda: models.mask_tokens([[4, 5]], 9, 10, special_ids=("a",)), "special_ids"),
        (lambda: models.mask_tokens([[1, 1]], 2, 3, special_ids=(1,)), "special_ids"),
        (lambda: models.add_mask_token("not a tokenizer"), "tokenizer"),
        (lambda: models.load_pretrained_mlm("no_such_model"), "name"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
