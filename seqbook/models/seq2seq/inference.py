"""One entry point from a trained sequence-to-sequence model to its inference model."""

from __future__ import annotations

import keras

from seqbook.layers.copy import PointerGenerator
from seqbook.layers.transformer import TransformerDecoderBlock
from seqbook.models.seq2seq.pointer_generator import PointerGeneratorTranslator
from seqbook.models.seq2seq.recurrent import Seq2SeqTranslator
from seqbook.models.seq2seq.transformer import TransformerTranslator

__all__ = ["inference_model"]


def inference_model(
    model: keras.Model,
) -> TransformerTranslator | Seq2SeqTranslator | PointerGeneratorTranslator:
    """The inference model of a trained sequence-to-sequence model, sharing its layers.

    A :class:`TransformerTranslator` for a :func:`transformer_seq2seq` model, a
    :class:`~seqbook.models.seq2seq.Seq2SeqTranslator` for an
    :func:`~seqbook.models.encoder_decoder` model, a :class:`PointerGeneratorTranslator` for a
    :func:`~seqbook.models.pointer_generator_seq2seq` model: chapters decode every kind the
    same way.

    Example
    -------
    >>> from seqbook.models import encoder_decoder, transformer_seq2seq
    >>> type(inference_model(transformer_seq2seq(10, 8, hidden_dim=8, num_heads=2))).__name__
    'TransformerTranslator'
    >>> type(inference_model(encoder_decoder(10, 8))).__name__
    'Seq2SeqTranslator'
    >>> from seqbook.models import pointer_generator_seq2seq
    >>> type(inference_model(pointer_generator_seq2seq(10))).__name__
    'PointerGeneratorTranslator'
    """
    layers = getattr(model, "layers", [])
    if any(isinstance(layer, TransformerDecoderBlock) and layer.cross_attention
           for layer in layers):
        return TransformerTranslator(model)
    if any(isinstance(layer, PointerGenerator) for layer in layers):
        return PointerGeneratorTranslator(model)
    return Seq2SeqTranslator(model)
