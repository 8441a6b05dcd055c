"""The encoder-decoder Transformer and its translator: masks, causality, agreement, learning."""

import keras
import numpy as np
import pytest

from seqbook import decoding, models
from seqbook.models.seq2seq.recurrent import Seq2SeqTranslator, teacher_forcing
from seqbook.models.seq2seq.inference import inference_model
from seqbook.models.seq2seq.transformer import (
    PaddingMask,
    ScaledEmbedding,
    TransformerTranslator,
    _cross_attention,
    transformer_seq2seq,
)

SOURCE = np.array([[3, 4, 5, 6], [7, 8, 0, 0], [9, 0, 0, 0]], dtype="int32")
TARGET_IN = np.array([[1, 4, 5, 6, 3], [1, 7, 8, 0, 0], [1, 6, 6, 7, 0]], dtype="int32")
START, END = 1, 2
VARIANTS = [
    dict(),
    dict(norm_first=False),
    dict(positions="learned"),
]


def _build(**kwargs):
    keras.utils.set_random_seed(0)
    options = dict(hidden_dim=16, num_heads=2, intermediate_dim=32, dropout=0.0,
                   max_sequence_length=16)
    model = transformer_seq2seq(12, 10, **{**options, **kwargs})
    return model


def _probs(model, source=SOURCE, target_in=TARGET_IN):
    return keras.ops.convert_to_numpy(model({"source": source, "target_in": target_in}))


def _reverse_task(n, rng, length=5):
    """Sequences of 5 tokens in 3..10 and their reversals: every output token depends on
    the source position it mirrors, so the decoder must attend to the right place."""
    source = rng.integers(3, 11, size=(n, length)).astype("int32")
    target_in, target_out = teacher_forcing(source[:, ::-1].copy(), START, end_token=END)
    return source, target_in, target_out


@pytest.fixture(scope="module")
def trained():
    """A small Transformer trained on the reverse task (the expensive part, done once)."""
    rng = np.random.default_rng(0)
    # 960 = 30 batches of 32: no smaller last batch, so the training step is traced once.
    source, target_in, target_out = _reverse_task(960, rng)
    keras.utils.set_random_seed(0)
    model = transformer_seq2seq(11, 11, hidden_dim=32, num_heads=4, intermediate_dim=64,
                                num_encoder_layers=1, num_decoder_layers=1, dropout=0.0,
                                max_sequence_length=16, learning_rate=3e-3)
    history = model.fit({"source": source, "target_in": target_in}, target_out,
                        batch_size=32, epochs=4, verbose=0)
    return model, history, rng


@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_masks_causality_and_translator(variant):
    model = _build(**variant)
    probs = _probs(model)
    assert probs.shape == (3, 5, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)

    # Padding in the source changes nothing...
    more_padding = np.pad(SOURCE, ((0, 0), (0, 3)))
    np.testing.assert_allclose(_probs(model, source=more_padding), probs, atol=1e-5)
    # ...but the real tokens do matter, and so does their order.
    swapped = SOURCE.copy()
    swapped[0, :2] = swapped[0, 1::-1]
    assert np.abs(_probs(model, source=swapped)[0] - probs[0]).max() > 1e-4

    # The decoder is causal: a different future for row 0 leaves its past unchanged.
    for t in (1, 3):
        changed = TARGET_IN.copy()
        changed[0, t:] = 9
        after = _probs(model, target_in=changed)
        np.testing.assert_allclose(after[0, :t], probs[0, :t], atol=1e-5)
        assert np.abs(after[0, t:] - probs[0, t:]).max() > 1e-4  # the future itself moved
    # Extra padding at the end of target_in changes no real position either.
    longer = _probs(model, target_in=np.pad(TARGET_IN, ((0, 0), (0, 2))))
    np.testing.assert_allclose(longer[:, :5][TARGET_IN != 0], probs[TARGET_IN != 0], atol=1e-5)

    # The translator gives the training model's probabilities.
    translator = inference_model(model)
    assert isinstance(translator, TransformerTranslator)
    log_prob_fn = translator.log_prob_fn(SOURCE)
    for t, rows in ((1, [0, 1, 2]), (4, [0, 2]), (5, [0])):
        got = np.exp(log_prob_fn(TARGET_IN[:, :t]))
        np.testing.assert_allclose(got[rows, 1:], probs[rows, t - 1, 1:], atol=1e-5)
        assert (got[:, 0] == 0).all()  # padding is never proposed
        # Beam search's layout: k hypotheses per source row, each row's kept together.
        tiled = np.exp(log_prob_fn(np.repeat(TARGET_IN[:, :t], 3, axis=0)))
        np.testing.assert_allclose(tiled, np.repeat(got, 3, axis=0), atol=1e-6)
    encoded = translator.encode(SOURCE)
    assert encoded.outputs.shape == (3, 4, 16)
    np.testing.assert_array_equal(encoded.mask, SOURCE != 0)


