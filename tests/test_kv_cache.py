"""The key/value cache and the segment memory give the same outputs as recomputing (1e-5)."""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqbook.layers import transformer as T
from seqbook import models, runtime
from seqbook.models._common import compile_model


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_mha_cache_one_token_at_a_time_equals_full_causal():
    mha = T.MultiHeadAttention(2, 4)
    x = _x(3, 7, 8)
    full = _np(mha(x, x, use_causal_mask=True))
    cache = mha.empty_cache(3)
    steps = []
    for t in range(7):
        out, cache = mha(x[:, t:t + 1], x[:, t:t + 1], use_causal_mask=True, cache=cache)
        steps.append(_np(out))
    np.testing.assert_allclose(np.concatenate(steps, 1), full, atol=1e-5)
    assert tuple(cache[0].shape) == (3, 7, 2, 4)


def test_mha_cache_prefill_then_chunks_and_padding():
    mha = T.MultiHeadAttention(2, 4)
    x = _x(2, 8, 8, seed=1)
    real = np.array([[True] * 8, [False, False] + [True] * 6])  # left-padded prompt
    full = _np(mha(x, x, use_causal_mask=True, query_mask=real, value_mask=real))
    out1, cache = mha(x[:, :5], x[:, :5], use_causal_mask=True, cache=mha.empty_cache(2),
                      query_mask=real[:, :5], value_mask=real[:, :5])
    # The cache keeps the padded keys; an explicit mask over all 8 keys hides them.
    mask = np.broadcast_to(real[:, None, :], (2, 3, 8))
    out2, cache = mha(x[:, 5:], x[:, 5:], use_causal_mask=True, cache=cache, attention_mask=mask)
    got = np.concatenate([_np(out1), _np(out2)], 1)
    np.testing.assert_allclose(got[real], full[real], atol=1e-5)


@pytest.mark.parametrize("norm_first", [True, False])
def test_decoder_block_cache_equals_full(norm_first):
    block = T.TransformerDecoderBlock(2, 4, 16, norm_first=norm_first, cross_attention=False)
    x = _x(2, 6, 8, seed=2)
    full = _np(block(x))
    cache = block.empty_cache(2)
    out_a, cache = block(x[:, :4], cache=cache)
    out_b, cache = block(x[:, 4:], cache=cache)
    np.testing.assert_allclose(np.concatenate([_np(out_a), _np(out_b)], 1), full, atol=1e-5)
    with pytest.raises(ValueError, match="not both"):
        block(x, cache=block.empty_cache(2), memory=x)


def test_segment_memory_equals_attending_over_both_segments():
    """Transformer-XL's memory, for one block, is exactly causal attention over [memory, x]."""
    for norm_first in (True, False):
        block = T.TransformerDecoderBlock(2, 4, 16, norm_first=norm_first, cross_attention=False)
        first, second = _x(2, 5, 8, seed=3), _x(2, 5, 8, seed=4)
        both = _np(block(np.concatenate([first, second], 1)))
        np.testing.assert_allclose(_np(block(second, memory=first)), both[:, 5:], atol=1e-5)


@pytest.mark.tensorflow_only  # measures gradients with tf.GradientTape
def test_memory_gets_no_gradient():
    block = T.TransformerDecoderBlock(2, 4, 16, cross_attention=False)
    first, second = tf.Variable(_x(1, 4, 8, seed=5)), tf.Variable(_x(1, 4, 8, seed=6))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(block(second, memory=first) ** 2)
    g_first, g_second = tape.gradient(loss, [first, second])
    assert g_first is None or np.abs(g_first.numpy()).max() == 0
    assert np.abs(g_second.numpy()).max() > 0


def _compiled_lm(learning_rate=1e-3, **kwargs):
    """A DecoderLM compiled as a builder would (there is no separate builder function)."""
    return compile_model(models.DecoderLM(**kwargs), metrics=["accuracy"],
                         loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                         learning_rate=learning_rate)


@pytest.fixture(scope="module")
def lm():
    keras.utils.set_random_seed(0)
    return models.DecoderLM(vocabulary_size=23, max_sequence_length=40, hidden_dim=16, num_heads=2,
                            num_layers=2, intermediate_dim=32)


