"""An encoder-decoder Transformer for sequence-to-sequence tasks, and its translator.

:func:`transformer_seq2seq` is a drop-in replacement for
:func:`seqbook.models.encoder_decoder`: the same inputs, output, loss and metric::

    {"source": int [batch, S], "target_in": int [batch, T]}
        -> float32 [batch, T, target_vocabulary_size]

so the same data preparation (:func:`~seqbook.models.seq2seq.teacher_forcing`), the same
``fit`` call and the same decoding serve both. Inside, it is the model of Vaswani et al.
(2017) built from the hand-written layers of :mod:`seqbook.layers.transformer`:

* each side embeds its tokens, scales them by :math:`\\sqrt{d}` (``hidden_dim``), adds position
  information (fixed sinusoids or a learned table) and applies dropout;
* the encoder is a stack of :class:`~seqbook.layers.transformer.TransformerEncoderBlock`
  (self-attention over the real source tokens, then a feed-forward network);
* the decoder is a stack of :class:`~seqbook.layers.transformer.TransformerDecoderBlock`
  with cross-attention: causal self-attention over the target prefix, attention over the
  encoder's outputs, a feed-forward network;
* a softmax layer (float32, for mixed precision) gives the next-token probabilities.

Padding (id 0) reaches every block as an explicit mask computed from the token ids
(:class:`PaddingMask`), so that each sees exactly the masks it needs: source padding is
never attended to (neither by the encoder nor by cross-attention), and target padding is
never attended to by the decoder. The target embedding also starts a Keras mask, which
rides along to the output so that the loss and the accuracy skip padded positions.

:class:`TransformerTranslator` (also :func:`inference_model`) wraps a trained model for
decoding with :mod:`seqbook.decoding`, with the interface of
:class:`~seqbook.models.seq2seq.Seq2SeqTranslator`.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import keras
import numpy as np
from keras import ops

from seqbook.layers.transformer import (
    PositionEmbedding,
    SinusoidalPositionEncoding,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
)
from seqbook.layers._config import renamed_keys
from seqbook.models._common import compile_model, require_positive, require_rate
from seqbook.models.seq2seq.recurrent import Seq2SeqTranslator
from seqbook.models.seq2seq.translator import Translator

__all__ = [
    "POSITION_TYPES",
    "PaddingMask",
    "ScaledEmbedding",
    "TransformerEncoded",
    "TransformerTranslator",
    "transformer_seq2seq",
]

POSITION_TYPES = ("sinusoidal", "learned")


@keras.saving.register_keras_serializable(package="seqbook")
class PaddingMask(keras.layers.Layer):
    """Token ids ``[batch, T]`` -> ``[batch, T]`` bool, True where the token is not padding (0).

    Example
    -------
    >>> import numpy as np
    >>> np.asarray(PaddingMask()(np.array([[4, 5, 0]]))).tolist()
    [[True, True, False]]
    """

    def call(self, tokens: Any) -> Any:
        return ops.not_equal(tokens, 0)

    def compute_output_spec(self, tokens: Any) -> keras.KerasTensor:
        return keras.KerasTensor(tokens.shape, dtype="bool")


@keras.saving.register_keras_serializable(package="seqbook")
class ScaledEmbedding(keras.layers.Embedding):
    """An embedding table whose vectors are multiplied by ``sqrt(output_dim)``.

    Vaswani et al. scale the embeddings so that they are not drowned by the position
    encodings added next (whose entries are of size about 1, while an initial embedding's
    are about 0.05). The layer also knows the longest sequence the model accepts, and
    rejects a longer input whenever its length is known (eager calls, and ``fit`` on NumPy
    arrays, whose shapes are fixed when the step is traced).

    Parameters
    ----------
    input_dim, output_dim : int
        Vocabulary size and embedding width, as in ``keras.layers.Embedding``.
    max_sequence_length : int, optional
        The longest input sequence; ``None`` for no limit.
    **kwargs
        Passed to ``keras.layers.Embedding``.

    Example
    -------
    >>> import numpy as np
    >>> layer = ScaledEmbedding(10, 4, max_sequence_length=8, embeddings_initializer="ones")
    >>> np.asarray(layer(np.array([[3, 0]])))[0, 0].tolist()  # 1 * sqrt(4)
    [2.0, 2.0, 2.0, 2.0]
    """

    def __init__(self, input_dim: int, output_dim: int, max_sequence_length: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(input_dim, output_dim, **kwargs)
        if max_sequence_length is not None:
            require_positive(max_sequence_length=max_sequence_length)
        self.max_sequence_length = max_sequence_length

    def call(self, inputs: Any) -> Any:
        length = inputs.shape[1] if len(inputs.shape) > 1 else None
        if (
            self.max_sequence_length is not None
            and isinstance(length, int)
            and length > self.max_sequence_length
        ):
            raise ValueError(
                f"{self.name}: sequences must have at most "
                f"max_sequence_length={self.max_sequence_length} positions; got {length}"
            )
        vectors = super().call(inputs)
        return vectors * ops.cast(float(self.output_dim) ** 0.5, vectors.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "max_sequence_length": self.max_sequence_length}

    @classmethod
    def from_config(cls, config: dict) -> "ScaledEmbedding":
        """Rebuild from a config; reads files saved before the rename (``max_length``)."""
        return super().from_config(renamed_keys(config, {"max_length": "max_sequence_length"}))


def _positions(kind: str, max_sequence_length: int, name: str) -> keras.layers.Layer:
    if kind == "learned":
        return PositionEmbedding(max_sequence_length, name=name)
    return SinusoidalPositionEncoding(name=name)


def _decoder_graph(
    layer: Callable[[str], keras.layers.Layer],
    target_in: Any,
    memory: Any,
    source_mask: Any,
    num_decoder_layers: int,
    norm_first: bool,
) -> Any:
    """The decoder half, shared by the training model and the translator's decoder model.

    ``layer(name)`` returns the layer of that name: the builder creates them, the translator
    takes them from the trained model, so both compute the same function with the same
    weights.
    """
    target_mask = layer("target_mask")(target_in)
    x = layer("target_embedding")(target_in)
    x = layer("target_dropout")(layer("target_positions")(x))
    for i in range(num_decoder_layers):
        x = layer(f"decoder_{i}")(x, memory, inputs_mask=target_mask, context_mask=source_mask)
    if norm_first:  # pre-norm blocks leave their output un-normalised
        x = layer("decoder_norm")(x)
    return layer("output")(x)


def transformer_seq2seq(
    source_vocabulary_size: int,
    target_vocabulary_size: int,
    hidden_dim: int = 64,
    num_heads: int = 4,
    intermediate_dim: int = 128,
    num_encoder_layers: int = 2,
    num_decoder_layers: int = 2,
    dropout: float = 0.1,
    norm_first: bool = True,
    max_sequence_length: int = 64,
    positions: str = "sinusoidal",
    learning_rate: float = 1e-3,
) -> keras.Model:
    """An encoder-decoder Transformer trained with teacher forcing.

    The encoder reads the source tokens; the decoder reads ``target_in`` (the start token,
    then the target shifted right) and, at every position, attends causally to the target
    prefix and fully to the encoder's outputs. With ``norm_first`` (pre-norm), every
    sub-layer computes ``x + f(norm(x))`` and each stack ends with a layer norm; this trains
    without a learning-rate warm-up (Xiong et al., 2020). Post-norm
    (``norm_first=False``), ``norm(x + f(x))``, is the original Transformer's.

    Layers have stable names, which :class:`TransformerTranslator` uses:
    ``source_mask``/``target_mask`` (:class:`PaddingMask`),
    ``source_embedding``/``target_embedding`` (:class:`ScaledEmbedding`),
    ``source_positions``/``target_positions``, ``source_dropout``/``target_dropout``,
    ``encoder_0``, ``encoder_1``, ..., ``encoder_norm`` (pre-norm only), ``decoder_0``,
    ``decoder_1``, ..., ``decoder_norm`` (pre-norm only) and ``output``.

    Parameters
    ----------
    source_vocabulary_size, target_vocabulary_size : int
        Number of token ids on each side, padding (0) included.
    hidden_dim : int
        Model width :math:`d`: embeddings, attention outputs and block outputs. Each of the
        ``num_heads`` heads works in ``hidden_dim // num_heads`` dimensions, so ``hidden_dim``
        must be divisible by ``num_heads`` (and even, for sinusoidal positions).
    num_heads : int
        Attention heads in every attention sub-layer.
    intermediate_dim : int
        Hidden width of every block's feed-forward network.
    num_encoder_layers, num_decoder_layers : int
        Number of encoder and decoder blocks.
    dropout : float
        Dropout rate in [0, 1): after the embeddings, on the attention weights and after
        every sub-layer.
    norm_first : bool
        Pre-norm (True) or post-norm (False) blocks.
    max_sequence_length : int
        The longest source or target sequence: the size of a learned position table, and a
        limit checked on inputs of known length for both kinds of positions (sinusoids
        themselves have no limit).
    positions : {"sinusoidal", "learned"}
        Fixed sinusoidal encodings or a learned embedding per position.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy that ignores padding targets (id 0)
        and masked accuracy, as :func:`~seqbook.models.encoder_decoder`. Inputs
        ``{"source": int [batch, S], "target_in": int [batch, T]}``; output float32
        probabilities ``[batch, T, target_vocabulary_size]``.

    Example
    -------
    >>> import numpy as np
    >>> model = transformer_seq2seq(source_vocabulary_size=12, target_vocabulary_size=9,
    ...                             hidden_dim=16, num_heads=2, intermediate_dim=32)
    >>> source = np.array([[3, 4, 5, 0]])             # 0 = padding
    >>> target_in = np.array([[1, 6, 7]])             # 1 = start token
    >>> tuple(model({"source": source, "target_in": target_in}).shape)
    (1, 3, 9)
    """
    require_positive(
        source_vocabulary_size=source_vocabulary_size,
        target_vocabulary_size=target_vocabulary_size, hidden_dim=hidden_dim, num_heads=num_heads,
        intermediate_dim=intermediate_dim, num_encoder_layers=num_encoder_layers,
        num_decoder_layers=num_decoder_layers, max_sequence_length=max_sequence_length,
    )
    if hidden_dim % num_heads:
        raise ValueError(
            f"hidden_dim must be divisible by num_heads (each head gets hidden_dim // num_heads "
            f"dimensions); got hidden_dim={hidden_dim}, num_heads={num_heads}"
        )
    if positions not in POSITION_TYPES:
        raise ValueError(f"positions must be 'sinusoidal' or 'learned'; got {positions!r}")
    if positions == "sinusoidal" and hidden_dim % 2:
        raise ValueError(f"hidden_dim must be even for sinusoidal positions (sine-cosine pairs); "
                         f"got {hidden_dim}")
    if not isinstance(norm_first, bool):
        raise ValueError(f"norm_first must be a bool; got {norm_first!r}")
    require_rate(dropout=dropout)

    key_dim = hidden_dim // num_heads
    source = keras.Input(shape=(None,), dtype="int32", name="source")
    target_in = keras.Input(shape=(None,), dtype="int32", name="target_in")

    source_mask = PaddingMask(name="source_mask")(source)
    x = ScaledEmbedding(source_vocabulary_size, hidden_dim, max_sequence_length,
                        name="source_embedding")(source)
    x = _positions(positions, max_sequence_length, "source_positions")(x)
    x = keras.layers.Dropout(dropout, name="source_dropout")(x)
    for i in range(num_encoder_layers):
        x = TransformerEncoderBlock(num_heads, key_dim, intermediate_dim, dropout=dropout,
                                    norm_first=norm_first, name=f"encoder_{i}")(x, mask=source_mask)
    if norm_first:
        x = keras.layers.LayerNormalization(epsilon=1e-6, name="encoder_norm")(x)

    layers = {
        "target_mask": PaddingMask(name="target_mask"),
        # mask_zero: the Keras mask of target_in rides along to the output, where the loss
        # and the accuracy metric skip padded positions (the blocks get explicit masks).
        "target_embedding": ScaledEmbedding(target_vocabulary_size, hidden_dim,
                                            max_sequence_length, mask_zero=True,
                                            name="target_embedding"),
        "target_positions": _positions(positions, max_sequence_length, "target_positions"),
        "target_dropout": keras.layers.Dropout(dropout, name="target_dropout"),
        "decoder_norm": keras.layers.LayerNormalization(epsilon=1e-6, name="decoder_norm"),
        # float32 output: softmax and loss stay exact under a mixed precision policy.
        "output": keras.layers.Dense(target_vocabulary_size, activation="softmax", dtype="float32",
                                     name="output"),
    }
    for i in range(num_decoder_layers):
        layers[f"decoder_{i}"] = TransformerDecoderBlock(
            num_heads, key_dim, intermediate_dim, dropout=dropout, norm_first=norm_first,
            cross_attention=True, name=f"decoder_{i}")
    probs = _decoder_graph(layers.__getitem__, target_in, x, source_mask, num_decoder_layers,
                           norm_first)
    model = keras.Model({"source": source, "target_in": target_in}, probs,
                        name="transformer_seq2seq")
    return compile_model(
        model,
        loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        learning_rate=learning_rate,
    )


class TransformerEncoded(NamedTuple):
    """What the encoder hands the decoder: :meth:`TransformerTranslator.encode`'s result."""

    outputs: np.ndarray
    """Encoder outputs ``[batch, S, hidden_dim]``: what cross-attention reads."""
    mask: np.ndarray
    """``source != 0``, ``[batch, S]``."""