def test_reverse_task_is_learned_and_decoded(trained):
    model, history, rng = trained
    # Teacher-forced accuracy over the real (non-padding) target positions, measured 0.99
    # after 3 epochs and 1.0 after 4; an untrained model scores about 1/8.
    assert history.history["accuracy"][0] < 0.6
    assert history.history["accuracy"][-1] > 0.9
    source, target_in, target_out = _reverse_task(200, rng)
    translator = inference_model(model)
    out = translator.translate(source, START, END, max_length=7)
    assert out.shape == (200, 8)
    assert (out[:, 1:6] == source[:, ::-1]).all(axis=1).mean() > 0.9
    assert (out[:, 6] == END).mean() > 0.9
    beams = translator.translate(source[:50], START, END, max_length=7, beam_width=3)
    assert beams.shape == (50, 8)
    assert (beams[:, 1:6] == source[:50, ::-1]).all(axis=1).mean() > 0.9
    # The translator's numbers on the greedy outputs (its own prefixes) and on beam-search
    # rows are the teacher-forced model's.
    probs = _probs(model, source[:20], out[:20, :-1].astype("int32"))
    log_prob_fn = translator.log_prob_fn(source[:20])
    for t in (1, 3, 6):
        got = np.exp(log_prob_fn(np.repeat(out[:20, :t], 2, axis=0)))
        np.testing.assert_allclose(got[::2, 1:], probs[:, t - 1, 1:], atol=1e-5)
        np.testing.assert_allclose(got[1::2], got[::2], atol=1e-6)
    # The last block's cross-attention, read at the first output step, looks at the last
    # source token (the one to copy) more than at any other, for most sequences.
    weights = translator.cross_attention_weights(source[:50], target_in[:50])
    assert weights.shape == (50, 4, 6, 5)
    assert (weights.mean(axis=1)[:, 0].argmax(-1) == 4).mean() > 0.8


def test_masked_accuracy_and_loss_ignore_padding(trained):
    model, _, rng = trained
    source, target_in, target_out = _reverse_task(8, rng)
    target_in[:4, 3:], target_out[:4, 3:] = 0, 0  # shorter targets: padding at the end
    target_out[4:, 1] = (target_out[4:, 1] - 2) % 8 + 3  # wrong labels: accuracy below 1
    probs = _probs(model, source, target_in)
    real = target_out != 0
    expected_acc = (probs.argmax(-1) == target_out)[real].mean()
    picked = np.take_along_axis(probs, target_out[..., None], -1)[..., 0]
    result = model.evaluate({"source": source, "target_in": target_in}, target_out,
                            verbose=0, return_dict=True)
    assert 0 < expected_acc < 1
    assert result["accuracy"] == pytest.approx(expected_acc, abs=1e-6)
    assert result["loss"] == pytest.approx(-np.log(picked[real]).mean(), rel=1e-4)


