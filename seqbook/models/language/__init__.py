"""Language models: Bengio's neural n-gram model (chapter ngrams); the character-level
recurrent LM and its bits-per-character score (chapter text-generation); the small
decoder-only Transformer, its pretraining helpers and its cached generator, and the BERT-style
masked language model (chapters efficient-transformers, pretraining-and-llms and
text-generation; both pretrained models are fine-tuned in sentiment-analysis)."""

from seqbook.models.language.char_lm import bits_per_character, char_lm, character_ids
from seqbook.models.language.decoder_lm import DecoderLM
from seqbook.models.language.masked_lm import (
    MASK_TOKEN,
    EncoderPaddingMask,
    add_mask_token,
    load_pretrained_mlm,
    mask_tokens,
    masked_lm,
)
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
    "EncoderPaddingMask",
    "MASK_TOKEN",
    "TokenPooling",
    "add_mask_token",
    "bits_per_character",
    "causal_lm",
    "char_lm",
    "character_ids",
    "lm_classifier",
    "load_pretrained_lm",
    "load_pretrained_mlm",
    "mask_tokens",
    "masked_lm",
    "neural_ngram_lm",
    "next_token_windows",
    "ngram_windows",
    "per_character_perplexity",
    "sequence_log_probs",
]
