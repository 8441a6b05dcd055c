"""What a chapter needs to run as a notebook and as a page of the book.

:func:`glue` records a number computed in a chapter so that the prose can quote it
(myst-nb's ``{glue:text}`` role): the text then always matches the run that produced the page,
in the CPU profile and in the accelerator profile alike. :func:`headline` records the one
result a chapter stands on, next to its baseline, for the book's page of all results
(``book/results.md``, which quotes each chapter's keys).
"""

from __future__ import annotations

import math
import numbers
from typing import TypeVar

__all__ = ["glue", "headline"]

_T = TypeVar("_T")


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _plain_number(value):
    """A NumPy scalar as the Python number it holds: its text is then ``0.93``, which the
    ``{glue:text}`` format specs read, not ``np.float64(0.93)``, which they cannot."""
    if isinstance(value, (bool, str)) or not isinstance(value, numbers.Number):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def glue(name: str, value: _T) -> _T:
    """Record ``value`` under ``name`` for the page's prose and return it unchanged.

    In the text, ``{glue:text}`name:.3f``` (any Python format spec) inserts the value. Inside
    a Jupyter kernel with myst-nb installed (the book build, nbval) the value is stored in the
    cell's outputs, hidden; elsewhere (Colab without myst-nb, a plain script) nothing is
    recorded and the call only returns the value, so a chapter runs anywhere.

    Parameters
    ----------
    name : str
        The key quoted in the text: letters, digits and underscores.
    value : object
        A number (or a short string) computed by the chapter.

    Raises
    ------
    ValueError
        If ``name`` is not a valid key.

    A NumPy number is stored (and returned) as the Python number it holds, so that its text
    can be formatted in the prose.

    Example
    -------
    >>> glue("test_accuracy", 0.93)
    0.93
    >>> import numpy as np
    >>> glue("test_accuracy", np.float64(0.93))
    0.93
    """
    if not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores; got {name!r}")
    value = _plain_number(value)
    if _in_ipython():
        try:
            from myst_nb import glue as myst_glue
        except ImportError:
            return value
        myst_glue(name, value, display=False)
    return value


def headline(
    *,
    metric: str,
    model: str,
    score: float,
    baseline: str,
    baseline_score: float,
    higher_is_better: bool,
    fmt: str = ".3f",
) -> dict[str, str]:
    """Record a chapter's headline result and its baseline for the book's results page.

    Glues six keys, all text: ``headline_metric`` (the measure, with its split and which
    direction is better), ``headline_model``, ``headline_score``, ``headline_baseline``,
    ``headline_baseline_score`` (the scores written with ``fmt``) and ``headline_ahead``
    (``"model"``, ``"baseline"`` or ``"tie"`` when the two scores are equal as written). The
    results page (``book/results.md``) quotes them from every chapter, so it always shows the
    last run.

    Parameters
    ----------
    metric : str
        What is measured and on what, e.g. ``"accuracy, test split, mean of 3 seeds"``.
    model : str
        The chapter's model, as the chapter names it.
    score : float
        The model's score.
    baseline : str
        The baseline it is compared with (the strongest simple one in the chapter).
    baseline_score : float
        The baseline's score on the same data.
    higher_is_better : bool
        The direction of ``metric``.
    fmt : str
        A Python format spec for both scores (default ``".3f"``).

    Returns
    -------
    dict
        The six glued texts, by key.

    Raises
    ------
    ValueError
        If a name is empty, a score is not a finite number or ``fmt`` does not format one.

    Example
    -------
    >>> headline(metric="accuracy, test split", model="LSTM", score=0.912,
    ...          baseline="majority class", baseline_score=0.5, higher_is_better=True)["headline_score"]
    '0.912'
    >>> headline(metric="perplexity, test split", model="GRU", score=3.1, baseline="5-gram",
    ...          baseline_score=2.9, higher_is_better=False)["headline_ahead"]
    'baseline'
    """
    for name, text in (("metric", metric), ("model", model), ("baseline", baseline)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be a non-empty string, got {text!r}")
    for name, value in (("score", score), ("baseline_score", baseline_score)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
            float(value)
        ):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    try:
        format(0.0, fmt)
    except ValueError as error:
        raise ValueError(f"fmt must be a format spec for a number, got {fmt!r}") from error
    direction = "higher" if higher_is_better else "lower"
    shown, shown_baseline = format(float(score), fmt), format(float(baseline_score), fmt)
    if shown == shown_baseline:
        ahead = "tie"
    else:
        ahead = "model" if (float(score) > float(baseline_score)) == higher_is_better else "baseline"
    texts = {
        "headline_metric": f"{metric} ({direction} is better)",
        "headline_model": model,
        "headline_score": shown,
        "headline_baseline": baseline,
        "headline_baseline_score": shown_baseline,
        "headline_ahead": ahead,
    }
    for key, text in texts.items():
        glue(key, text)
    return texts
