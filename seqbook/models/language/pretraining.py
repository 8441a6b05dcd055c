"""Pretraining a small causal language model, and fine-tuning it for classification.

The pieces the pretraining chapter needs and a practitioner can reuse:

* :func:`causal_lm` builds a GPT-style decoder-only language model from the package's shared
  Transformer block (:func:`~seqbook.models.transformer.encoder.transformer_encoder` with a
  causal mask, so Keras' fused attention does the work);
* :func:`next_token_windows` cuts a stream of token ids into (input, target) training pairs,
  and :func:`sequence_log_probs` scores a long sequence with a sliding context window;
* :func:`per_character_perplexity` converts token log-probabilities to a per-character
  figure, so that models with different tokenizers are compared on the same text;
* :func:`lm_classifier` puts a classification head on a (pre)trained language model, pooling
  its last hidden states over the non-padding tokens;
* :func:`load_pretrained_lm` returns the small model pretrained on the Python reference
  manual by ``benchmarks/pretrain_small_lm.py``, with its tokenizer.

Token id 0 is padding everywhere (the convention of :mod:`seqbook.data.tokenizers`).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import keras
import numpy as np
from keras import ops

from seqbook.layers._config import renamed_keys
from seqbook.models._common import compile_model, require_positive
from seqbook.layers.transformer.positional import PositionEmbedding
from seqbook.models.transformer.encoder import GPT_POSITION_INIT as _GPT_INIT
from seqbook.models.transformer.encoder import transformer_encoder

__all__ = [
    "CausalPaddingMask",
    "TokenPooling",
    "causal_lm",
    "lm_classifier",
    "load_pretrained_lm",
    "next_token_windows",
    "per_character_perplexity",
    "sequence_log_probs",
]

#: The files that ``benchmarks/pretrain_small_lm.py`` writes under ``seqbook/weights/``.
PRETRAINED_NAME = "docs_lm"

#: Argument names of :func:`causal_lm` (and :class:`~seqbook.models.DecoderLM`) before the
#: naming pass -> today's; the shipped ``docs_lm.json`` and old ``.keras`` files use them.
OLD_CONFIG_NAMES = {"vocab_size": "vocabulary_size", "max_length": "max_sequence_length",
                    "width": "hidden_dim", "heads": "num_heads", "ff_units": "intermediate_dim"}


@keras.saving.register_keras_serializable(package="seqbook")
class CausalPaddingMask(keras.layers.Layer):
    """Token ids ``[batch, T]`` -> attention mask ``[batch, T, T]`` (True = may attend).

    Query position ``i`` may attend to key position ``j`` when ``j <= i`` (causal) and token
    ``j`` is not padding (id 0). With right padding, real tokens then never see a pad.

    Example
    -------
    >>> import numpy as np
    >>> mask = CausalPaddingMask()(np.array([[5, 7, 0]]))
    >>> np.asarray(mask)[0].astype(int).tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 0]]
    """

    def call(self, tokens):
        length = ops.shape(tokens)[1]
        positions = ops.arange(length)
        causal = ops.expand_dims(positions, 1) >= ops.expand_dims(positions, 0)  # [T, T]
        keys = ops.not_equal(tokens, 0)[:, None, :]  # [B, 1, T]
        return ops.logical_and(causal[None, :, :], keys)


@keras.saving.register_keras_serializable(package="seqbook")
class TokenPooling(keras.layers.Layer):
    """Pool hidden states ``[batch, T, d]`` over the non-padding tokens -> ``[batch, d]``.

    Called as ``layer([hidden, tokens])``: ``tokens [batch, T]`` marks padding with id 0,
    which must sit at the end of each row (right padding).

    Parameters
    ----------
    mode : {"mean", "last"}
        ``"mean"`` averages the states of the real tokens; ``"last"`` takes the state of the
        last real token, which in a causal model is the only one that has read the whole
        text.

    Example
    -------
    >>> import numpy as np
    >>> hidden = np.arange(6, dtype="float32").reshape(1, 3, 2)  # states [0,1],[2,3],[4,5]
    >>> tokens = np.array([[4, 9, 0]])
    >>> np.asarray(TokenPooling("mean")([hidden, tokens])).tolist()
    [[1.0, 2.0]]
    >>> np.asarray(TokenPooling("last")([hidden, tokens])).tolist()
    [[2.0, 3.0]]
    """

    MODES = ("mean", "last")

    def __init__(self, mode: str = "mean", **kwargs: Any):
        super().__init__(**kwargs)
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {', '.join(self.MODES)}; got {mode!r}")
        self.mode = mode

    def call(self, inputs):
        hidden, tokens = inputs
        real = ops.cast(ops.not_equal(tokens, 0), hidden.dtype)  # [B, T]
        if self.mode == "mean":
            total = ops.sum(hidden * real[:, :, None], axis=1)
            count = ops.maximum(ops.sum(real, axis=1, keepdims=True), 1.0)
            return total / count
        last = ops.maximum(ops.sum(ops.cast(real, "int32"), axis=1) - 1, 0)  # [B]
        picked = ops.take_along_axis(hidden, last[:, None, None], axis=1)  # [B, 1, d]
        return picked[:, 0, :]

    def compute_output_shape(self, input_shape):
        hidden_shape = input_shape[0]
        return (hidden_shape[0], hidden_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


def causal_lm(
    vocabulary_size: int,
    max_sequence_length: int,
    hidden_dim: int = 128,
    num_heads: int = 4,
    num_layers: int = 4,
    intermediate_dim: int = 512,
    dropout: float = 0.1,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A compiled GPT-style causal language model: ``tokens [B, T] -> logits [B, T, vocab]``.

    Kept beside :class:`~seqbook.models.DecoderLM` (the same network from hand-written
    layers, with a key/value cache) because Keras' fused attention trains it faster: it is
    the model that is pretrained, fine-tuned and shipped under ``seqbook/weights/``.

    Token embeddings plus learned positions, ``num_layers`` pre-norm Transformer blocks with
    a causal (and padding) mask, a final layer norm (named ``"final_norm"``, the features
    :func:`lm_classifier` pools) and a float32 read-out. Position ``t``'s logits predict
    token ``t + 1``: train with ``fit(*next_token_windows(...))``.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids (id 0 is padding).
    max_sequence_length : int
        The longest input the position table covers.
    hidden_dim : int
        Model width ``d``; must be divisible by ``num_heads``.
    num_heads, num_layers, intermediate_dim : int
        Attention heads per block, number of blocks, feed-forward hidden width.
    dropout : float
        Dropout rate inside the blocks, in ``[0, 1)``.
    learning_rate : float
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled with sparse cross-entropy on logits; its config is kept in
        ``model.lm_config`` so that :func:`lm_classifier` can rebuild the architecture.

    Example
    -------
    >>> import numpy as np
    >>> lm = causal_lm(vocabulary_size=20, max_sequence_length=8, hidden_dim=16, num_heads=2,
    ...                num_layers=1, intermediate_dim=32)
    >>> tuple(lm(np.ones((3, 8), "int32")).shape)
    (3, 8, 20)
    """
    model = _token_transformer(
        CausalPaddingMask(name="causal_mask"), "causal_lm", vocabulary_size=vocabulary_size,
        max_sequence_length=max_sequence_length, hidden_dim=hidden_dim, num_heads=num_heads,
        num_layers=num_layers, intermediate_dim=intermediate_dim, dropout=dropout)
    return compile_model(
        model,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[],
        learning_rate=learning_rate,
    )


