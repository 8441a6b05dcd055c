"""Scores for detectors that flag time steps: precision, recall, F1 and the area under the PR curve.

Every function here scores *points*: each time step is one labelled example, 1 for anomalous
and 0 for normal. Anomalies are rare, so accuracy says little (flagging nothing is right at
almost every step); precision and recall look only at the steps that matter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["auc_pr", "best_f1", "precision_recall_f1"]


def _labels(y_true: np.ndarray | Sequence[int], name: str = "y_true") -> np.ndarray:
    """Check a 1-D array of 0/1 labels (bools allowed) and return it as bool."""
    array = np.asarray(y_true)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D [time]; got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if array.dtype == bool:
        return array
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must hold 0 and 1 (or booleans); got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.floating) and np.isnan(array).any():
        raise ValueError(f"{name} holds NaN; labels must be 0 or 1")
    others = np.unique(array[(array != 0) & (array != 1)])
    if others.size:
        raise ValueError(f"{name} must hold only 0 and 1 (or booleans); found {others[:5].tolist()}")
    return array.astype(bool)


def _same_length(y_true: np.ndarray, other: np.ndarray, name: str) -> None:
    if len(other) != len(y_true):
        raise ValueError(
            f"y_true and {name} must have the same length; got {len(y_true)} and {len(other)}"
        )


def _scores(scores: np.ndarray | Sequence[float]) -> np.ndarray:
    """Check a 1-D array of finite scores."""
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"scores must be 1-D [time]; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"scores hold {bad} NaN or infinite values; drop the steps a detector could not "
            "score before evaluating it"
        )
    return array


def precision_recall_f1(
    y_true: np.ndarray | Sequence[int], y_pred: np.ndarray | Sequence[int]
) -> tuple[float, float, float]:
    """Precision, recall and F1 of binary predictions, anomalous (1) being the positive class.

    With TP, FP and FN the counts of true positives, false positives and false negatives,
    precision is TP / (TP + FP), recall TP / (TP + FN), and F1 their harmonic mean. A ratio
    whose denominator is zero (no step flagged, or no anomalous step) is reported as 0.

    Parameters
    ----------
    y_true : array of shape ``[time]``
        Labels, 1 (or True) for anomalous steps.
    y_pred : array of shape ``[time]``
        Detections, 1 (or True) for flagged steps.

    Returns
    -------
    tuple of float
        ``(precision, recall, f1)``.

    Example
    -------
    >>> precision_recall_f1([0, 1, 1, 0, 1], [0, 1, 0, 1, 1])
    (0.6666666666666666, 0.6666666666666666, 0.6666666666666666)
    >>> precision_recall_f1([0, 1, 0], [0, 0, 0])  # flagging nothing
    (0.0, 0.0, 0.0)
    """
    truth = _labels(y_true)
    predicted = _labels(y_pred, "y_pred")
    _same_length(truth, predicted, "y_pred")
    tp = int(np.sum(truth & predicted))
    fp = int(np.sum(~truth & predicted))
    fn = int(np.sum(truth & ~predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _ranked_counts(truth: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds (distinct scores, high to low) and the TP and FP counts at each.

    At threshold ``s`` every step with a score of at least ``s`` is flagged, so steps with tied
    scores are flagged together.
    """
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], truth[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked) != 0), len(ranked) - 1]
    tp = np.cumsum(hits)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    return ranked[last_of_tie], tp, fp


def auc_pr(y_true: np.ndarray | Sequence[int], scores: np.ndarray | Sequence[float]) -> float:
    """Area under the precision-recall curve, as average precision.

    Sweep a threshold down through the distinct scores; at the n-th threshold every step
    scoring at least that much is flagged, giving precision :math:`P_n` and recall :math:`R_n`.
    Average precision is the precision at each threshold weighted by the recall it adds,

    .. math:: \\mathrm{AP} = \\sum_n (R_n - R_{n-1})\\, P_n, \\qquad R_0 = 0,

    the same step-wise sum as scikit-learn's ``average_precision_score`` (no interpolation).
    It needs no threshold, is 1 when every anomalous step outscores every normal one, and
    is close to the fraction of anomalous steps for scores that ignore the labels.

    Parameters
    ----------
    y_true : array of shape ``[time]``
        Labels, 1 for anomalous steps; at least one must be 1.
    scores : array of shape ``[time]``
        Anomaly scores, higher meaning more anomalous; finite.

    Returns
    -------
    float
        Average precision in ``(0, 1]``.

    Example
    -------
    >>> auc_pr([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.3])  # ranked: hit, miss, hit
    0.8333333333333333
    >>> auc_pr([0, 0, 1], [0.2, 0.1, 0.9])
    1.0
    """
    truth = _labels(y_true)
    values = _scores(scores)
    _same_length(truth, values, "scores")
    positives = int(truth.sum())
    if positives == 0:
        raise ValueError("y_true holds no anomalous step (no 1); average precision is undefined")
    _, tp, fp = _ranked_counts(truth, values)
    precision = tp / (tp + fp)
    recall_gain = np.diff(np.r_[0, tp]) / positives
    return float(np.sum(recall_gain * precision))


def best_f1(
    y_true: np.ndarray | Sequence[int], scores: np.ndarray | Sequence[float]
) -> tuple[float, float]:
    """The highest F1 any threshold reaches, and that threshold.

    It looks at the labels to choose the threshold, so on test data it is an upper bound on
    what a detector can reach, not a result: choose real thresholds on data set aside for it.
    Steps with a score of at least the threshold are flagged.

    Parameters
    ----------
    y_true : array of shape ``[time]``
        Labels, 1 for anomalous steps; at least one must be 1.
    scores : array of shape ``[time]``
        Anomaly scores, higher meaning more anomalous; finite.

    Returns
    -------
    tuple of float
        ``(f1, threshold)``; among equally good thresholds, the highest.

    Example
    -------
    >>> best_f1([0, 1, 0, 1, 0], [0.1, 0.9, 0.8, 0.7, 0.2])
    (0.8, 0.7)
    """
    truth = _labels(y_true)
    values = _scores(scores)
    _same_length(truth, values, "scores")
    positives = int(truth.sum())
    if positives == 0:
        raise ValueError("y_true holds no anomalous step (no 1); F1 is undefined")
    thresholds, tp, fp = _ranked_counts(truth, values)
    f1 = 2 * tp / (2 * tp + fp + (positives - tp))
    best = int(np.argmax(f1))  # the first maximum: the highest threshold
    return float(f1[best]), float(thresholds[best])
