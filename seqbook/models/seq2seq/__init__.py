"""Encoder-decoder models: recurrent (with optional attention), pointer-generator (attention
with a copy mechanism) and Transformer, and the translators that decode them with
:mod:`seqbook.decoding` (chapters seq2seq, attention, transformers, machine translation,
summarization)."""

from seqbook.models.seq2seq.inference import inference_model
from seqbook.models.seq2seq.pointer_generator import (
    PointerGeneratorTranslator,
    pointer_generator_seq2seq,
)
from seqbook.models.seq2seq.recurrent import (
    EncoderState,
    Seq2SeqTranslator,
    encoder_decoder,
    teacher_forcing,
)
from seqbook.models.seq2seq.transformer import (
    TransformerEncoded,
    TransformerTranslator,
    transformer_seq2seq,
)
from seqbook.models.seq2seq.translator import Translator

__all__ = [
    "EncoderState",
    "Seq2SeqTranslator",
    "TransformerEncoded",
    "TransformerTranslator",
    "Translator",
    "encoder_decoder",
    "inference_model",
    "PointerGeneratorTranslator",
    "pointer_generator_seq2seq",
    "teacher_forcing",
    "transformer_seq2seq",
]
