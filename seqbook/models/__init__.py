"""Builders of the chapters' Keras models, on Keras' fast built-in layers.

Each builder returns a compiled ``keras.Model`` (with XLA, ``jit_compile=True``) whose output
layer computes in float32, so the same model trains under a mixed precision policy on GPUs
and TPUs. Build them inside ``seqbook.runtime.setup().scope()``.
"""

from seqbook.models.classifiers import bag_of_words_classifier, recurrent_classifier
from seqbook.models.forecasters import dense_forecaster, recurrent_forecaster

__all__ = [
    "bag_of_words_classifier",
    "dense_forecaster",
    "recurrent_classifier",
    "recurrent_forecaster",
]
