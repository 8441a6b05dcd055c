"""Dynamic time warping against a plain triple loop over its recursion."""

import numpy as np
import pytest

from seqbook import metrics
from seqbook.metrics.distances import dtw_distance, dtw_distances


def dtw_loops(a, b, window=None):
    """D[i, j] = c(i, j) + min(D[i-1, j], D[i, j-1], D[i-1, j-1]), cells off the band inf."""
    a, b = np.asarray(a, float).reshape(len(a), -1), np.asarray(b, float).reshape(len(b), -1)
    D = np.full((len(a) + 1, len(b) + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(len(a)):
        for j in range(len(b)):
            if window is not None and abs(i - j) > window:
                continue
            cost = sum((a[i, f] - b[j, f]) ** 2 for f in range(a.shape[1]))
            D[i + 1, j + 1] = cost + min(D[i, j + 1], D[i + 1, j], D[i, j])
    return D[-1, -1]


def random_series(rng, count, features, lengths=(3, 12)):
    shape = (lambda n: (n,)) if features is None else (lambda n: (n, features))
    return [rng.normal(size=shape(rng.integers(*lengths))) for _ in range(count)]


@pytest.mark.parametrize("features", [None, 1, 3])
@pytest.mark.parametrize("window", [None, 0, 1, 3, 20])
def test_matches_the_loops_on_series_of_different_lengths(features, window):
    rng = np.random.default_rng(0 if window is None else window + 1)
    queries, references = random_series(rng, 5, features), random_series(rng, 4, features)
    fast = dtw_distances(queries, references, window=window)
    slow = np.array([[dtw_loops(a, b, window) for b in references] for a in queries])
    assert fast.shape == (5, 4)
    np.testing.assert_array_equal(np.isinf(fast), np.isinf(slow))
    finite = np.isfinite(slow)
    assert finite.any()
    np.testing.assert_allclose(fast[finite], slow[finite], rtol=0, atol=1e-9)
    for q, a in enumerate(queries[:2]):
        for r, b in enumerate(references[:2]):
            assert dtw_distance(a, b, window=window) == pytest.approx(slow[q, r], abs=1e-9)


def test_window_zero_on_equal_lengths_is_the_squared_euclidean_distance():
    rng = np.random.default_rng(1)
    queries, references = rng.normal(size=(4, 9, 2)), rng.normal(size=(3, 9, 2))
    euclidean = ((queries[:, None] - references[None]) ** 2).sum(axis=(2, 3))
    np.testing.assert_allclose(dtw_distances(queries, references, window=0), euclidean,
                               rtol=0, atol=1e-9)
    # Warping can only help: DTW is never above the lockstep distance.
    assert (dtw_distances(queries, references) <= euclidean + 1e-9).all()


def test_identical_and_stretched_series_are_at_distance_zero():
    a = [0.0, 1.0, 2.0, 3.0]
    assert dtw_distance(a, a) == 0.0
    assert dtw_distance(a, [0.0, 0.0, 1.0, 2.0, 2.0, 3.0]) == 0.0
    assert dtw_distance([5.0], [1.0, 2.0]) == pytest.approx(16 + 9)


def test_lengths_further_apart_than_the_band_cannot_align():
    assert dtw_distance([0.0, 1.0, 2.0], [0.0] * 6, window=2) == np.inf
    assert np.isfinite(dtw_distance([0.0, 1.0, 2.0], [0.0] * 5, window=2))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dtw_distance([1.0], [1.0], window=-1),
         "window must be None or an integer >= 0; got -1"),
        (lambda: dtw_distance([1.0], [1.0], window=1.5), "window must be None or an integer"),
        (lambda: dtw_distance([1.0], [1.0], window=True), "window must be None or an integer"),
        (lambda: dtw_distances([], [[1.0]]), "queries must be a non-empty list of series"),
        (lambda: dtw_distances([[1.0]], "abc"), "references must be a non-empty list"),
        (lambda: dtw_distance([1.0, np.nan], [1.0]), r"queries\[0\] holds 1 NaN"),
        (lambda: dtw_distance([], [1.0]), r"queries\[0\] must hold at least one time step"),
        (lambda: dtw_distances([np.zeros((3, 2)), np.zeros((3, 1))], [np.zeros(3)]),
         r"queries must all have the same number of features; got \[1, 2\]"),
        (lambda: dtw_distance(np.zeros((3, 2)), np.zeros((3, 3))), "got 2 and 3"),
        (lambda: dtw_distance(np.zeros((3, 2, 2)), np.zeros(3)), r"queries\[0\] must be 1-D"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_exported_from_seqbook_metrics():
    assert metrics.dtw_distance is dtw_distance and metrics.dtw_distances is dtw_distances


def test_float32_series_are_computed_in_float32():
    rng = np.random.default_rng(2)
    queries = random_series(rng, 3, 2)
    references = random_series(rng, 4, 2)
    single = dtw_distances([s.astype(np.float32) for s in queries],
                           [s.astype(np.float32) for s in references])
    assert single.dtype == np.float32
    assert dtw_distances(queries, [s.astype(np.float32) for s in references]).dtype == np.float64
    np.testing.assert_allclose(single, dtw_distances(queries, references), rtol=1e-5)
