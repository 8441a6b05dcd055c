"""A small decoder-only language model (GPT-style) with a key/value-cached generation path.

Token embeddings plus learned positions, a stack of pre-norm
:class:`~seqbook.layers.transformer.TransformerDecoderBlock` layers without
cross-attention, a final layer norm and a linear read-out to next-token logits. It is built
from the hand-written layers of :mod:`seqbook.layers.transformer` because its purpose is to
show what a key/value cache saves during generation: :meth:`DecoderLM.generate` produces
the same tokens with and without the cache, and the cached path does one position of work
per new token instead of re-reading the whole prefix.

:meth:`DecoderLM.from_causal_lm` copies the weights of a :func:`~seqbook.models.causal_lm`
(the same architecture, built on Keras' fast layers, the one the shipped pretrained weights
belong to) into a ``DecoderLM``: the two give the same logits, and the copy can generate
with the cache.
"""

from __future__ import annotations

from typing import Any, Callable

import keras
import numpy as np
from keras import ops

from seqbook.layers.transformer import PositionEmbedding, TransformerDecoderBlock
from seqbook.layers._config import renamed_keys
from seqbook.models._common import require_positive
from seqbook.models.language.pretraining import OLD_CONFIG_NAMES

__all__ = ["DecoderLM"]


@keras.saving.register_keras_serializable(package="seqbook")
class DecoderLM(keras.Model):
    """Decoder-only Transformer: ``tokens [B, T] -> next-token logits [B, T, vocab]`` (float32).

    Kept beside :func:`~seqbook.models.causal_lm` (the same network on Keras' fused layers,
    which trains faster) because it is written from the book's hand-written layers and so can
    show, and use, a key/value cache during generation.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids.
    max_sequence_length : int
        Longest sequence (prompt plus generated tokens) the position table covers.
    hidden_dim : int
        Model width ``d`` (embedding size).
    num_heads : int
        Attention heads per block (``hidden_dim`` must be divisible by it).
    num_layers : int
        Number of decoder blocks.
    intermediate_dim : int
        Hidden width of each block's feed-forward network.
    dropout : float
        Dropout rate in the blocks.
    **kwargs
        Passed to ``keras.Model``.

    Example
    -------
    >>> import numpy as np
    >>> lm = DecoderLM(vocabulary_size=11, max_sequence_length=16, hidden_dim=16, num_heads=2,
    ...                num_layers=1, intermediate_dim=32)
    >>> tuple(lm(np.zeros((2, 5), "int32")).shape)
    (2, 5, 11)
    """

    def __init__(self, vocabulary_size: int, max_sequence_length: int, hidden_dim: int = 64,
                 num_heads: int = 4, num_layers: int = 2, intermediate_dim: int = 256,
                 dropout: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        require_positive(vocabulary_size=vocabulary_size, max_sequence_length=max_sequence_length,
                         hidden_dim=hidden_dim, num_heads=num_heads, num_layers=num_layers,
                         intermediate_dim=intermediate_dim)
        if hidden_dim % num_heads:
            raise ValueError("hidden_dim must be divisible by num_heads; got "
                             f"hidden_dim={hidden_dim}, num_heads={num_heads}")
        self.vocabulary_size, self.max_sequence_length = vocabulary_size, max_sequence_length
        self.hidden_dim, self.num_heads, self.num_layers = hidden_dim, num_heads, num_layers
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.embedding = keras.layers.Embedding(vocabulary_size, hidden_dim, name="tokens")
        self.positions = PositionEmbedding(max_sequence_length, name="positions")
        self.blocks = [
            TransformerDecoderBlock(num_heads, hidden_dim // num_heads, intermediate_dim,
                                    dropout=dropout, cross_attention=False, name=f"block_{i}")
            for i in range(num_layers)
        ]
        self.final_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")
        self.readout = keras.layers.Dense(vocabulary_size, dtype="float32", name="logits")
        self._steps = None
        self.build((None, None))  # every weight exists from the start, for any length

    @classmethod
    def from_causal_lm(cls, lm: keras.Model) -> "DecoderLM":
        """A ``DecoderLM`` with the weights of ``lm``, a model from :func:`causal_lm`.

        Both are the same network: token embeddings plus learned positions, pre-norm blocks
        (layer norm, multi-head self-attention, layer norm, a GELU feed-forward network, each
        with a residual), a final layer norm and a linear read-out. ``causal_lm`` builds it
        from Keras' layers, this class from the book's hand-written ones, whose attention
        keeps Keras' weight layout; so the weights copy across one to one, and the copy
        gives the same logits for inputs without padding (``causal_lm`` also masks padding
        keys, id 0; this model does not) and generates with a key/value cache.

        Parameters
        ----------
        lm : keras.Model
            A model from :func:`causal_lm` or :func:`load_pretrained_lm`.

        Example
        -------
        >>> import numpy as np
        >>> from seqbook.models.language.pretraining import causal_lm
        >>> lm = causal_lm(vocabulary_size=20, max_sequence_length=8, hidden_dim=16, num_heads=2,
        ...                num_layers=1, intermediate_dim=32)
        >>> copy = DecoderLM.from_causal_lm(lm)
        >>> tokens = np.array([[3, 5, 7, 9]])
        >>> bool(np.allclose(copy(tokens), lm(tokens), atol=1e-5))
        True
        """
        config = getattr(lm, "lm_config", None)
        if not isinstance(lm, keras.Model) or not isinstance(config, dict):
            raise ValueError("lm must be a model built by seqbook.models.causal_lm (it carries "
                             f"lm_config); got {type(lm).__name__}")
        copy = cls(config["vocabulary_size"], config["max_sequence_length"],
                   hidden_dim=config["hidden_dim"], num_heads=config["num_heads"],
                   num_layers=config["num_layers"], intermediate_dim=config["intermediate_dim"],
                   dropout=config["dropout"])
        # The blocks' layers are unnamed in causal_lm; within the model they come in the
        # order they were created, two layer norms and two dense layers per block.
        layers = [layer for layer in lm.layers
                  if layer.name not in ("final_norm", "logits")]
        attentions = [la for la in layers if isinstance(la, keras.layers.MultiHeadAttention)]
        norms = [la for la in layers if isinstance(la, keras.layers.LayerNormalization)]
        denses = [la for la in layers if isinstance(la, keras.layers.Dense)]
        copy.embedding.set_weights(lm.get_layer("embedding").get_weights())
        copy.positions.set_weights(lm.get_layer("positions").get_weights())
        for i, block in enumerate(copy.blocks):
            block.attention_norm.set_weights(norms[2 * i].get_weights())
            block.attention.set_weights(attentions[i].get_weights())
            block.ff_norm.set_weights(norms[2 * i + 1].get_weights())
            block.expand.set_weights(denses[2 * i].get_weights())
            block.contract.set_weights(denses[2 * i + 1].get_weights())
        copy.final_norm.set_weights(lm.get_layer("final_norm").get_weights())
        copy.readout.set_weights(lm.get_layer("logits").get_weights())
        return copy

    def compile_steps(self, compiler: Callable | None) -> None:
        """Compile the two forward passes :meth:`generate` uses, or undo it with ``None``.

        ``compiler`` wraps a Python function into a compiled one, for example
        ``functools.partial(tensorflow.function, reduce_retracing=True)`` on TensorFlow or
        ``jax.jit`` on JAX. Both paths get the same treatment, so that a comparison of
        their speeds measures the arithmetic rather than Python's per-operation overhead.

        Example
        -------
        >>> import numpy as np
        >>> lm = DecoderLM(vocabulary_size=11, max_sequence_length=16, hidden_dim=16, num_heads=2,
        ...                num_layers=1, intermediate_dim=32)
        >>> lm.compile_steps(lambda function: function)  # any wrapper; this one does nothing
        >>> lm.generate(np.array([[1, 2]]), 3).shape
        (1, 5)
        >>> lm.compile_steps(None)
        """
        self._steps = None if compiler is None else (
            compiler(self.call), compiler(self.call_with_cache))

    def build(self, input_shape: tuple) -> None:
        """Create every weight for token inputs of shape ``[batch, time]``."""
        hidden = tuple(input_shape) + (self.hidden_dim,)
        for layer, shape in [(self.embedding, input_shape), (self.positions, hidden),
                             *[(block, hidden) for block in self.blocks],
                             (self.final_norm, hidden), (self.readout, hidden)]:
            if not layer.built:
                layer.build(shape)
        self.built = True

    def call(self, tokens: Any, training: bool | None = None) -> Any:
        x = self.positions(self.embedding(tokens))
        for block in self.blocks:
            x = block(x, training=training)
        return self.readout(self.final_norm(x))

    def empty_cache(self, batch_size: int) -> list:
        """One empty key/value cache per block.

        Example
        -------
        >>> lm = DecoderLM(vocabulary_size=11, max_sequence_length=16, hidden_dim=16, num_heads=2,
        ...                num_layers=3, intermediate_dim=32)
        >>> len(lm.empty_cache(batch_size=2))
        3
        """
        return [block.empty_cache(int(batch_size)) for block in self.blocks]

    def call_with_cache(self, tokens: Any, cache: list, start_index: Any) -> tuple[Any, list]:
        """Logits for ``tokens [B, T]`` at positions ``start_index...``, given the cache of the
        earlier positions; returns ``(logits [B, T, vocab], new_cache)``.

        Example
        -------
        >>> import numpy as np
        >>> lm = DecoderLM(vocabulary_size=11, max_sequence_length=16, hidden_dim=16, num_heads=2,
        ...                num_layers=1, intermediate_dim=32)
        >>> tokens = np.array([[3, 1, 4, 1]])
        >>> logits, cache = lm.call_with_cache(tokens[:, :3], lm.empty_cache(1), 0)
        >>> last, cache = lm.call_with_cache(tokens[:, 3:], cache, 3)
        >>> bool(np.allclose(last[:, 0], lm(tokens)[:, 3], atol=1e-5))
        True
        """
        x = self.positions(self.embedding(tokens), start_index=start_index)
        new_cache = []
        for block, past in zip(self.blocks, cache):
            x, past = block(x, cache=past)
            new_cache.append(past)
        return self.readout(self.final_norm(x)), new_cache

    def generate(self, prompt: Any, steps: int, use_cache: bool = True) -> np.ndarray:
        """Greedy continuation of ``prompt [B, P]`` by ``steps`` tokens -> ``[B, P + steps]``.

        With ``use_cache=False`` every step runs the model on the whole sequence so far and
        keeps the last position's logits; with the cache, the prompt is read once and each
        step feeds only the newest token.

        Example
        -------
        >>> import numpy as np
        >>> lm = DecoderLM(vocabulary_size=11, max_sequence_length=16, hidden_dim=16, num_heads=2,
        ...                num_layers=1, intermediate_dim=32)
        >>> prompt = np.array([[1, 2, 3]])
        >>> a = lm.generate(prompt, 5, use_cache=True)
        >>> b = lm.generate(prompt, 5, use_cache=False)
        >>> a.shape, bool((a == b).all())
        ((1, 8), True)
        """
        tokens = np.asarray(prompt)
        if tokens.ndim != 2 or tokens.shape[1] < 1 or not np.issubdtype(tokens.dtype, np.integer):
            raise ValueError(f"prompt must be integer token ids [batch, length >= 1]; got "
                             f"shape {tokens.shape} and dtype {tokens.dtype}")
        require_positive(steps=steps)
        if tokens.shape[1] + steps > self.max_sequence_length:
            raise ValueError("prompt length + steps must be <= "
                             f"max_sequence_length={self.max_sequence_length}; "
                             f"got {tokens.shape[1]} + {steps}")
        forward, cached = self._steps or (self, self.call_with_cache)
        if not use_cache:
            for _ in range(steps):
                logits = forward(ops.convert_to_tensor(tokens))[:, -1]
                tokens = np.concatenate(
                    [tokens, ops.convert_to_numpy(ops.argmax(logits, -1))[:, None]], 1)
            return tokens
        logits, cache = cached(ops.convert_to_tensor(tokens), self.empty_cache(tokens.shape[0]),
                               ops.convert_to_tensor(0, "int32"))
        for i in range(steps):
            step = ops.convert_to_numpy(ops.argmax(logits[:, -1], -1))[:, None]
            position = tokens.shape[1]
            tokens = np.concatenate([tokens, step], 1)
            if i < steps - 1:  # the last token needs no logits of its own
                logits, cache = cached(ops.convert_to_tensor(step), cache,
                                       ops.convert_to_tensor(position, "int32"))
        return tokens

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "max_sequence_length": self.max_sequence_length,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "num_layers": self.num_layers,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
        }

    @classmethod
    def from_config(cls, config: dict) -> "DecoderLM":
        """Rebuild from a config; reads files saved with the old argument names."""
        return cls(**renamed_keys(config, OLD_CONFIG_NAMES))

