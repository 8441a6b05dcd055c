"""The nearest-neighbour lookup baseline of the sequence-to-sequence chapters."""

import numpy as np
import pytest

from seqbook import metrics, models


def _brute_force(train_inputs, train_outputs, queries):
    table = {tuple(s): o for s, o in zip(train_inputs, train_outputs)}
    return [table[min(table, key=lambda c: (metrics.edit_distance(tuple(q), c), c))]
            for q in queries]


def test_with_every_candidate_it_is_the_exact_nearest_neighbour():
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcd"), size=rng.integers(1, 7))) for _ in range(60)]
    outputs = list(range(len(words)))
    queries = ["".join(rng.choice(list("abcde"), size=rng.integers(1, 8))) for _ in range(40)]
    exact = _brute_force(words, outputs, queries)
    assert models.nearest_neighbour_outputs(words, outputs, queries, neighbours=60) == exact
    # With few candidates it is an approximation, exact for a query that differs from a
    # training input by a first letter added at its end or start: nothing sorts between the
    # input and the query in the forward or the reversed order.
    ends = [w + "a" for w in words[:20]] + ["a" + w for w in words[20:40]]
    found = models.nearest_neighbour_outputs(words, words, ends, neighbours=2)
    best = _brute_force(words, words, ends)
    assert ([metrics.edit_distance(q, f) for q, f in zip(ends, found)]
            == [metrics.edit_distance(q, b) for q, b in zip(ends, best)])


def test_token_lists_and_shared_prefixes_or_suffixes():
    train = [["one", "hundred"], ["two", "hundred"], ["nine"], ["ninety", "nine"]]
    outputs = ["cent", "deux cents", "neuf", "quatre-vingt-dix-neuf"]
    queries = [["two", "hundred", "and", "one"], ["ninety", "eight"], ["nine"]]
    assert models.nearest_neighbour_outputs(train, outputs, queries) == [
        "deux cents", "quatre-vingt-dix-neuf", "neuf"]


@pytest.mark.parametrize("call, message", [
    (lambda: models.nearest_neighbour_outputs(["a", "b"], ["x"], ["a"]), "same length"),
    (lambda: models.nearest_neighbour_outputs([], [], ["a"]), "non-empty"),
    (lambda: models.nearest_neighbour_outputs(["a"], ["x"], ["a"], neighbours=0), "neighbours"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
