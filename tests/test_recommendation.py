"""MovieLens 100K, the leave-one-out protocol, ranking metrics against brute force and
scikit-learn, the baselines, and the GRU4Rec/SASRec-style models (shapes, causality,
save/load, bad input)."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from seqbook import data, metrics, models
from seqbook.data.sources import movielens

VOCAB = 30  # item ids 1..29 and padding 0 for the small models


@pytest.fixture(scope="module")
def table():
    return movielens.ratings()


@pytest.fixture(scope="module")
def split():
    sequences = movielens.user_sequences()
    return sequences, *movielens.leave_one_out(sequences)


# ---------------------------------------------------------------------------- data


def test_counts_match_movielens_100k_and_the_catalogue(table):
    assert len(table["user"]) == 100_000
    assert len(np.unique(table["user"])) == 943 and len(np.unique(table["item"])) == 1682
    assert table["user"].min() == 1 and table["item"].max() == 1682
    assert set(np.unique(table["rating"])) == {1.0, 2.0, 3.0, 4.0, 5.0}
    counts = {s: int(data.load("movielens_100k", s).cardinality()) for s in
              ("train", "validation", "test", "all")}
    assert counts == data.info("movielens_100k").num_examples
    assert counts == {"train": 98_114, "validation": 943, "test": 943, "all": 100_000}
    assert movielens.items()[50][0] == "Star Wars"


def test_each_history_is_in_time_order_with_ties_broken_by_item_id(table):
    same_user = table["user"][1:] == table["user"][:-1]
    dt = np.diff(table["timestamp"])[same_user]
    assert (dt >= 0).all()
    tied = dt == 0
    assert tied.mean() > 0.5  # ties are common, so the tie-break matters
    assert (np.diff(table["item"])[same_user][tied] > 0).all()
    # and no user rated a film twice
    pairs = table["user"] * 10_000 + table["item"]
    assert len(np.unique(pairs)) == len(pairs)


def test_leave_one_out_split_is_disjoint_and_complete(split):
    sequences, train, validation, test = split
    assert set(train) == set(validation) == set(test) == set(sequences)
    for user, history in sequences.items():
        assert train[user].tolist() + [validation[user], test[user]] == history.tolist()
        assert validation[user] != test[user]
        assert validation[user] not in train[user] and test[user] not in train[user]
    assert sum(len(t) for t in train.values()) == 98_114
    # The catalogue's splits are the same ratings.
    loaded = next(iter(data.load("movielens_100k", "test").batch(1000)))
    last = {int(u): int(i) for u, i in zip(loaded["user"], loaded["item"])}
    assert last == test


def test_leave_one_out_refuses_too_short_histories():
    with pytest.raises(ValueError, match="at least 3 items"):
        movielens.leave_one_out({1: np.array([4, 5, 6]), 2: np.array([7])})
    with pytest.raises(ValueError, match="at least 2 item"):
        models.next_item_windows([[3, 4], [5]], sequence_length=4)


# ---------------------------------------------------------------------------- metrics


def _brute_force_rank(scores, target, seen):
    """Sort the allowed items by score, the target after its ties; return its position."""
    allowed = [i for i in range(len(scores)) if i not in set(seen)]
    ordered = sorted(allowed, key=lambda i: (-scores[i], 1 if i == target else 0))
    return ordered.index(target)


def test_ranks_and_metrics_match_brute_force_and_sklearn():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(50, 40))
    scores[:5, :] = np.round(scores[:5, :])  # some rows with many ties
    targets = rng.integers(1, 40, size=50)
    seen = [np.setdiff1d(rng.choice(40, size=rng.integers(0, 12)), [t]) for t in targets]
    ranks = metrics.target_ranks(scores, targets, seen)
    expected = [_brute_force_rank(scores[u], targets[u], seen[u]) for u in range(50)]
    assert ranks.tolist() == expected
    k = 10
    hits = [r < k for r in expected]
    gains = [1 / math.log2(r + 2) if r < k else 0.0 for r in expected]
    assert metrics.hit_rate_at_k(ranks, k) == pytest.approx(np.mean(hits))
    assert metrics.ndcg_at_k(ranks, k) == pytest.approx(np.mean(gains))
    # scikit-learn's NDCG on tie-free rows (it averages over ties; we count them against
    # the target), with excluded items given the lowest score.
    free = np.arange(5, 50)
    masked = scores.copy()
    for u in free:
        masked[u, seen[u]] = -1e9
    relevance = np.zeros_like(scores)
    relevance[np.arange(50), targets] = 1
    assert metrics.ndcg_at_k(ranks[free], k) == pytest.approx(
        ndcg_score(relevance[free], masked[free], k=k))


def test_seen_items_are_excluded_and_ties_count_against_the_target():
    scores = np.array([[5.0, 4.0, 3.0, 2.0]])
    assert metrics.target_ranks(scores, [3]).tolist() == [3]
    assert metrics.target_ranks(scores, [3], exclude=[[0, 1]]).tolist() == [1]
    assert metrics.target_ranks(np.ones((1, 4)), [2]).tolist() == [3]
    with pytest.raises(ValueError, match="contains the row's target"):
        metrics.target_ranks(scores, [1], exclude=[[1]])
    with pytest.raises(ValueError, match="targets must be"):
        metrics.target_ranks(scores, [7])
    with pytest.raises(ValueError, match="k must be a positive integer"):
        metrics.hit_rate_at_k([1, 2], k=0)


def test_sampled_ranks_never_exceed_full_ranks():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(30, 200))
    targets = rng.integers(1, 200, size=30)
    full = metrics.target_ranks(scores, targets)
    sampled = metrics.sampled_ranks(scores, targets, num_negatives=20, seed=0)
    assert (sampled <= full).all() and sampled.mean() < full.mean() / 3


# ---------------------------------------------------------------------------- baselines


def test_popularity_and_cooccurrence_by_hand():
    train = [[1, 2, 3], [2, 3], [3, 4]]
    assert models.popularity_scores(train, 6).tolist() == [0, 1, 2, 3, 1, 0]
    scores = models.cooccurrence_scores(train, [[4, 1]], 6, recent=1)
    # last item 1 co-occurs with 2 (once, c(1)=1, c(2)=2) and 3 (once, c(3)=3)
    assert scores[0].tolist() == pytest.approx([0, 1, 1 / math.sqrt(2), 1 / math.sqrt(3), 0, 0])
    both = models.cooccurrence_scores(train, [[4, 1]], 6)
    assert both[0, 3] == pytest.approx(1 / math.sqrt(3) + 1 / math.sqrt(3))
    with pytest.raises(ValueError, match="vocabulary_size"):
        models.popularity_scores(train, 4)


def test_windows_are_left_padded_and_cover_every_target():
    history = list(range(1, 12))  # 11 items -> 10 targets
    inputs, targets = models.next_item_windows([history], sequence_length=4)
    assert inputs.shape == targets.shape == (3, 4)
    assert sorted(t for t in targets.ravel() if t) == list(range(2, 12))
    assert inputs[0].tolist() == [7, 8, 9, 10] and targets[0].tolist() == [8, 9, 10, 11]
    assert inputs[-1].tolist() == [0, 0, 1, 2] and targets[-1].tolist() == [0, 0, 2, 3]
    assert models.history_windows([history], 3).tolist() == [[9, 10, 11]]


# ---------------------------------------------------------------------------- models


@pytest.fixture(scope="module")
def small_models():
    keras.utils.set_random_seed(0)
    return {
        "gru4rec": models.gru4rec(VOCAB, 6, embedding_dim=8, units=8),
        "sasrec": models.sasrec(VOCAB, 6, hidden_dim=8, num_heads=2, num_layers=2,
                                intermediate_dim=16, dropout=0.0),
    }


@pytest.mark.parametrize("name", ["gru4rec", "sasrec"])
def test_shapes_dtype_and_last_position_scores(small_models, name):
    model = small_models[name]
    windows = np.random.default_rng(0).integers(0, VOCAB, size=(5, 6)).astype("int32")
    logits = model(windows)
    assert tuple(logits.shape) == (5, 6, VOCAB)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    scores = models.next_item_scores(model, windows, batch_size=2)
    np.testing.assert_allclose(scores, np.asarray(logits)[:, -1], atol=1e-5)


@pytest.mark.parametrize("name", ["gru4rec", "sasrec"])
def test_future_items_do_not_change_earlier_outputs(small_models, name):
    model = small_models[name]
    rng = np.random.default_rng(2)
    windows = rng.integers(1, VOCAB, size=(4, 6)).astype("int32")
    windows[:, :2] = 0  # left padding
    changed = windows.copy()
    changed[:, 4:] = rng.integers(1, VOCAB, size=(4, 2))
    before, after = np.asarray(model(windows)), np.asarray(model(changed))
    np.testing.assert_allclose(before[:, :4], after[:, :4], atol=1e-5)
    assert not np.allclose(before[:, 4:], after[:, 4:], atol=1e-3)


def test_padding_is_invisible_to_the_transformer(small_models):
    mask = np.asarray(models.HistoryMask()(np.array([[0, 0, 3, 4]])))[0]
    assert mask.astype(int).tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]
    # Padding keys are masked: what the padding embedding holds cannot reach a real item.
    model = small_models["sasrec"]
    windows = np.array([[0, 0, 0, 0, 3, 4], [0, 0, 5, 6, 7, 8]], "int32")
    embedding = model.get_layer("embedding")
    saved = embedding.get_weights()
    before = np.asarray(model(windows))
    changed = [w.copy() for w in saved]
    changed[0][0] += np.random.default_rng(4).normal(size=changed[0][0].shape) * 3
    embedding.set_weights(changed)
    after = np.asarray(model(windows))
    embedding.set_weights(saved)
    np.testing.assert_allclose(before[0, 4:], after[0, 4:], atol=1e-5)
    np.testing.assert_allclose(before[1, 2:], after[1, 2:], atol=1e-5)
    assert not np.allclose(before[0, :4], after[0, :4], atol=1e-3)  # the pads themselves do


@pytest.mark.parametrize("name", ["gru4rec", "sasrec"])
def test_save_load_round_trip(small_models, name, tmp_path):
    model = small_models[name]
    windows = np.random.default_rng(3).integers(0, VOCAB, size=(3, 6)).astype("int32")
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(windows)), np.asarray(model(windows)),
                               atol=1e-6)


def test_models_learn_a_deterministic_next_item():
    """Histories that always go 1 -> 2 -> ... -> 9: both models learn to name the next item."""
    keras.utils.set_random_seed(0)
    histories = [list(range(1, 10))] * 64
    inputs, targets = models.next_item_windows(histories, sequence_length=4)
    for model in (models.gru4rec(12, 4, embedding_dim=16, units=16, learning_rate=0.02),
                  models.sasrec(12, 4, hidden_dim=16, num_layers=1, intermediate_dim=32,
                                learning_rate=0.02)):
        model.fit(inputs, targets, epochs=15, batch_size=32, verbose=0)
        queries = models.history_windows([[1, 2, 3, 4], [3, 4, 5, 6, 7, 8]], 4)
        scores = models.next_item_scores(model, queries)
        assert (np.argmax(scores[:, 1:], axis=1) + 1).tolist() == [5, 9], model.name


def test_bad_arguments_name_what_was_expected():
    with pytest.raises(ValueError, match="hidden_dim must be divisible by num_heads"):
        models.sasrec(VOCAB, 6, hidden_dim=10, num_heads=4)
    with pytest.raises(ValueError, match="vocabulary_size must be >= 2"):
        models.gru4rec(1, 6)
    with pytest.raises(ValueError, match="dropout"):
        models.gru4rec(VOCAB, 6, dropout=1.0)
    with pytest.raises(ValueError, match="windows must be 2-D"):
        models.next_item_scores(models.gru4rec(VOCAB, 6, embedding_dim=4, units=4),
                                np.zeros(6, "int32"))