def _token_transformer(mask_layer: keras.layers.Layer, name: str, **config: Any) -> keras.Model:
    """The network shared by :func:`causal_lm` and :func:`~seqbook.models.masked_lm`.

    Token embeddings plus learned positions, ``config["num_layers"]`` pre-norm blocks whose
    attention mask ``mask_layer`` computes from the token ids, a final layer norm named
    ``"final_norm"`` and float32 logits over the vocabulary; uncompiled, with ``config``
    (checked) kept in ``model.lm_config``. Only the mask tells a decoder from an encoder.
    """
    require_positive(**{k: config[k] for k in (
        "vocabulary_size", "max_sequence_length", "hidden_dim", "num_heads", "num_layers",
        "intermediate_dim")})
    if config["hidden_dim"] % config["num_heads"]:
        raise ValueError("hidden_dim must be divisible by num_heads; got "
                         f"hidden_dim={config['hidden_dim']}, num_heads={config['num_heads']}")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    mask = mask_layer(tokens)
    x = keras.layers.Embedding(config["vocabulary_size"], config["hidden_dim"],
                               name="embedding")(tokens)
    x = PositionEmbedding(config["max_sequence_length"], initializer=_GPT_INIT,
                          name="positions")(x)
    x = keras.layers.Dropout(config["dropout"])(x)
    for _ in range(config["num_layers"]):
        x = transformer_encoder(x, num_heads=config["num_heads"],
                                key_dim=config["hidden_dim"] // config["num_heads"],
                                intermediate_dim=config["intermediate_dim"],
                                dropout=config["dropout"], norm_first=True, attention_mask=mask)
    x = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")(x)
    logits = keras.layers.Dense(config["vocabulary_size"], dtype="float32", name="logits")(x)
    model = keras.Model(tokens, logits, name=name)
    model.lm_config = dict(config)
    return model


