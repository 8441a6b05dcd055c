"""Corpus scores of generated text, computed by the field's reference implementations.

BLEU and chrF come from ``sacrebleu`` (Post 2018), ROUGE from Google's ``rouge-score``:
the packages whose numbers papers report, so a chapter's scores can be set beside published
ones when the data and protocol match. Nothing is re-implemented here; these wrappers only
check their input (the same number of outputs and references, at least one, all strings)
and return plain numbers.

Both take detokenized text: sacrebleu tokenizes with its own ``13a`` tokenizer and records
how in its *signature* string, which a report should print next to the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["rouge_scores", "translation_scores"]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def _texts(value: Any, name: str) -> list[str]:
    """``value`` as a list of strings, or a ValueError naming ``name``."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(
            f"{name} must be a list of strings, one per sentence; got {type(value).__name__}"
        )
    texts = list(value)
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        raise ValueError(
            f"{name} must hold strings only; item {bad[0]} is {type(texts[bad[0]]).__name__}"
        )
    return texts


def _pairs(outputs: Any, references: Any, outputs_name: str) -> tuple[list[str], list[str]]:
    outputs, references = _texts(outputs, outputs_name), _texts(references, "references")
    if not outputs:
        raise ValueError(f"{outputs_name} must hold at least one sentence; got an empty list")
    if len(outputs) != len(references):
        raise ValueError(
            f"{outputs_name} and references must have the same length (one reference per "
            f"output); got {len(outputs)} and {len(references)}"
        )
    return outputs, references


def translation_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, Any]:
    """Corpus BLEU and chrF of translations against one reference each, by sacrebleu.

    BLEU (Papineni et al. 2002) is the geometric mean of the clipped 1- to 4-gram precisions
    of the whole corpus times a brevity penalty; chrF (Popovic 2015) is the F-score (beta = 2)
    of character 1- to 6-grams, which gives credit for a right word stem with a wrong
    ending. Both are computed by ``sacrebleu.metrics.BLEU`` and ``CHRF`` with their
    default settings, which equal ``sacrebleu.corpus_bleu`` and ``sacrebleu.corpus_chrf``.

    Parameters
    ----------
    hypotheses : list of str
        The system's translations, detokenized, one per source sentence.
    references : list of str
        One reference translation per hypothesis, in the same order.

    Returns
    -------
    dict
        ``"bleu"`` and ``"chrf"`` (floats from 0 to 100), and ``"bleu_signature"`` and
        ``"chrf_signature"``, sacrebleu's strings that say how each was computed (number of
        references, case, tokenizer, smoothing, version).

    Raises
    ------
    ValueError
        If either argument is not a list of strings, if they differ in length or if they
        are empty.

    Example
    -------
    >>> scores = translation_scores(["the cat sat on the mat"], ["the cat sat on a mat"])
    >>> round(scores["bleu"], 2), round(scores["chrf"], 2)
    (53.73, 72.08)
    >>> scores["bleu_signature"].split("|")[:3]
    ['nrefs:1', 'case:mixed', 'eff:no']
    """
    # Imported here: ``import seqbook.metrics`` stays cheap for the chapters that never score
    # text.
    from sacrebleu.metrics import BLEU, CHRF

    hypotheses, references = _pairs(hypotheses, references, "hypotheses")
    bleu, chrf = BLEU(), CHRF()
    return {
        "bleu": float(bleu.corpus_score(hypotheses, [references]).score),
        "chrf": float(chrf.corpus_score(hypotheses, [references]).score),
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
    }


def rouge_scores(
    predictions: Sequence[str], references: Sequence[str], stemming: bool = True
) -> dict[str, float]:
    """Mean ROUGE-1, ROUGE-2 and ROUGE-L F1 of summaries, by Google's ``rouge-score``.

    ROUGE-n (Lin 2004) compares the n-grams of a summary with those of its reference, and
    ROUGE-L their longest common subsequence; each pair gets an F1 score, and the corpus
    score is the mean over pairs, times 100 (as summarization papers report it). This is
    ``rouge_score.rouge_scorer.RougeScorer``'s per-pair F-measure averaged; its tokenizer
    lowercases and keeps only runs of ``a-z`` and ``0-9`` (so it suits English text), and
    ``stemming`` applies the Porter stemmer (``"cats"`` matches ``"cat"``).

    Parameters
    ----------
    predictions : list of str
        The system's summaries.
    references : list of str
        One reference summary per prediction, in the same order.
    stemming : bool
        Stem words before matching (the usual setting in summarization papers).

    Returns
    -------
    dict of str to float
        ``"rouge1"``, ``"rouge2"``, ``"rougeL"``: mean F1 x 100.

    Raises
    ------
    ValueError
        If either argument is not a list of strings, if they differ in length or if they
        are empty.

    Example
    -------
    >>> scores = rouge_scores(["the cats sat"], ["the cat sat down"])
    >>> {name: round(value, 1) for name, value in scores.items()}
    {'rouge1': 85.7, 'rouge2': 80.0, 'rougeL': 85.7}
    >>> round(rouge_scores(["the cats sat"], ["the cat sat down"], stemming=False)["rouge1"], 1)
    57.1
    """
    if not isinstance(stemming, bool):
        raise ValueError(f"stemming must be a bool; got {stemming!r}")
    predictions, references = _pairs(predictions, references, "predictions")
    # Imported here: rouge-score imports NLTK, which takes more than a second.
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=stemming)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for prediction, reference in zip(predictions, references):
        scores = scorer.score(reference, prediction)  # rouge-score takes the reference first
        for name in ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    return {name: 100.0 * total / len(predictions) for name, total in totals.items()}
