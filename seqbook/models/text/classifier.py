"""One text classifier (or regressor) with the backbone as an argument.

The head is the same whatever reads the text: a vector per text, dropout, and a float32
linear layer giving class logits or one number. The backbone is either built here from
scratch (``"bilstm"``, ``"bigru"``, ``"cnn"``) or a copy of a (pre)trained language model,
whose layer ``"final_norm"`` gives a state ``[B, T, D]`` per token, averaged over the real
tokens (:class:`~seqbook.models.TokenPooling`). :func:`~seqbook.models.lm_classifier` is
this function with a language model.
"""

from __future__ import annotations

from typing import Any

import keras

from seqbook.models._common import compile_model, recurrent_layer, require_positive, require_rate
from seqbook.models.language.pretraining import TokenPooling, causal_lm
from seqbook.models.text.layers import TokenMaxPooling, ZeroPadding

__all__ = ["BACKBONES", "TASKS", "model_vocabulary_size", "text_classifier"]

#: Backbones built from scratch, by name.
BACKBONES = ("bilstm", "bigru", "cnn")
#: What the head predicts.
TASKS = ("classification", "regression")


def model_vocabulary_size(model: keras.Model) -> int:
    """Number of token ids ``model`` reads: the rows of its first ``Embedding`` layer.

    Nested models are searched too.

    Example
    -------
    >>> inputs = keras.Input((None,), dtype="int32")
    >>> model = keras.Model(inputs, keras.layers.Embedding(30, 4)(inputs))
    >>> model_vocabulary_size(model)
    30
    """
    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
        if isinstance(layer, keras.Model):
            try:
                return model_vocabulary_size(layer)
            except ValueError:
                continue
    raise ValueError(f"model must contain an Embedding layer; {model.name!r} has none")


def _language_model_features(lm: keras.Model, pretrained: bool) -> keras.Model:
    """A copy of ``lm`` cut at its layer "final_norm" (weights copied when ``pretrained``)."""
    names = [layer.name for layer in lm.layers]
    if "final_norm" not in names:
        raise ValueError(f"backbone must be one of {BACKBONES} or a language model with a "
                         f"layer named 'final_norm'; {lm.name!r} has layers {names}")
    config = getattr(lm, "lm_config", None)
    if config is not None and lm.name == "causal_lm":
        copy = causal_lm(**config)  # the builder itself: its config, fresh weights
    else:
        copy = keras.models.clone_model(lm)  # fresh weights from each layer's config
    if pretrained:
        copy.set_weights(lm.get_weights())
    return keras.Model(copy.input, copy.get_layer("final_norm").output, name=lm.name)


