"""The hand-written Transformer layers: equal to Keras' own, correct positions, blocks, saving."""

import keras
import numpy as np
import pytest

from seqbook.layers import transformer as T
from seqbook.models.transformer.encoder import transformer_encoder

RNG = np.random.default_rng(0)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _copied_mha(num_heads=3, key_dim=4, value_dim=None, query_dim=8, source_dim=8, **options):
    theirs = keras.layers.MultiHeadAttention(num_heads, key_dim, value_dim=value_dim, **options)
    ours = T.MultiHeadAttention(num_heads, key_dim, value_dim=value_dim, **options)
    q, s = _x(2, 5, query_dim), _x(2, 7, source_dim, seed=1)
    theirs(q, s)
    ours(q, s)
    # Non-zero biases, so a bias in the wrong place shows up.
    weights = [w + 0.1 * _x(*w.shape, seed=2) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _np(x):
    return keras.ops.convert_to_numpy(x)


# Keras' own MultiHeadAttention fails under JAX when value_dim != key_dim (Keras 3.15: it calls
# jax.nn.dot_product_attention, which wants equal head sizes for keys and values); ours runs.
KERAS_MHA_VALUE_DIM_BROKEN = pytest.mark.skipif(
    keras.backend.backend() == "jax", reason="Keras' MultiHeadAttention with value_dim != key_dim "
    "fails under JAX (jax.nn.dot_product_attention needs equal head sizes)")


@KERAS_MHA_VALUE_DIM_BROKEN
def test_mha_weight_layout_matches_keras():
    ours, theirs = _copied_mha(value_dim=6, query_dim=8, source_dim=5)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]


@pytest.mark.parametrize("value_dim", [None, pytest.param(6, marks=KERAS_MHA_VALUE_DIM_BROKEN)])
def test_mha_equals_keras_cross_and_self_attention(value_dim):
    ours, theirs = _copied_mha(value_dim=value_dim, source_dim=5)
    q, s = _x(3, 6, 8, seed=3), _x(3, 4, 5, seed=4)
    np.testing.assert_allclose(_np(ours(q, s)), _np(theirs(q, s)), atol=1e-5)
    ours2, theirs2 = _copied_mha()
    np.testing.assert_allclose(_np(ours2(q, q)), _np(theirs2(q, q)), atol=1e-5)


def test_mha_equals_keras_with_causal_mask():
    ours, theirs = _copied_mha()
    x = _x(2, 9, 8, seed=5)
    np.testing.assert_allclose(
        _np(ours(x, x, use_causal_mask=True)), _np(theirs(x, x, use_causal_mask=True)), atol=1e-5
    )
    a, wa = ours(x, x, use_causal_mask=True, return_attention_scores=True)
    b, wb = theirs(x, x, use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(_np(wa), _np(wb), atol=1e-5)
    assert np.all(np.triu(_np(wa)[0, 0], k=1) == 0)  # nothing above the diagonal


def test_mha_equals_keras_with_padding_masks_from_embeddings():
    """Keras masks (Embedding(mask_zero=True)) reach both layers' query and value masks."""
    tokens = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 9, 2], [1, 0, 0, 0, 0]])
    embed = keras.layers.Embedding(10, 8, mask_zero=True)
    ours, theirs = _copied_mha()
    real = tokens != 0
    for causal in (False, True):
        h = embed(tokens)
        a, wa = ours(h, h, use_causal_mask=causal, return_attention_scores=True)
        b, wb = theirs(h, h, use_causal_mask=causal, return_attention_scores=True)
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-5)
        np.testing.assert_allclose(_np(wa), _np(wb), atol=1e-5)
        # Keras' fused path (no scores returned) agrees on every real position.
        a, b = _np(ours(h, h, use_causal_mask=causal)), _np(theirs(h, h, use_causal_mask=causal))
        np.testing.assert_allclose(a[real], b[real], atol=1e-5)
        # No weight on padded keys.
        assert np.all(_np(wa)[:, :, :, ~real[0]][0] == 0)


