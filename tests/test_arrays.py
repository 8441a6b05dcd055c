"""to_numpy reads data sets whole in their own structure; whole_batches and trim_to_batches."""

import numpy as np
import pytest
import tensorflow as tf

from seqbook import data
from seqbook.data.arrays import to_numpy, trim_to_batches, whole_batches


def test_dict_of_fixed_shapes_is_stacked_and_strings_decoded():
    x = np.arange(24.0, dtype=np.float32).reshape(6, 2, 2)
    names = ["é", "b", "c", "d", "e", "f"]
    rows = to_numpy(tf.data.Dataset.from_tensor_slices({"x": x, "name": names, "y": np.arange(6)}))
    assert set(rows) == {"x", "name", "y"}
    np.testing.assert_array_equal(rows["x"], x)
    assert rows["x"].dtype == np.float32 and rows["y"].tolist() == list(range(6))
    assert rows["name"] == names and all(type(name) is str for name in rows["name"])


def test_reads_across_batches_of_the_fast_path(monkeypatch):
    monkeypatch.setattr("seqbook.data.arrays._CHUNK", 3)
    rows = to_numpy(tf.data.Dataset.range(10))
    assert rows.tolist() == list(range(10))


def test_tuple_and_single_tensor_keep_their_structure():
    inputs, labels = to_numpy(tf.data.Dataset.from_tensor_slices((np.ones((4, 3)), [0, 1, 0, 1])))
    assert inputs.shape == (4, 3) and labels.tolist() == [0, 1, 0, 1]
    assert to_numpy(tf.data.Dataset.from_tensors(tf.constant([1, 2]))).tolist() == [[1, 2]]


def test_variable_lengths_give_a_list_and_equal_unknown_shapes_are_stacked():
    ragged = tf.data.Dataset.range(1, 5).map(lambda n: (tf.ones([n, 2]), n))
    series, lengths = to_numpy(ragged)
    assert isinstance(series, list) and [s.shape for s in series] == [(n, 2) for n in range(1, 5)]
    assert lengths.tolist() == [1, 2, 3, 4]
    same = tf.data.Dataset.range(3).map(lambda n: tf.fill([n * 0 + 2], n))  # shape [None]
    assert same.element_spec.shape.as_list() == [None]
    assert to_numpy(same).tolist() == [[0, 0], [1, 1], [2, 2]]


def test_string_sequences_become_nested_lists_of_str():
    words = tf.data.Dataset.from_tensor_slices(tf.ragged.constant([["a", "bc"], ["d"]]))
    words = words.map(lambda row: row)  # dense rows of unknown length
    assert to_numpy(words) == [["a", "bc"], ["d"]]
    fixed = tf.data.Dataset.from_tensor_slices([["x", "y"], ["z", "w"]])
    assert to_numpy(fixed) == [["x", "y"], ["z", "w"]]


def test_empty_and_unknown_cardinality():
    empty = to_numpy(tf.data.Dataset.from_tensor_slices(np.zeros((0, 3), np.float32)))
    assert empty.shape == (0, 3) and empty.dtype == np.float32
    evens = tf.data.Dataset.range(10).filter(lambda n: n % 2 == 0)
    assert to_numpy(evens).tolist() == [0, 2, 4, 6, 8]


def test_a_real_variable_length_data_set():
    rows = to_numpy(data.load("japanese_vowels", split="train+validation"))
    assert len(rows["series"]) == 270 and rows["label"].shape == (270,)
    assert {s.shape[1] for s in rows["series"]} == {12}


@pytest.mark.parametrize(
    "dataset, error, message",
    [
        ([1, 2, 3], TypeError, "dataset must be a tf.data.Dataset; got list"),
        (tf.data.Dataset.range(3).repeat(), ValueError, "must be finite"),
        (
            tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1], [2, 3]])).batch(2),
            TypeError,
            "dense tensors",
        ),
    ],
)
def test_to_numpy_rejects(dataset, error, message):
    with pytest.raises(error, match=message):
        to_numpy(dataset)


class TwoReplicas:
    num_replicas_in_sync = 2


def test_whole_batches_splits_the_global_batch_over_replicas():
    assert whole_batches(1000, batch_size=31) == 992
    assert whole_batches(1000, batch_size=62, strategy=TwoReplicas()) == 992  # 16 x 62
    assert whole_batches(123, batch_size=62, strategy=TwoReplicas()) == 62
    assert whole_batches(62, batch_size=62, strategy=TwoReplicas()) == 62
    assert whole_batches(np.int64(64), batch_size=32) == 64


@pytest.mark.parametrize(
    "count, batch_size, message",
    [
        (61, 62, r"at least one batch \(62\); got 61"),
        (100, 31, "multiple of the 2 replicas, so that each gets an equal share; got 31"),
        (100, 0, "batch_size must be a positive integer; got 0"),
        (100, 2.5, "batch_size must be a positive integer; got 2.5"),
        (62.0, 62, "count must be an integer"),
        (True, 2, "count must be an integer"),
    ],
)
def test_whole_batches_rejects(count, batch_size, message):
    with pytest.raises(ValueError, match=message):
        whole_batches(count, batch_size, strategy=TwoReplicas())


def test_trim_to_batches_one_or_many_arrays_first_or_last():
    x, y = np.zeros((130, 4)), list(range(130))
    cut_x, cut_y = trim_to_batches(x, y, batch_size=62, strategy=TwoReplicas())
    assert cut_x.shape == (124, 4) and cut_y == list(range(124))
    single = trim_to_batches(x, batch_size=32)
    assert isinstance(single, np.ndarray) and single.shape == (128, 4)
    newest = trim_to_batches(np.arange(130), batch_size=62, strategy=TwoReplicas(), keep="last")
    assert newest.tolist() == list(range(6, 130))


@pytest.mark.parametrize(
    "arrays, kwargs, message",
    [
        ((np.zeros(10), np.zeros(9)), {}, r"share their first dimension; got lengths \[10, 9\]"),
        ((), {}, "at least one array"),
        ((np.zeros(3),), {}, "at least one batch"),
        ((np.zeros(10),), {"keep": "middle"}, "keep must be 'first' or 'last'; got 'middle'"),
    ],
)
def test_trim_to_batches_rejects(arrays, kwargs, message):
    with pytest.raises(ValueError, match=message):
        trim_to_batches(*arrays, batch_size=4, **kwargs)


def test_exported_from_seqbook_data():
    assert data.to_numpy is to_numpy
    assert data.whole_batches is whole_batches and data.trim_to_batches is trim_to_batches
