"""The encoder-decoder and its inference model: shapes, masking, agreement, save/load, learning."""

import keras
import numpy as np
import pytest

from seqbook import decoding, models
from seqbook.models.seq2seq.recurrent import Seq2SeqTranslator, teacher_forcing

SOURCE = np.array([[3, 4, 5, 6], [7, 8, 0, 0], [9, 0, 0, 0]], dtype="int32")
TARGET_IN = np.array([[1, 4, 5, 6, 3], [1, 7, 8, 0, 0], [1, 6, 6, 7, 0]], dtype="int32")
CONFIGS = [
    dict(cell="gru"),
    dict(cell="lstm", bidirectional=True),
    dict(cell="gru", bidirectional=True, attention="luong"),
    dict(cell="lstm", attention="bahdanau"),
]


def _build(**kwargs):
    keras.utils.set_random_seed(0)
    return models.encoder_decoder(12, 10, embedding_dim=6, units=8, **kwargs)


def _probs(model, source=SOURCE, target_in=TARGET_IN):
    return keras.ops.convert_to_numpy(model({"source": source, "target_in": target_in}))


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_shapes_and_padding_in_the_source_changes_nothing(config):
    model = _build(**config)
    probs = _probs(model)
    assert probs.shape == (3, 5, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    more_padding = np.pad(SOURCE, ((0, 0), (0, 3)))
    np.testing.assert_allclose(_probs(model, source=more_padding), probs, atol=1e-6)
    # ...but the real tokens do matter.
    assert np.abs(_probs(model, source=SOURCE[:, ::-1].copy()) - probs).max() > 1e-4


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_inference_model_agrees_with_the_teacher_forced_model(config):
    model = _build(**config)
    probs = _probs(model)
    translator = models.inference_model(model)
    log_prob_fn = translator.log_prob_fn(SOURCE)
    for t, rows in ((1, [0, 1, 2]), (3, [0, 1, 2]), (4, [0, 2]), (5, [0])):
        # Rows whose prefix ends in padding have no next token to compare.
        got = np.exp(log_prob_fn(TARGET_IN[:, :t]))
        np.testing.assert_allclose(got[rows, 1:], probs[rows, t - 1, 1:], atol=1e-5)
        assert (got[:, 0] == 0).all()  # padding is never proposed
        # Beam search asks for k hypotheses per source row, each row's kept together.
        tiled = np.exp(log_prob_fn(np.repeat(TARGET_IN[:, :t], 3, axis=0)))
        np.testing.assert_allclose(tiled, np.repeat(got, 3, axis=0), atol=1e-6)
    # Called step by step, as decoders do, it carries the decoder state forward (one step
    # per call instead of the whole prefix): the same numbers.
    step_by_step = translator.log_prob_fn(SOURCE)
    for t in range(1, 6):
        rows = [r for r in range(3) if (TARGET_IN[r, :t] != 0).all()]
        stepped = np.exp(step_by_step(np.repeat(TARGET_IN[:, :t], 2, axis=0)))[::2]
        np.testing.assert_allclose(stepped[rows, 1:], probs[rows, t - 1, 1:], atol=1e-5)
    state = translator.encode(SOURCE)
    assert len(state.states) == (2 if config["cell"] == "lstm" else 1)
    assert state.states[0].shape == (3, 8)
    assert state.outputs.shape == (3, 4, 16 if config.get("bidirectional") else 8)
    np.testing.assert_array_equal(state.mask, SOURCE != 0)


@pytest.mark.parametrize("config", [CONFIGS[2], CONFIGS[3]], ids=str)
def test_attention_weights_are_distributions_over_real_source_tokens(config):
    translator = Seq2SeqTranslator(_build(**config))
    weights = translator.attention_weights(SOURCE, TARGET_IN)
    assert weights.shape == (3, 5, 4)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(weights * (SOURCE == 0)[:, None, :], 0.0)


def test_attention_weights_need_attention():
    with pytest.raises(ValueError, match="attention"):
        Seq2SeqTranslator(_build()).attention_weights(SOURCE, TARGET_IN)


@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[2]], ids=str)
def test_save_load_round_trip(config, tmp_path):
    model = _build(**config)
    model.save(tmp_path / "seq2seq.keras")
    restored = keras.saving.load_model(tmp_path / "seq2seq.keras")
    np.testing.assert_allclose(_probs(restored), _probs(model), atol=1e-6)
    before = Seq2SeqTranslator(model).log_prob_fn(SOURCE)(TARGET_IN[:, :2])
    after = Seq2SeqTranslator(restored).log_prob_fn(SOURCE)(TARGET_IN[:, :2])
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_teacher_forcing_shifts_and_appends_the_end_token():
    target_in, target_out = teacher_forcing(np.array([[5, 6, 7], [8, 0, 0]]), 1, end_token=2)
    assert target_in.tolist() == [[1, 5, 6, 7], [1, 8, 0, 0]]
    assert target_out.tolist() == [[5, 6, 7, 2], [8, 2, 0, 0]]
    target_in, target_out = teacher_forcing([[5, 2, 0]], 1)
    assert target_in.tolist() == [[1, 5, 0]] and target_out.tolist() == [[5, 2, 0]]


