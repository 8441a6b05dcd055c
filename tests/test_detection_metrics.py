"""Detection metrics: precision, recall, F1, average precision and best F1 against hand-worked values."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from seqbook import metrics


def test_precision_recall_f1_by_hand():
    # 3 anomalous steps; 4 alarms, 2 of them right: TP=2, FP=2, FN=1.
    y_true = [1, 1, 1, 0, 0, 0, 0, 0]
    y_pred = [1, 1, 0, 1, 1, 0, 0, 0]
    precision, recall, f1 = metrics.precision_recall_f1(y_true, y_pred)
    assert precision == pytest.approx(2 / 4)
    assert recall == pytest.approx(2 / 3)
    assert f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))  # = 4/7
    assert f1 == pytest.approx(4 / 7)


def test_precision_recall_f1_edge_cases():
    assert metrics.precision_recall_f1([0, 1, 0], [0, 0, 0]) == (0.0, 0.0, 0.0)  # no alarm
    assert metrics.precision_recall_f1([0, 0, 0], [0, 1, 0]) == (0.0, 0.0, 0.0)  # no anomaly
    assert metrics.precision_recall_f1([0, 1, 1], [0, 1, 1]) == (1.0, 1.0, 1.0)
    # Booleans and integer labels give the same answer.
    assert metrics.precision_recall_f1(np.array([True, False, True]), np.array([1, 1, 1])) == (
        pytest.approx(2 / 3), 1.0, pytest.approx(0.8))


def test_precision_recall_f1_matches_sklearn_on_random_labels():
    rng = np.random.default_rng(0)
    for _ in range(20):
        y_true = rng.random(200) < 0.1
        y_pred = rng.random(200) < 0.2
        got = metrics.precision_recall_f1(y_true, y_pred)
        expected = (
            precision_score(y_true, y_pred, zero_division=0),
            recall_score(y_true, y_pred, zero_division=0),
            f1_score(y_true, y_pred, zero_division=0),
        )
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_auc_pr_by_hand():
    # Ranked by score: hit (P=1, R=1/2), miss, hit (P=2/3, R=1): AP = 1/2 + 1/2 * 2/3.
    assert metrics.auc_pr([0, 1, 0, 1], [0.1, 0.9, 0.8, 0.3]) == pytest.approx(5 / 6)
    # Perfect ranking gives 1 whatever the scale of the scores.
    assert metrics.auc_pr([0, 0, 1, 1], [-5.0, 0.0, 2.0, 100.0]) == 1.0
    # The worst ranking: the two anomalies come last of 5. Hits at ranks 4 and 5.
    assert metrics.auc_pr([1, 1, 0, 0, 0], [1, 2, 3, 4, 5]) == pytest.approx(
        0.5 * 1 / 4 + 0.5 * 2 / 5)


def test_auc_pr_groups_tied_scores():
    # All scores equal: one threshold flags everything, precision = prevalence.
    assert metrics.auc_pr([1, 0, 0, 0], [0.5] * 4) == pytest.approx(0.25)
    # A tie of a hit and a miss at the top: P = 1/2 at R = 1/2; then the second hit: P = 2/3.
    assert metrics.auc_pr([1, 0, 1, 0], [0.9, 0.9, 0.5, 0.1]) == pytest.approx(
        0.5 * 0.5 + 0.5 * 2 / 3)


def test_auc_pr_matches_sklearn_with_and_without_ties():
    rng = np.random.default_rng(1)
    for trial in range(30):
        y_true = rng.random(300) < 0.05
        y_true[rng.integers(300)] = True
        scores = rng.normal(size=300) + 2.0 * y_true
        if trial % 2:
            scores = np.round(scores, 1)  # many ties
        assert metrics.auc_pr(y_true, scores) == pytest.approx(
            average_precision_score(y_true, scores), abs=1e-12)


def test_auc_pr_of_random_scores_is_about_the_prevalence():
    rng = np.random.default_rng(2)
    y_true = rng.random(50_000) < 0.02
    value = metrics.auc_pr(y_true, rng.random(50_000))
    assert abs(value - y_true.mean()) < 0.005


def test_best_f1_by_hand():
    # Ranked: hit, miss, hit, miss, miss. F1 at each cut: 2/3, 1/2, 4/5, 2/3, 4/7.
    f1, threshold = metrics.best_f1([0, 1, 0, 1, 0], [0.1, 0.9, 0.8, 0.7, 0.2])
    assert f1 == pytest.approx(0.8) and threshold == 0.7
    # The threshold reproduces the F1 with precision_recall_f1 (steps >= threshold flagged).
    y_true = np.array([0, 1, 0, 1, 0])
    scores = np.array([0.1, 0.9, 0.8, 0.7, 0.2])
    assert metrics.precision_recall_f1(y_true, scores >= threshold)[2] == pytest.approx(f1)


def test_best_f1_is_the_maximum_over_all_thresholds():
    rng = np.random.default_rng(3)
    y_true = rng.random(400) < 0.05
    y_true[0] = True
    scores = np.round(rng.normal(size=400) + 1.5 * y_true, 1)
    f1, threshold = metrics.best_f1(y_true, scores)
    every = [metrics.precision_recall_f1(y_true, scores >= t)[2] for t in np.unique(scores)]
    assert f1 == pytest.approx(max(every))
    assert metrics.precision_recall_f1(y_true, scores >= threshold)[2] == pytest.approx(f1)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.precision_recall_f1([0, 1], [0, 1, 1]), "same length"),
        (lambda: metrics.precision_recall_f1([[0, 1]], [[0, 1]]), "1-D"),
        (lambda: metrics.precision_recall_f1([0, 2], [0, 1]), "only 0 and 1"),
        (lambda: metrics.precision_recall_f1([0, 1], [0.0, np.nan]), "NaN"),
        (lambda: metrics.precision_recall_f1([], []), "empty"),
        (lambda: metrics.precision_recall_f1(["a", "b"], [0, 1]), "dtype"),
        (lambda: metrics.auc_pr([0, 1, 0], [0.1, np.nan, 0.3]), "NaN"),
        (lambda: metrics.auc_pr([0, 1, 0], [0.1, 0.3]), "same length"),
        (lambda: metrics.auc_pr([0, 0, 0], [0.1, 0.2, 0.3]), "no anomalous step"),
        (lambda: metrics.auc_pr([0, 1], [[0.1, 0.2]]), "1-D"),
        (lambda: metrics.best_f1([0, 0], [0.1, 0.2]), "no anomalous step"),
        (lambda: metrics.best_f1([0, 1], [0.1, np.inf]), "infinite"),
    ],
)
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
