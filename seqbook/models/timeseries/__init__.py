"""Time-series models: forecasters, classifiers and anomaly detectors (the three
time-series chapters of Part III)."""

from seqbook.models.timeseries.anomaly import (
    forecast_residual_scores,
    lstm_autoencoder,
    quantile_threshold,
    reconstruction_scores,
    rolling_zscore,
)
from seqbook.models.timeseries.classifiers import (
    MaskedAverage,
    StepMask,
    fcn_classifier,
    lstm_classifier,
    pad_series,
    resnet_classifier,
    transformer_classifier,
)
from seqbook.models.timeseries.forecasters import (
    AddLast,
    QuantileLoss,
    SubtractLast,
    dense_forecaster,
    recurrent_forecaster,
    tcn_forecaster,
    transformer_forecaster,
)

__all__ = [
    "AddLast",
    "MaskedAverage",
    "QuantileLoss",
    "StepMask",
    "SubtractLast",
    "dense_forecaster",
    "fcn_classifier",
    "forecast_residual_scores",
    "lstm_autoencoder",
    "lstm_classifier",
    "pad_series",
    "quantile_threshold",
    "reconstruction_scores",
    "recurrent_forecaster",
    "resnet_classifier",
    "rolling_zscore",
    "tcn_forecaster",
    "transformer_classifier",
    "transformer_forecaster",
]
