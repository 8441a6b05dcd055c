"""The BLEU/chrF and ROUGE wrappers: the reference implementations' numbers, checked input."""

import numpy as np
import pytest
import sacrebleu
from rouge_score import rouge_scorer

from seqbook import metrics

HYPOTHESES = [
    "the cat sat on the mat",
    "a dog barked at the postman yesterday",
    "he reads books",
    "",
]
REFERENCES = [
    "the cat was sitting on the mat",
    "yesterday the dog barked at the postman",
    "he is reading a book",
    "nothing was said",
]


def test_translation_scores_equal_sacrebleu_called_directly():
    scores = metrics.translation_scores(HYPOTHESES, REFERENCES)
    bleu = sacrebleu.corpus_bleu(HYPOTHESES, [REFERENCES])
    chrf = sacrebleu.corpus_chrf(HYPOTHESES, [REFERENCES])
    assert scores["bleu"] == bleu.score and scores["chrf"] == chrf.score
    assert 0 < scores["bleu"] < scores["chrf"] < 100  # a partial match, scored both ways
    assert scores["bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp")
    assert scores["chrf_signature"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0")
    assert f"version:{sacrebleu.__version__}" in scores["bleu_signature"]
    assert all(isinstance(scores[k], float) for k in ("bleu", "chrf"))


def test_translation_scores_of_perfect_and_disjoint_output():
    perfect = metrics.translation_scores(REFERENCES, REFERENCES)
    assert perfect["bleu"] == pytest.approx(100.0) and perfect["chrf"] == pytest.approx(100.0)
    disjoint = metrics.translation_scores(["xyz qqq"] * 4, REFERENCES)
    assert disjoint["bleu"] == 0.0


def test_rouge_scores_equal_rouge_score_averaged_by_hand():
    for stemming in (True, False):
        scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=stemming)
        pairs = [scorer.score(ref, hyp) for hyp, ref in zip(HYPOTHESES, REFERENCES)]
        expected = {
            name: 100 * np.mean([pair[name].fmeasure for pair in pairs])
            for name in ("rouge1", "rouge2", "rougeL")
        }
        got = metrics.rouge_scores(HYPOTHESES, REFERENCES, stemming=stemming)
        assert got.keys() == expected.keys()
        for name in expected:
            assert got[name] == pytest.approx(expected[name], rel=1e-12)
    # Stemming matters here ("reads" / "reading", "books" / "book"), in the right direction.
    stemmed = metrics.rouge_scores(HYPOTHESES, REFERENCES)
    plain = metrics.rouge_scores(HYPOTHESES, REFERENCES, stemming=False)
    assert stemmed["rouge1"] > plain["rouge1"]


def test_rouge_scores_by_hand():
    # "the cat sat" against "the cat sat down": P = 3/3, R = 3/4 -> F1 = 6/7 for ROUGE-1 and
    # ROUGE-L; bigrams P = 2/2, R = 2/3 -> F1 = 4/5. The empty pair scores 0 everywhere.
    got = metrics.rouge_scores(["the cat sat", ""], ["the cat sat down", "something"])
    assert got["rouge1"] == pytest.approx(100 * 6 / 7 / 2)
    assert got["rouge2"] == pytest.approx(100 * 4 / 5 / 2)
    assert got["rougeL"] == pytest.approx(100 * 6 / 7 / 2)


def test_wrappers_take_tuples_and_arrays():
    a = metrics.translation_scores(tuple(HYPOTHESES), np.array(REFERENCES))
    assert a["bleu"] == metrics.translation_scores(HYPOTHESES, REFERENCES)["bleu"]
    b = metrics.rouge_scores(np.array(HYPOTHESES), tuple(REFERENCES))
    assert b == metrics.rouge_scores(HYPOTHESES, REFERENCES)


@pytest.mark.parametrize("function, first", [
    (metrics.translation_scores, "hypotheses"),
    (metrics.rouge_scores, "predictions"),
])
@pytest.mark.parametrize("outputs, references, message", [
    ([], [], "{first} must hold at least one sentence"),
    (["a", "b"], ["a"], "{first} and references must have the same length.*2 and 1"),
    (["a"], ["a", "b"], "{first} and references must have the same length.*1 and 2"),
    ("a cat", ["a cat"], "{first} must be a list of strings.*str"),
    (["a cat"], "a cat", "references must be a list of strings"),
    ([["a", "cat"]], ["a cat"], "{first} must hold strings only; item 0 is list"),
    (["a cat"], [None], "references must hold strings only"),
    (None, ["a cat"], "{first} must be a list of strings"),
])
def test_bad_input_is_named(function, first, outputs, references, message):
    with pytest.raises(ValueError, match=message.format(first=first)):
        function(outputs, references)


def test_rouge_stemming_must_be_a_bool():
    with pytest.raises(ValueError, match="stemming"):
        metrics.rouge_scores(["a"], ["a"], stemming="yes")
