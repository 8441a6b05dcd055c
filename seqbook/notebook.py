"""What a chapter needs to run as a notebook and as a page of the book.

:func:`glue` records a number computed in a chapter so that the prose can quote it
(myst-nb's ``{glue:text}`` role): the text then always matches the run that produced the page,
in the CPU profile and in the accelerator profile alike.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["glue"]

_T = TypeVar("_T")


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


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

    Example
    -------
    >>> glue("test_accuracy", 0.93)
    0.93
    """
    if not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores; got {name!r}")
    if _in_ipython():
        try:
            from myst_nb import glue as myst_glue
        except ImportError:
            return value
        myst_glue(name, value, display=False)
    return value
