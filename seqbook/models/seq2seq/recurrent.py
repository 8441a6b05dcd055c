"""Encoder-decoder (sequence-to-sequence) models and their inference model.

:func:`encoder_decoder` builds the *training* model: an encoder reads the source tokens, its
final state starts a decoder, and the decoder is fed the gold target shifted right by one
step (teacher forcing), so that one forward pass gives the next-token distribution at every
target position::

    {"source": int [batch, S], "target_in": int [batch, T]}
        -> float32 [batch, T, target_vocabulary_size]

Token id 0 is padding in both inputs and is masked: it changes neither the encoder's state,
nor the attention weights, nor the loss. With ``attention`` set, every decoder output also
attends over the encoder outputs, and the context vector is joined to it before the softmax
(Luong et al.'s "attentional hidden state").

:class:`Seq2SeqTranslator` (also :func:`inference_model`) turns a trained model into a
translator that *shares its layers* (no copy, no retraining): it encodes a source once and
then gives next-token log-probabilities for any batch of target prefixes, which is the
interface of :mod:`seqbook.decoding`.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, NamedTuple

import keras
import numpy as np

from seqbook.models._common import compile_model, recurrent_layer, require_positive, require_rate
from seqbook.models.seq2seq.translator import Translator

__all__ = [
    "ATTENTION_TYPES",
    "EncoderState",
    "Seq2SeqTranslator",
    "encoder_decoder",
    "teacher_forcing",
]

ATTENTION_TYPES = (None, "bahdanau", "luong")
_CELLS = ("gru", "lstm")


def _decode_graph(
    layer: Callable[[str], keras.layers.Layer | None],
    target_in: keras.KerasTensor,
    encoder_outputs: keras.KerasTensor,
    states: list[keras.KerasTensor],
    source_mask: keras.KerasTensor | None = None,
) -> tuple[keras.KerasTensor, keras.KerasTensor | None, list[keras.KerasTensor]]:
    """The decoder half, shared by the training model and the inference model.

    ``layer(name)`` returns the layer of that name (or ``None`` when the model has none), so
    the training model, which creates the layers, and the inference model, which takes them
    from a trained model, run exactly the same computation on the same weights. When
    ``source_mask`` is ``None`` the attention layer reads the mask that Keras carries with
    ``encoder_outputs``; the inference model, whose encoder outputs are an input, passes it.
    Returns the probabilities, the attention weights (or ``None``) and the decoder's final
    state(s).
    """
    vectors = layer("target_dropout")(layer("target_embedding")(target_in))
    outputs, *final_states = layer("decoder")(vectors, initial_state=states)
    weights = None
    attention = layer("attention")
    if attention is not None:
        keys = layer("attention_keys")(encoder_outputs)
        query_layer = layer("attention_query")
        query = outputs if query_layer is None else query_layer(outputs)
        kwargs: dict[str, Any] = {"return_attention_scores": True}
        if source_mask is not None:
            kwargs["mask"] = [None, source_mask]
        context, weights = attention([query, encoder_outputs, keys], **kwargs)
        joined = layer("attention_concat")([outputs, context])
        outputs = layer("attentional")(joined)
    probs = layer("output")(layer("output_dropout")(outputs))
    return probs, weights, final_states


def encoder_decoder(
    source_vocabulary_size: int,
    target_vocabulary_size: int,
    embedding_dim: int = 32,
    units: int = 64,
    cell: str = "gru",
    bidirectional: bool = False,
    attention: str | None = None,
    dropout: float = 0.0,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """A recurrent encoder-decoder trained with teacher forcing.

    The encoder (Keras' ``GRU`` or ``LSTM``, optionally ``Bidirectional``) reads the embedded
    source; its final state initialises the decoder, which reads the embedded ``target_in``
    (a start token, then the target shifted right). A bidirectional encoder's forward and
    backward final states are concatenated and mapped to the decoder's size by a dense layer
    per state (``bridge_h``, and ``bridge_c`` for an LSTM's cell state).

    With ``attention``, each decoder output :math:`h_t` scores every encoder output
    :math:`\\bar h_s`, the softmax of the scores over ``s`` weights the encoder outputs into a
    context vector :math:`c_t`, and :math:`\\tilde h_t = \\tanh(W_c [h_t; c_t])` feeds the
    softmax layer. The scores are

    * ``"luong"``: :math:`h_t^\\top W_a \\bar h_s` (Luong et al.'s "general" score), with
      ``keras.layers.Attention`` on keys :math:`W_a \\bar h_s` (layer ``attention_keys``);
    * ``"bahdanau"``: :math:`v^\\top \\tanh(W_q h_t + W_k \\bar h_s)` (the additive score
      of Bahdanau et al.), with ``keras.layers.AdditiveAttention`` on the projections
      ``attention_query`` and ``attention_keys``. Unlike Bahdanau et al., the query is the
      current decoder output and the context joins it after the recurrent layer.

    Layers have stable names: ``source_embedding``, ``encoder``, ``bridge_h``/``bridge_c``
    (bidirectional only), ``target_embedding``, ``decoder``, ``attention_keys``,
    ``attention_query``, ``attention``, ``attention_concat``, ``attentional`` (attention
    only) and ``output``.

    Parameters
    ----------
    source_vocabulary_size, target_vocabulary_size : int
        Number of token ids on each side, padding (0) included.
    embedding_dim : int
        Size of the token embeddings (both sides).
    units : int
        Size of the recurrent states (each direction of a bidirectional encoder).
    cell : {"gru", "lstm"}
        The recurrent layer of the encoder and of the decoder.
    bidirectional : bool
        Read the source in both directions.
    attention : {None, "bahdanau", "luong"}
        Whether and how the decoder attends over the encoder outputs.
    dropout : float
        Dropout rate in [0, 1) on both embeddings and before the softmax layer.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Compiled with sparse categorical cross-entropy that ignores padding targets (id 0)
        and masked accuracy. Inputs ``{"source": int [batch, S], "target_in": int
        [batch, T]}``; output float32 probabilities ``[batch, T, target_vocabulary_size]``.

    Example
    -------
    >>> import numpy as np
    >>> model = encoder_decoder(source_vocabulary_size=12, target_vocabulary_size=9,
    ...                         attention="luong")
    >>> source = np.array([[3, 4, 5, 0]])             # 0 = padding
    >>> target_in = np.array([[1, 6, 7]])             # 1 = start token
    >>> tuple(model({"source": source, "target_in": target_in}).shape)
    (1, 3, 9)
    """
    require_positive(
        source_vocabulary_size=source_vocabulary_size,
        target_vocabulary_size=target_vocabulary_size, embedding_dim=embedding_dim, units=units,
    )
    if cell not in _CELLS:
        raise ValueError(f"cell must be one of {', '.join(_CELLS)}; got {cell!r}")
    if attention not in ATTENTION_TYPES:
        raise ValueError(
            f"attention must be None, 'bahdanau' or 'luong'; got {attention!r}"
        )
    if not isinstance(bidirectional, bool):
        raise ValueError(f"bidirectional must be a bool; got {bidirectional!r}")
    require_rate(dropout=dropout)

    source = keras.Input(shape=(None,), dtype="int32", name="source")
    target_in = keras.Input(shape=(None,), dtype="int32", name="target_in")
    vectors = keras.layers.Embedding(
        source_vocabulary_size, embedding_dim, mask_zero=True, name="source_embedding"
    )(source)
    vectors = keras.layers.Dropout(dropout, name="source_dropout")(vectors)
    if bidirectional:
        reader = keras.layers.Bidirectional(
            recurrent_layer(cell, units, return_sequences=True, return_state=True),
            name="encoder",
        )
        encoder_outputs, *final = reader(vectors)
        half = len(final) // 2  # forward states, then backward states
        kinds = ("h", "c")[:half]
        states = [
            keras.layers.Dense(
                units, activation="tanh" if kind == "h" else None, name=f"bridge_{kind}"
            )(keras.layers.Concatenate(name=f"bridge_{kind}_concat")([fwd, bwd]))
            for kind, fwd, bwd in zip(kinds, final[:half], final[half:])
        ]
    else:
        reader = recurrent_layer(
            cell, units, return_sequences=True, return_state=True, name="encoder"
        )
        encoder_outputs, *states = reader(vectors)

    layers: dict[str, keras.layers.Layer] = {
        "target_embedding": keras.layers.Embedding(
            target_vocabulary_size, embedding_dim, mask_zero=True, name="target_embedding"
        ),
        "target_dropout": keras.layers.Dropout(dropout, name="target_dropout"),
        "decoder": recurrent_layer(
            cell, units, return_sequences=True, return_state=True, name="decoder"
        ),
        "output_dropout": keras.layers.Dropout(dropout, name="output_dropout"),
        "output": keras.layers.Dense(
            target_vocabulary_size, activation="softmax", dtype="float32", name="output"
        ),
    }
    if attention is not None:
        layers["attention_keys"] = keras.layers.Dense(
            units, use_bias=False, name="attention_keys"
        )
        if attention == "bahdanau":
            layers["attention_query"] = keras.layers.Dense(
                units, use_bias=False, name="attention_query"
            )
            layers["attention"] = keras.layers.AdditiveAttention(name="attention")
        else:
            layers["attention"] = keras.layers.Attention(name="attention")
        layers["attention_concat"] = keras.layers.Concatenate(name="attention_concat")
        layers["attentional"] = keras.layers.Dense(
            units, activation="tanh", name="attentional"
        )
    probs, _, _ = _decode_graph(layers.get, target_in, encoder_outputs, states)
    name = f"{'bi' if bidirectional else ''}{cell}_seq2seq" + (
        f"_{attention}" if attention else ""
    )
    model = keras.Model({"source": source, "target_in": target_in}, probs, name=name)
    loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
    metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    return compile_model(model, loss, metrics, learning_rate)


def teacher_forcing(
    targets: Any, start_token: int, end_token: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Split padded target sequences into the decoder's input and its expected output.

    Parameters
    ----------
    targets : array-like of int, shape [batch, T]
        Target token ids, padded with 0 after the end.
    start_token : int
        Put in front of every decoder input.
    end_token : int, optional
        Written after each target's last real token (in the first padding position, or in
        an extra column when a row is full); ``None`` if the targets already end with it.

    Returns
    -------
    target_in, target_out : numpy.ndarray of int32, shape [batch, T'] each
        ``target_in`` is the start token then ``target_out`` shifted right by one, with
        padding wherever ``target_out`` is padding; ``T' = T`` without ``end_token`` and
        ``T + 1`` with it.

    Example
    -------
    >>> target_in, target_out = teacher_forcing([[5, 6, 0], [7, 0, 0]], 1, end_token=2)
    >>> target_in.tolist()
    [[1, 5, 6, 0], [1, 7, 0, 0]]
    >>> target_out.tolist()
    [[5, 6, 2, 0], [7, 2, 0, 0]]
    """
    array = np.asarray(targets)
    if array.ndim != 2 or array.shape[0] == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"targets must be a non-empty 2-D array of integer token ids; got shape "
            f"{array.shape} and dtype {array.dtype}"
        )
    for name, value in (("start_token", start_token), ("end_token", end_token)):
        if value is None and name == "end_token":
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer token id; got {value!r}")
    out = array.astype(np.int32)
    if end_token is not None:
        lengths = (out != 0).sum(axis=1)
        out = np.pad(out, ((0, 0), (0, 1)))
        out[np.arange(out.shape[0]), lengths] = end_token
    target_in = np.zeros_like(out)
    target_in[:, 0] = start_token
    target_in[:, 1:] = out[:, :-1]
    target_in[out == 0] = 0  # no input where there is nothing to predict
    return target_in, out


class EncoderState(NamedTuple):
    """What the encoder hands the decoder: :meth:`Seq2SeqTranslator.encode`'s result."""

    outputs: np.ndarray
    """Encoder outputs, ``[batch, S, features]`` (what attention reads)."""
    states: list[np.ndarray]
    """The decoder's initial state(s), ``[batch, units]`` each: the context vector."""
    mask: np.ndarray
    """``source != 0``, ``[batch, S]``."""


class Seq2SeqTranslator(Translator):
    """The inference model of a trained :func:`encoder_decoder` model, sharing its layers.

    Training feeds the decoder the gold prefix; at inference the prefix is the decoder's own
    output so far. :meth:`log_prob_fn` gives next-token log-probabilities for any batch of
    prefixes, which is exactly what :func:`seqbook.decoding.greedy`,
    :func:`~seqbook.decoding.beam_search` and :func:`~seqbook.decoding.sample` consume.

    The encoder runs once per source batch. For the decoder there are two paths to the same
    numbers. The simple one re-runs the decoder over the *whole* prefix (quadratic in the
    target length, and obviously identical to the training model). The fast one remembers
    the decoder state reached after each prefix of the previous call; when every prefix of
    a call extends a remembered one by one token, as in greedy decoding, sampling and beam
    search (which reorders and tiles prefixes between calls, hence a memory keyed by the
    prefix itself, not by its row), it runs a single decoder step from those states. Any
    other call takes the simple path.

    :meth:`~seqbook.models.seq2seq.translator.Translator.log_prob_fn` and
    :meth:`~seqbook.models.seq2seq.translator.Translator.translate` come from
    :class:`~seqbook.models.seq2seq.translator.Translator`, shared with the Transformer's
    translator.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`encoder_decoder` (trained or not, or loaded from a ``.keras``
        file).

    Example
    -------
    >>> import numpy as np
    >>> from seqbook.decoding import greedy
    >>> model = encoder_decoder(source_vocabulary_size=12, target_vocabulary_size=9)
    >>> translator = Seq2SeqTranslator(model)
    >>> source = np.array([[3, 4, 5], [6, 7, 0]])
    >>> greedy(translator.log_prob_fn(source), [1, 1], end_token=2, max_length=4).shape
    (2, 5)
    >>> translator.translate(source, start_token=1, end_token=2, max_length=4).shape
    (2, 5)
    """

    def __init__(self, model: keras.Model) -> None:
        names = {layer.name for layer in getattr(model, "layers", [])}
        missing = {"source_embedding", "encoder", "decoder", "output"} - names
        if not isinstance(model, keras.Model) or missing:
            raise ValueError(
                "model must be a keras.Model built by seqbook.models.encoder_decoder; "
                f"got {type(model).__name__} without layers {sorted(missing)}"
            )
        self.model = model
        self.source_vocabulary_size = int(model.get_layer("source_embedding").input_dim)
        self.target_vocabulary_size = int(model.get_layer("target_embedding").input_dim)
        self.has_attention = "attention" in names
        inputs = model.input
        source, target_in = inputs["source"], inputs["target_in"]
        # The encoder half of the trained graph: its outputs and the decoder's initial
        # states (the encoder's final states, or the bridge layers' outputs).
        encoder_outputs, *states = model.get_layer("encoder").output
        if "bridge_h" in names:
            states = [model.get_layer(f"bridge_{kind}").output
                      for kind in ("h", "c") if f"bridge_{kind}" in names]
        self._encoder = keras.Model(source, [encoder_outputs, *states], name="encoder_model")
        # The decoder, on the encoder's results given as inputs.
        memory = keras.Input(shape=(None, encoder_outputs.shape[-1]), name="encoder_outputs")
        mask = keras.Input(shape=(None,), dtype="bool", name="source_mask")
        state_inputs = [
            keras.Input(shape=(s.shape[-1],), name=f"state_{i}") for i, s in enumerate(states)
        ]
        prefixes = keras.Input(shape=(None,), dtype="int32", name="prefixes")
        probs, _, final = _decode_graph(
            lambda n: model.get_layer(n) if n in names else None,
            prefixes, memory, state_inputs, source_mask=mask,
        )
        # Fed a whole prefix, this is the simple path; fed the last token and the state
        # reached before it, it is one step of the fast path.
        self._decoder = keras.Model(
            [prefixes, memory, mask, *state_inputs], [probs, *final], name="decoder_model"
        )
        if self.has_attention:
            weights = model.get_layer("attention").output[1]
            self._weights = keras.Model({"source": source, "target_in": target_in}, weights)

    def encode(self, source: Any) -> EncoderState:
        """Run the encoder once: its outputs, the decoder's initial state(s), the mask.

        Parameters
        ----------
        source : array-like of int, shape [batch, S]
            Source token ids, 0 = padding.

        Returns
        -------
        EncoderState
            ``outputs [batch, S, features]``, ``states`` (one ``[batch, units]`` array for a
            GRU, two for an LSTM: the context vector that starts the decoder) and ``mask``.
        """
        source = self._check_source(source)
        outputs, *states = self._infer(self._encoder, source)
        return EncoderState(outputs, list(states), source != 0)

    def _next_log_probs(
        self, encoded: EncoderState, prefixes: Any, memory: dict[tuple[int, bytes], tuple]
    ) -> np.ndarray:
        batch = encoded.outputs.shape[0]
        prefixes = self._check_prefixes(prefixes, batch)
        rows = prefixes.shape[0]
        repeat = rows // batch  # beam search keeps each row's hypotheses together

        def tile(array: np.ndarray) -> np.ndarray:
            return np.repeat(array, repeat, axis=0) if repeat > 1 else array

        owner = np.arange(rows) // repeat
        keys = [(int(o), p.tobytes()) for o, p in zip(owner, prefixes)]
        if prefixes.shape[1] == 1:  # the step from the encoder's state
            states, tokens = [tile(s) for s in encoded.states], prefixes
        else:
            parents = [(int(o), p[:-1].tobytes()) for o, p in zip(owner, prefixes)]
            if all(key in memory for key in parents):
                states = [np.stack(rows_) for rows_ in zip(*(memory[k] for k in parents))]
                tokens = prefixes[:, -1:]
            else:  # the simple path
                states, tokens = [tile(s) for s in encoded.states], prefixes
        probs, *final = self._infer(
            self._decoder, [tokens, tile(encoded.outputs), tile(encoded.mask), *states]
        )
        memory.clear()  # the next call extends this one's prefixes
        memory.update((key, tuple(f[i] for f in final)) for i, key in enumerate(keys))
        return self._log_probs(probs[:, -1])

    def attention_weights(self, source: Any, target_in: Any) -> np.ndarray:
        """The attention weights of the teacher-forced pass, ``[batch, T, S]``.

        Row ``t`` is the distribution over source positions that the decoder used at target
        step ``t``; padded source positions get weight 0.

        Parameters
        ----------
        source : array-like of int, shape [batch, S]
        target_in : array-like of int, shape [batch, T]
            Start token, then the target (or a decoded output) shifted right.

        Raises
        ------
        ValueError
            If the model was built with ``attention=None``.
        """
        if not self.has_attention:
            raise ValueError(
                "attention_weights needs a model built with attention='bahdanau' or "
                "'luong'; this model has attention=None"
            )
        source = self._check_source(source)
        target = np.asarray(target_in)
        if target.ndim != 2 or target.shape[0] != source.shape[0] or target.shape[1] == 0:
            raise ValueError(
                f"target_in must be a 2-D batch of token ids with {source.shape[0]} rows; "
                f"got shape {target.shape}"
            )
        weights = self._weights({"source": source, "target_in": target.astype(np.int32)})
        return keras.ops.convert_to_numpy(weights).astype(np.float32)
