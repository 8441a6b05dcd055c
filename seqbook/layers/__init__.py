"""Layers the book builds by hand, each tested equal to Keras' own with copied weights.

The model builders in :mod:`seqbook.models` use Keras' fast built-in layers; these exist to
be read, taken apart and compared. Every layer is registered for ``.keras`` saving.
"""

from seqbook.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from seqbook.layers.attention import BahdanauAttention, LuongAttention
from seqbook.layers.copy import PointerGenerator
from seqbook.layers import transformer
from seqbook.layers.transformer import (
    LearnedPositionEmbedding,
    PositionEmbedding,
    MultiHeadAttention,
    RotaryEmbedding,
    SinusoidalPositionEncoding,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    scaled_dot_product_attention,
)

__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell"]
__all__ += ["BahdanauAttention", "LuongAttention", "PointerGenerator"]
__all__ += [
    "LearnedPositionEmbedding",
    "PositionEmbedding",
    "MultiHeadAttention",
    "RotaryEmbedding",
    "SinusoidalPositionEncoding",
    "TransformerDecoderBlock",
    "TransformerEncoderBlock",
    "scaled_dot_product_attention",
    "transformer",
]
