"""The simple baselines a practitioner fits first: naive, seasonal naive and ARIMA forecasts
(the forecasting chapter) and the nearest-neighbour lookup of sequence-to-sequence tasks
(the seq2seq and transformers chapters)."""

from seqbook.models.classical_baselines.forecasting import (
    arima_forecasts,
    fourier_terms,
    naive_forecasts,
    rolling_targets,
    seasonal_naive_forecasts,
)
from seqbook.models.classical_baselines.lookup import nearest_neighbour_outputs

__all__ = [
    "arima_forecasts",
    "fourier_terms",
    "naive_forecasts",
    "nearest_neighbour_outputs",
    "rolling_targets",
    "seasonal_naive_forecasts",
]