def lm_classifier(
    lm: keras.Model,
    num_classes: int,
    pooling: str = "mean",
    dropout: float = 0.1,
    learning_rate: float = 3e-4,
    pretrained: bool = True,
) -> keras.Model:
    """Put a classification head on a copy of the causal language model ``lm``.

    The copy has ``lm``'s architecture and, with ``pretrained=True``, its weights (fine-tuning
    then starts from them; ``lm`` itself is left unchanged). With ``pretrained=False`` the
    copy starts from fresh random weights: the same model trained *from scratch*, the
    baseline that measures what pretraining transfers. The head pools the final hidden
    states over the non-padding tokens (:class:`TokenPooling`) and predicts class logits.

    Parameters
    ----------
    lm : keras.Model
        A model built by :func:`causal_lm` or :func:`load_pretrained_lm` (trained or not).
        Its architecture is read from ``lm.lm_config``, which a ``.keras`` file does not
        keep: after ``keras.saving.load_model``, build ``causal_lm(**config)`` again and
        ``set_weights``.
    num_classes : int
        Number of classes, >= 2; the output is float32 logits ``[batch, num_classes]``.
    pooling : {"mean", "last"}
        How token states become one vector (see :class:`TokenPooling`).
    dropout : float
        Dropout before the head, in ``[0, 1)``.
    learning_rate : float
        Adam's learning rate (fine-tuning usually wants a smaller one than pretraining).
    pretrained : bool
        Start from ``lm``'s weights (True) or from fresh random ones (False).

    Returns
    -------
    keras.Model
        ``tokens [batch, T]`` (right-padded with 0) -> logits, compiled with sparse
        cross-entropy and accuracy.

    Example
    -------
    >>> import numpy as np
    >>> lm = causal_lm(vocabulary_size=20, max_sequence_length=8, hidden_dim=16, num_heads=2,
    ...                num_layers=1, intermediate_dim=32)
    >>> clf = lm_classifier(lm, num_classes=3, pooling="last")
    >>> tuple(clf(np.array([[4, 5, 0, 0]])).shape)
    (1, 3)
    >>> all(np.array_equal(a, b) for a, b in zip(
    ...     clf.get_layer("causal_lm").get_weights(), lm.get_weights()))
    True
    """
    config = getattr(lm, "lm_config", None)
    if not isinstance(lm, keras.Model) or config is None:
        raise ValueError(f"lm must be a model built by causal_lm; got {type(lm).__name__} "
                         "without an lm_config")
    # The one classifier head of the package (chapter sentiment-analysis), with this
    # language model as its backbone; imported here because seqbook.models.text imports
    # this module.
    from seqbook.models.text.classifier import text_classifier

    return text_classifier(lm, task="classification", num_classes=num_classes,
                           dropout=dropout, learning_rate=learning_rate, pooling=pooling,
                           pretrained=pretrained)