def test_mha_equals_keras_with_explicit_padding_and_causal_mask():
    ours, theirs = _copied_mha()
    x = _x(3, 6, 8, seed=6)
    real = np.arange(6)[None] < np.array([6, 4, 2])[:, None]
    mask = T.padding_attention_mask(real)
    for causal in (False, True):
        a, wa = ours(x, x, attention_mask=mask, use_causal_mask=causal, return_attention_scores=True)
        b, wb = theirs(x, x, attention_mask=mask, use_causal_mask=causal, return_attention_scores=True)
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-5)
        np.testing.assert_allclose(_np(wa), _np(wb), atol=1e-5)
        a, b = ours(x, x, attention_mask=mask, use_causal_mask=causal), theirs(
            x, x, attention_mask=mask, use_causal_mask=causal)
        np.testing.assert_allclose(_np(a)[real], _np(b)[real], atol=1e-5)


def test_mha_output_dim_and_no_bias():
    ours = T.MultiHeadAttention(2, 4, use_bias=False, output_dim=3)
    out = ours(_x(2, 5, 8), _x(2, 5, 8))
    assert tuple(out.shape) == (2, 5, 3) and len(ours.get_weights()) == 4


@pytest.mark.parametrize("bad, name", [(dict(num_heads=0, key_dim=4), "num_heads"),
                                       (dict(num_heads=2, key_dim=-1), "key_dim"),
                                       (dict(num_heads=2, key_dim=4, dropout=1.5), "dropout")])
def test_mha_bad_arguments(bad, name):
    with pytest.raises(ValueError, match=name):
        T.MultiHeadAttention(**bad)


def test_scaled_dot_product_attention_properties():
    q, k, v = _x(2, 4, 3), _x(2, 6, 3, seed=1), _x(2, 6, 5, seed=2)
    out, w = T.scaled_dot_product_attention(q, k, v)
    w = _np(w)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(_np(out), w @ v, atol=1e-5)
    # By hand: softmax(q k^T / sqrt(3)).
    s = q @ k.transpose(0, 2, 1) / np.sqrt(3)
    e = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(w, e / e.sum(-1, keepdims=True), atol=1e-6)
    mask = np.ones((4, 6), bool)
    mask[1] = False  # query 1 may attend nothing
    mask[2, :3] = False
    out, w = T.scaled_dot_product_attention(q, k, v, mask=mask)
    w = _np(w)
    assert np.all(w[:, 1] == 0) and np.all(_np(out)[:, 1] == 0)
    assert np.all(w[:, 2, :3] == 0)
    np.testing.assert_allclose(w[:, 2].sum(-1), 1.0, atol=1e-6)


def test_scaled_dot_product_attention_bad_shapes():
    with pytest.raises(ValueError, match="same last dimension"):
        T.scaled_dot_product_attention(_x(1, 2, 3), _x(1, 2, 4), _x(1, 2, 4))
    with pytest.raises(ValueError, match="same length"):
        T.scaled_dot_product_attention(_x(1, 2, 3), _x(1, 4, 3), _x(1, 5, 3))


def test_sinusoidal_encoding_formula_and_relative_shift():
    pe = _np(T.sinusoidal_encoding(50, 16))
    p, i = 7, 3
    assert pe[p, 2 * i] == pytest.approx(np.sin(p / 10000 ** (2 * i / 16)), abs=1e-5)
    assert pe[p, 2 * i + 1] == pytest.approx(np.cos(p / 10000 ** (2 * i / 16)), abs=1e-5)
    # Shifting by k positions is one fixed rotation of each (sin, cos) pair, whatever p.
    k = 5
    angle = k / 10000 ** (np.arange(0, 16, 2) / 16)
    sin, cos = pe[:-k, 0::2], pe[:-k, 1::2]
    np.testing.assert_allclose(pe[k:, 0::2], sin * np.cos(angle) + cos * np.sin(angle), atol=1e-4)
    # start_index gives the later positions.
    np.testing.assert_allclose(_np(T.sinusoidal_encoding(5, 16, start_index=10)), pe[10:15], atol=1e-5)
    with pytest.raises(ValueError, match="depth must be even"):
        T.sinusoidal_encoding(4, 5)


