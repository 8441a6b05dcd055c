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
from seqbook.models.forecasters import (
    AddLast,
    QuantileLoss,
    SubtractLast,
    tcn_forecaster,
    transformer_forecaster,
)
from seqbook.models.baselines import (
    arima_forecasts,
    fourier_terms,
    naive_forecasts,
    rolling_targets,
    seasonal_naive_forecasts,
)
from seqbook.models.transformer_blocks import PositionEmbedding, transformer_encoder
from seqbook.models.ts_classifiers import (
    MaskedAverage,
    StepMask,
    fcn_classifier,
    lstm_classifier,
    pad_series,
    resnet_classifier,
    transformer_classifier,
)
from seqbook.models.anomaly import (
    forecast_residual_scores,
    lstm_autoencoder,
    quantile_threshold,
    reconstruction_scores,
    rolling_zscore,
)
from seqbook.models.seq2seq import (
    EncoderState,
    Seq2SeqTranslator,
    encoder_decoder,
    teacher_forcing,
)
from seqbook.models.transformer_seq2seq import inference_model

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
    "AddLast",
    "QuantileLoss",
    "SubtractLast",
    "tcn_forecaster",
    "transformer_forecaster",
    "arima_forecasts",
    "fourier_terms",
    "naive_forecasts",
    "rolling_targets",
    "seasonal_naive_forecasts",
    "PositionEmbedding",
    "transformer_encoder",
    "MaskedAverage",
    "StepMask",
    "fcn_classifier",
    "lstm_classifier",
    "pad_series",
    "resnet_classifier",
    "transformer_classifier",
    "forecast_residual_scores",
    "lstm_autoencoder",
    "quantile_threshold",
    "reconstruction_scores",
    "rolling_zscore",
    "EncoderState",
    "Seq2SeqTranslator",
    "encoder_decoder",
    "inference_model",
    "teacher_forcing",
]

from seqbook.models.decoder_lm import DecoderLM, decoder_lm  # noqa: E402

__all__ += ["DecoderLM", "decoder_lm"]

from seqbook.models.pretraining import (  # noqa: E402
    CausalPaddingMask,
    TokenPooling,
    causal_lm,
    lm_classifier,
    load_pretrained_lm,
    next_token_windows,
    per_character_perplexity,
    sequence_log_probs,
)

__all__ += [
    "CausalPaddingMask",
    "TokenPooling",
    "causal_lm",
    "lm_classifier",
    "load_pretrained_lm",
    "next_token_windows",
    "per_character_perplexity",
    "sequence_log_probs",
]

from seqbook.models.transformer_seq2seq import (  # noqa: E402
    TransformerEncoded,
    TransformerTranslator,
    transformer_seq2seq,
)
from seqbook.models.translator import Translator  # noqa: E402
from seqbook.models.lookup import nearest_neighbour_outputs  # noqa: E402

__all__ += ["TransformerEncoded", "TransformerTranslator", "Translator", "nearest_neighbour_outputs",
            "transformer_seq2seq"]