def next_token_windows(
    sequences: Iterable[Sequence[int]], sequence_length: int, stride: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cut token sequences, joined end to end, into next-token training pairs.

    The sequences are concatenated into one stream; windows of ``sequence_length + 1`` tokens start
    every ``stride`` tokens; each gives an input (its first ``sequence_length`` tokens) and a target
    (its last ``sequence_length``: the input shifted by one). A ``stride`` below
    ``sequence_length`` makes overlapping windows.

    Parameters
    ----------
    sequences : iterable of sequences of int
        Token ids, for example one list per document with ``[BOS]`` and ``[EOS]`` around it.
    sequence_length : int
        Tokens per input window.
    stride : int, optional
        Steps between window starts; defaults to ``sequence_length`` (no overlap).

    Returns
    -------
    (inputs, targets) : tuple of numpy.ndarray
        int32 arrays of shape ``[windows, sequence_length]``; ``targets[:, t] == inputs[:, t + 1]``.

    Example
    -------
    >>> x, y = next_token_windows([[1, 2, 3, 4], [5, 6, 7]], sequence_length=3)
    >>> x.tolist(), y.tolist()
    ([[1, 2, 3], [4, 5, 6]], [[2, 3, 4], [5, 6, 7]])
    """
    require_positive(sequence_length=sequence_length)
    stride = sequence_length if stride is None else stride
    require_positive(stride=stride)
    if isinstance(sequences, (str, bytes)):
        raise ValueError("sequences must be sequences of token ids; got a string")
    stream = np.concatenate([np.asarray(s, dtype=np.int64).reshape(-1) for s in sequences]
                            or [np.zeros(0, np.int64)])
    if stream.size < sequence_length + 1:
        raise ValueError("sequences must hold at least sequence_length + 1 = "
                         f"{sequence_length + 1} tokens in all; got {stream.size}")
    starts = np.arange(0, stream.size - sequence_length, stride)
    windows = stream[starts[:, None] + np.arange(sequence_length + 1)[None, :]].astype(np.int32)
    return windows[:, :-1], windows[:, 1:]


def sequence_log_probs(
    lm: Any, tokens: Sequence[int], context: int, batch_size: int = 64
) -> np.ndarray:
    """Natural log-probabilities of ``tokens[1:]``, each given up to ``context`` tokens before.

    A sequence longer than the model's window is read in windows of ``context`` tokens that
    overlap by half: after the first window, each token is scored in the window where it has
    at least ``context // 2`` tokens of history. Every token is scored exactly once.

    Parameters
    ----------
    lm : callable
        ``lm(tokens [batch, T]) -> logits [batch, T, vocab]`` (for example :func:`causal_lm`).
    tokens : sequence of int
        One sequence, typically ``[BOS] ... [EOS]``; its first token is context only.
    context : int
        Window length (at most the model's ``max_sequence_length``), >= 2.
    batch_size : int
        Windows per model call.

    Returns
    -------
    numpy.ndarray
        float64 ``[len(tokens) - 1]``: ``log P(tokens[t] | tokens[max(0, t - context):t])``
        for ``t = 1, ...`` (at least ``context // 2`` tokens of history once available).

    Example
    -------
    >>> import numpy as np
    >>> def uniform(x):  # logits of a model that knows nothing: 4 equally likely tokens
    ...     return np.zeros(x.shape + (4,), "float32")
    >>> lp = sequence_log_probs(uniform, [1, 2, 3, 2, 1, 3, 2], context=4)
    >>> lp.shape, bool(np.allclose(lp, np.log(0.25)))
    ((6,), True)
    """
    ids = np.asarray(tokens, dtype=np.int64).reshape(-1)
    if ids.size < 2:
        raise ValueError(f"tokens must hold at least 2 ids (context, then a target); "
                         f"got {ids.size}")
    if isinstance(context, bool) or not isinstance(context, int) or context < 2:
        raise ValueError(f"context must be an integer >= 2; got {context!r}")
    require_positive(batch_size=batch_size)
    half = context // 2
    # Window k covers inputs ids[s : s + context] and predicts ids[s + 1 : s + context + 1].
    starts = [0]
    while starts[-1] + context < ids.size - 1:
        starts.append(starts[-1] + (context - half))
    windows = np.zeros((len(starts), context + 1), np.int32)
    for row, s in enumerate(starts):
        piece = ids[s:s + context + 1]
        windows[row, :piece.size] = piece
    out = np.full(ids.size - 1, np.nan)
    for first in range(0, len(starts), batch_size):
        chunk = windows[first:first + batch_size]
        logits = np.asarray(ops.convert_to_numpy(lm(chunk[:, :-1])), np.float64)
        logits -= logits.max(axis=-1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(log_probs, chunk[:, 1:, None].astype(np.int64), -1)[..., 0]
        for row, s in enumerate(starts[first:first + batch_size]):
            # Targets ids[s + 1 + j]; later windows keep only the positions not scored yet.
            begin = 0 if s == 0 else half
            for j in range(begin, context):
                target = s + j  # index into out (= ids index - 1)
                if target < out.size and np.isnan(out[target]):
                    out[target] = picked[row, j]
    return out


def per_character_perplexity(
    log_probs: Iterable[float], texts: Sequence[str], end_of_text: bool = True
) -> float:
    """Perplexity per character of ``texts`` from the log-probabilities a model gave them.

    A model's perplexity per *token* depends on its tokenizer: a model whose tokens are
    longer makes fewer, harder predictions. The total log-probability of the same text does
    not, so ``exp(-total / characters)`` compares a character model with a subword model
    fairly, provided both scored exactly ``texts``. With ``end_of_text`` each text counts one
    more symbol, its end, which both models predict (as :class:`seqbook.classical.NGramLM`
    does).

    Parameters
    ----------
    log_probs : iterable of float
        Natural log-probabilities of every prediction the model made on ``texts``.
    texts : sequence of str
        The texts those predictions spell out.
    end_of_text : bool
        Count one end symbol per text.

    Returns
    -------
    float
        ``exp(-sum(log_probs) / characters)``; ``2 ** bits_per_character`` is the same number.

    Example
    -------
    >>> import math
    >>> # Two tokens "ab" and "c", then the end, each with probability 1/4: 3 predictions
    >>> # for 3 + 1 symbols, so the per-character perplexity is 4 ** (3 / 4).
    >>> round(per_character_perplexity([math.log(0.25)] * 3, ["abc"]), 4)
    2.8284
    """
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of strings; got one str (wrap it in [])")
    total = float(np.sum(np.asarray(list(log_probs), dtype=np.float64)))
    if not math.isfinite(total) or total > 0:
        raise ValueError(f"log_probs must be finite natural log-probabilities (<= 0) in all; "
                         f"their sum is {total!r}")
    characters = sum(len(t) for t in texts) + (len(texts) if end_of_text else 0)
    if characters == 0:
        raise ValueError("texts must hold at least one character (or end symbol); got none")
    return math.exp(-total / characters)


def load_pretrained_lm(name: str = PRETRAINED_NAME) -> tuple[keras.Model, Any, dict]:
    """The small language model pretrained by ``benchmarks/pretrain_small_lm.py``.

    Parameters
    ----------
    name : str
        The files' stem under ``seqbook/weights/``: ``<name>.weights.h5`` (the weights),
        ``<name>.json`` (architecture, training record) and ``<name>.tokenizer.json``.

    Returns
    -------
    (model, tokenizer, record) : tuple
        The compiled :func:`causal_lm` with the weights loaded, its
        :class:`~seqbook.data.SubwordTokenizer`, and the training record (settings, data,
        time taken, learning curve) that the script wrote.

    Example
    -------
    >>> lm, tokenizer, record = load_pretrained_lm()  # doctest: +SKIP
    >>> lm.lm_config["vocabulary_size"] == tokenizer.vocabulary_size  # doctest: +SKIP
    True
    """
    return _load_shipped(name, causal_lm, "benchmarks/pretrain_small_lm.py")


def _load_shipped(name: str, builder: Any, script: str) -> tuple[keras.Model, Any, dict]:
    """Build ``builder(**config)`` from ``seqbook/weights/<name>.json`` and load its weights
    and tokenizer (shared by :func:`load_pretrained_lm` and ``load_pretrained_mlm``)."""
    from seqbook.data import SubwordTokenizer

    folder = resources.files("seqbook") / "weights"
    paths = {kind: folder / f"{name}{kind}" for kind in (".weights.h5", ".json",
                                                         ".tokenizer.json")}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ValueError(f"name must name weights shipped under seqbook/weights/ "
                         f"(made by {script}); missing {missing}")
    record = json.loads(paths[".json"].read_text())
    # Files written before the naming pass use the old argument names.
    record["config"] = renamed_keys(record["config"], OLD_CONFIG_NAMES)
    with resources.as_file(paths[".tokenizer.json"]) as path:
        tokenizer = SubwordTokenizer.load(path)
    model = builder(**record["config"])
    with resources.as_file(paths[".weights.h5"]) as path, warnings.catch_warnings():
        # The file keeps the weights, not Adam's state from pretraining: the fresh model's
        # optimizer (built by compile_model) simply starts from zero, as it should.
        warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
        model.load_weights(path)
    return model, tokenizer, record