def test_position_layers_add_positions():
    x = np.zeros((2, 6, 8), "float32")
    np.testing.assert_allclose(_np(T.SinusoidalPositionEncoding()(x))[0],
                               _np(T.sinusoidal_encoding(6, 8)), atol=1e-6)
    learned = T.PositionEmbedding(10)
    full = _np(learned(x))
    np.testing.assert_allclose(_np(learned(x[:, :2], start_index=4)), full[:, 4:6], atol=1e-6)
    with pytest.raises(ValueError, match="max_sequence_length"):
        learned(np.zeros((1, 11, 8), "float32"))


def test_sinusoidal_layer_works_when_the_length_is_known_only_at_run_time():
    # A functional model over sequences of any length: the encoding's length is a tensor.
    inputs = keras.Input((None, 8))
    model = keras.Model(inputs, T.SinusoidalPositionEncoding(scale_inputs=True)(inputs))
    assert tuple(model.output.shape) == (None, None, 8)
    for length in (3, 7):
        x = np.random.default_rng(length).normal(size=(2, length, 8)).astype("float32")
        expected = x * np.sqrt(8) + _np(T.sinusoidal_encoding(length, 8))
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)


def test_rotary_scores_depend_on_position_difference_only():
    q, k = _x(1, 1, 8), _x(1, 1, 8, seed=1)
    def score(p, s):
        return float(np.sum(_np(T.apply_rotary(q, p)) * _np(T.apply_rotary(k, s))))
    assert score(3, 1) == pytest.approx(score(10, 8), abs=1e-4)
    assert score(3, 1) != pytest.approx(score(3, 2), abs=1e-3)


def _copy_block_from_builder(norm_first):
    inputs = keras.Input((6, 8))
    reference = keras.Model(inputs, transformer_encoder(inputs, num_heads=2, key_dim=4,
                                                        intermediate_dim=16, dropout=0.0,
                                                        norm_first=norm_first))
    block = T.TransformerEncoderBlock(2, 4, 16, norm_first=norm_first)
    block(np.zeros((1, 6, 8), "float32"))
    kinds = lambda cls: [l for l in reference.layers if isinstance(l, cls)]
    norms = kinds(keras.layers.LayerNormalization)
    (mha,), (expand, contract) = kinds(keras.layers.MultiHeadAttention), kinds(keras.layers.Dense)
    if expand.units != 16:
        expand, contract = contract, expand
    for layer in reference.layers:  # non-trivial weights everywhere
        layer.set_weights([w + 0.1 * _x(*w.shape, seed=7) for w in layer.get_weights()])
    block.attention_norm.set_weights(norms[0].get_weights())
    block.attention.set_weights(mha.get_weights())
    block.ff_norm.set_weights(norms[1].get_weights())
    block.expand.set_weights(expand.get_weights())
    block.contract.set_weights(contract.get_weights())
    return block, reference


@pytest.mark.parametrize("norm_first", [True, False])
def test_encoder_block_equals_the_model_builder_block(norm_first):
    block, reference = _copy_block_from_builder(norm_first)
    x = _x(3, 6, 8, seed=8)
    np.testing.assert_allclose(_np(block(x)), _np(reference(x)), atol=1e-5)


