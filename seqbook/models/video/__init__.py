"""Models of video (chapter applications/video): next-frame predictors (a ConvLSTM and a
3-D CNN) with a rollout that feeds predictions back and the copy-last-frame baseline, and
clip classifiers that average their frames (order-blind) or read them with an LSTM."""

from seqbook.models.video._frames import LastFrame
from seqbook.models.video.classifiers import clip_average_classifier, clip_lstm_classifier
from seqbook.models.video.conv3d import conv3d_predictor
from seqbook.models.video.convlstm import convlstm_predictor
from seqbook.models.video.rollout import copy_last_rollout, rollout

__all__ = [
    "LastFrame",
    "clip_average_classifier",
    "clip_lstm_classifier",
    "conv3d_predictor",
    "convlstm_predictor",
    "copy_last_rollout",
    "rollout",
]
