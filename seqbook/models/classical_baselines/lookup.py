"""A sequence-to-sequence baseline that learns nothing general: copy the nearest example.

:func:`nearest_neighbour_outputs` answers each query with the output of the training input
closest to it in edit distance. A model earns its place by beating it on held-out data:
the lookup does well on inputs that resemble a training input as a whole (a word of a
regular family, "-ation", "-ing") and fails on everything that needs the parts of an input
to be read in context.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Sequence

from seqbook._checks import require_positive
from seqbook.metrics.text import edit_distance

__all__ = ["nearest_neighbour_outputs"]


def nearest_neighbour_outputs(
    train_inputs: Sequence[Sequence[Hashable]],
    train_outputs: Sequence,
    queries: Sequence[Sequence[Hashable]],
    neighbours: int = 6,
) -> list:
    """The output of the training input with the fewest edits to each query.

    Comparing a query with every training input costs too much for a dictionary of 100,000
    words, so only likely candidates are compared: the ``neighbours`` inputs on each side of
    the query in the sorted order of the inputs (those sharing a long prefix with it) and in
    the sorted order of the reversed inputs (those sharing a long suffix). Ties go to the
    input that sorts first. With ``neighbours`` at least the number of training inputs this
    is the exact nearest neighbour.

    Parameters
    ----------
    train_inputs : sequence of token sequences
        Strings (sequences of letters) or sequences of tokens such as word lists.
    train_outputs : sequence
        One output per training input (for a repeated input, the last one counts).
    queries : sequence of token sequences
        Inputs to answer, of the same kind as ``train_inputs``.
    neighbours : int
        Candidates taken on each side of the query in each order.

    Returns
    -------
    list
        One training output per query.

    Example
    -------
    >>> nearest_neighbour_outputs(["cat", "dog", "nation"], ["K AE T", "D AO G", "N EY SH AH N"],
    ...                           ["bat", "station"])
    ['K AE T', 'N EY SH AH N']
    """
    if len(train_inputs) != len(train_outputs) or len(train_inputs) == 0:
        raise ValueError(
            "train_inputs and train_outputs must be non-empty and of the same length; got "
            f"{len(train_inputs)} and {len(train_outputs)}"
        )
    require_positive(neighbours=neighbours)
    table = {tuple(source): output for source, output in zip(train_inputs, train_outputs)}
    forward = sorted(table)
    backward = sorted(source[::-1] for source in table)
    answers = []
    for query in map(tuple, queries):
        i = bisect.bisect_left(forward, query)
        j = bisect.bisect_left(backward, query[::-1])
        candidates = (forward[max(0, i - neighbours): i + neighbours]
                      + [c[::-1] for c in backward[max(0, j - neighbours): j + neighbours]])
        best = min(candidates, key=lambda c: (edit_distance(query, c), c))
        answers.append(table[best])
    return answers
