"""What every translator shares: checked inputs, the decoding interface, greedy and beam search.

A *translator* wraps a trained sequence-to-sequence model for decoding. The two kinds in the
package, :class:`~seqbook.models.seq2seq.Seq2SeqTranslator` (recurrent encoder-decoders)
and :class:`~seqbook.models.seq2seq.transformer.TransformerTranslator`, differ in how they
encode a source and how they compute the next token's probabilities; everything around
that (checking ids, the ``log_prob_fn`` that :mod:`seqbook.decoding` consumes, greedy and
beam-search translation) is written once, here, in :class:`Translator`.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

import keras
import numpy as np

from seqbook.models._common import require_positive

__all__ = ["Translator"]


class Translator:
    """Base of the translators: input checks, :meth:`log_prob_fn` and :meth:`translate`.

    A subclass sets ``source_vocabulary_size``, ``target_vocabulary_size`` and
    ``max_sequence_length`` (the most positions the model reads on either side; ``None`` for
    no limit) and implements
    ``encode(source)``, which runs the encoder once, and
    ``_next_log_probs(encoded, prefixes, memory)``, which returns the next token's
    log-probabilities after each prefix (``memory`` is a dictionary that lives as long as
    one ``log_prob_fn``, for a subclass that carries state from call to call).

    Every source is checked before the encoder sees it, and refused with a ``ValueError``
    when it is not a 2-D batch of integer ids, when a row is empty (all padding), when it
    is longer than ``max_sequence_length``, or when it holds ids outside
    ``[0, source_vocabulary_size)`` (the sign of a tokenizer that does not match the model).

    Example
    -------
    >>> from seqbook.models import encoder_decoder, inference_model
    >>> translator = inference_model(encoder_decoder(source_vocabulary_size=12,
    ...                                              target_vocabulary_size=9))
    >>> isinstance(translator, Translator)
    True
    >>> translator.translate([[3, 4, 5]], start_token=1, end_token=2, max_length=4).shape
    (1, 5)
    """

    source_vocabulary_size: int
    target_vocabulary_size: int
    max_sequence_length: int | None = None

    def encode(self, source: Any) -> Any:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def _next_log_probs(self, encoded: Any, prefixes: np.ndarray, memory: dict) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def _check_length(self, name: str, length: int) -> None:
        if self.max_sequence_length is not None and length > self.max_sequence_length:
            raise ValueError(
                f"{name} must have at most max_sequence_length={self.max_sequence_length} "
                f"positions; got {length}"
            )

    def _check_source(self, source: Any) -> np.ndarray:
        array = np.asarray(source)
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
            raise ValueError(
                "source must be a non-empty 2-D batch of token ids [batch, length]; "
                f"got shape {array.shape}"
            )
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"source must hold integer token ids; got dtype {array.dtype}")
        if (array < 0).any() or (array >= self.source_vocabulary_size).any():
            raise ValueError(
                f"source must hold token ids in [0, {self.source_vocabulary_size}); got values "
                f"from {array.min()} to {array.max()}"
            )
        empty = np.flatnonzero((array == 0).all(axis=1))
        if empty.size:
            raise ValueError(
                "source must have at least one token (not padding) in every row; rows "
                f"{empty.tolist()[:10]} are all padding"
            )
        self._check_length("source", array.shape[1])
        return array.astype(np.int32)

    def _check_prefixes(self, prefixes: Any, batch: int) -> np.ndarray:
        """Checked prefixes ``[rows, t]`` (int32), ``rows`` a multiple of the source batch."""
        array = np.asarray(prefixes)
        if array.ndim != 2 or array.shape[0] == 0 or array.shape[0] % batch or array.shape[1] == 0:
            raise ValueError(
                f"prefixes must be a 2-D batch whose size is a multiple of the source batch "
                f"({batch}); got shape {array.shape}"
            )
        if not np.issubdtype(array.dtype, np.integer) or (array < 0).any() \
                or (array >= self.target_vocabulary_size).any():
            raise ValueError(
                f"prefixes must hold integer token ids in [0, {self.target_vocabulary_size}); got "
                f"dtype {array.dtype}, values from {array.min()} to {array.max()}"
            )
        self._check_length("prefixes", array.shape[1])
        return array.astype(np.int32)

    @staticmethod
    def _infer(model: keras.Model, inputs: Any) -> Any:
        """One inference pass of a sub-model (encoder or decoder step), as numpy arrays.

        TensorFlow runs the model eagerly. On JAX, an eager call compiles every operation
        anew for each new input shape, and decoding meets a new shape at every step: a small
        Transformer's first greedy decode took 21 s that way against 0.8 s on TensorFlow.
        ``predict_on_batch`` compiles the whole pass once per shape instead
        (``benchmarks/backends.py --decode`` measures both).
        """
        if keras.backend.backend() == "jax":
            return model.predict_on_batch(inputs)
        outputs = model(inputs, training=False)
        return keras.tree.map_structure(keras.ops.convert_to_numpy, outputs)

    @staticmethod
    def _log_probs(probs: Any) -> np.ndarray:
        """Next-token probabilities ``[rows, vocab]`` -> log-probabilities, padding at -inf."""
        with np.errstate(divide="ignore"):
            log_probs = np.log(np.asarray(probs, dtype=np.float64))
        log_probs[:, 0] = -np.inf  # the padding id is never an output token
        return log_probs

    def log_prob_fn(self, source: Any) -> Callable[[np.ndarray], np.ndarray]:
        """A next-token log-probability function for :mod:`seqbook.decoding`.

        The source is encoded once, here. The returned callable maps ``prefixes[rows, t]``
        (start token first) to ``log P(next token | prefix, source)`` of shape
        ``[rows, target_vocabulary_size]``; ``rows`` may be any multiple ``k * batch`` of the source
        batch, rows ``i * k`` to ``i * k + k - 1`` belonging to source row ``i`` (the layout
        of :func:`seqbook.decoding.beam_search`). The padding id 0 gets log-probability
        ``-inf``, so no decoder ever emits it; the other entries are the training model's
        probabilities at the prefix's last step, logged.

        Parameters
        ----------
        source : array-like of int, shape [batch, S]
            Source token ids, 0 = padding.

        Returns
        -------
        callable
            ``prefixes -> log_probs``.

        Example
        -------
        >>> import numpy as np
        >>> from seqbook.models import encoder_decoder, inference_model
        >>> translator = inference_model(encoder_decoder(source_vocabulary_size=12,
        ...                                              target_vocabulary_size=9))
        >>> step = translator.log_prob_fn([[3, 4, 5]])
        >>> log_probs = step(np.array([[1], [1]]))  # two hypotheses for one source
        >>> log_probs.shape, bool((log_probs[:, 0] == -np.inf).all())  # never padding
        ((2, 9), True)
        """
        encoded = self.encode(source)
        memory: dict = {}
        return lambda prefixes: self._next_log_probs(encoded, prefixes, memory)

    def translate(
        self,
        source: Any,
        start_token: int,
        end_token: int,
        max_length: int,
        beam_width: int = 1,
        length_penalty: float = 0.0,
        no_repeat_ngram_size: int = 0,
    ) -> np.ndarray:
        """Decode each source sequence: greedy for ``beam_width=1``, else beam search.

        Parameters
        ----------
        source : array-like of int, shape [batch, S]
            Source token ids, 0 = padding.
        start_token, end_token : int
            Target token ids in ``[1, target_vocabulary_size)``.
        max_length : int
            The most tokens to generate after the start token (at most the model's
            ``max_length`` where it has one).
        beam_width : int
            1 for greedy decoding; more for beam search (the best hypothesis is returned).
        length_penalty : float
            GNMT's ``alpha`` for beam search (see :func:`seqbook.decoding.beam_search`).
        no_repeat_ngram_size : int
            ``n`` > 0 forbids any n-gram to occur twice in an output (greedy and beam);
            0 forbids nothing.

        Returns
        -------
        numpy.ndarray of int64, shape [batch, max_length + 1]
            The start token, the output tokens, then ``end_token`` padding.

        Example
        -------
        >>> from seqbook.models import encoder_decoder, inference_model
        >>> translator = inference_model(encoder_decoder(12, 9))
        >>> out = translator.translate([[3, 4, 5]], start_token=1, end_token=2, max_length=6,
        ...                            beam_width=3, no_repeat_ngram_size=1)
        >>> tokens = [t for t in out[0, 1:].tolist() if t != 2]
        >>> len(tokens) == len(set(tokens))  # n = 1: no token twice
        True
        """
        from seqbook import decoding

        for name, token in (("start_token", start_token), ("end_token", end_token)):
            if (
                isinstance(token, bool)
                or not isinstance(token, numbers.Integral)
                or not 1 <= token < self.target_vocabulary_size
            ):
                raise ValueError(
                    f"{name} must be a token id in [1, {self.target_vocabulary_size}) (the target "
                    f"vocabulary without the padding id 0); got {token!r}"
                )
        require_positive(max_length=max_length)
        # The longest prefix the decoder reads is the start token and max_length - 1 tokens.
        if self.max_sequence_length is not None and max_length > self.max_sequence_length:
            raise ValueError(
                "max_length must be at most the model's "
                f"max_sequence_length={self.max_sequence_length}; got {max_length}"
            )
        log_prob_fn = self.log_prob_fn(source)
        starts = np.full(len(np.asarray(source)), start_token, dtype=np.int64)
        if beam_width == 1:
            return decoding.greedy(log_prob_fn, starts, end_token, max_length,
                                   no_repeat_ngram_size=no_repeat_ngram_size)
        sequences, _ = decoding.beam_search(
            log_prob_fn, starts, end_token, beam_width, max_length, length_penalty,
            no_repeat_ngram_size=no_repeat_ngram_size,
        )
        return sequences[:, 0]
