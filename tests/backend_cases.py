"""One small instance of every public model builder and layer, for the cross-backend checks.

Each case builds a compiled Keras model (a layer is wrapped in the smallest model that uses
it) and the data to train it a few steps and to compare its predictions. The same seed and
the same NumPy data go into each backend, so a model saved by one backend and loaded by the
other must predict the same numbers (``tests/backend_roundtrip.py``, ``tests/test_backends.py``).

Cases stay tiny (a few thousand weights, 16 examples): the point is that every layer builds,
trains, predicts, saves and loads under TensorFlow and JAX, not what it learns.
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np

from seqbook import layers, models
from seqbook.classical.hmm import hmm_model

BATCH = 16
Case = Callable[[], tuple[keras.Model, object, np.ndarray]]


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _series(window: int = 12, features: int = 2) -> np.ndarray:
    return _rng().normal(size=(BATCH, window, features)).astype("float32")


def _tokens(vocabulary: int = 20, length: int = 10, low: int = 1) -> np.ndarray:
    return _rng().integers(low, vocabulary, size=(BATCH, length)).astype("int32")


def _labels(classes: int) -> np.ndarray:
    return (np.arange(BATCH) % classes).astype("int32")


def _wrap(inputs: keras.KerasTensor, outputs: keras.KerasTensor) -> keras.Model:
    """A layer inside the smallest trainable model: a regression head and Adam."""
    outputs = keras.layers.Dense(1, name="head")(outputs)
    return models.compile_model(keras.Model(inputs, outputs), "mse")


def _sequence_input(features: int = 2, window: int = 12) -> keras.KerasTensor:
    return keras.Input((window, features))


# ---- model builders -------------------------------------------------------------------------

def recurrent_forecaster():
    return models.recurrent_forecaster(window=12, features=2, units=8), _series(), _rng().normal(
        size=(BATCH, 1)).astype("float32")


def quantile_recurrent_forecaster():
    model = models.recurrent_forecaster(window=12, features=2, units=8, cell="lstm",
                                        quantiles=(0.1, 0.5, 0.9), relative=True)
    return model, _series(), _rng().normal(size=(BATCH, 1)).astype("float32")


def tcn_forecaster():
    return (models.tcn_forecaster(window=12, features=2, filters=8, dilations=(1, 2)),
            _series(), _rng().normal(size=(BATCH, 1)).astype("float32"))


def transformer_forecaster():
    return (models.transformer_forecaster(window=12, features=2, hidden_dim=8, num_heads=2,
                                          key_dim=4, intermediate_dim=16),
            _series(), _rng().normal(size=(BATCH, 1)).astype("float32"))


def dense_forecaster():
    return (models.dense_forecaster(window=12, features=2, intermediate_dim=8), _series(),
            _rng().normal(size=(BATCH, 1)).astype("float32"))


def lstm_autoencoder():
    x = _series(features=1)
    return models.lstm_autoencoder(window=12, features=1, units=8), x, x


def lstm_classifier():
    return (models.lstm_classifier(num_classes=3, features=2, units=8, bidirectional=True),
            _series(), _labels(3))


def cnn_lstm_classifier():
    return (models.cnn_lstm_classifier(num_classes=3, features=2, filters=8, units=8),
            _series(), _labels(3))


def fcn_classifier():
    return (models.fcn_classifier(num_classes=3, features=2, filters=(8, 8, 8)), _series(),
            _labels(3))


def resnet_classifier():
    return (models.resnet_classifier(num_classes=3, features=2, filters=(8, 8, 8)), _series(),
            _labels(3))


def tcn_classifier():
    return (models.tcn_classifier(num_classes=3, features=2, filters=8, dilations=(1, 2)),
            _series(), _labels(3))


def tcn_regressor():
    return (models.tcn_regressor(features=2, filters=8, dilations=(1, 2)), _series(),
            _rng().normal(size=(BATCH, 1)).astype("float32"))


def transformer_classifier():
    return (models.transformer_classifier(num_classes=3, features=2, max_sequence_length=12,
                                          hidden_dim=8, num_layers=1, num_heads=2, key_dim=4,
                                          intermediate_dim=16),
            _series(), _labels(3))


def adding_model():
    x, y = models.adding_arrays(sequence_length=10, num_examples=BATCH)
    return models.adding_model(cell="lstm", units=8), x, y


def bag_of_words_classifier():
    return models.bag_of_words_classifier(vocabulary_size=20, embedding_dim=4), _tokens(), \
        _labels(2)


def recurrent_classifier():
    return (models.recurrent_classifier(vocabulary_size=20, embedding_dim=4, units=8,
                                        bidirectional=True), _tokens(), _labels(2))


def _text_classifier(backbone: str):
    def build():
        model = models.text_classifier(backbone, num_classes=3, vocabulary_size=20,
                                       embedding_dim=8, units=8, filters=8)
        return model, _tokens(), _labels(3)

    build.__name__ = f"text_classifier_{backbone}"
    return build


def neural_ngram_lm():
    tokens = _tokens(length=3)
    return (models.neural_ngram_lm(vocabulary_size=20, context=3, embedding_dim=4,
                                   intermediate_dim=8), tokens, _labels(20))


def char_lm():
    tokens = _tokens()
    return models.char_lm(vocabulary_size=20, units=8, embedding_dim=4), tokens, tokens


def causal_lm():
    tokens = _tokens()
    return (models.causal_lm(vocabulary_size=20, max_sequence_length=10, hidden_dim=8,
                             num_heads=2, num_layers=1, intermediate_dim=16, dropout=0.0),
            tokens, tokens)


def masked_lm():
    tokens = _tokens()
    return (models.masked_lm(vocabulary_size=20, max_sequence_length=10, hidden_dim=8,
                             num_heads=2, num_layers=1, intermediate_dim=16, dropout=0.0),
            tokens, tokens)


def lm_classifier():
    lm = models.causal_lm(vocabulary_size=20, max_sequence_length=10, hidden_dim=8,
                          num_heads=2, num_layers=1, intermediate_dim=16, dropout=0.0)
    return models.lm_classifier(lm, num_classes=3, dropout=0.0), _tokens(), _labels(3)


def decoder_lm():
    tokens = _tokens()
    model = models.DecoderLM(vocabulary_size=20, max_sequence_length=10, hidden_dim=8,
                             num_heads=2, num_layers=1, intermediate_dim=16)
    model = models.compile_model(
        model, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model(tokens[:1])  # subclassed: build it before the weights are compared
    return model, tokens, tokens


def encoder_decoder():
    source, target = _tokens(length=8), _tokens(length=6, low=3)
    target_in, target_out = models.teacher_forcing(target, start_token=1, end_token=2)
    model = models.encoder_decoder(source_vocabulary_size=20, target_vocabulary_size=20,
                                   embedding_dim=4, units=8, bidirectional=True,
                                   attention="bahdanau")
    return model, {"source": source, "target_in": target_in}, target_out


def transformer_seq2seq():
    source, target = _tokens(length=8), _tokens(length=6, low=3)
    target_in, target_out = models.teacher_forcing(target, start_token=1, end_token=2)
    model = models.transformer_seq2seq(source_vocabulary_size=20, target_vocabulary_size=20,
                                       hidden_dim=8, num_heads=2, intermediate_dim=16,
                                       num_encoder_layers=1, num_decoder_layers=1,
                                       dropout=0.0, max_sequence_length=10)
    return model, {"source": source, "target_in": target_in}, target_out


def hmm():
    symbols = _rng().integers(0, 4, size=(BATCH, 10)).astype("int32")
    return hmm_model(num_states=2, num_symbols=4, seed=0), symbols, np.zeros(BATCH, "float32")


# ---- layers written by hand in the book --------------------------------------------------------

def _cell(cell_class, **options):
    def build():
        inputs = _sequence_input()
        outputs = keras.layers.RNN(cell_class(6, **options))(inputs)
        return _wrap(inputs, outputs), _series(), _rng().normal(size=(BATCH, 1)).astype(
            "float32")

    build.__name__ = cell_class.__name__ + ("_" + "_".join(options) if options else "")
    return build


def _attention(layer_factory, name):
    def build():
        inputs = _sequence_input(features=6)
        query = keras.layers.Dense(6)(inputs)
        context = layer_factory()(query, inputs)
        context = context[0] if isinstance(context, (list, tuple)) else context
        outputs = keras.layers.GlobalAveragePooling1D()(context)
        return _wrap(inputs, outputs), _series(features=6), _rng().normal(
            size=(BATCH, 1)).astype("float32")

    build.__name__ = name
    return build


def multi_head_attention():
    inputs = _sequence_input(features=8)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
    outputs = keras.layers.GlobalAveragePooling1D()(attended)
    return _wrap(inputs, outputs), _series(features=8), _rng().normal(
        size=(BATCH, 1)).astype("float32")


def _positions(layer_factory, name):
    def build():
        inputs = _sequence_input(features=8)
        outputs = keras.layers.GlobalAveragePooling1D()(layer_factory()(inputs))
        return _wrap(inputs, outputs), _series(features=8), _rng().normal(
            size=(BATCH, 1)).astype("float32")

    build.__name__ = name
    return build


def encoder_and_decoder_blocks():
    inputs = _sequence_input(features=8)
    encoded = layers.TransformerEncoderBlock(num_heads=2, key_dim=4, intermediate_dim=16)(inputs)
    decoded = layers.TransformerDecoderBlock(num_heads=2, key_dim=4, intermediate_dim=16)(
        inputs, encoded)
    outputs = keras.layers.GlobalAveragePooling1D()(decoded)
    return _wrap(inputs, outputs), _series(features=8), _rng().normal(
        size=(BATCH, 1)).astype("float32")


CASES: dict[str, Case] = {
    case.__name__: case
    for case in [
        recurrent_forecaster, quantile_recurrent_forecaster, tcn_forecaster,
        transformer_forecaster, dense_forecaster, lstm_autoencoder, lstm_classifier,
        cnn_lstm_classifier, fcn_classifier, resnet_classifier, tcn_classifier, tcn_regressor,
        transformer_classifier, adding_model, bag_of_words_classifier, recurrent_classifier,
        _text_classifier("bilstm"), _text_classifier("bigru"), _text_classifier("cnn"),
        neural_ngram_lm, char_lm, causal_lm, masked_lm, lm_classifier, decoder_lm,
        encoder_decoder, transformer_seq2seq, hmm,
        _cell(layers.SimpleRNNCell), _cell(layers.GRUCell), _cell(layers.LSTMCell),
        _cell(layers.LSTMCell, peephole=True),
        _attention(lambda: layers.BahdanauAttention(6), "BahdanauAttention"),
        _attention(lambda: layers.LuongAttention(score="general"), "LuongAttention"),
        multi_head_attention,
        _positions(lambda: layers.SinusoidalPositionEncoding(), "SinusoidalPositionEncoding"),
        _positions(lambda: layers.LearnedPositionEmbedding(12), "LearnedPositionEmbedding"),
        _positions(lambda: layers.RotaryEmbedding(), "RotaryEmbedding"),
        encoder_and_decoder_blocks,
    ]
}


def pointer_generator_seq2seq():
    """The copy layer (``layers.PointerGenerator``) inside its builder; source and target
    share one vocabulary."""
    source, target = _tokens(length=8), _tokens(length=6, low=3)
    target_in, target_out = models.teacher_forcing(target, start_token=1, end_token=2)
    model = models.pointer_generator_seq2seq(vocabulary_size=20, embedding_dim=4, units=8,
                                             max_sequence_length=10)
    return model, {"source": source, "target_in": target_in}, target_out


CASES[pointer_generator_seq2seq.__name__] = pointer_generator_seq2seq


def _next_items() -> tuple[np.ndarray, np.ndarray]:
    """Item windows (0 = padding on the left) and the next item at every position."""
    items = _tokens(vocabulary=20, length=7)
    items[:4, :2] = 0
    return items[:, :-1], np.where(items[:, :-1] == 0, 0, items[:, 1:]).astype("int32")


def gru4rec():
    x, y = _next_items()
    return models.gru4rec(vocabulary_size=20, sequence_length=6, embedding_dim=4, units=8), x, y


def sasrec():
    """Also covers ``HistoryMask`` (causal and padding) inside its builder."""
    x, y = _next_items()
    return models.sasrec(vocabulary_size=20, sequence_length=6, hidden_dim=8, num_heads=2,
                         num_layers=1, intermediate_dim=16), x, y


CASES.update({case.__name__: case for case in [gru4rec, sasrec]})


def _dna() -> tuple[np.ndarray, np.ndarray]:
    """One-hot DNA windows of 20 bases and three classes."""
    bases = _rng().integers(0, 4, size=(BATCH, 20))
    return np.eye(4, dtype="float32")[bases], _labels(3)


def deepbind_classifier():
    x, y = _dna()
    return models.deepbind_classifier(sequence_length=20, filters=4, kernel_size=5, units=8,
                                      pool_size=4), x, y


def danq_classifier():
    x, y = _dna()
    return models.danq_classifier(sequence_length=20, filters=4, kernel_size=5, units=4), x, y


def dna_transformer_classifier():
    x, y = _dna()
    return models.dna_transformer_classifier(sequence_length=20, hidden_dim=8, num_layers=1,
                                             num_heads=2, key_dim=4), x, y


CASES.update({case.__name__: case for case in [deepbind_classifier, danq_classifier,
                                               dna_transformer_classifier]})


def _clips(frames: int = 3, size: int = 8) -> np.ndarray:
    """Grey clips ``[BATCH, frames, size, size, 1]`` in [0, 1]."""
    return _rng().random((BATCH, frames, size, size, 1)).astype("float32")


def convlstm_predictor():
    """Also covers ``LastFrame`` inside its builder."""
    x = _clips()
    return models.convlstm_predictor(context=2, frame_size=(8, 8), filters=4), \
        x[:, :2], x[:, 2]


def conv3d_predictor():
    x = _clips()
    return models.conv3d_predictor(context=2, frame_size=(8, 8), filters=4), \
        x[:, :2], x[:, 2]


def clip_average_classifier():
    return models.clip_average_classifier(num_frames=3, frame_size=(8, 8), filters=4), \
        _clips(), _labels(2)


def clip_lstm_classifier():
    return models.clip_lstm_classifier(num_frames=3, frame_size=(8, 8), filters=4,
                                       units=4), _clips(), _labels(2)


CASES.update({case.__name__: case for case in [convlstm_predictor, conv3d_predictor,
                                               clip_average_classifier,
                                               clip_lstm_classifier]})


def ctc_recognizer():
    """Also covers ``LogMelSpectrogram``, ``SpecAugment`` and ``CTCLoss`` inside its builder:
    0.2 s of 8 kHz audio, labels of two symbols out of three (0 pads)."""
    audio = _rng().normal(scale=0.1, size=(BATCH, 1600)).astype("float32")
    labels = _rng().integers(1, 4, size=(BATCH, 2)).astype("int32")
    return models.ctc_recognizer(vocabulary_size=3, num_mel_bins=16, filters=4, units=4,
                                 seed=0), audio, labels


CASES[ctc_recognizer.__name__] = ctc_recognizer
