"""Evaluation metrics the chapters report, each tested against values worked out by hand
or a reference implementation; and dynamic time warping, the distance of 1-NN classifiers.

Plain NumPy in, plain floats out, so they score any model (Keras, statsmodels, a baseline
written in one line) the same way. BLEU, chrF and ROUGE are not written here: the
wrappers in :mod:`seqbook.metrics.scoring` call ``sacrebleu`` and ``rouge-score``.
"""

from seqbook.metrics.forecasting import (
    interval_coverage,
    mae,
    mase,
    naive_scale,
    pinball_loss,
    smape,
)
from seqbook.metrics.detection import auc_pr, best_f1, precision_recall_f1
from seqbook.metrics.distances import dtw_distance, dtw_distances
from seqbook.metrics.frames import frame_mse, ssim
from seqbook.metrics.ranking import (
    hit_rate_at_k,
    ndcg_at_k,
    ranking_scores,
    sampled_ranks,
    target_ranks,
)
from seqbook.metrics.scoring import rouge_scores, translation_scores
from seqbook.metrics.text import (
    character_error_rate,
    edit_distance,
    phoneme_error_rate,
    sequence_error_rate,
    token_error_rate,
    word_error_rate,
)

__all__ = [
    "interval_coverage",
    "mae",
    "mase",
    "naive_scale",
    "pinball_loss",
    "smape",
    "auc_pr",
    "best_f1",
    "precision_recall_f1",
    "dtw_distance",
    "dtw_distances",
    "frame_mse",
    "ssim",
    "hit_rate_at_k",
    "ndcg_at_k",
    "ranking_scores",
    "sampled_ranks",
    "target_ranks",
    "rouge_scores",
    "translation_scores",
    "character_error_rate",
    "edit_distance",
    "phoneme_error_rate",
    "sequence_error_rate",
    "token_error_rate",
    "word_error_rate",
]
