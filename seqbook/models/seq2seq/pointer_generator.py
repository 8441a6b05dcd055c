"""The pointer-generator: an attention encoder-decoder that can copy source tokens.

:func:`pointer_generator_seq2seq` is :func:`~seqbook.models.encoder_decoder` with attention
whose softmax output layer is replaced by the copy layer
:class:`~seqbook.layers.PointerGenerator` (See et al. 2017): the next-token distribution
mixes the decoder's softmax with the attention weights scattered onto the source tokens.
Source and target share one vocabulary. The training model has the encoder-decoder's
inputs and output::

    {"source": int [batch, S], "target_in": int [batch, T]}
        -> float32 [batch, T, vocabulary_size]   (probabilities)

:class:`PointerGeneratorTranslator` (also :func:`~seqbook.models.inference_model`) decodes
it with :mod:`seqbook.decoding` like the other translators, and says how much of each
output token came from copying (:meth:`PointerGeneratorTranslator.copy_probability`).
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np

from seqbook.layers.copy import PointerGenerator
from seqbook.models._common import compile_model, require_positive
from seqbook.models.seq2seq.recurrent import (
    EncoderState,
    Seq2SeqTranslator,
    _decode_graph,
    encoder_decoder,
)

__all__ = ["PointerGeneratorTranslator", "pointer_generator_seq2seq"]


def pointer_generator_seq2seq(
    vocabulary_size: int,
    embedding_dim: int = 64,
    units: int = 128,
    max_sequence_length: int | None = None,
    cell: str = "gru",
    bidirectional: bool = True,
    attention: str = "bahdanau",
    dropout: float = 0.0,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """An attention encoder-decoder whose output can copy source tokens (See et al. 2017).

    The encoder, the decoder and the attention are those of
    :func:`~seqbook.models.encoder_decoder` (same layers, same names; See et al. use a
    bidirectional encoder and additive attention, the defaults here). Its last layer,
    ``output``, gives vocabulary *logits* :math:`z_t`, and the copy layer ``copy``
    (:class:`~seqbook.layers.PointerGenerator`) turns them into

    .. math::

        P(w) = p_\\text{gen} \\, \\text{softmax}(z_t)_w
               + (1 - p_\\text{gen}) \\sum_{s:\\, w_s = w} a_{t,s},
        \\qquad p_\\text{gen} = \\sigma(w^\\top [h^*_t; s_t; x_t] + b)

    with the attention weights :math:`a_t`, the context :math:`h^*_t`, the decoder output
    :math:`s_t` and the decoder's input embedding :math:`x_t`. Source and target share one
    vocabulary (train the subword tokenizer on both sides), so any source token can be
    copied. See et al.'s coverage loss is left out.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids, padding (0) included, on both sides.
    embedding_dim : int
        Size of the token embeddings (one table per side).
    units : int
        Size of the recurrent states (each direction of a bidirectional encoder).
    max_sequence_length : int, optional
        The longest source the model accepts (and the most tokens its translator
        generates); ``None`` for no limit.
    cell : {"gru", "lstm"}
    bidirectional : bool
    attention : {"bahdanau", "luong"}
        The attention score (see :func:`~seqbook.models.encoder_decoder`).
    dropout : float
        Dropout rate in [0, 1) on both embeddings and before the output layer.
    learning_rate : float
        Adam's step size.

    Returns
    -------
    keras.Model
        Inputs ``{"source": int [batch, S], "target_in": int [batch, T]}``, output float32
        probabilities ``[batch, T, vocabulary_size]``; compiled with sparse categorical
        cross-entropy on the probabilities (Keras clips them away from 0 before the log)
        that ignores padding targets (id 0), and masked accuracy.

    Example
    -------
    >>> import numpy as np
    >>> model = pointer_generator_seq2seq(vocabulary_size=12, embedding_dim=4, units=8)
    >>> source = np.array([[3, 4, 5, 0]])             # 0 = padding
    >>> target_in = np.array([[1, 6, 7]])             # 1 = start token
    >>> probs = np.asarray(model({"source": source, "target_in": target_in}))
    >>> probs.shape, bool(np.allclose(probs.sum(-1), 1.0, atol=1e-5))
    ((1, 3, 12), True)
    """
    require_positive(vocabulary_size=vocabulary_size)
    if attention not in ("bahdanau", "luong"):
        raise ValueError(
            f"attention must be 'bahdanau' or 'luong' (copying reads the attention weights); "
            f"got {attention!r}"
        )
    copy = PointerGenerator(max_sequence_length, dtype="float32", name="copy")
    # The encoder-decoder with attention; its graph is reused up to the layer before its
    # softmax, and the new output layers are attached there (the softmax layer is dropped).
    base = encoder_decoder(vocabulary_size, vocabulary_size, embedding_dim=embedding_dim,
                           units=units, cell=cell, bidirectional=bidirectional,
                           attention=attention, dropout=dropout, learning_rate=learning_rate)
    decoder_output, context = base.get_layer("attention_concat").input
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="output")(
        base.get_layer("output_dropout").output
    )
    probs, _ = copy(
        logits, base.get_layer("attention").output[1], base.input["source"], context,
        decoder_output, base.get_layer("target_dropout").output,
    )
    name = f"{'bi' if bidirectional else ''}{cell}_pointer_generator_{attention}"
    model = keras.Model(base.input, probs, name=name)
    loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
    metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    return compile_model(model, loss, metrics, learning_rate)


class PointerGeneratorTranslator(Seq2SeqTranslator):
    """The inference model of a trained :func:`pointer_generator_seq2seq` model.

    Decodes like :class:`~seqbook.models.seq2seq.Seq2SeqTranslator` (the encoder runs once;
    each decoding step runs one decoder step from the remembered state), with the copy
    layer after the decoder. The source token ids ride along with the decoder state, as its
    last entry, so that every hypothesis of a beam copies from its own source.

    :meth:`copy_probability` gives :math:`1 - p_\\text{gen}` at every step of a
    teacher-forced pass: how much of the output's probability came from copying.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`pointer_generator_seq2seq` (trained or not, or loaded from a
        ``.keras`` file).

    Example
    -------
    >>> import numpy as np
    >>> model = pointer_generator_seq2seq(vocabulary_size=12, embedding_dim=4, units=8)
    >>> translator = PointerGeneratorTranslator(model)
    >>> source = np.array([[3, 4, 5], [6, 7, 0]])
    >>> translator.translate(source, start_token=1, end_token=2, max_length=4).shape
    (2, 5)
    >>> translator.copy_probability(source, [[1, 3], [1, 6]]).shape
    (2, 2)
    """

    def __init__(self, model: keras.Model) -> None:
        # Seq2SeqTranslator.__init__ is not called: its decoder ends in a softmax layer,
        # this one in the copy layer.
        layers = {layer.name: layer for layer in getattr(model, "layers", [])}
        missing = {"source_embedding", "encoder", "decoder", "attention", "output",
                   "copy"} - set(layers)
        if not isinstance(model, keras.Model) or missing \
                or not isinstance(layers["copy"], PointerGenerator):
            raise ValueError(
                "model must be a keras.Model built by seqbook.models.pointer_generator_seq2seq; "
                f"got {type(model).__name__} without layers {sorted(missing)}"
            )
        self.model = model
        self.source_vocabulary_size = self.target_vocabulary_size = int(
            layers["source_embedding"].input_dim
        )
        self.max_sequence_length = layers["copy"].max_sequence_length
        self.has_attention = True
        source, target_in = model.input["source"], model.input["target_in"]
        encoder_outputs, *states = layers["encoder"].output
        if "bridge_h" in layers:  # a bidirectional encoder's states, mapped to the decoder's
            states = [layers[f"bridge_{kind}"].output for kind in ("h", "c")
                      if f"bridge_{kind}" in layers]
        # The source ids are the last "state": the decoder's copy layer reads them.
        self._encoder = keras.Model(source, [encoder_outputs, *states, source],
                                    name="encoder_model")
        memory = keras.Input(shape=(None, encoder_outputs.shape[-1]), name="encoder_outputs")
        mask = keras.Input(shape=(None,), dtype="bool", name="source_mask")
        state_inputs = [
            keras.Input(shape=(s.shape[-1],), name=f"state_{i}") for i, s in enumerate(states)
        ]
        source_ids = keras.Input(shape=(None,), dtype="int32", name="source_ids")
        prefixes = keras.Input(shape=(None,), dtype="int32", name="prefixes")
        seen: dict[str, Any] = {}
        logits, weights, final = _decode_graph(
            _recording(layers, seen), prefixes, memory, state_inputs, source_mask=mask
        )
        decoder_output, context = seen["attention_concat"]
        probs, _ = layers["copy"](logits, weights, source_ids, context, decoder_output,
                                  seen["target_dropout"])
        self._decoder = keras.Model(
            [prefixes, memory, mask, *state_inputs, source_ids], [probs, *final, source_ids],
            name="decoder_model",
        )
        inputs = {"source": source, "target_in": target_in}
        self._weights = keras.Model(inputs, layers["attention"].output[1])
        self._copy = keras.Model(inputs, layers["copy"].output[1])

    def encode(self, source: Any) -> EncoderState:
        """Run the encoder once: its outputs, the decoder's initial states, the mask.

        As :meth:`Seq2SeqTranslator.encode <seqbook.models.seq2seq.Seq2SeqTranslator.encode>`,
        with the source ids ``[batch, S]`` appended to ``states``.
        """
        return super().encode(source)

    def copy_probability(self, source: Any, target_in: Any) -> np.ndarray:
        """How much of each output step's probability comes from copying: ``1 - p_gen``.

        Parameters
        ----------
        source : array-like of int, shape [batch, S]
        target_in : array-like of int, shape [batch, T]
            Start token, then the target (or a decoded output) shifted right.

        Returns
        -------
        numpy.ndarray of float32, shape [batch, T]
            ``1 - p_gen`` of the teacher-forced pass, in (0, 1); entries where
            ``target_in`` is padding mean nothing.
        """
        source = self._check_source(source)
        target = self._check_target_in(target_in, source.shape[0])
        p_gen = self._copy({"source": source, "target_in": target}, training=False)
        return (1.0 - keras.ops.convert_to_numpy(p_gen)).astype(np.float32)

    def _check_target_in(self, target_in: Any, batch: int) -> np.ndarray:
        target = np.asarray(target_in)
        if target.ndim != 2 or target.shape[0] != batch or target.shape[1] == 0:
            raise ValueError(
                f"target_in must be a 2-D batch of token ids with {batch} rows; "
                f"got shape {target.shape}"
            )
        if not np.issubdtype(target.dtype, np.integer) or (target < 0).any() \
                or (target >= self.target_vocabulary_size).any():
            raise ValueError(
                f"target_in must hold integer token ids in [0, {self.target_vocabulary_size})"
            )
        self._check_length("target_in", target.shape[1])
        return target.astype(np.int32)


def _recording(layers: dict[str, keras.layers.Layer], seen: dict[str, Any]
               ) -> Callable[[str], Any]:
    """A layer lookup for ``_decode_graph`` that also keeps what the copy layer needs.

    ``_decode_graph`` returns the decoder's logits, attention weights and states; the copy
    switch also reads the decoder input (``target_dropout``'s output) and the decoder
    output and context (``attention_concat``'s inputs), which this lookup records as the
    graph is built.
    """

    def lookup(name: str) -> Any:
        layer = layers.get(name)
        if name == "target_dropout":
            def record_output(x: Any, **kwargs: Any) -> Any:
                seen[name] = layer(x, **kwargs)
                return seen[name]
            return record_output
        if name == "attention_concat":
            def record_inputs(inputs: list, **kwargs: Any) -> Any:
                seen[name] = inputs
                return layer(inputs, **kwargs)
            return record_inputs
        return layer

    return lookup
