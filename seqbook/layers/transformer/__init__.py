"""The Transformer's parts written by hand: attention, masks, positions and blocks.

One job per module: :mod:`.masks` (True = may attend), :mod:`.scaled_dot_product`,
:mod:`.multi_head` (weights laid out as in ``keras.layers.MultiHeadAttention``, with a
key/value cache for generation), :mod:`.positional`, :mod:`.blocks` (encoder and decoder
blocks, pre- or post-norm) and :mod:`.local_attention` (sliding-window plus global attention
in memory linear in the length).
"""

from seqbook.layers.transformer.blocks import TransformerDecoderBlock, TransformerEncoderBlock
from seqbook.layers.transformer.local_attention import local_global_attention
from seqbook.layers.transformer.masks import (
    causal_mask,
    combine_masks,
    local_global_mask,
    padding_attention_mask,
    padding_mask,
)
from seqbook.layers.transformer.multi_head import MultiHeadAttention
from seqbook.layers.transformer.positional import (
    LearnedPositionEmbedding,
    PositionEmbedding,
    RotaryEmbedding,
    SinusoidalPositionEncoding,
    apply_rotary,
    sinusoidal_encoding,
)
from seqbook.layers.transformer.scaled_dot_product import masked_softmax, scaled_dot_product_attention

__all__ = [
    "LearnedPositionEmbedding",
    "PositionEmbedding",
    "MultiHeadAttention",
    "RotaryEmbedding",
    "SinusoidalPositionEncoding",
    "TransformerDecoderBlock",
    "TransformerEncoderBlock",
    "apply_rotary",
    "causal_mask",
    "combine_masks",
    "local_global_attention",
    "local_global_mask",
    "masked_softmax",
    "padding_attention_mask",
    "padding_mask",
    "scaled_dot_product_attention",
    "sinusoidal_encoding",
]
