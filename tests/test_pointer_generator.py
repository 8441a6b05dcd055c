"""The copy layer, the pointer-generator builder and its translator; the input checks that
every translator shares (empty source, too long a source, ids beyond the vocabulary)."""

import keras
import numpy as np
import pytest

from seqbook import layers, models
from seqbook.layers.copy import PointerGenerator, scatter_onto_vocabulary
from seqbook.models.seq2seq.pointer_generator import PointerGeneratorTranslator

VOCABULARY = 12
SOURCE = np.array([[3, 4, 5, 6], [7, 8, 0, 0], [9, 0, 0, 0]], dtype="int32")
TARGET_IN = np.array([[1, 4, 5, 6, 3], [1, 7, 8, 0, 0], [1, 6, 6, 7, 0]], dtype="int32")
CONFIGS = [
    dict(),  # See et al.: bidirectional GRU encoder, additive attention
    dict(cell="lstm", attention="luong"),
    dict(cell="gru", bidirectional=False, attention="luong"),
    dict(cell="lstm", bidirectional=True, attention="bahdanau"),
]


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _layer_inputs(seed=0, batch=3, steps=4, source_length=5, vocabulary=VOCABULARY):
    """Random logits, attention weights that are distributions over the real source
    tokens (as a masked attention layer gives), source ids with padding, and features."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(batch, steps, vocabulary)).astype("float32") * 3
    source = rng.integers(1, vocabulary, size=(batch, source_length)).astype("int32")
    source[1, 3:] = 0  # padding at the end of one row
    scores = rng.normal(size=(batch, steps, source_length)) * 2
    scores = np.where((source != 0)[:, None, :], scores, -np.inf)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights = (weights / weights.sum(-1, keepdims=True)).astype("float32")
    features = [rng.normal(size=(batch, steps, width)).astype("float32")
                for width in (6, 4, 3)]
    return logits, weights, source, features


def _switch(bias):
    """A copy layer whose p_gen is sigmoid(bias) at every step."""
    return PointerGenerator(kernel_initializer="zeros",
                            bias_initializer=keras.initializers.Constant(bias))


# ---- the copy layer ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_copy_layer_gives_probabilities_that_sum_to_one(seed):
    logits, weights, source, features = _layer_inputs(seed)
    # Uniform attention over a whole row, padding included (what an all-padding source
    # row gets), must also leave a distribution.
    weights[2] = 1.0 / weights.shape[-1]
    probs, p_gen = PointerGenerator()(logits, weights, source, *features)
    probs, p_gen = _numpy(probs), _numpy(p_gen)
    assert probs.shape == logits.shape and p_gen.shape == logits.shape[:2]
    assert (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    assert ((p_gen > 0) & (p_gen < 1)).all()


def test_with_p_gen_zero_the_output_is_the_scattered_attention():
    logits, weights, source, features = _layer_inputs(1)
    probs, p_gen = _switch(-40.0)(logits, weights, source, *features)
    assert _numpy(p_gen).max() < 1e-12
    # The scatter written out with one-hot rows of the source.
    one_hot = np.eye(VOCABULARY, dtype="float32")[source] * (source != 0)[..., None]
    expected = np.einsum("bts,bsv->btv", weights, one_hot)
    np.testing.assert_allclose(_numpy(probs), expected, atol=1e-6)
    np.testing.assert_allclose(
        _numpy(scatter_onto_vocabulary(weights, source, VOCABULARY)),
        np.einsum("bts,bsv->btv", weights, np.eye(VOCABULARY, dtype="float32")[source]),
        atol=1e-6,
    )


def test_with_p_gen_one_the_output_is_the_softmax():
    logits, weights, source, features = _layer_inputs(2)
    probs, _ = _switch(40.0)(logits, weights, source, *features)
    softmax = np.exp(logits - logits.max(-1, keepdims=True))
    softmax /= softmax.sum(-1, keepdims=True)
    np.testing.assert_allclose(_numpy(probs), softmax, atol=1e-6)


def test_a_token_only_in_the_source_gets_probability_by_copying():
    """The softmax all but rules token 9 out; copying still gives it (1 - p_gen) * a."""
    logits = np.zeros((1, 1, VOCABULARY), "float32")
    logits[..., 9] = -1e4
    source = np.array([[4, 9, 5]], "int32")
    weights = np.array([[[0.2, 0.5, 0.3]]], "float32")
    features = [np.zeros((1, 1, 2), "float32")] * 3
    probs, p_gen = _switch(0.0)(logits, weights, source, *features)  # p_gen = 0.5
    probs = _numpy(probs)
    assert float(_numpy(p_gen)[0, 0]) == pytest.approx(0.5)
    assert probs[0, 0, 9] == pytest.approx(0.5 * 0.5, abs=1e-6)
    # ... and nothing of it from the softmax: without the token in the source it has none.
    alone, _ = _switch(0.0)(logits, weights, np.array([[4, 6, 5]], "int32"), *features)
    assert _numpy(alone)[0, 0, 9] < 1e-12


def test_padding_takes_no_copy_mass():
    """Attention on padding is not copied (id 0 is no token): it returns to the softmax."""
    logits, weights, source, features = _layer_inputs(3)
    weights[1, :, 3:] = 0.25  # attention that leaks onto the two padding positions
    weights[1] /= weights[1].sum(-1, keepdims=True)
    probs, _ = _switch(-40.0)(logits, weights, source, *features)
    real = weights[1] * (source[1] != 0)
    leaked = 1.0 - real.sum(-1, keepdims=True)
    softmax = np.exp(logits[1] - logits[1].max(-1, keepdims=True))
    softmax /= softmax.sum(-1, keepdims=True)
    expected = real @ np.eye(VOCABULARY, dtype="float32")[source[1]] + leaked * softmax
    np.testing.assert_allclose(_numpy(probs)[1], expected, atol=1e-6)
    np.testing.assert_allclose(_numpy(probs).sum(-1), 1.0, atol=1e-5)


def test_copy_layer_config_and_checks():
    layer = PointerGenerator(max_sequence_length=4, bias_initializer="ones", name="copy")
    clone = PointerGenerator.from_config(layer.get_config())
    assert clone.max_sequence_length == 4 and clone.name == "copy"
    assert isinstance(clone.bias_initializer, keras.initializers.Ones)
    logits, weights, source, features = _layer_inputs(source_length=5)
    with pytest.raises(ValueError, match="max_sequence_length=4"):
        layer(logits, weights, source, *features)
    with pytest.raises(ValueError, match="attention_weights"):
        PointerGenerator()(logits, weights[..., :4], source, *features)
    with pytest.raises(ValueError, match="context"):
        PointerGenerator()(logits, weights, source, features[0][..., 0], *features[1:])
    with pytest.raises(ValueError, match="max_sequence_length"):
        PointerGenerator(max_sequence_length=0)
    assert "PointerGenerator" in layers.__all__


# ---- the builder ------------------------------------------------------------------------------

def _build(**kwargs):
    keras.utils.set_random_seed(0)
    options = dict(embedding_dim=6, units=8, max_sequence_length=16)
    return models.pointer_generator_seq2seq(VOCABULARY, **{**options, **kwargs})


def _probs(model, source=SOURCE, target_in=TARGET_IN):
    return _numpy(model({"source": source, "target_in": target_in}))


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_builder_outputs_distributions_and_padding_changes_nothing(config):
    model = _build(**config)
    probs = _probs(model)
    assert probs.shape == (3, 5, VOCABULARY) and probs.dtype == np.float32
    assert (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    more_padding = np.pad(SOURCE, ((0, 0), (0, 3)))
    np.testing.assert_allclose(_probs(model, source=more_padding), probs, atol=1e-5)
    assert model.get_layer("copy").dtype_policy.compute_dtype == "float32"


@pytest.mark.parametrize("config", CONFIGS[:2], ids=str)
def test_save_load_round_trip(config, tmp_path):
    model = _build(**config)
    model.fit({"source": SOURCE, "target_in": TARGET_IN}, TARGET_IN, epochs=1, verbose=0)
    path = tmp_path / "pointer_generator.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(_probs(loaded), _probs(model), atol=1e-5)
    decoded = PointerGeneratorTranslator(model).translate(SOURCE, 1, 2, 6, beam_width=2)
    again = PointerGeneratorTranslator(loaded).translate(SOURCE, 1, 2, 6, beam_width=2)
    np.testing.assert_array_equal(again, decoded)


def test_loss_is_finite_when_the_model_is_sure_and_wrong():
    """The loss is a log of the mixture: a target of probability 0 must not give inf/NaN."""
    model = _build()
    target_out = np.where(TARGET_IN > 0, 11, 0).astype("int32")
    copy = model.get_layer("copy")
    copy.switch_bias.assign(np.array([-40.0], "float32"))  # copy only: 11 is not in a source
    loss = model.evaluate({"source": SOURCE, "target_in": TARGET_IN}, target_out, verbose=0)
    assert np.isfinite(loss[0] if isinstance(loss, list) else loss)


def test_copies_tokens_it_never_saw_in_training():
    """Trained to copy sequences of tokens 3..29, it copies tokens 30..39 (never in a
    training pair, so their embeddings are untrained and the softmax never predicts
    them): the copy mechanism moves them from the source by attention alone."""
    rng = np.random.default_rng(0)
    source = rng.integers(3, 30, size=(384, 5)).astype("int32")
    target_in, target_out = models.teacher_forcing(source, start_token=1, end_token=2)
    keras.utils.set_random_seed(0)
    model = models.pointer_generator_seq2seq(40, embedding_dim=8, units=16,
                                             bidirectional=False)
    model.fit({"source": source, "target_in": target_in}, target_out, epochs=6,
              batch_size=32, verbose=0)
    unseen = rng.integers(30, 40, size=(32, 5)).astype("int32")
    translator = PointerGeneratorTranslator(model)
    out = translator.translate(unseen, 1, 2, 6)[:, 1:6]
    # Measured: 0.74 of the unseen tokens copied to their place (an encoder_decoder with
    # attention trained the same way: 0.0).
    assert (out == unseen).mean() > 0.5
    copy = translator.copy_probability(unseen, translator.translate(unseen, 1, 2, 5)[:, :-1])
    assert copy.mean() > 0.5  # it mostly copies


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.pointer_generator_seq2seq(0), "vocabulary_size"),
        (lambda: models.pointer_generator_seq2seq(10, units=0), "units"),
        (lambda: models.pointer_generator_seq2seq(10, attention=None), "attention"),
        (lambda: models.pointer_generator_seq2seq(10, attention="dot"), "attention"),
        (lambda: models.pointer_generator_seq2seq(10, cell="rnn"), "cell"),
        (lambda: models.pointer_generator_seq2seq(10, dropout=1.0), "dropout"),
        (lambda: models.pointer_generator_seq2seq(10, max_sequence_length=0),
         "max_sequence_length"),
        (lambda: PointerGeneratorTranslator(models.encoder_decoder(10, 10)), "model"),
        (lambda: PointerGeneratorTranslator("model.keras"), "model"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the translator ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def translator():
    return PointerGeneratorTranslator(_build())


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_translator_agrees_with_the_training_model(config):
    model = _build(**config)
    translator = PointerGeneratorTranslator(model)
    probs = _probs(model, target_in=TARGET_IN[:, :4])
    step = translator.log_prob_fn(SOURCE)
    for t in range(1, 5):  # one token at a time: the fast path from remembered states
        log_probs = step(TARGET_IN[:, :t].clip(1))
        expected = np.log(_probs(model, target_in=TARGET_IN[:, :t].clip(1))[:, -1])
        np.testing.assert_allclose(log_probs[:, 1:], expected[:, 1:], atol=1e-4)
    assert np.isneginf(log_probs[:, 0]).all()  # the padding id is never emitted
    # A whole prefix at once (the simple path) gives the same numbers.
    np.testing.assert_allclose(
        translator.log_prob_fn(SOURCE)(TARGET_IN[:, :4].clip(1))[:, 1:], log_probs[:, 1:],
        atol=1e-5)
    assert probs.shape == (3, 4, VOCABULARY)
    weights = translator.attention_weights(SOURCE, TARGET_IN)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.abs(weights[1, :, 2:]).max() < 1e-6  # no attention on padding


def test_greedy_and_beam_decode_with_blocking(translator):
    greedy = translator.translate(SOURCE, 1, 2, 8)
    beam = translator.translate(SOURCE, 1, 2, 8, beam_width=3, length_penalty=0.6,
                                no_repeat_ngram_size=1)
    for out in (greedy, beam):
        assert out.shape == (3, 9) and (out[:, 0] == 1).all()
        assert ((out[:, 1:] >= 1) & (out[:, 1:] < VOCABULARY)).all()
    for row in beam[:, 1:].tolist():
        tokens = row[: row.index(2)] if 2 in row else row
        assert len(tokens) == len(set(tokens)) and 1 not in tokens


def test_copy_probability_is_one_minus_p_gen(translator):
    copy = translator.copy_probability(SOURCE, TARGET_IN)
    assert copy.shape == TARGET_IN.shape and copy.dtype == np.float32
    assert ((copy > 0) & (copy < 1)).all()
    model = translator.model
    p_gen = keras.Model(model.input, model.get_layer("copy").output[1])(
        {"source": SOURCE, "target_in": TARGET_IN})
    np.testing.assert_allclose(copy, 1 - _numpy(p_gen), atol=1e-6)
    with pytest.raises(ValueError, match="target_in"):
        translator.copy_probability(SOURCE, TARGET_IN[:2])
    with pytest.raises(ValueError, match="target_in"):
        translator.copy_probability(SOURCE, TARGET_IN + VOCABULARY)


# ---- bad input: the same refusals from every translator ---------------------------------------

def _translators():
    keras.utils.set_random_seed(0)
    return {
        "pointer_generator": PointerGeneratorTranslator(_build()),
        "encoder_decoder": models.inference_model(
            models.encoder_decoder(VOCABULARY, VOCABULARY, embedding_dim=6, units=8,
                                   attention="luong")),
        "transformer_seq2seq": models.inference_model(
            models.transformer_seq2seq(VOCABULARY, VOCABULARY, hidden_dim=8, num_heads=2,
                                       intermediate_dim=16, num_encoder_layers=1,
                                       num_decoder_layers=1, max_sequence_length=16)),
    }


@pytest.fixture(scope="module")
def translators():
    return _translators()


BAD_SOURCES = [
    ("no positions", np.zeros((2, 0), "int32"), "source"),
    ("no rows", np.zeros((0, 4), "int32"), "source"),
    ("a row of padding", np.array([[3, 4, 0], [0, 0, 0]], "int32"), "rows \\[1\\]"),
    ("all padding", np.zeros((2, 3), "int32"), "at least one token"),
    ("an id beyond the vocabulary", np.array([[3, VOCABULARY]], "int32"),
     f"\\[0, {VOCABULARY}\\)"),
    ("a negative id", np.array([[3, -1]], "int32"), "source"),
    ("not ids", np.array([[3.0, 4.0]]), "integer"),
]


@pytest.mark.parametrize("kind", ["pointer_generator", "encoder_decoder",
                                  "transformer_seq2seq"])
@pytest.mark.parametrize("case, source, message", BAD_SOURCES, ids=[c[0] for c in BAD_SOURCES])
def test_every_translator_refuses_bad_sources(translators, kind, case, source, message):
    translator = translators[kind]
    for call in (lambda: translator.translate(source, 1, 2, 4),
                 lambda: translator.translate(source, 1, 2, 4, beam_width=2),
                 lambda: translator.log_prob_fn(source)):
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("kind", ["pointer_generator", "transformer_seq2seq"])
def test_a_source_longer_than_the_model_maximum_is_refused(translators, kind):
    translator = translators[kind]
    assert translator.translate(np.full((1, 16), 5), 1, 2, 4).shape == (1, 5)
    with pytest.raises(ValueError, match="max_sequence_length=16"):
        translator.translate(np.full((1, 17), 5), 1, 2, 4)
    with pytest.raises(ValueError, match="max_sequence_length=16"):
        translator.translate(np.full((1, 4), 5), 1, 2, 17)


def test_a_recurrent_model_without_a_maximum_reads_any_length(translators):
    translator = translators["encoder_decoder"]
    assert translator.max_sequence_length is None
    assert translator.translate(np.full((1, 40), 5), 1, 2, 3).shape == (1, 4)


def test_a_model_and_a_tokenizer_that_do_not_match(translators):
    """Ids from a larger vocabulary than the model's are refused, naming both sizes."""
    tokenizer_ids = np.array([[5, 17, 40, 3]], "int32")  # a tokenizer of 50 ids
    for translator in translators.values():
        with pytest.raises(ValueError, match=f"source must hold token ids in \\[0, "
                                             f"{VOCABULARY}\\); got values from 3 to 40"):
            translator.translate(tokenizer_ids, 1, 2, 4)


