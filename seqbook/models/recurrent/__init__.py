"""Recurrent networks: text classifiers (with their bag-of-words baseline) and the
long-range adding experiment (chapters what-is-sequence-modeling, rnn, lstm-gru)."""

from seqbook.models.recurrent.classifiers import bag_of_words_classifier, recurrent_classifier
from seqbook.models.recurrent.long_range import (
    adding_arrays,
    adding_experiment,
    adding_model,
    side_by_side,
)

__all__ = [
    "adding_arrays",
    "adding_experiment",
    "adding_model",
    "bag_of_words_classifier",
    "recurrent_classifier",
    "side_by_side",
]
