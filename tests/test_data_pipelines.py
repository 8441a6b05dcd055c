"""seqbook.data pipelines, the word-order task and the sunspot series."""

import collections

import numpy as np
import pytest
import tensorflow as tf

from seqbook import data


def test_sunspots_known_facts():
    years, values = data.sunspots()
    assert years.shape == values.shape == (309,)
    assert (years[0], years[-1]) == (1700, 2008)
    assert np.all(np.diff(years) == 1)
    assert values.dtype == np.float32 and values.min() >= 0
    assert years[values.argmax()] == 1957  # the most active year on record in this series


def test_chronological_split_keeps_order_and_sizes():
    series = np.arange(100.0)
    train, val, test = data.chronological_split(series, test_size=10, val_size=20)
    assert len(train) == 70 and len(val) == 20 and len(test) == 10
    np.testing.assert_array_equal(np.concatenate([train, val, test]), series)
    with pytest.raises(ValueError, match="test_size"):
        data.chronological_split(series, test_size=0)
    with pytest.raises(ValueError, match="leave training data"):
        data.chronological_split(series, test_size=60, val_size=40)


def test_standardizer_uses_training_statistics_only():
    train, test = np.array([1.0, 2.0, 3.0]), np.array([100.0])
    scaler = data.Standardizer().fit(train)
    assert scaler.mean_ == pytest.approx(2.0)
    assert scaler.transform(test)[0] == pytest.approx((100 - 2) / np.std(train))
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(test)), test, rtol=1e-6)


def test_standardizer_refuses_bad_input():
    with pytest.raises(ValueError, match="not fitted"):
        data.Standardizer().transform([1.0])
    with pytest.raises(ValueError, match="NaN"):
        data.Standardizer().fit([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="constant"):
        data.Standardizer().fit([2.0, 2.0])


def test_window_arrays_pairs_past_with_future():
    series = np.arange(10.0)
    x, y = data.window_arrays(series, window=3, horizon=2)
    assert x.shape == (6, 3, 1) and y.shape == (6, 2)
    for i in range(6):
        np.testing.assert_array_equal(x[i, :, 0], series[i : i + 3])
        np.testing.assert_array_equal(y[i], series[i + 3 : i + 5])


def test_window_arrays_multivariate_target_column():
    series = np.stack([np.arange(8.0), 10 * np.arange(8.0)], axis=1)
    x, y = data.window_arrays(series, window=2, target=1)
    assert x.shape == (6, 2, 2)
    np.testing.assert_array_equal(y[:, 0], 10 * np.arange(2, 8))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"series": np.arange(5.0), "window": 5}, "too short"),
        ({"series": np.arange(5.0), "window": 0}, "window"),
        ({"series": [1.0, np.nan, 3.0, 4.0], "window": 1}, "NaN"),
        ({"series": np.zeros((4, 2, 2)), "window": 1}, "1-D.*2-D"),
        ({"series": np.zeros((6, 2)), "window": 2, "target": 2}, "target"),
    ],
)
def test_window_arrays_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.window_arrays(**kwargs)


def test_windows_static_batches_for_tpu():
    ds = data.windows(np.arange(50.0), window=4, batch_size=8, drop_remainder=True)
    assert [tuple(spec.shape) for spec in ds.element_spec] == [(8, 4, 1), (8, 1)]
    assert sum(1 for _ in ds) == (50 - 4) // 8
    with pytest.raises(ValueError, match="batch_size"):
        data.windows(np.arange(50.0), window=4, batch_size=0)


def test_windows_shuffle_is_seeded():
    first = [x.numpy() for x, _ in data.windows(np.arange(40.0), 4, shuffle=True, seed=3).take(1)]
    again = [x.numpy() for x, _ in data.windows(np.arange(40.0), 4, shuffle=True, seed=3).take(1)]
    np.testing.assert_array_equal(first[0], again[0])


def test_bucket_by_length_pads_each_batch_to_its_own_longest():
    rng = np.random.default_rng(0)
    sequences = [list(rng.integers(1, 9, size=n)) for n in rng.integers(1, 30, size=400)]
    labels = np.arange(400) % 2
    bucketed = data.bucket_by_length(sequences, labels, boundaries=[5, 10, 20], batch_size=16)
    padded = tf.data.Dataset.from_tensor_slices(
        (tf.keras.utils.pad_sequences(sequences, padding="post"), labels)
    ).batch(16)
    seen = collections.Counter()
    for tokens, batch_labels in bucketed:
        lengths = (tokens.numpy() > 0).sum(axis=1)
        assert lengths.max() == tokens.shape[1]  # no batch is padded beyond its longest row
        seen.update(lengths.tolist())
    assert sum(seen.values()) == 400  # nothing dropped
    assert data.padding_fraction(bucketed) < 0.5 * data.padding_fraction(padded)


def test_bucket_by_length_static_shapes():
    sequences = [[1] * n for n in (1, 2, 3, 6, 7, 8)] * 4
    ds = data.bucket_by_length(
        sequences, np.zeros(len(sequences)), boundaries=[5, 10], batch_size=4,
        pad_to_boundary=True, drop_remainder=True,
    )
    shapes = {tuple(tokens.shape) for tokens, _ in ds}
    assert shapes <= {(4, 4), (4, 9)}


def test_bucket_by_length_refuses_bad_input():
    with pytest.raises(ValueError, match="differ in length"):
        data.bucket_by_length([[1], [2]], [0], boundaries=[2], batch_size=1)
    with pytest.raises(ValueError, match="boundaries"):
        data.bucket_by_length([[1], [2]], [0, 1], boundaries=[3, 2], batch_size=1)
    with pytest.raises(ValueError, match="non-empty"):
        data.bucket_by_length([[1], []], [0, 1], boundaries=[2], batch_size=1)


def test_word_order_task_is_deterministic_balanced_and_order_only():
    texts, labels = data.word_order_sentences(2000, seed=5)
    again, again_labels = data.word_order_sentences(2000, seed=5)
    assert texts == again and np.array_equal(labels, again_labels)
    assert 0.45 < labels.mean() < 0.55
    assert all(5 <= len(t.split()) <= 9 for t in texts)
    # Swapping the two noun phrases keeps the bag of words and flips the label, so the
    # generator must produce both orders of the same words with both labels.
    by_bag = collections.defaultdict(set)
    for text, label in zip(texts, labels):
        by_bag[tuple(sorted(text.split()))].add(int(label))
    assert any(len(found) == 2 for found in by_bag.values())
    with pytest.raises(ValueError, match="n must be"):
        data.word_order_sentences(0)


def test_two_processes_building_the_same_set_share_one_build(tmp_path):
    """The first build of a TFDS set is serialised across processes (a lock in the cache)."""
    import os
    import subprocess
    import sys

    count = ("from seqbook import data; "
             "print(sum(1 for _ in data.load('number_translation', split='train', "
             "max_number=5000)))")
    env = {**os.environ, "SEQBOOK_DATA_DIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    runs = [subprocess.Popen([sys.executable, "-c", count], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-2000:]
    counts = {out.split()[-1] for out, _ in outputs}
    assert len(counts) == 1 and int(counts.pop()) > 200, outputs
