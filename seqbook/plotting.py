"""Figures the chapters share: attention (alignment) maps, and the softmax that makes them.

matplotlib is imported inside each function, so ``import seqbook`` works without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["attention_heatmap", "sequence_logo", "softmax"]


def softmax(x: Any, axis: int = -1) -> np.ndarray:
    """Turn attention scores into weights that are positive and sum to 1 along ``axis``.

    The maximum is subtracted first: ``exp`` of scores near 1000 overflows float64, while
    the shifted scores are at most 0 and the result is mathematically the same. Scores of
    ``-inf`` (masked positions) get weight 0.

    Parameters
    ----------
    x : array-like of float
        Scores, e.g. ``[T, S]`` query-key dot products.
    axis : int
        The axis the weights sum over (the keys).

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``x``.

    Raises
    ------
    ValueError
        If ``x`` is empty, holds NaN or ``+inf``, or a slice along ``axis`` is all ``-inf``.

    Example
    -------
    >>> softmax([1000.0, 1001.0]).round(4).tolist()  # exp(1000) alone would overflow
    [0.2689, 0.7311]
    """
    scores = np.asarray(x, dtype=np.float64)
    if scores.size == 0 or np.isnan(scores).any() or np.isposinf(scores).any():
        raise ValueError(
            f"x must be non-empty scores with no NaN or +inf; got shape {scores.shape}"
        )
    top = scores.max(axis=axis, keepdims=True)
    if np.isneginf(top).any():
        raise ValueError(
            f"x must have a finite score in every slice along axis {axis}; got one all -inf"
        )
    weights = np.exp(scores - top)
    return weights / weights.sum(axis=axis, keepdims=True)


def attention_heatmap(
    weights: Any,
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    ax: Any = None,
    cmap: str = "Greys",
    colorbar: bool = False,
) -> Any:
    """Draw an alignment matrix: one row per output token, one column per input token.

    Cell ``(t, s)`` is the weight that the model put on source token ``s`` when it produced
    target token ``t``; dark means much weight. Each row of attention weights sums to 1, so
    the colour scale runs from 0 to 1.

    Parameters
    ----------
    weights : array-like of float, shape [T, S]
        The attention weights of one example (``[T, S]`` or a batch of one,
        ``[1, T, S]``). Padding rows or columns beyond the tokens given are cut off.
    source_tokens : sequence of str
        Labels of the columns (length at most ``S``).
    target_tokens : sequence of str
        Labels of the rows (length at most ``T``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when ``None``.
    cmap : str
        A matplotlib colour map name.
    colorbar : bool
        Add a colour bar beside the axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, with the source tokens along the top and the target tokens down
        the left side.

    Raises
    ------
    ValueError
        If ``weights`` is not a 2-D matrix (or a batch of one), holds values outside
        ``[0, 1]`` or NaN, or has fewer rows or columns than there are labels.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = attention_heatmap([[0.9, 0.1], [0.2, 0.8]], ["un", "deux"], ["one", "two"])
    >>> [label.get_text() for label in ax.get_xticklabels()]
    ['un', 'deux']
    """
    import matplotlib.pyplot as plt

    matrix = np.asarray(weights, dtype=np.float64)
    if matrix.ndim == 3 and matrix.shape[0] == 1:
        matrix = matrix[0]
    if matrix.ndim != 2:
        raise ValueError(
            f"weights must be a matrix [T, S] (or a batch of one [1, T, S]); "
            f"got shape {matrix.shape}"
        )
    rows, columns = len(target_tokens), len(source_tokens)
    if rows == 0 or columns == 0 or rows > matrix.shape[0] or columns > matrix.shape[1]:
        raise ValueError(
            f"weights of shape {matrix.shape} need 1 to {matrix.shape[0]} target tokens and "
            f"1 to {matrix.shape[1]} source tokens; got {rows} and {columns}"
        )
    matrix = matrix[:rows, :columns]
    finite = np.isfinite(matrix)
    if not finite.all():
        raise ValueError(
            f"weights must be attention weights in [0, 1]; got {int((~finite).sum())} NaN "
            "or infinite values"
        )
    if matrix.min() < -1e-6 or matrix.max() > 1 + 1e-6:
        raise ValueError(
            "weights must be attention weights in [0, 1]; got values from "
            f"{matrix.min():.3g} to {matrix.max():.3g}"
        )
    if ax is None:
        width = min(12.0, 1.5 + 0.28 * columns)
        height = min(12.0, 1.2 + 0.28 * rows)
        _, ax = plt.subplots(figsize=(width, height))
    image = ax.imshow(matrix, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto",
                      interpolation="nearest")
    ax.set_xticks(range(columns))
    ax.set_xticklabels([str(token) for token in source_tokens], rotation=90)
    ax.set_yticks(range(rows))
    ax.set_yticklabels([str(token) for token in target_tokens])
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.tick_params(length=0)
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="attention weight")
    return ax


#: Colours of the bases in a sequence logo (the usual ones: A green, C blue, G orange, T red).
BASE_COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}


def sequence_logo(
    heights: Any,
    alphabet: str = "ACGT",
    ax: Any = None,
    first_position: int = 1,
    colors: dict[str, str] | None = None,
) -> Any:
    """Draw a sequence logo: at each position, letters stacked with the given heights.

    Positive heights stack upwards from 0, the tallest on top; negative heights stack
    downwards, drawn upside down. Heights can be information content (bits), probabilities
    or a model's importance scores (``seqbook.models.genomics.motif_importance``).

    Parameters
    ----------
    heights : array-like of float, shape [length, len(alphabet)]
        One row per position, one column per letter.
    alphabet : str
        The letters of the columns.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when ``None``.
    first_position : int
        The number written under the first position.
    colors : dict, optional
        Colour of each letter; :data:`BASE_COLORS` by default.

    Returns
    -------
    matplotlib.axes.Axes
        The axes; each letter is one ``PathPatch`` whose ``get_label()`` is the letter.

    Raises
    ------
    ValueError
        If ``heights`` is not ``[length, len(alphabet)]`` or holds NaN or infinite values.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = sequence_logo([[0.1, 0.0, 1.5, 0.0], [0.0, 0.0, 0.2, 1.2]])
    >>> sorted(patch.get_label() for patch in ax.patches)
    ['A', 'G', 'G', 'T']
    """
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    matrix = np.asarray(heights, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(alphabet) or not len(matrix):
        raise ValueError(f"heights must have shape [length, {len(alphabet)}] for the "
                         f"alphabet {alphabet!r}; got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("heights must be finite; got NaN or infinite values")
    colors = {**BASE_COLORS, **(colors or {})}
    if ax is None:
        _, ax = plt.subplots(figsize=(min(14.0, 1.0 + 0.3 * len(matrix)), 2.5))
    font = FontProperties(family="DejaVu Sans", weight="bold")
    for position, row in enumerate(matrix):
        for sign in (1, -1):
            base = 0.0
            chosen = [(value, letter) for value, letter in zip(row, alphabet)
                      if sign * value > 0]
            for value, letter in sorted(chosen, key=lambda pair: abs(pair[0])):
                path = TextPath((0, 0), letter, size=1, prop=font)
                box = path.get_extents()
                height = abs(value)
                transform = (Affine2D().translate(-box.x0, -box.y0)
                             .scale(0.9 / box.width, height / box.height))
                if sign < 0:  # below zero, upside down
                    transform = transform.scale(1, -1)
                transform = transform.translate(position - 0.45, sign * base)
                ax.add_patch(PathPatch(transform.transform_path(path), lw=0,
                                       color=colors.get(letter, "black"), label=letter))
                base += height
    low = min(0.0, float(np.where(matrix < 0, matrix, 0).sum(axis=1).min()))
    high = max(0.0, float(np.where(matrix > 0, matrix, 0).sum(axis=1).max()))
    margin = 0.05 * (high - low or 1.0)
    ax.set_xlim(-0.6, len(matrix) - 0.4)
    ax.set_ylim(low - margin, high + margin)
    ax.axhline(0, color="black", lw=0.5)
    step = max(1, len(matrix) // 15)
    ticks = np.arange(0, len(matrix), step)
    ax.set_xticks(ticks, [str(first_position + t) for t in ticks])
    ax.set_xlabel("position")
    return ax