@pytest.mark.parametrize("variant", VARIANTS[:2], ids=str)  # pre- and post-norm
def test_cross_attention_weights_are_the_ones_the_block_uses(variant):
    model = _build(num_decoder_layers=1, **variant)
    translator = TransformerTranslator(model)
    weights = translator.cross_attention_weights(SOURCE, TARGET_IN)
    assert weights.shape == (3, 2, 5, 4)
    real = TARGET_IN != 0
    np.testing.assert_allclose(weights.sum(-1)[real[:, None, :].repeat(2, 1)], 1.0, atol=1e-5)
    np.testing.assert_array_equal(weights * (SOURCE == 0)[:, None, None, :], 0.0)
    # Rebuild the block's output from these weights and its own sub-layers: it must be the
    # block's output, so the weights are exactly the ones it attends with.
    block = model.get_layer("decoder_0")
    memory = model.get_layer("encoder_norm" if block.norm_first else "encoder_1").output
    memory = keras.Model(model.input["source"], memory)(SOURCE)
    target_mask, source_mask = TARGET_IN != 0, SOURCE != 0
    x = model.get_layer("target_positions")(model.get_layer("target_embedding")(TARGET_IN))
    stream, _ = _cross_attention(block, x, memory, target_mask, source_mask)
    cross = block.cross
    _, values = cross.project_key_value(memory, memory)
    heads = np.einsum("bnts,bsnh->bnth", weights, keras.ops.convert_to_numpy(values))
    attended = np.einsum("bnth,nhd->btd", heads, keras.ops.convert_to_numpy(cross.output_kernel))
    attended = attended + keras.ops.convert_to_numpy(cross.output_bias)
    if block.norm_first:
        h = stream + attended
        h = h + block.contract(block.expand(block.ff_norm(h)))
    else:
        h = block.cross_norm(stream + attended)
        h = block.ff_norm(h + block.contract(block.expand(h)))
    expected = block(x, memory, inputs_mask=target_mask, context_mask=source_mask)
    expected = keras.ops.convert_to_numpy(expected)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(h)[real], expected[real], atol=1e-5)


def test_save_load_round_trip(trained, tmp_path):
    model, _, rng = trained
    source, target_in, _ = _reverse_task(16, rng)
    model.save(tmp_path / "transformer.keras")
    restored = keras.saving.load_model(tmp_path / "transformer.keras")
    np.testing.assert_allclose(_probs(restored, source, target_in),
                               _probs(model, source, target_in), atol=1e-6)
    translator = inference_model(restored)
    assert isinstance(translator, TransformerTranslator)
    np.testing.assert_array_equal(translator.translate(source, START, END, 7),
                                  inference_model(model).translate(source, START, END, 7))


def test_inference_model_serves_both_kinds_of_model():
    recurrent = models.encoder_decoder(12, 10, embedding_dim=4, units=4)
    assert isinstance(models.inference_model(recurrent), Seq2SeqTranslator)
    assert isinstance(models.inference_model(_build()), TransformerTranslator)
    assert models.inference_model is inference_model
    assert models.transformer_seq2seq is transformer_seq2seq


def test_small_layers():
    embedding = ScaledEmbedding(7, 4, max_sequence_length=3)
    table = np.asarray(embedding(np.array([[1, 2]])))
    np.testing.assert_allclose(table, 2.0 * keras.ops.convert_to_numpy(
        keras.ops.take(embedding.embeddings, np.array([[1, 2]]), axis=0)), atol=1e-6)
    with pytest.raises(ValueError, match="max_sequence_length=3"):
        embedding(np.ones((1, 4), "int32"))
    for layer in (embedding, PaddingMask()):
        clone = layer.__class__.from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_post_norm_with_learned_positions_trains_under_mirrored_strategy(two_cpu_strategy):
    # The default (pre-norm, sinusoidal) model is trained by the fixture above; this one
    # trains the other two options, on two replicas (one trace is the expensive part).
    source, target_in, target_out = _reverse_task(400, np.random.default_rng(1))
    keras.utils.set_random_seed(0)
    with two_cpu_strategy.scope():
        model = transformer_seq2seq(11, 11, hidden_dim=16, num_heads=2, intermediate_dim=32,
                                    dropout=0.0, num_encoder_layers=1, num_decoder_layers=1,
                                    norm_first=False, positions="learned", learning_rate=3e-3)
    assert "encoder_norm" not in [layer.name for layer in model.layers]
    history = model.fit({"source": source, "target_in": target_in}, target_out,
                        batch_size=100, epochs=5, verbose=0)  # 4 batches of 100: one trace
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0], losses