def text_classifier(
    backbone: str | keras.Model,
    task: str = "classification",
    num_classes: int = 2,
    vocabulary_size: int | None = None,
    embedding_dim: int = 64,
    units: int = 64,
    filters: int = 64,
    kernel_size: int = 3,
    dropout: float = 0.2,
    learning_rate: float = 1e-3,
    pooling: str = "mean",
    pretrained: bool = True,
) -> keras.Model:
    """A compiled model ``tokens [B, T]`` (right-padded with 0) -> class logits or a value.

    Parameters
    ----------
    backbone : {"bilstm", "bigru", "cnn"} or keras.Model
        ``"bilstm"``/``"bigru"``: token embeddings (padding masked) read both ways by an
        LSTM/GRU of ``units`` each way; the two final states, joined, describe the text.
        ``"cnn"``: embeddings, one 1-D convolution of ``filters`` ReLU channels over
        ``kernel_size`` tokens, the maximum of each channel over the real tokens.
        A ``keras.Model``: a language model whose layer ``"final_norm"`` gives ``[B, T, D]``
        states (:func:`~seqbook.models.causal_lm`, :func:`~seqbook.models.load_pretrained_lm`);
        it is copied, so fine-tuning leaves it unchanged, and its states are pooled.
    task : {"classification", "regression"}
        Classification: float32 logits ``[B, num_classes]``, sparse cross-entropy, accuracy.
        Regression: one float32 value ``[B, 1]``, mean squared error, mean absolute error.
    num_classes : int
        Number of classes (>= 2) for classification; ignored for regression.
    vocabulary_size : int, optional
        Number of token ids; required for a backbone built here. With a language model it
        is optional and, when given, must equal the model's own.
    embedding_dim, units, filters, kernel_size : int
        Sizes of the backbones built here.
    dropout : float
        Dropout on the text's vector, before the head, in ``[0, 1)``.
    learning_rate : float
        Adam's learning rate.
    pooling : {"mean", "last"}
        How a language model's token states become one vector (:class:`TokenPooling`).
    pretrained : bool
        With a language model: start from its weights (True) or from fresh random weights
        of the same architecture (False, the same network trained from scratch).

    Returns
    -------
    keras.Model
        Compiled through :func:`~seqbook.models.compile_model`.

    Example
    -------
    >>> import numpy as np
    >>> model = text_classifier("cnn", vocabulary_size=50, embedding_dim=8, filters=4)
    >>> tuple(model(np.array([[4, 9, 2, 0, 0]])).shape)
    (1, 2)
    >>> rater = text_classifier("bigru", task="regression", vocabulary_size=50, units=4)
    >>> tuple(rater(np.array([[4, 9, 2, 0, 0]])).shape)
    (1, 1)
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}; got {task!r}")
    if task == "classification" and (isinstance(num_classes, bool)
                                     or not isinstance(num_classes, int) or num_classes < 2):
        raise ValueError(f"num_classes must be an integer >= 2; got {num_classes!r}")
    if pooling not in TokenPooling.MODES:
        raise ValueError(f"pooling must be one of {TokenPooling.MODES}; got {pooling!r}")
    require_rate(dropout=dropout)
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    if isinstance(backbone, keras.Model):
        features = _language_model_features(backbone, pretrained)
        own = model_vocabulary_size(features)
        if vocabulary_size is not None and vocabulary_size != own:
            raise ValueError(f"vocabulary_size must match the language model's {own} token "
                             f"ids; got {vocabulary_size!r}")
        vector = TokenPooling(pooling, name="pool")([features(tokens), tokens])
    elif isinstance(backbone, str) and backbone in BACKBONES:
        if vocabulary_size is None:
            raise ValueError(f"vocabulary_size is required for backbone {backbone!r}")
        require_positive(vocabulary_size=vocabulary_size, embedding_dim=embedding_dim,
                         units=units, filters=filters, kernel_size=kernel_size)
        vector = _scratch_backbone(backbone, tokens, vocabulary_size, embedding_dim, units,
                                   filters, kernel_size)
    else:
        raise ValueError(f"backbone must be one of {BACKBONES} or a keras.Model language "
                         f"model; got {backbone!r:.80}")
    vector = keras.layers.Dropout(dropout)(vector)
    if task == "classification":
        outputs = keras.layers.Dense(num_classes, dtype="float32", name="classes")(vector)
        loss: Any = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics: list[Any] = ["accuracy"]
    else:
        outputs = keras.layers.Dense(1, dtype="float32", name="value")(vector)
        loss, metrics = "mse", ["mae"]
    name = backbone if isinstance(backbone, str) else "lm"
    role = "classifier" if task == "classification" else "regressor"
    model = keras.Model(tokens, outputs, name=f"{name}_{role}")
    return compile_model(model, loss=loss, metrics=metrics, learning_rate=learning_rate)


def _scratch_backbone(backbone: str, tokens, vocabulary_size: int, embedding_dim: int,
                      units: int, filters: int, kernel_size: int):
    """The vector ``[B, features]`` that a backbone built from scratch makes of ``tokens``."""
    if backbone in ("bilstm", "bigru"):
        vectors = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True,
                                         name="embedding")(tokens)
        reader = recurrent_layer(backbone[2:], units)
        return keras.layers.Bidirectional(reader, name=backbone)(vectors)
    vectors = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(tokens)
    vectors = ZeroPadding(name="zero_padding")([vectors, tokens])
    hidden = keras.layers.Conv1D(filters, kernel_size, padding="same", activation="relu",
                                 name="convolution")(vectors)
    return TokenMaxPooling(name="max_pool")([hidden, tokens])
