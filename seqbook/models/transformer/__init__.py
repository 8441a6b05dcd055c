"""The Transformer encoder stack that the builders share, on Keras' fused attention
(the hand-written blocks the book teaches are in :mod:`seqbook.layers.transformer`)."""

from seqbook.models.transformer.encoder import PositionEmbedding, transformer_encoder

__all__ = ["PositionEmbedding", "transformer_encoder"]
