"""Builders of the chapters' Keras models, one subpackage per family, as the book is organised.

Each builder returns a compiled ``keras.Model`` whose output layer computes in float32, so the
same model trains under a mixed precision policy on GPUs and TPUs; whether it compiles with
XLA is decided by :func:`seqbook.runtime.use_xla`. Build them inside
``seqbook.runtime.setup().scope()``. Every name is also importable from its family:

========================  ===================================================================
``recurrent``             RNN/LSTM/GRU text classifiers, bag-of-words baseline, adding task
``convolutional``         temporal convolutional networks, CNN-LSTM hybrid
``transformer``           the shared Transformer encoder stack and position embedding
``language``              neural n-gram LM, character LM, decoder-only Transformer LM, masked LM
``seq2seq``               recurrent, pointer-generator and Transformer encoder-decoders
                          and their translators
``timeseries``            forecasters, time-series classifiers, anomaly detectors
``classical_baselines``   naive, seasonal naive and ARIMA forecasts, nearest-neighbour lookup
``text``                  text classifier/regressor with a chosen backbone, occlusion
``genomics``              DNA: DeepBind-, DanQ-style and Transformer classifiers, k-mer and
                          PWM baselines, in-silico mutagenesis
``recommendation``        GRU4Rec- and SASRec-style next-item models, popularity and
                          co-occurrence baselines
``video``                 ConvLSTM and 3-D CNN next-frame predictors, rollout, copy-last
                          baseline; clip classifiers (frame average, CNN + LSTM)
========================  ===================================================================
"""

from seqbook.models._common import compile_model
from seqbook.models.recurrent import (
    adding_arrays,
    adding_experiment,
    adding_model,
    bag_of_words_classifier,
    recurrent_classifier,
    side_by_side,
)
from seqbook.models.convolutional import (
    LastStep,
    cnn_lstm_classifier,
    tcn_block,
    tcn_classifier,
    tcn_dilations,
    tcn_receptive_field,
    tcn_regressor,
)
from seqbook.models.transformer import (
    PositionEmbedding,
    transformer_encoder,
)
from seqbook.models.language import (
    bits_per_character,
    char_lm,
    character_ids,
    CausalPaddingMask,
    DecoderLM,
    TokenPooling,
    causal_lm,
    lm_classifier,
    load_pretrained_lm,
    load_pretrained_mlm,
    MASK_TOKEN,
    mask_tokens,
    masked_lm,
    neural_ngram_lm,
    EncoderPaddingMask,
    add_mask_token,
    next_token_windows,
    ngram_windows,
    per_character_perplexity,
    sequence_log_probs,
)
from seqbook.models.seq2seq import (
    EncoderState,
    Seq2SeqTranslator,
    TransformerEncoded,
    TransformerTranslator,
    Translator,
    encoder_decoder,
    inference_model,
    PointerGeneratorTranslator,
    pointer_generator_seq2seq,
    teacher_forcing,
    transformer_seq2seq,
)
from seqbook.models.timeseries import (
    AddLast,
    MaskedAverage,
    QuantileLoss,
    StepMask,
    SubtractLast,
    dense_forecaster,
    fcn_classifier,
    forecast_residual_scores,
    lstm_autoencoder,
    lstm_classifier,
    pad_series,
    quantile_threshold,
    reconstruction_scores,
    recurrent_forecaster,
    resnet_classifier,
    rolling_zscore,
    tcn_forecaster,
    transformer_classifier,
    transformer_forecaster,
)
from seqbook.models.text import (
    TokenMaxPooling,
    ZeroPadding,
    encode_labels,
    encode_texts,
    model_vocabulary_size,
    text_classifier,
    token_occlusion,
)
from seqbook.models.recommendation import (
    BestEpoch,
    HistoryMask,
    cooccurrence_scores,
    gru4rec,
    history_windows,
    next_item_scores,
    next_item_windows,
    popularity_scores,
    sasrec,
    seen_items,
)
from seqbook.models.speech import (
    AudioBatches,
    CTCLoss,
    LogMelSpectrogram,
    SpecAugment,
    check_audio,
    ctc_output_frames,
    ctc_recognizer,
    decode_transcripts,
    encode_transcripts,
    pad_audio,
    recognize,
)
from seqbook.models import genomics  # also reachable as models.genomics.<name>
from seqbook.models.genomics import (
    PositionWeightMatrixClassifier,
    danq_classifier,
    deepbind_classifier,
    dna_transformer_classifier,
    in_silico_mutagenesis,
    kmer_counts,
    motif_importance,
)
from seqbook.models import video  # also reachable as models.video.<name>
from seqbook.models.video import (
    LastFrame,
    clip_average_classifier,
    clip_lstm_classifier,
    conv3d_predictor,
    convlstm_predictor,
    copy_last_rollout,
    rollout,
)
from seqbook.models.classical_baselines import (
    arima_forecasts,
    fourier_terms,
    naive_forecasts,
    nearest_neighbour_outputs,
    rolling_targets,
    seasonal_naive_forecasts,
)

