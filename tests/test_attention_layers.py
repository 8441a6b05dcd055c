"""The hand-written attention layers equal Keras' own with copied weights, mask, and save."""

import keras
import numpy as np
import pytest

from seqbook import layers, models


def _tensors(seed=0, batch=3, tq=4, tv=6, dq=5, dk=5, dv=7):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(batch, tq, dq)).astype("float32")
    value = rng.normal(size=(batch, tv, dv)).astype("float32")
    key = rng.normal(size=(batch, tv, dk)).astype("float32")
    lengths = np.array([6, 2, 4])[:batch]
    value_mask = np.arange(tv)[None, :] < lengths[:, None]
    query_mask = np.arange(tq)[None, :] < np.array([4, 3, 1])[:batch, None]
    return query, value, key, value_mask, query_mask


def _close(got, want, atol=1e-5):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=atol)


def _keras(layer, query, value, key=None, mask=None):
    inputs = [query, value] if key is None else [query, value, key]
    return layer(inputs, mask=mask, return_attention_scores=True)


def _bahdanau_with(query, key, query_kernel, key_kernel, score_vector):
    layer = layers.BahdanauAttention(query_kernel.shape[1])
    layer(query, key)  # build
    layer.query_kernel.assign(query_kernel)
    layer.key_kernel.assign(key_kernel)
    layer.score_vector.assign(score_vector)
    return layer


MASKS = ["none", "value", "query and value"]


def _masks(kind, value_mask, query_mask):
    """The same masks in our form (a value mask or a list) and in Keras' (always a list)."""
    if kind == "none":
        return None, None
    if kind == "value":
        return value_mask, [None, value_mask]
    return [query_mask, value_mask], [query_mask, value_mask]


@pytest.mark.parametrize("use_scale", [True, False])
@pytest.mark.parametrize("masks", MASKS)
@pytest.mark.parametrize("with_key", [False, True])
def test_bahdanau_with_identity_projections_equals_additive_attention(
    use_scale, masks, with_key
):
    query, value, key, value_mask, query_mask = _tensors(dv=5)
    theirs = keras.layers.AdditiveAttention(use_scale=use_scale)
    ours_mask, their_mask = _masks(masks, value_mask, query_mask)
    kwargs = {"key": key} if with_key else {}
    _keras(theirs, query, value, key if with_key else None)  # build
    if use_scale:  # a scale that is not the initial one
        theirs.scale.assign(np.linspace(-1.5, 2.0, 5).astype("float32"))
        score_vector = theirs.scale.numpy()
    else:
        score_vector = np.ones(5, "float32")
    identity = np.eye(5, dtype="float32")
    ours = _bahdanau_with(query, value, identity, identity, score_vector)
    want = _keras(theirs, query, value, key if with_key else None, mask=their_mask)
    got = ours(query, value, mask=ours_mask, **kwargs)
    _close(got[0], want[0])
    _close(got[1], want[1])


@pytest.mark.parametrize("use_scale", [True, False])
@pytest.mark.parametrize("masks", MASKS)
def test_bahdanau_equals_keras_concat_score_mode(use_scale, masks):
    """Keras' ``Attention(score_mode="concat")``: c * sum(tanh(s (q + k))) = W_q = W_k = sI, v = c."""
    query, value, key, value_mask, query_mask = _tensors(seed=1)
    theirs = keras.layers.Attention(score_mode="concat", use_scale=use_scale)
    _keras(theirs, query, value, key)
    theirs.concat_score_weight.assign(0.7)
    s = 1.0
    if use_scale:
        theirs.scale.assign(1.6)
        s = 1.6
    projection = s * np.eye(5, dtype="float32")
    ours = _bahdanau_with(query, key, projection, projection, np.full(5, 0.7, "float32"))
    ours_mask, their_mask = _masks(masks, value_mask, query_mask)
    want = _keras(theirs, query, value, key, mask=their_mask)
    got = ours(query, value, key=key, mask=ours_mask)
    _close(got[0], want[0])
    _close(got[1], want[1])


@pytest.mark.parametrize("use_scale", [True, False])
@pytest.mark.parametrize("masks", MASKS)
@pytest.mark.parametrize("with_key", [False, True])
def test_luong_dot_equals_keras_attention(use_scale, masks, with_key):
    query, value, key, value_mask, query_mask = _tensors(seed=2, dq=5, dk=5, dv=5)
    theirs = keras.layers.Attention(score_mode="dot", use_scale=use_scale)
    ours = layers.LuongAttention("dot", use_scale=use_scale)
    k = key if with_key else None
    _keras(theirs, query, value, k)
    ours(query, value, key=k)
    if use_scale:
        theirs.scale.assign(0.45)
        ours.scale.assign(0.45)
    ours_mask, their_mask = _masks(masks, value_mask, query_mask)
    want = _keras(theirs, query, value, k, mask=their_mask)
    got = ours(query, value, key=k, mask=ours_mask)
    _close(got[0], want[0])
    _close(got[1], want[1])


