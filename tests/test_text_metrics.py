"""Edit distance and the error rates, against values worked out by hand and against jiwer."""

import jiwer
import numpy as np
import pytest

from seqbook import metrics
from seqbook.metrics.text import (
    character_error_rate,
    edit_distance,
    phoneme_error_rate,
    sequence_error_rate,
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


def test_sequence_and_phoneme_error_rates_by_hand():
    assert sequence_error_rate(REFS, HYPS) == pytest.approx(3 / 4)
    assert phoneme_error_rate(REFS, HYPS) == pytest.approx(3 / 12)
    assert token_error_rate(REFS, HYPS) == phoneme_error_rate(REFS, HYPS)
    assert sequence_error_rate(REFS, REFS) == 0.0 and phoneme_error_rate(REFS, REFS) == 0.0
    # Strings are sequences of characters: a character error rate.
    assert token_error_rate(["abcd", "xy"], ["abed", "x"]) == pytest.approx(2 / 6)


def test_token_error_rate_can_exceed_one():
    assert token_error_rate([["a"]], [["b", "c", "d"]]) == pytest.approx(3.0)


# Transcripts with substitutions, insertions, deletions, repeated and reordered words,
# an empty hypothesis, and hypotheses longer than their references.
REFERENCES = [
    "the cat sat on the mat",
    "hello world",
    "a b c d e f",
    "speech recognition is hard",
    "one two three",
    "to be or not to be",
    "x",
    "the quick brown fox jumps",
]
HYPOTHESES = [
    "the cat sat on mat",
    "hello there big world",
    "a c d f g",
    "speech wreck a nition is hard",
    "",
    "be to or not be to",
    "x y z w",
    "the quick brown fox jumps",
]


@pytest.mark.parametrize("count", [1, 2, 5, len(REFERENCES)])
def test_word_and_character_error_rates_match_jiwer(count):
    refs, hyps = REFERENCES[:count], HYPOTHESES[:count]
    assert word_error_rate(refs, hyps) == pytest.approx(jiwer.wer(refs, hyps), abs=1e-12)
    assert character_error_rate(refs, hyps) == pytest.approx(jiwer.cer(refs, hyps), abs=1e-12)


def test_each_pair_alone_matches_jiwer():
    for ref, hyp in zip(REFERENCES, HYPOTHESES):
        assert word_error_rate([ref], [hyp]) == pytest.approx(jiwer.wer(ref, hyp), abs=1e-12)
        assert character_error_rate([ref], [hyp]) == pytest.approx(jiwer.cer(ref, hyp), abs=1e-12)


def test_word_error_rate_takes_word_lists_and_is_not_the_sequence_rate():
    words = [ref.split() for ref in REFERENCES], [hyp.split() for hyp in HYPOTHESES]
    assert word_error_rate(*words) == word_error_rate(REFERENCES, HYPOTHESES)
    assert word_error_rate(["a  b\tc"], ["a b c"]) == 0.0  # any whitespace splits
    assert word_error_rate(["a b c d"], ["a b c x"]) == pytest.approx(1 / 4)
    assert sequence_error_rate([["a", "b", "c", "d"]], [["a", "b", "c", "x"]]) == 1.0
    assert word_error_rate(["a"], ["b c d"]) == pytest.approx(3.0)  # can exceed 1


def test_exported_from_seqbook_metrics():
    assert metrics.word_error_rate is word_error_rate
    assert metrics.sequence_error_rate is sequence_error_rate
    assert metrics.character_error_rate is character_error_rate
    assert metrics.phoneme_error_rate is phoneme_error_rate
    assert metrics.edit_distance is edit_distance


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sequence_error_rate([["a"]], []), "equal length"),
        (lambda: sequence_error_rate([], []), "non-empty"),
        (lambda: word_error_rate("a b", "a b"), "references must be a list"),
        (lambda: word_error_rate(["a"], None), "hypotheses must be a list"),
        (lambda: word_error_rate([""], ["a"]), "at least one token"),
        (lambda: character_error_rate([["a"]], ["a"]), "references must be a str; got list"),
        (lambda: character_error_rate(["a"], [b"a"]), "hypotheses must be a str; got bytes"),
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
