"""Language models: Bengio's neural n-gram model (chapter ngrams) and the small decoder-only
Transformer, its pretraining helpers and its cached generator (chapters
efficient-transformers and pretraining-and-llms)."""

from seqbook.models.language.decoder_lm import DecoderLM
from seqbook.models.language.neural_ngram import neural_ngram_lm, ngram_windows
from seqbook.models.language.pretraining import (
    CausalPaddingMask,
    TokenPooling,
    causal_lm,
    lm_classifier,
    load_pretrained_lm,
    next_token_windows,
    per_character_perplexity,
    sequence_log_probs,
)

__all__ = [
    "CausalPaddingMask",
    "DecoderLM",
    "TokenPooling",
    "causal_lm",
    "lm_classifier",
    "load_pretrained_lm",
    "neural_ngram_lm",
    "next_token_windows",
    "ngram_windows",
    "per_character_perplexity",
    "sequence_log_probs",
]
