"""Temporal convolutional networks and CNN-LSTM hybrids (chapter cnn-tcn)."""

from seqbook.models.convolutional.tcn import (
    LastStep,
    cnn_lstm_classifier,
    tcn_block,
    tcn_classifier,
    tcn_dilations,
    tcn_receptive_field,
    tcn_regressor,
)

__all__ = [
    "LastStep",
    "cnn_lstm_classifier",
    "tcn_block",
    "tcn_classifier",
    "tcn_dilations",
    "tcn_receptive_field",
    "tcn_regressor",
]
