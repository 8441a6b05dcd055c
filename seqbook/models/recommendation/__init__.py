"""Sequential recommendation: next-item models (GRU4Rec-style, SASRec-style), item
histories as windows, and the most-popular and co-occurrence baselines (the recommendation
chapter of Part III)."""

from seqbook.models.recommendation.sequences import (
    cooccurrence_scores,
    history_windows,
    next_item_windows,
    popularity_scores,
    seen_items,
)
from seqbook.models.recommendation.sequential import (
    BestEpoch,
    HistoryMask,
    gru4rec,
    next_item_scores,
    sasrec,
)

__all__ = [
    "BestEpoch",
    "cooccurrence_scores",
    "gru4rec",
    "history_windows",
    "HistoryMask",
    "next_item_scores",
    "next_item_windows",
    "popularity_scores",
    "sasrec",
    "seen_items",
]