def _count_blocks(names: set[str], prefix: str) -> int:
    count = 0
    while f"{prefix}_{count}" in names:
        count += 1
    return count


class TransformerTranslator(Translator):
    """The inference model of a trained :func:`transformer_seq2seq` model, sharing its layers.

    The same interface as :class:`~seqbook.models.seq2seq.Seq2SeqTranslator`: the encoder
    runs once per source batch (:meth:`encode`), and :meth:`log_prob_fn` gives
    next-token log-probabilities for any batch of target prefixes, which is what
    :func:`seqbook.decoding.greedy`, :func:`~seqbook.decoding.beam_search` and
    :func:`~seqbook.decoding.sample` consume.

    At every call the decoder re-reads the *whole* prefix. That costs :math:`O(T^2)` over a
    decoded sequence of length :math:`T`, which is negligible at the lengths of the book's
    tasks (25 tokens or fewer), and it is the training model's own computation, so its
    probabilities are exactly the teacher-forced ones.

    :meth:`~seqbook.models.seq2seq.translator.Translator.log_prob_fn` and
    :meth:`~seqbook.models.seq2seq.translator.Translator.translate` come from
    :class:`~seqbook.models.seq2seq.translator.Translator`, shared with the recurrent translator.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`transformer_seq2seq` (trained or not, or loaded from a
        ``.keras`` file).

    Example
    -------
    >>> import numpy as np
    >>> from seqbook.decoding import greedy
    >>> model = transformer_seq2seq(12, 9, hidden_dim=16, num_heads=2, intermediate_dim=32)
    >>> translator = TransformerTranslator(model)
    >>> source = np.array([[3, 4, 5], [6, 7, 0]])
    >>> greedy(translator.log_prob_fn(source), [1, 1], end_token=2, max_length=4).shape
    (2, 5)
    >>> translator.translate(source, start_token=1, end_token=2, max_length=4).shape
    (2, 5)
    """

    def __init__(self, model: keras.Model) -> None:
        layers = {layer.name: layer for layer in getattr(model, "layers", [])}
        required = {"source_embedding", "target_embedding", "source_mask", "target_mask",
                    "output", "encoder_0", "decoder_0"}
        missing = required - set(layers)
        if (not isinstance(model, keras.Model) or missing
                or not isinstance(layers["decoder_0"], TransformerDecoderBlock)):
            raise ValueError(
                "model must be a keras.Model built by seqbook.models.transformer_seq2seq; "
                f"got {type(model).__name__} without layers {sorted(missing)}"
            )
        self.model = model
        self.source_vocabulary_size = int(layers["source_embedding"].input_dim)
        self.target_vocabulary_size = int(layers["target_embedding"].input_dim)
        self.max_sequence_length = layers["source_embedding"].max_sequence_length
        self.norm_first = "encoder_norm" in layers
        self.num_decoder_layers = _count_blocks(set(layers), "decoder")
        # The encoder half of the trained graph, from its source input to its last layer.
        last = "encoder_norm" if self.norm_first else (
            f"encoder_{_count_blocks(set(layers), 'encoder') - 1}")
        memory = layers[last].output
        self._encoder = keras.Model(model.input["source"], memory, name="encoder_model")
        # The decoder, on the encoder's results given as inputs.
        memory_in = keras.Input(shape=(None, memory.shape[-1]), dtype=memory.dtype,
                                name="encoder_outputs")
        mask_in = keras.Input(shape=(None,), dtype="bool", name="source_mask")
        prefixes = keras.Input(shape=(None,), dtype="int32", name="prefixes")
        probs = _decoder_graph(layers.__getitem__, prefixes, memory_in, mask_in,
                               self.num_decoder_layers, self.norm_first)
        self._decoder = keras.Model([prefixes, memory_in, mask_in], probs, name="decoder_model")
        self._layers = layers

    def encode(self, source: Any) -> TransformerEncoded:
        """Run the encoder once: its outputs and the source padding mask.

        Parameters
        ----------
        source : array-like of int, shape [batch, S]
            Source token ids, 0 = padding.

        Returns
        -------
        TransformerEncoded
            ``outputs [batch, S, hidden_dim]`` and ``mask [batch, S]``.

        Example
        -------
        >>> model = transformer_seq2seq(12, 9, hidden_dim=16, num_heads=2, intermediate_dim=32)
        >>> encoded = TransformerTranslator(model).encode([[3, 4, 0]])
        >>> encoded.outputs.shape, encoded.mask.tolist()
        ((1, 3, 16), [[True, True, False]])
        """
        source = self._check_source(source)
        return TransformerEncoded(self._infer(self._encoder, source), source != 0)

    def _next_log_probs(self, encoded: TransformerEncoded, prefixes: Any,
                        memory: dict) -> np.ndarray:
        # The whole prefix each call: nothing carried in ``memory``.
        batch = encoded.outputs.shape[0]
        prefixes = self._check_prefixes(prefixes, batch)
        repeat = prefixes.shape[0] // batch  # beam search keeps each row's hypotheses together
        outputs, mask = encoded.outputs, encoded.mask
        if repeat > 1:
            outputs, mask = np.repeat(outputs, repeat, axis=0), np.repeat(mask, repeat, axis=0)
        steps = prefixes.shape[1]
        if keras.backend.backend() == "jax":
            # JAX compiles one decoder pass per prefix length: pad the prefix to the next
            # power of two, so that a decode of n steps compiles about log2(n) passes. The
            # decoder is causal, so the padding after the prefix cannot change position
            # steps - 1, the one read.
            width = 1 << (steps - 1).bit_length()
            if self.max_sequence_length is not None:
                width = min(width, self.max_sequence_length)
            prefixes = np.pad(prefixes, ((0, 0), (0, width - steps)))
        probs = self._infer(self._decoder, [prefixes, outputs, mask])
        return self._log_probs(probs[:, steps - 1])

    def cross_attention_weights(self, source: Any, target_in: Any) -> np.ndarray:
        """The last decoder block's cross-attention weights, ``[batch, heads, T, S]``.

        Row ``[b, h, t]`` is the distribution over source positions that head ``h`` used at
        target position ``t`` (a teacher-forced pass over ``target_in``); padded source
        positions get weight 0, and padded target positions get no weight at all.

        Parameters
        ----------
        source : array-like of int, shape [batch, S]
        target_in : array-like of int, shape [batch, T]
            Start token, then the target (or a decoded output) shifted right.

        Returns
        -------
        numpy.ndarray of float32, shape [batch, heads, T, S]

        Example
        -------
        >>> import numpy as np
        >>> model = transformer_seq2seq(12, 9, hidden_dim=16, num_heads=2, intermediate_dim=32)
        >>> w = TransformerTranslator(model).cross_attention_weights([[3, 4, 0]], [[1, 5]])
        >>> w.shape, np.round(w.sum(-1), 5).tolist(), float(w[..., 2].max())
        ((1, 2, 2, 3), [[[1.0, 1.0], [1.0, 1.0]]], 0.0)
        """
        source = self._check_source(source)
        target = np.asarray(target_in)
        if (target.ndim != 2 or target.shape[0] != source.shape[0] or target.shape[1] == 0
                or not np.issubdtype(target.dtype, np.integer) or (target < 0).any()
                or (target >= self.target_vocabulary_size).any()):
            raise ValueError(
                f"target_in must be a 2-D batch of token ids in [0, {self.target_vocabulary_size}) "
                f"with {source.shape[0]} rows; got shape {target.shape}"
            )
        target = target.astype(np.int32)
        memory = self._encoder(source, training=False)
        source_mask, target_mask = ops.convert_to_tensor(source != 0), \
            ops.convert_to_tensor(target != 0)
        layer = self._layers
        x = layer["target_positions"](layer["target_embedding"](target))
        for i in range(self.num_decoder_layers - 1):
            x = layer[f"decoder_{i}"](x, memory, inputs_mask=target_mask,
                                      context_mask=source_mask, training=False)
        _, weights = _cross_attention(layer[f"decoder_{self.num_decoder_layers - 1}"], x, memory,
                                      target_mask, source_mask)
        return keras.ops.convert_to_numpy(weights).astype(np.float32)


def _cross_attention(block: TransformerDecoderBlock, x: Any, context: Any, inputs_mask: Any,
                     context_mask: Any) -> tuple[Any, Any]:
    """Run ``block``'s self-attention sub-layer on ``x``, then its cross-attention, at inference.

    Returns the cross-attention sub-layer's input (the residual stream after
    self-attention) and its weights ``[batch, heads, T, S]``. The block itself does not
    return its weights, so this repeats its first two steps with its own sub-layers (no
    dropout: inference only).
    """
    def attend(h: Any) -> Any:
        return block.attention(h, h, query_mask=inputs_mask, value_mask=inputs_mask,
                               use_causal_mask=True, training=False)

    if block.norm_first:
        stream = x + attend(block.attention_norm(x))
        query = block.cross_norm(stream)
    else:
        stream = block.attention_norm(x + attend(x))
        query = stream
    _, weights = block.cross(query, context, query_mask=inputs_mask, value_mask=context_mask,
                             return_attention_scores=True, training=False)
    return stream, weights