@pytest.mark.parametrize("masks", MASKS)
def test_luong_general_equals_keras_attention_on_the_projected_query(masks):
    """q W k^T = (q W) k^T: Keras' dot attention applied to the query times W."""
    query, value, key, value_mask, query_mask = _tensors(seed=3, dq=4, dk=6, dv=3)
    ours = layers.LuongAttention("general", use_scale=True)
    ours(query, value, key=key)
    assert tuple(ours.kernel.shape) == (4, 6)
    ours.scale.assign(0.8)
    theirs = keras.layers.Attention(score_mode="dot", use_scale=True)
    projected = query @ ours.kernel.numpy()
    _keras(theirs, projected, value, key)
    theirs.scale.assign(0.8)
    ours_mask, their_mask = _masks(masks, value_mask, query_mask)
    want = _keras(theirs, projected, value, key, mask=their_mask)
    got = ours(query, value, key=key, mask=ours_mask)
    _close(got[0], want[0])
    _close(got[1], want[1])


def test_luong_general_with_identity_equals_dot():
    query, value, _, value_mask, _ = _tensors(seed=4, dq=7, dv=7)
    general = layers.LuongAttention("general")
    general(query, value)
    general.kernel.assign(np.eye(7, dtype="float32"))
    dot = layers.LuongAttention("dot")
    for a, b in zip(general(query, value, mask=value_mask), dot(query, value, mask=value_mask)):
        _close(a, b, atol=1e-6)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_bahdanau_follows_its_equation_with_different_widths():
    """v . tanh(W_q q + W_k k) in NumPy, with dq, dk, dv and units all different."""
    query, value, key, value_mask, _ = _tensors(seed=5, dq=3, dk=4, dv=2)
    layer = layers.BahdanauAttention(6)
    context, weights = layer(query, value, key=key, mask=value_mask)
    wq, wk, v = (w.numpy() for w in (layer.query_kernel, layer.key_kernel, layer.score_vector))
    assert wq.shape == (3, 6) and wk.shape == (4, 6) and v.shape == (6,)
    scores = np.tanh((query @ wq)[:, :, None, :] + (key @ wk)[:, None, :, :]) @ v
    scores = np.where(value_mask[:, None, :], scores, -np.inf)
    want_weights = _softmax(scores)
    _close(weights, want_weights)
    _close(context, want_weights @ value)
    assert tuple(context.shape) == (3, 4, 2)


@pytest.mark.parametrize(
    "make", [lambda: layers.BahdanauAttention(8), lambda: layers.LuongAttention("general")]
)
def test_weights_sum_to_one_over_unmasked_and_are_zero_on_masked(make):
    query, value, key, value_mask, query_mask = _tensors(seed=6)
    value_mask[2] = False  # every position of the last example masked
    context, weights = make()(query, value, key=key, mask=[query_mask, value_mask])
    weights, context = np.asarray(weights), np.asarray(context)
    for b in range(2):
        _close(weights[b].sum(axis=-1), np.ones(4), atol=1e-6)
        assert np.all(weights[b][:, ~value_mask[b]] == 0.0)
        assert np.all(weights[b][:, value_mask[b]] > 0.0)
    # A row with nothing to attend to is uniform (as in Keras), never NaN.
    _close(weights[2], np.full((4, 6), 1 / 6), atol=1e-6)
    # Masked query rows get a zero context; the others do not.
    assert np.all(context[~query_mask] == 0.0)
    assert np.all(np.abs(context[query_mask]).sum(axis=-1) > 0)