def test_lm_cached_logits_equal_full_logits(lm):
    tokens = np.random.default_rng(7).integers(0, 23, size=(3, 12))
    full = _np(lm(tokens))
    logits, cache = lm.call_with_cache(tokens[:, :5], lm.empty_cache(3), 0)
    parts = [_np(logits)]
    for t in range(5, 12):
        logits, cache = lm.call_with_cache(tokens[:, t:t + 1], cache, t)
        parts.append(_np(logits))
    np.testing.assert_allclose(np.concatenate(parts, 1), full, atol=1e-5)


def test_lm_generates_the_same_tokens_with_and_without_cache(lm):
    prompt = np.random.default_rng(8).integers(0, 23, size=(2, 4))
    eager = lm.generate(prompt, 10, use_cache=True)
    np.testing.assert_array_equal(eager, lm.generate(prompt, 10, use_cache=False))
    np.testing.assert_array_equal(eager[:, :4], prompt)
    if keras.backend.backend() == "jax":
        import jax

        lm.compile_steps(jax.jit)
    else:
        lm.compile_steps(functools.partial(tf.function, reduce_retracing=True))
    try:
        np.testing.assert_array_equal(lm.generate(prompt, 10, use_cache=True), eager)
        np.testing.assert_array_equal(lm.generate(prompt, 10, use_cache=False), eager)
    finally:
        lm.compile_steps(None)


def test_lm_bad_input(lm):
    with pytest.raises(ValueError, match="prompt"):
        lm.generate(np.array([1, 2, 3]), 2)
    with pytest.raises(ValueError, match="max_sequence_length"):
        lm.generate(np.zeros((1, 30), "int32"), 20)
    with pytest.raises(ValueError, match="divisible"):
        models.DecoderLM(10, 10, hidden_dim=10, num_heads=3)


def test_lm_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    model = _compiled_lm(vocabulary_size=7, max_sequence_length=16, hidden_dim=16, num_heads=2,
                         num_layers=1, intermediate_dim=32)
    seq = np.tile(np.arange(1, 7), 2)[None].repeat(2, 0)
    path = tmp_path / "lm.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(_np(loaded(seq)), _np(model(seq)), atol=1e-6)
    np.testing.assert_array_equal(loaded.generate(seq[:, :3], 4), model.generate(seq[:, :3], 4))


def test_lm_builder_trains_under_mirrored_strategy_and_with_xla_in_mixed_bfloat16(
        two_cpu_strategy, monkeypatch):
    seq = np.tile(np.arange(1, 7), 4)[None].repeat(64, 0)[:, :9]
    with two_cpu_strategy.scope():
        model = _compiled_lm(vocabulary_size=7, max_sequence_length=16, hidden_dim=16, num_heads=2,
                                  num_layers=1, intermediate_dim=32, learning_rate=1e-2)
    # XLA is off for TensorFlow replicas on one CPU, on under JAX (runtime.xla_enabled).
    assert model.jit_compile is runtime.xla_enabled(two_cpu_strategy)
    # A periodic sequence is easy to predict: the loss must fall well below log(7).
    loss = model.fit(seq[:, :-1], seq[:, 1:], batch_size=32, epochs=5, verbose=0).history["loss"]
    assert loss[-1] < 0.5 * np.log(7), loss
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    monkeypatch.setenv("SEQBOOK_XLA", "on")  # and under XLA, as on a TPU
    try:
        model = _compiled_lm(vocabulary_size=7, max_sequence_length=16, hidden_dim=16, num_heads=2,
                                  num_layers=1, intermediate_dim=32)
        assert model.jit_compile is True
        model.fit(seq[:, :-1], seq[:, 1:], batch_size=64, epochs=1, verbose=0)
        assert model.blocks[0].compute_dtype == "bfloat16"
        assert model(seq[:2]).dtype == "float32"
        prompt = seq[:2, :3]
        np.testing.assert_array_equal(model.generate(prompt, 5), model.generate(prompt, 5, False))
    finally:
        keras.mixed_precision.set_global_policy("float32")