__all__ = [
    "danq_classifier",
    "deepbind_classifier",
    "dna_transformer_classifier",
    "in_silico_mutagenesis",
    "kmer_counts",
    "motif_importance",
    "PositionWeightMatrixClassifier",
    "add_mask_token",
    "adding_arrays",
    "adding_experiment",
    "adding_model",
    "AddLast",
    "arima_forecasts",
    "bag_of_words_classifier",
    "BestEpoch",
    "bits_per_character",
    "causal_lm",
    "CausalPaddingMask",
    "char_lm",
    "character_ids",
    "cnn_lstm_classifier",
    "cooccurrence_scores",
    "compile_model",
    "DecoderLM",
    "dense_forecaster",
    "encode_labels",
    "encode_texts",
    "encoder_decoder",
    "EncoderPaddingMask",
    "EncoderState",
    "fcn_classifier",
    "forecast_residual_scores",
    "fourier_terms",
    "gru4rec",
    "history_windows",
    "HistoryMask",
    "inference_model",
    "LastStep",
    "lm_classifier",
    "load_pretrained_lm",
    "load_pretrained_mlm",
    "lstm_autoencoder",
    "lstm_classifier",
    "MASK_TOKEN",
    "mask_tokens",
    "masked_lm",
    "MaskedAverage",
    "model_vocabulary_size",
    "naive_forecasts",
    "nearest_neighbour_outputs",
    "next_item_scores",
    "next_item_windows",
    "neural_ngram_lm",
    "next_token_windows",
    "ngram_windows",
    "pad_series",
    "per_character_perplexity",
    "pointer_generator_seq2seq",
    "popularity_scores",
    "PointerGeneratorTranslator",
    "PositionEmbedding",
    "quantile_threshold",
    "QuantileLoss",
    "reconstruction_scores",
    "recurrent_classifier",
    "recurrent_forecaster",
    "resnet_classifier",
    "rolling_targets",
    "rolling_zscore",
    "sasrec",
    "seasonal_naive_forecasts",
    "seen_items",
    "Seq2SeqTranslator",
    "sequence_log_probs",
    "side_by_side",
    "StepMask",
    "SubtractLast",
    "tcn_block",
    "tcn_classifier",
    "tcn_dilations",
    "tcn_forecaster",
    "tcn_receptive_field",
    "tcn_regressor",
    "teacher_forcing",
    "text_classifier",
    "token_occlusion",
    "TokenMaxPooling",
    "TokenPooling",
    "transformer_classifier",
    "transformer_encoder",
    "transformer_forecaster",
    "transformer_seq2seq",
    "TransformerEncoded",
    "TransformerTranslator",
    "Translator",
    "ZeroPadding",
]
__all__ += [  # video
    "LastFrame",
    "clip_average_classifier",
    "clip_lstm_classifier",
    "conv3d_predictor",
    "convlstm_predictor",
    "copy_last_rollout",
    "rollout",
]
__all__ += [  # speech
    "AudioBatches",
    "CTCLoss",
    "LogMelSpectrogram",
    "SpecAugment",
    "check_audio",
    "ctc_output_frames",
    "ctc_recognizer",
    "decode_transcripts",
    "encode_transcripts",
    "pad_audio",
    "recognize",
]
