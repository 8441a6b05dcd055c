"""Edit distance and the sequence error rates, against values worked out by hand."""

import numpy as np
import pytest

from seqbook import metrics
from seqbook.metrics.text import (
    edit_distance,
    phoneme_error_rate,
    token_error_rate,
    word_error_rate,
)


@pytest.mark.parametrize(
    "reference, hypothesis, distance",
    [
        ("", "", 0),
        ("abc", "", 3),  # three deletions
        ("", "ab", 2),  # two insertions
        ("abc", "abc", 0),
        ("kitten", "sitting", 3),  # k->s, e->i, insert g
        ("flaw", "lawn", 2),  # delete f, insert n
        ("intention", "execution", 5),
        ("ab", "ba", 2),  # no transpositions in Levenshtein's distance
        (["HH", "AH0", "L", "OW1"], ["HH", "EH0", "L", "OW1"], 1),
        (np.array([1, 2, 3, 4]), np.array([2, 3, 4, 5]), 2),  # delete 1, insert 5
    ],
)
def test_edit_distance_by_hand(reference, hypothesis, distance):
    assert edit_distance(reference, hypothesis) == distance
    assert edit_distance(hypothesis, reference) == distance  # symmetric


def test_edit_distance_matches_a_brute_force_recursion_on_random_pairs():
    def slow(a, b):
        if not a or not b:
            return len(a) + len(b)
        return min(slow(a[1:], b) + 1, slow(a, b[1:]) + 1, slow(a[1:], b[1:]) + (a[0] != b[0]))

    rng = np.random.default_rng(0)
    for _ in range(40):
        a = "".join(rng.choice(list("xyz"), size=rng.integers(0, 6)))
        b = "".join(rng.choice(list("xyz"), size=rng.integers(0, 6)))
        assert edit_distance(a, b) == slow(a, b), (a, b)


REFS = [["K", "AE1", "T"], ["D", "AO1", "G"], ["B", "ER1", "D"], ["F", "IH1", "SH"]]
HYPS = [
    ["K", "AE1", "T"],  # right: distance 0
    ["D", "AA1", "G"],  # one substitution: 1
    ["B", "ER1", "D", "Z"],  # one insertion: 1
    ["F", "SH"],  # one deletion: 1
]


def test_word_and_phoneme_error_rates_by_hand():
    assert word_error_rate(REFS, HYPS) == pytest.approx(3 / 4)
    assert phoneme_error_rate(REFS, HYPS) == pytest.approx(3 / 12)
    assert token_error_rate(REFS, HYPS) == phoneme_error_rate(REFS, HYPS)
    assert word_error_rate(REFS, REFS) == 0.0 and phoneme_error_rate(REFS, REFS) == 0.0
    # Strings are sequences of characters: a character error rate.
    assert token_error_rate(["abcd", "xy"], ["abed", "x"]) == pytest.approx(2 / 6)


def test_token_error_rate_can_exceed_one():
    assert token_error_rate([["a"]], [["b", "c", "d"]]) == pytest.approx(3.0)


def test_exported_from_seqbook_metrics():
    assert metrics.word_error_rate is word_error_rate
    assert metrics.phoneme_error_rate is phoneme_error_rate
    assert metrics.edit_distance is edit_distance


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: word_error_rate([["a"]], []), "equal length"),
        (lambda: word_error_rate([], []), "non-empty"),
        (lambda: token_error_rate("ab", "ab"), "references"),
        (lambda: token_error_rate([[]], [["a"]]), "at least one token"),
        (lambda: edit_distance(5, "a"), "reference"),
        (lambda: edit_distance("a", np.zeros((2, 2))), "hypothesis"),
        (lambda: phoneme_error_rate([["a"]], [3]), "each hypothesis"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