def test_mixed_bfloat16_keeps_float32_outputs():
    # (No XLA training step here: compiling this graph with XLA takes over 10 s on a 2-core
    # CPU, more than this file's budget; compile_model switches XLA on as for every builder.)
    source, target_in, _ = _reverse_task(8, np.random.default_rng(3))
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = transformer_seq2seq(11, 11, hidden_dim=8, num_heads=2, intermediate_dim=8,
                                    num_encoder_layers=1, num_decoder_layers=1)
        assert model.get_layer("decoder_0").compute_dtype == "bfloat16"
        probs = _probs(model, source, target_in)
        assert probs.dtype == np.float32
        np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-3)
        translator = inference_model(model)
        assert translator.translate(source, START, END, max_length=3).shape == (8, 4)
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(source_vocabulary_size=0), "source_vocabulary_size"),
        (dict(target_vocabulary_size=-1), "target_vocabulary_size"),
        (dict(hidden_dim=2.5), "hidden_dim"),
        (dict(hidden_dim=18, num_heads=4), "divisible by num_heads"),
        (dict(hidden_dim=9, num_heads=3), "even"),
        (dict(num_heads=0), "num_heads"),
        (dict(intermediate_dim=0), "intermediate_dim"),
        (dict(num_encoder_layers=0), "num_encoder_layers"),
        (dict(num_decoder_layers=0), "num_decoder_layers"),
        (dict(dropout=1.0), "dropout"),
        (dict(dropout=-0.1), "dropout"),
        (dict(positions="rotary"), "positions"),
        (dict(norm_first="yes"), "norm_first"),
        (dict(max_sequence_length=0), "max_sequence_length"),
        (dict(learning_rate=0), "learning_rate"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    arguments = dict(source_vocabulary_size=12, target_vocabulary_size=10, hidden_dim=16,
                     num_heads=2, intermediate_dim=16)
    with pytest.raises(ValueError, match=message):
        transformer_seq2seq(**{**arguments, **kwargs})


def test_a_model_that_is_not_a_transformer_is_refused():
    for model in (keras.Sequential([keras.layers.Dense(2)]), "model.keras",
                  models.encoder_decoder(12, 10, embedding_dim=4, units=4)):
        with pytest.raises(ValueError, match="model"):
            TransformerTranslator(model)


@pytest.fixture(scope="module")
def translator():
    return TransformerTranslator(_build())


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda t: t.translate(np.zeros((0, 4), "int32"), 1, 2, 5), "source"),
        (lambda t: t.translate([3, 4, 5], 1, 2, 5), "source"),
        (lambda t: t.translate([[3, 40]], 1, 2, 5), "source"),
        (lambda t: t.translate([[3, -1]], 1, 2, 5), "source"),
        (lambda t: t.translate([[3.0, 4.0]], 1, 2, 5), "source"),
        (lambda t: t.translate(np.ones((1, 17), "int32"), 1, 2, 5), "max_sequence_length=16"),
        (lambda t: t.translate(SOURCE, 10, 2, 5), "start_token"),
        (lambda t: t.translate(SOURCE, 0, 2, 5), "start_token"),
        (lambda t: t.translate(SOURCE, 1, -1, 5), "end_token"),
        (lambda t: t.translate(SOURCE, 1, 2, 5, beam_width=0), "beam_width"),
        (lambda t: t.translate(SOURCE, 1, 2, 0), "max_length"),
        (lambda t: t.translate(SOURCE, 1, 2, 17), "max_sequence_length=16"),
        (lambda t: t.log_prob_fn(SOURCE)(TARGET_IN[:2, :2]), "prefixes"),
        (lambda t: t.log_prob_fn(SOURCE)(TARGET_IN[:, :2] + 10), "prefixes"),
        (lambda t: t.encode(np.zeros((2, 0), "int32")), "source"),
        (lambda t: t.cross_attention_weights(SOURCE, TARGET_IN[:2]), "target_in"),
        (lambda t: t.cross_attention_weights(SOURCE, TARGET_IN + 10), "target_in"),
    ],
)
def test_bad_input_to_the_translator_is_named(translator, call, message):
    with pytest.raises(ValueError, match=message):
        call(translator)


def test_greedy_through_seqbook_decoding_up_to_max_length(translator):
    out = decoding.greedy(translator.log_prob_fn(SOURCE), np.full(3, START), END, 4)
    assert out.shape == (3, 5) and (out[:, 0] == START).all()
    assert ((out[:, 1:] >= 1) & (out[:, 1:] < 10)).all()
    # The model's max_length (16) bounds both sides: 16 source positions and 16 output
    # tokens are fine, one more is a named error, also in the training model itself.
    assert translator.translate(np.full((1, 16), 5), START, END, 16).shape == (1, 17)
    for source, target_in in ((np.ones((1, 17), "int32"), TARGET_IN[:1]),
                              (SOURCE[:1], np.ones((1, 17), "int32"))):
        with pytest.raises(ValueError, match="max_sequence_length=16"):
            translator.model({"source": source, "target_in": target_in})
