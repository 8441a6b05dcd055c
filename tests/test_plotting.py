"""attention_heatmap draws the weights it is given, labelled, and rejects what is not weights."""

import pathlib

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from seqbook.plotting import attention_heatmap, softmax  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _weights(rows=3, columns=4, seed=0):
    raw = np.random.default_rng(seed).random((rows, columns))
    return raw / raw.sum(axis=1, keepdims=True)


def test_draws_the_matrix_with_labels_on_the_given_axes():
    weights = _weights()
    fig, ax = plt.subplots()
    returned = attention_heatmap(weights, ["a", "b", "c", "d"], ["x", "y", "z"], ax=ax)
    assert returned is ax
    images = ax.get_images()
    assert len(images) == 1
    np.testing.assert_allclose(np.asarray(images[0].get_array()), weights)
    assert images[0].get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    assert list(ax.get_xticks()) == [0, 1, 2, 3] and list(ax.get_yticks()) == [0, 1, 2]


def test_rendered_pixels_follow_the_weights():
    """Render to an Agg canvas: with "Greys", the heaviest cell is the darkest one."""
    weights = np.array([[1.0, 0.0], [0.0, 1.0]])
    fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
    attention_heatmap(weights, ["s0", "s1"], ["t0", "t1"], ax=ax)
    ax.set_axis_off()
    fig.subplots_adjust(0, 0, 1, 1)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float).mean(axis=-1)
    h, w = pixels.shape
    top_left, top_right = pixels[h // 4, w // 4], pixels[h // 4, 3 * w // 4]
    bottom_left, bottom_right = pixels[3 * h // 4, w // 4], pixels[3 * h // 4, 3 * w // 4]
    assert top_left < 30 and bottom_right < 30  # weight 1: black
    assert top_right > 225 and bottom_left > 225  # weight 0: white


def test_new_figure_batch_of_one_and_cropping_to_the_labels():
    padded = np.zeros((1, 5, 6))
    padded[0, :3, :4] = _weights()
    ax = attention_heatmap(padded, ["a", "b", "c", "d"], ["x", "y", "z"], colorbar=True)
    np.testing.assert_allclose(np.asarray(ax.get_images()[0].get_array()), padded[0, :3, :4])
    assert len(ax.figure.axes) == 2  # the heatmap and its colour bar


@pytest.mark.parametrize(
    "weights, source, target, message",
    [
        (np.zeros((2, 3, 4)), "abcd", "xyz", "must be a matrix"),
        (np.zeros(4), "abcd", "x", "must be a matrix"),
        (_weights(), "abcde", "xyz", r"\(3, 4\) need 1 to 3 target tokens and 1 to 4 source tokens; got 3 and 5"),
        (_weights(), "abcd", "", "got 0 and 4"),
        (_weights() * 3, "abcd", "xyz", r"in \[0, 1\]"),
        (np.full((3, 4), np.nan), "abcd", "xyz", "NaN"),
    ],
)
def test_bad_input(weights, source, target, message):
    with pytest.raises(ValueError, match=message):
        attention_heatmap(weights, list(source), list(target))


def test_softmax_is_stable_where_a_naive_exp_overflows():
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp([1000.0, 1001.0]) / np.exp([1000.0, 1001.0]).sum()
    assert np.isnan(naive).all()  # inf / inf: what the subtraction of the max avoids
    weights = softmax([1000.0, 1001.0])
    np.testing.assert_allclose(weights, [1 / (1 + np.e), np.e / (1 + np.e)], rtol=1e-12)
    assert weights.sum() == pytest.approx(1.0, abs=1e-15)


def test_softmax_rows_sum_to_one_along_the_axis_and_masks_get_zero():
    scores = np.random.default_rng(0).normal(scale=50.0, size=(3, 4, 5))
    for axis in (-1, 0, 1):
        weights = softmax(scores, axis=axis)
        assert weights.shape == scores.shape and (weights >= 0).all()
        np.testing.assert_allclose(weights.sum(axis=axis), 1.0, rtol=1e-12)
    shifted = scores - scores.max(axis=-1, keepdims=True)
    expected = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(softmax(scores), expected, rtol=1e-12)
    masked = softmax([[0.0, -np.inf, 0.0]])
    assert masked.tolist() == [[0.5, 0.0, 0.5]]
    np.testing.assert_allclose(softmax(np.full(4, -1e308)), 0.25)


@pytest.mark.parametrize(
    "scores, message",
    [
        ([], "non-empty"),
        ([1.0, np.nan], "no NaN or \\+inf"),
        ([1.0, np.inf], "no NaN or \\+inf"),
        ([[0.0, 1.0], [-np.inf, -np.inf]], "finite score in every slice along axis -1"),
    ],
)
def test_softmax_rejects(scores, message):
    with pytest.raises(ValueError, match=message):
        softmax(scores)


def test_matplotlib_is_imported_only_inside_the_function():
    """``import seqbook.plotting`` must not need matplotlib: no module-level import of it.

    (TensorFlow itself imports matplotlib when it is installed, so checking ``sys.modules``
    after ``import seqbook`` would say nothing about this module.)
    """
    import ast

    import seqbook.plotting

    tree = ast.parse(pathlib.Path(seqbook.plotting.__file__).read_text())
    top_level = [
        alias.name
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ] + [node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert not [name for name in top_level if name.startswith("matplotlib")], top_level
    inside = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "attention_heatmap"
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import)
        for alias in inner.names
    ]
    assert "matplotlib.pyplot" in inside
