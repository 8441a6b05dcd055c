"""The simplified VADER scorer, worked by hand, and the lexicon read from the cached sdist."""

import math

import numpy as np
import pytest

from seqbook import classical, data

TOY = {"good": 1.9, "bad": -2.5, "great": 3.1, ":)": 2.0}


def _norm(x, alpha=15.0):
    return x / math.sqrt(x * x + alpha)


@pytest.mark.parametrize(
    "text, total",
    [
        ("good", 1.9),
        ("Good!", 1.9),  # case and edge punctuation do not matter
        ("good and great", 1.9 + 3.1),
        ("not good", -0.74 * 1.9),
        ("isn't good", -0.74 * 1.9),  # any word ending in n't negates
        ("not bad at all", -0.74 * -2.5),
        ("never really that good", -0.74 * 1.9),  # three words before: still negated
        ("not one two three good", 1.9),  # four words before: out of reach
        ("good, not bad", 1.9 - 0.74 * -2.5),
        ("bad :)", -2.5 + 2.0),  # emoticons survive tokenisation
        ("the table", 0.0),
        ("", 0.0),
    ],
)
def test_lexicon_score_by_hand(text, total):
    assert classical.lexicon_score(text, TOY) == pytest.approx(_norm(total), abs=1e-12)


def test_scores_are_bounded_and_alpha_and_window_matter():
    many = " ".join(["great"] * 50)
    assert 0.99 < classical.lexicon_score(many, TOY) < 1.0
    assert classical.lexicon_score("good", TOY, alpha=1.0) == pytest.approx(_norm(1.9, 1.0))
    assert classical.lexicon_score("not good", TOY, negation_window=0) == pytest.approx(
        _norm(1.9))
    scores = classical.lexicon_scores(["good", "not good", "table"], TOY)
    assert scores.dtype == np.float64 and scores.shape == (3,)


def test_tokens_keep_emoticons_and_strip_word_punctuation():
    assert classical.lexicon_tokens("Great movie... :-( (really)") == [
        "great", "movie", ":-(", "really"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: classical.lexicon_scores("good", TOY), "texts"),
        (lambda: classical.lexicon_scores(["good"], {}), "lexicon"),
        (lambda: classical.lexicon_score("good", TOY, alpha=0), "alpha"),
        (lambda: classical.lexicon_score("good", TOY, negation_window=-1), "negation_window"),
        (lambda: classical.lexicon_score(None, TOY), "text"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_vader_lexicon_from_the_sdist():
    lexicon = data.vader_lexicon()
    assert 7400 < len(lexicon) < 7600
    assert lexicon["good"] == 1.9 and lexicon["great"] == 3.1 and lexicon["horrible"] == -2.5
    assert all(-4 <= v <= 4 and v != 0 for v in lexicon.values())
    lexicon["good"] = 0.0  # a fresh copy each call
    assert data.vader_lexicon()["good"] == 1.9