def test_pre_and_post_norm_differ_and_post_norm_output_is_normalised():
    x = _x(2, 6, 8, seed=9) * 3 + 1
    keras.utils.set_random_seed(0)
    post = _np(T.TransformerEncoderBlock(2, 4, 16, norm_first=False)(x))
    keras.utils.set_random_seed(0)
    pre = _np(T.TransformerEncoderBlock(2, 4, 16, norm_first=True)(x))
    assert np.abs(pre - post).max() > 0.1
    np.testing.assert_allclose(post.mean(-1), 0, atol=1e-4)  # ends in a layer norm
    np.testing.assert_allclose(post.std(-1), 1, atol=1e-2)


def test_encoder_block_ignores_padding_with_a_mask():
    tokens = np.array([[3, 4, 5, 0, 0]])
    other = np.array([[3, 4, 5, 7, 9]])  # same real tokens, different junk in the padding
    embed = keras.layers.Embedding(10, 8)
    block = T.TransformerEncoderBlock(2, 4, 16)
    mask = tokens != 0
    a = _np(block(embed(tokens), mask=mask))
    b = _np(block(embed(other), mask=mask))
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-5)
    assert np.abs(_np(block(embed(other)))[:, :3] - a[:, :3]).max() > 1e-3  # mask matters


@pytest.mark.parametrize("norm_first", [True, False])
def test_decoder_block_is_causal_and_uses_context(norm_first):
    block = T.TransformerDecoderBlock(2, 4, 16, norm_first=norm_first)
    x, context = _x(2, 6, 8, seed=10), _x(2, 4, 8, seed=11)
    base = _np(block(x, context))
    changed = x.copy()
    changed[:, 4] += _x(2, 8, seed=12)  # not a constant shift: layer norm ignores those
    moved = np.abs(_np(block(changed, context)) - base).max(axis=(0, 2))
    assert np.all(moved[:4] < 1e-6) and np.all(moved[4:] > 1e-4)
    assert np.abs(_np(block(x, context + 1.0)) - base).max() > 1e-3
    # A context mask hides the masked context positions completely.
    context_mask = np.array([[True, True, False, False]] * 2)
    junk = context.copy()
    junk[:, 2:] = 5.0
    np.testing.assert_allclose(_np(block(x, context, context_mask=context_mask)),
                               _np(block(x, junk, context_mask=context_mask)), atol=1e-5)
    with pytest.raises(ValueError, match="context"):
        block(x)


def test_local_global_attention_equals_masked_full_attention():
    for length, radius, globals_, causal in [(10, 2, [0], False), (37, 4, [0, 5, 36], True),
                                            (37, 4, [], True), (16, 3, [2], False),
                                            (5, 8, [1], True)]:
        q, k, v = (_x(2, 3, length, 6, seed=s) for s in (12, 13, 14))
        fast = T.local_global_attention(q, k, v, radius, globals_, causal)
        full, _ = T.scaled_dot_product_attention(
            q, k, v, mask=T.local_global_mask(length, radius, globals_, causal))
        np.testing.assert_allclose(_np(fast), _np(full), atol=1e-5)
    with pytest.raises(ValueError, match="radius"):
        T.local_global_attention(q, k, v, 0)


def _round_trip(model, inputs, tmp_path):
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(_np(loaded(inputs)), _np(model(inputs)), atol=1e-6)
    return loaded


def test_layers_survive_keras_round_trip(tmp_path):
    x = keras.Input((6, 8))
    context = keras.Input((4, 8))
    h = T.SinusoidalPositionEncoding()(x)
    h = T.PositionEmbedding(6)(h)
    h = h + T.MultiHeadAttention(2, 4)(h, h, use_causal_mask=True)
    h = T.TransformerEncoderBlock(2, 4, 16, norm_first=False)(h)
    h = T.TransformerDecoderBlock(2, 4, 16)(h, context)
    h = T.TransformerDecoderBlock(2, 4, 16, cross_attention=False)(h)
    h = T.RotaryEmbedding()(h)
    model = keras.Model([x, context], h)
    data = [_x(2, 6, 8, seed=15), _x(2, 4, 8, seed=16)]
    _round_trip(model, data, tmp_path)
