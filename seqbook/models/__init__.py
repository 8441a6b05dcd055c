"""Builders of the chapters' Keras models, on Keras' fast built-in layers.

Each builder returns a compiled ``keras.Model`` (with XLA, ``jit_compile=True``) whose output
layer computes in float32, so the same model trains under a mixed precision policy on GPUs
and TPUs. Build them inside ``seqbook.runtime.setup().scope()``.
"""

from seqbook.models.classifiers import bag_of_words_classifier, recurrent_classifier
from seqbook.models.forecasters import dense_forecaster, recurrent_forecaster
from seqbook.models.long_range import adding_arrays, adding_experiment, adding_model, side_by_side
from seqbook.models.language_models import neural_ngram_lm, ngram_windows
from seqbook.models.convolutional import (
    LastStep,
    cnn_lstm_classifier,
    tcn_block,
    tcn_classifier,
    tcn_dilations,
    tcn_receptive_field,
    tcn_regressor,
)
from seqbook.models.transformer_blocks import PositionEmbedding, transformer_encoder

__all__ = [
    "bag_of_words_classifier",
    "adding_arrays",
    "adding_experiment",
    "adding_model",
    "dense_forecaster",
    "recurrent_classifier",
    "recurrent_forecaster",
    "side_by_side",
    "neural_ngram_lm",
    "ngram_windows",
    "LastStep",
    "cnn_lstm_classifier",
    "tcn_block",
    "tcn_classifier",
    "tcn_dilations",
    "tcn_receptive_field",
    "tcn_regressor",
    "PositionEmbedding",
    "transformer_encoder",
]