@pytest.mark.parametrize("make", [lambda: layers.BahdanauAttention(6), lambda: layers.LuongAttention()])
def test_keras_masks_arrive_on_their_own(make):
    """Masks from Embedding(mask_zero=True) act like the explicit [query_mask, value_mask]."""
    source = keras.Input((None,), dtype="int32")
    target = keras.Input((None,), dtype="int32")
    encoded = keras.layers.Embedding(20, 6, mask_zero=True)(source)
    decoded = keras.layers.Embedding(20, 6, mask_zero=True)(target)
    attention = make()
    context, weights = attention(decoded, encoded)
    model = keras.Model([source, target], [context, weights, encoded, decoded])
    src = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    tgt = np.array([[7, 8, 0], [9, 0, 0]])
    got_context, got_weights, e, d = model.predict([src, tgt], verbose=0)
    want_context, want_weights = attention(d, e, mask=[tgt != 0, src != 0])
    _close(got_weights, want_weights, atol=1e-6)
    _close(got_context, want_context, atol=1e-6)
    assert np.all(got_weights[0, :, 3:] == 0.0) and np.all(got_context[1, 1:] == 0.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.BahdanauAttention(5, kernel_initializer="orthogonal"),
        lambda: layers.LuongAttention("dot", use_scale=True),
        lambda: layers.LuongAttention("general"),
    ],
)
def test_keras_save_load_round_trip(make, tmp_path):
    query_in = keras.Input((None, 4))
    value_in = keras.Input((None, 4))
    attention = make()
    context, weights = attention(query_in, value_in)
    model = keras.Model([query_in, value_in], [keras.layers.Dense(3)(context), weights])
    if getattr(attention, "use_scale", False):
        attention.scale.assign(1.7)  # not the initial value, so that saving it matters
    query, value, _, _, _ = _tensors(seed=7, dq=4, dv=4)
    before = model.predict([query, value], verbose=0)
    model.save(tmp_path / "attention.keras")
    restored = keras.saving.load_model(tmp_path / "attention.keras")
    layer = next(x for x in restored.layers if type(x) is type(attention))
    assert layer.get_config() == attention.get_config()
    for a, b in zip(restored.predict([query, value], verbose=0), before):
        _close(a, b, atol=1e-6)


@pytest.mark.usefixtures("force_xla")
def test_trains_under_xla_and_mixed_precision():
    policy = keras.mixed_precision.dtype_policy()
    try:
        keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
        keras.utils.set_random_seed(0)
        query_in, value_in = keras.Input((3, 4)), keras.Input((6, 5))
        context, _ = layers.BahdanauAttention(8)(query_in, value_in)
        context2, _ = layers.LuongAttention("general", use_scale=True)(query_in, value_in)
        merged = keras.layers.Concatenate()([context, context2])
        output = keras.layers.Dense(1, dtype="float32")(merged)
        model = keras.Model([query_in, value_in], output)
        model = models.compile_model(model, "mse")
        assert model.jit_compile is True
        query, value, _, _, _ = _tensors(seed=8, tq=3, dq=4, dv=5)
        target = value.sum(axis=(1, 2))[:, None, None] * np.ones((3, 3, 1), "float32")
        first = model.evaluate([query, value], target, verbose=0)
        model.fit([query, value], target, epochs=8, verbose=0)
        assert model.evaluate([query, value], target, verbose=0) < first
        assert model.output.dtype == "float32"
    finally:
        keras.mixed_precision.set_dtype_policy(policy)


BAD = [
    ("rank", lambda: layers.LuongAttention()(np.zeros((2, 4), "float32"), np.zeros((2, 3, 4), "float32")), "query must have rank 3"),
    ("value rank", lambda: layers.BahdanauAttention(3)(np.zeros((2, 1, 4), "float32"), np.zeros((2, 4), "float32")), "must have rank 3"),
    ("batch", lambda: layers.LuongAttention()(np.zeros((2, 1, 4), "float32"), np.zeros((3, 5, 4), "float32")), "same batch size"),
    ("batch key", lambda: layers.BahdanauAttention(3)(np.zeros((2, 1, 4), "float32"), np.zeros((2, 5, 4), "float32"), key=np.zeros((1, 5, 4), "float32")), "same batch size"),
    ("steps", lambda: layers.LuongAttention()(np.zeros((2, 1, 4), "float32"), np.zeros((2, 5, 4), "float32"), key=np.zeros((2, 6, 4), "float32")), "same number of steps"),
    ("dot width", lambda: layers.LuongAttention("dot")(np.zeros((2, 1, 4), "float32"), np.zeros((2, 5, 3), "float32")), "same width; got query width 4 and key width 3"),
    ("mask shape", lambda: layers.LuongAttention()(np.zeros((2, 1, 4), "float32"), np.zeros((2, 5, 4), "float32"), mask=np.ones((2, 4), bool)), "value_mask must have shape"),
    ("mask list", lambda: layers.LuongAttention()(np.zeros((2, 1, 4), "float32"), np.zeros((2, 5, 4), "float32"), mask=[None, None, None]), "list of 3"),
    ("score", lambda: layers.LuongAttention("concat"), "score must be one of"),
    ("use_scale", lambda: layers.LuongAttention(use_scale=1), "use_scale must be True or False"),
    ("units", lambda: layers.BahdanauAttention(0), "units must be a positive integer; got 0"),
]


@pytest.mark.parametrize("name, call, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_value_error(name, call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_dot_width_mismatch_after_build_is_caught_too():
    layer = layers.LuongAttention("dot")
    layer(np.zeros((1, 1, 4), "float32"), np.zeros((1, 2, 4), "float32"))
    with pytest.raises(ValueError, match="got query width 4 and key width 3"):
        layer(np.zeros((1, 1, 4), "float32"), np.zeros((1, 2, 4), "float32"),
              key=np.zeros((1, 2, 3), "float32"))
