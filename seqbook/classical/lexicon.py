"""A lexicon scorer: a simplified VADER (Hutto & Gilbert, ICWSM 2014), written out by hand.

A sentence's score is the sum of the valences of its words that the lexicon knows, each
flipped and shrunk when a negation stands shortly before it, squashed into ``(-1, 1)`` by
VADER's normalisation ``x / sqrt(x**2 + alpha)``. No training: the valences were rated by
people (:func:`seqbook.data.vader_lexicon`).

Of VADER's rules this keeps the lexicon, the normalisation and negation (a negation word
among the three words before a lexicon word multiplies its valence by -0.74). It leaves out:
booster and dampener words ("very", "slightly"), emphasis by capital letters, exclamation
marks and question marks, the contrastive "but" (which weights the clause after it more),
idioms and multi-word entries ("kind of", "can't stand"), the special cases of "least" and
"never so", and the emoji lexicon. The full rules are in the paper and its reference code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["ALPHA", "NEGATION_SCALAR", "NEGATIONS", "lexicon_score", "lexicon_scores",
           "lexicon_tokens"]

#: VADER's normalisation constant: ``x / sqrt(x**2 + ALPHA)``.
ALPHA = 15.0
#: A negated word's valence is multiplied by this (VADER's value).
NEGATION_SCALAR = -0.74
#: Words that negate what follows (and any word ending in "n't").
NEGATIONS = frozenset({
    "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor",
    "cannot", "without", "rarely", "seldom", "hardly", "despite", "dont", "doesnt",
    "didnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont", "wouldnt",
    "shouldnt", "havent", "hasnt", "hadnt", "aint", "neednt", "mustnt",
})

_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


def lexicon_tokens(text: str) -> list[str]:
    """Split ``text`` on white space, lower-case, and strip punctuation from word edges.

    A token that strips down to one character or less is kept whole, so emoticons such as
    ``:)`` and ``:-(`` (which are lexicon entries) survive.

    Example
    -------
    >>> lexicon_tokens("Not GOOD, at all :(")
    ['not', 'good', 'at', 'all', ':(']
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str; got {type(text).__name__}")
    tokens = []
    for raw in text.lower().split():
        stripped = _EDGE_PUNCTUATION.sub("", raw)
        tokens.append(stripped if len(stripped) > 1 else raw)
    return tokens


def _is_negation(token: str) -> bool:
    return token in NEGATIONS or token.endswith("n't")


def lexicon_score(
    text: str,
    lexicon: Mapping[str, float],
    alpha: float = ALPHA,
    negation_window: int = 3,
) -> float:
    """Score one text: negation-aware sum of valences, normalised into ``(-1, 1)``.

    .. math::

        s = \\frac{x}{\\sqrt{x^2 + \\alpha}}, \\qquad x = \\sum_i c_i v_i,

    with :math:`v_i` the valence of the :math:`i`-th lexicon word and :math:`c_i = -0.74`
    when one of the ``negation_window`` tokens before it is a negation, else 1.

    Parameters
    ----------
    text : str
        The text; an empty text scores 0.
    lexicon : mapping of str to float
        Lower-case token -> valence, e.g. :func:`seqbook.data.vader_lexicon`.
    alpha : float
        Normalisation constant, > 0 (VADER: 15).
    negation_window : int
        How many tokens before a word a negation reaches, >= 0 (0: no negation rule).

    Returns
    -------
    float
        The score, 0 when no word of the text is in the lexicon.

    Example
    -------
    >>> lexicon = {"good": 1.9, "bad": -2.5}
    >>> round(lexicon_score("good", lexicon), 4)  # 1.9 / sqrt(1.9**2 + 15)
    0.4404
    >>> round(lexicon_score("not good", lexicon), 4)  # the valence becomes -0.74 * 1.9
    -0.3412
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha > 0:
        raise ValueError(f"alpha must be a number > 0; got {alpha!r}")
    if isinstance(negation_window, bool) or not isinstance(negation_window, int) \
            or negation_window < 0:
        raise ValueError(f"negation_window must be an integer >= 0; got {negation_window!r}")
    tokens = lexicon_tokens(text)
    total = 0.0
    for i, token in enumerate(tokens):
        valence = lexicon.get(token)
        if valence is None:
            continue
        before = tokens[max(0, i - negation_window):i]
        if any(_is_negation(word) for word in before):
            valence *= NEGATION_SCALAR
        total += valence
    return total / math.sqrt(total * total + alpha)


def lexicon_scores(
    texts: Sequence[str],
    lexicon: Mapping[str, float],
    alpha: float = ALPHA,
    negation_window: int = 3,
) -> np.ndarray:
    """:func:`lexicon_score` of every text, as a float64 array ``[len(texts)]``.

    Example
    -------
    >>> lexicon_scores(["fine", "not fine", "table"], {"fine": 0.8}).round(3).tolist()
    [0.202, -0.151, 0.0]
    """
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of strings; got one str (wrap it in [])")
    if not isinstance(lexicon, Mapping) or not lexicon:
        raise ValueError("lexicon must be a non-empty mapping of token to valence; got "
                         f"{lexicon!r:.60}")
    return np.array([lexicon_score(t, lexicon, alpha, negation_window) for t in texts],
                    dtype=np.float64)
