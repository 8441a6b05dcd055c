"""Mask semantics, checked explicitly: True means *may attend*, and masks combine with AND."""

import keras
import numpy as np
import pytest

from seqbook.layers import transformer as T


def _np(x):
    return keras.ops.convert_to_numpy(x)


def test_padding_mask_marks_real_tokens_true():
    assert _np(T.padding_mask([[4, 2, 0], [0, 0, 0]])).tolist() == [[True, True, False],
                                                                     [False, False, False]]
    assert _np(T.padding_mask([[4, -1]], pad_id=-1)).tolist() == [[True, False]]
    with pytest.raises(ValueError, match=r"tokens must have shape \[batch, time\]"):
        T.padding_mask([1, 2, 0])


def test_padding_attention_mask_is_query_and_key():
    q = np.array([[True, True, False]])
    k = np.array([[True, False, True, True]])
    m = _np(T.padding_attention_mask(q, k))
    assert m.shape == (1, 3, 4)
    np.testing.assert_array_equal(m[0], q[0][:, None] & k[0][None, :])
    with pytest.raises(ValueError, match="query_mask"):
        T.padding_attention_mask([True, False])


def test_causal_mask_allows_the_past_and_present_only():
    m = _np(T.causal_mask(4))
    np.testing.assert_array_equal(m, np.tril(np.ones((4, 4), bool)))
    # With two cached keys, the two new queries are positions 2 and 3.
    np.testing.assert_array_equal(_np(T.causal_mask(2, offset=2)), m[2:])
    assert _np(T.causal_mask(2, 5)).shape == (2, 5)
    for bad in (dict(query_length=0), dict(query_length=2, offset=-1)):
        with pytest.raises(ValueError):
            T.causal_mask(**bad)


def test_padding_combined_with_causal():
    real = np.array([[True, True, True, False], [True, False, False, False]])
    both = _np(T.combine_masks(T.padding_attention_mask(real), T.causal_mask(4), None))
    for b in range(2):
        expected = np.tril(np.ones((4, 4), bool)) & real[b][:, None] & real[b][None, :]
        np.testing.assert_array_equal(both[b], expected)
    assert T.combine_masks(None, None) is None


def test_true_means_attend_in_every_attention():
    """A mask that allows one key only puts all the weight on it, in every layer."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 5, 8)).astype("float32")
    only = np.zeros((1, 5, 5), bool)
    only[0, :, 3] = True
    _, w = T.scaled_dot_product_attention(x, x, x, mask=only)
    np.testing.assert_allclose(_np(w)[0, :, 3], 1.0, atol=1e-6)
    for layer in (T.MultiHeadAttention(2, 4), keras.layers.MultiHeadAttention(2, 4)):
        _, w = layer(x, x, attention_mask=only, return_attention_scores=True)
        np.testing.assert_allclose(_np(w)[0, :, :, 3], 1.0, atol=1e-6)
    # Integer 1/0 masks mean the same as True/False.
    _, w = T.scaled_dot_product_attention(x, x, x, mask=only.astype("int32"))
    np.testing.assert_allclose(_np(w)[0, :, 3], 1.0, atol=1e-6)


def test_local_global_mask_pattern_and_linear_size():
    m = _np(T.local_global_mask(12, radius=2, global_positions=[0, 7]))
    i, j = np.indices((12, 12))
    expected = (np.abs(i - j) <= 2) | np.isin(i, [0, 7]) | np.isin(j, [0, 7])
    np.testing.assert_array_equal(m, expected)
    np.testing.assert_array_equal(_np(T.local_global_mask(12, 2, [0, 7], causal=True)),
                                  expected & (j <= i))
    # Allowed pairs grow linearly: at most (2r + 1 + g) per row plus g full rows.
    for length in (64, 128, 256):
        allowed = _np(T.local_global_mask(length, 4, [0])).sum()
        assert allowed <= length * (2 * 4 + 2) + length
    with pytest.raises(ValueError, match="global_positions"):
        T.local_global_mask(5, 1, [5])
    with pytest.raises(ValueError, match="radius"):
        T.local_global_mask(5, -1)


def test_masked_softmax_rejects_a_mask_with_too_many_dimensions():
    with pytest.raises(ValueError, match="mask must broadcast"):
        T.masked_softmax(np.zeros((2, 3)), np.ones((1, 2, 3), bool))