def test_learns_to_copy_and_decodes_greedily_and_with_beams():
    """A tiny copy task: the model is trained, then decoded through seqbook.decoding."""
    rng = np.random.default_rng(0)
    n, length, start, end = 2000, 4, 1, 2
    source = rng.integers(3, 9, size=(n, length)).astype("int32")
    target_in, target_out = teacher_forcing(source, start, end_token=end)
    keras.utils.set_random_seed(0)
    model = models.encoder_decoder(9, 9, embedding_dim=8, units=48, learning_rate=0.02)
    model.fit({"source": source, "target_in": target_in}, target_out, batch_size=64,
              epochs=8, verbose=0)
    test = rng.integers(3, 9, size=(200, length)).astype("int32")
    translator = Seq2SeqTranslator(model)
    out = decoding.greedy(translator.log_prob_fn(test), np.full(200, start), end, length + 2)
    assert (out[:, 1 : length + 1] == test).all(axis=1).mean() > 0.9
    assert (out[:, length + 1] == end).mean() > 0.9
    beams = translator.translate(test[:50], start, end, length + 2, beam_width=3)
    assert beams.shape == (50, length + 3)
    assert (beams[:, 1 : length + 1] == test[:50]).all(axis=1).mean() > 0.9


def test_masked_accuracy_and_loss_ignore_padding():
    model = _build(cell="gru")
    target_out = np.array([[4, 5, 6, 3, 2], [7, 8, 2, 0, 0], [6, 6, 7, 2, 0]])
    probs = _probs(model)
    real = target_out != 0
    expected_acc = (probs.argmax(-1) == target_out)[real].mean()
    picked = np.take_along_axis(probs, target_out[..., None], -1)[..., 0]
    expected_loss = -np.log(picked[real]).mean()
    result = model.evaluate({"source": SOURCE, "target_in": TARGET_IN}, target_out,
                            verbose=0, return_dict=True)
    assert result["accuracy"] == pytest.approx(expected_acc, abs=1e-6)
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-4)


def test_trains_under_mirrored_strategy(two_cpu_strategy):
    target_in, target_out = teacher_forcing(SOURCE[:, :2].repeat(32, axis=0) % 9 + 1, 1, 2)
    inputs = {"source": SOURCE.repeat(32, axis=0), "target_in": target_in}
    with two_cpu_strategy.scope():
        model = models.encoder_decoder(12, 10, embedding_dim=4, units=8)
    history = model.fit(inputs, target_out, batch_size=32, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_mixed_bfloat16_and_an_xla_step_keep_float32_outputs(monkeypatch):
    target_in, target_out = teacher_forcing(SOURCE[:, :2] % 9 + 1, 1, 2)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = models.encoder_decoder(12, 10, units=4, bidirectional=True, attention="bahdanau")
        assert model.get_layer("decoder").compute_dtype == "bfloat16"
        assert model.get_layer("attention").compute_dtype == "bfloat16"
        assert _probs(model, target_in=target_in).dtype == np.float32
        # One compiled (XLA) training step, on the smallest model: compiling is slow on CPUs.
        monkeypatch.setenv("SEQBOOK_XLA", "on")
        model = models.encoder_decoder(12, 10, embedding_dim=2, units=2)
        assert model.jit_compile is True
        loss = model.train_on_batch({"source": SOURCE, "target_in": target_in}, target_out)
        assert np.isfinite(loss).all()
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.encoder_decoder(0, 10), "source_vocabulary_size"),
        (lambda: models.encoder_decoder(10, -1), "target_vocabulary_size"),
        (lambda: models.encoder_decoder(10, 10, units=0), "units"),
        (lambda: models.encoder_decoder(10, 10, embedding_dim=2.5), "embedding_dim"),
        (lambda: models.encoder_decoder(10, 10, cell="rnn"), "cell"),
        (lambda: models.encoder_decoder(10, 10, attention="dot"), "attention"),
        (lambda: models.encoder_decoder(10, 10, dropout=1.0), "dropout"),
        (lambda: models.encoder_decoder(10, 10, bidirectional="yes"), "bidirectional"),
        (lambda: models.encoder_decoder(10, 10, learning_rate=0), "learning_rate"),
        (lambda: teacher_forcing([], 1), "targets"),
        (lambda: teacher_forcing([[3, 4]], 0), "start_token"),
        (lambda: Seq2SeqTranslator(keras.Sequential([keras.layers.Dense(2)])), "model"),
        (lambda: Seq2SeqTranslator("model.keras"), "model"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.fixture(scope="module")
def translator():
    return Seq2SeqTranslator(_build(cell="gru"))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda t: t.translate(np.zeros((0, 4), "int32"), 1, 2, 5), "source"),
        (lambda t: t.translate([3, 4, 5], 1, 2, 5), "source"),
        (lambda t: t.translate([[3, 40]], 1, 2, 5), "source"),
        (lambda t: t.translate([[3.0, 4.0]], 1, 2, 5), "source"),
        (lambda t: t.translate(SOURCE, 10, 2, 5), "start_token"),
        (lambda t: t.translate(SOURCE, 0, 2, 5), "start_token"),
        (lambda t: t.translate(SOURCE, 1, -1, 5), "end_token"),
        (lambda t: t.translate(SOURCE, 1, 2, 5, beam_width=0), "beam_width"),
        (lambda t: t.translate(SOURCE, 1, 2, 0), "max_length"),
        (lambda t: t.log_prob_fn(SOURCE)(TARGET_IN[:2, :2]), "prefixes"),
        (lambda t: t.log_prob_fn(SOURCE)(TARGET_IN[:, :2] + 10), "prefixes"),
        (lambda t: t.encode(np.zeros((2, 0), "int32")), "source"),
    ],
)
def test_bad_input_to_the_translator_is_named(translator, call, message):
    with pytest.raises(ValueError, match=message):
        call(translator)