def test_mixed_bfloat16_and_an_xla_step(monkeypatch):
    """Under mixed precision the copy layer (the output) stays float32, its probabilities
    still sum to one, and a compiled (XLA) training step on the scatter works."""
    target_in, target_out = models.teacher_forcing(SOURCE[:, :2] % 9 + 3, 1, 2)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        keras.utils.set_random_seed(0)
        model = models.pointer_generator_seq2seq(VOCABULARY, embedding_dim=4, units=4)
        assert model.get_layer("decoder").compute_dtype == "bfloat16"
        assert model.get_layer("copy").compute_dtype == "float32"
        probs = _probs(model, target_in=target_in)
        assert probs.dtype == np.float32
        np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
        translator = PointerGeneratorTranslator(model)
        assert translator.translate(SOURCE, 1, 2, 4, beam_width=2).shape == (3, 5)
        monkeypatch.setenv("SEQBOOK_XLA", "on")
        model = models.pointer_generator_seq2seq(VOCABULARY, embedding_dim=2, units=2)
        assert model.jit_compile is True
        loss = model.train_on_batch({"source": SOURCE, "target_in": target_in}, target_out)
        assert np.isfinite(loss).all()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_trains_under_mirrored_strategy(two_cpu_strategy):
    target_in, target_out = models.teacher_forcing(SOURCE[:, :2].repeat(32, axis=0), 1, 2)
    inputs = {"source": SOURCE.repeat(32, axis=0), "target_in": target_in}
    with two_cpu_strategy.scope():
        model = models.pointer_generator_seq2seq(VOCABULARY, embedding_dim=4, units=8)
    history = model.fit(inputs, target_out, batch_size=32, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
