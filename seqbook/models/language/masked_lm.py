"""A small BERT-style encoder pretrained with the masked-language-model objective.

The encoder twin of :func:`~seqbook.models.causal_lm`, for the pretraining chapter and the
sentiment chapter that fine-tunes it:

* :func:`masked_lm` builds the same network as ``causal_lm`` (shared embeddings, pre-norm
  blocks, final layer norm ``"final_norm"``, read-out) with a *bidirectional* attention mask:
  every position reads every real token of the window, left and right;
* :func:`mask_tokens` hides tokens the way BERT does (Devlin et al., 2019): 15 % of the real
  tokens are chosen; of those 80 % become ``[MASK]``, 10 % a random token and 10 % stay;
* :func:`add_mask_token` gives a tokenizer a ``[MASK]`` token at the end of its vocabulary,
  so that every other id keeps its meaning (the encoder and the causal model shipped with
  the package share their ids);
* :func:`load_pretrained_mlm` returns the encoder that ``benchmarks/pretrain_small_lm.py
  --objective masked`` pretrained on the Python reference manual, with its tokenizer.

Token id 0 is padding everywhere (the convention of :mod:`seqbook.data.tokenizers`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras
import numpy as np
from keras import ops

from seqbook.models._common import compile_model, require_rate
from seqbook.models.language.pretraining import _load_shipped, _token_transformer

__all__ = [
    "MASK_TOKEN",
    "EncoderPaddingMask",
    "add_mask_token",
    "load_pretrained_mlm",
    "mask_tokens",
    "masked_lm",
]

#: The mask token's text; :func:`add_mask_token` appends it to a tokenizer's vocabulary.
MASK_TOKEN = "[MASK]"

#: The files that ``benchmarks/pretrain_small_lm.py --objective masked`` writes.
PRETRAINED_MLM_NAME = "docs_mlm"

#: Ids of ``[PAD]``, ``[UNK]``, ``[BOS]`` and ``[EOS]`` in :mod:`seqbook.data.tokenizers`.
SPECIAL_IDS = (0, 1, 2, 3)


@keras.saving.register_keras_serializable(package="seqbook")
class EncoderPaddingMask(keras.layers.Layer):
    """Token ids ``[batch, T]`` -> attention mask ``[batch, T, T]`` (True = may attend).

    Every query position may attend to every key position that is not padding (id 0): the
    bidirectional mask of an encoder, against the lower-triangular one of
    :class:`~seqbook.models.CausalPaddingMask`.

    Example
    -------
    >>> import numpy as np
    >>> mask = EncoderPaddingMask()(np.array([[5, 7, 0]]))
    >>> np.asarray(mask)[0].astype(int).tolist()
    [[1, 1, 0], [1, 1, 0], [1, 1, 0]]
    """

    def call(self, tokens):
        keys = ops.not_equal(tokens, 0)[:, None, :]  # [B, 1, T]
        queries = ops.ones_like(tokens, dtype="bool")[:, :, None]  # [B, T, 1]
        return ops.logical_and(queries, keys)


def masked_lm(
    vocabulary_size: int,
    max_sequence_length: int,
    hidden_dim: int = 128,
    num_heads: int = 4,
    num_layers: int = 4,
    intermediate_dim: int = 512,
    dropout: float = 0.1,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A compiled BERT-style masked language model: ``tokens [B, T] -> logits [B, T, vocab]``.

    The network of :func:`~seqbook.models.causal_lm` (token embeddings plus learned
    positions, ``num_layers`` pre-norm blocks of :func:`~seqbook.models.transformer_encoder`,
    a final layer norm named ``"final_norm"`` and a float32 read-out), with one change: the
    attention is bidirectional (:class:`EncoderPaddingMask`), so position ``t``'s logits predict
    token ``t`` itself from the whole window. Trained on the inputs of :func:`mask_tokens`,
    they guess the hidden tokens from both sides.

    The loss is sparse cross-entropy averaged over the positions whose sample weight is
    non-zero (``reduction="mean_with_sample_weight"``): train with
    ``fit(inputs, targets, sample_weight=weights)`` from :func:`mask_tokens`, and only the
    chosen positions count. Without weights, every position counts.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids, the mask token included (id 0 is padding).
    max_sequence_length : int
        The longest input the position table covers.
    hidden_dim : int
        Model width ``d``; must be divisible by ``num_heads``.
    num_heads, num_layers, intermediate_dim : int
        Attention heads per block, number of blocks, feed-forward hidden width.
    dropout : float
        Dropout rate inside the blocks, in ``[0, 1)``.
    learning_rate : float
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled; its config is kept in ``model.lm_config`` (rebuild with
        ``masked_lm(**model.lm_config)``).

    Example
    -------
    >>> import numpy as np
    >>> mlm = masked_lm(vocabulary_size=20, max_sequence_length=8, hidden_dim=16,
    ...                 num_heads=2, num_layers=1, intermediate_dim=32)
    >>> tuple(mlm(np.ones((3, 8), "int32")).shape), mlm.get_layer("final_norm").name
    ((3, 8, 20), 'final_norm')
    """
    require_rate(dropout=dropout)
    model = _token_transformer(
        EncoderPaddingMask(name="padding_mask"), "masked_lm", vocabulary_size=vocabulary_size,
        max_sequence_length=max_sequence_length, hidden_dim=hidden_dim, num_heads=num_heads,
        num_layers=num_layers, intermediate_dim=intermediate_dim, dropout=dropout)
    return compile_model(
        model,
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"),
        metrics=[],
        learning_rate=learning_rate,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def mask_tokens(
    token_ids: Any,
    mask_id: int,
    vocabulary_size: int,
    mask_rate: float = 0.15,
    seed: int | None = None,
    special_ids: Iterable[int] = SPECIAL_IDS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hide tokens for masked-language-model training, as BERT does.

    Each token that is neither padding (0), a special id nor ``mask_id`` is *chosen* with
    probability ``mask_rate``. A chosen token becomes ``mask_id`` with probability 0.8, a
    random ordinary token (never a special id or the mask) with probability 0.1, and stays
    as it is with probability 0.1. The model must predict every chosen token, so it cannot
    learn that only ``[MASK]`` positions matter, and the ``[MASK]`` token, absent from
    fine-tuning text, is not the only thing it learns to read.

    Calling it again with another seed gives a new masking of the same text (dynamic
    masking, as in RoBERTa).

    Parameters
    ----------
    token_ids : array-like of int
        Token ids, any shape (usually ``[windows, T]``), padded with 0.
    mask_id : int
        The ``[MASK]`` id, in ``[0, vocabulary_size)``.
    vocabulary_size : int
        Number of ids; random replacements are drawn from the ordinary ones.
    mask_rate : float
        Probability that a real token is chosen, in ``(0, 1]``.
    seed : int, optional
        Seed of the random choices (None: fresh randomness).
    special_ids : iterable of int
        Ids never chosen nor drawn as replacements; 0 (padding) and ``mask_id`` are always
        added. Defaults to the package tokenizers' ``[PAD]``, ``[UNK]``, ``[BOS]``, ``[EOS]``.

    Returns
    -------
    (inputs, targets, weights) : tuple of numpy.ndarray
        ``inputs`` (int32): the ids with the chosen tokens replaced; ``targets`` (int32): the
        original ids; ``weights`` (float32): 1 where a token was chosen, else 0. Pass them
        to ``fit(inputs, targets, sample_weight=weights)``.

    Example
    -------
    >>> import numpy as np
    >>> ids = np.array([[2, 7, 8, 9, 5, 3, 0, 0]])
    >>> inputs, targets, weights = mask_tokens(ids, mask_id=10, vocabulary_size=11,
    ...                                        mask_rate=0.5, seed=1)
    >>> bool((targets == ids).all()), bool((weights[ids <= 3] == 0).all())
    (True, True)
    >>> bool((inputs[weights == 0] == ids[weights == 0]).all())  # unchosen stay put
    True
    """
    ids = np.asarray(token_ids)
    if ids.dtype == object or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"token_ids must be integer ids; got an array of {ids.dtype}")
    if not _is_int(vocabulary_size) or vocabulary_size < 2:
        raise ValueError(f"vocabulary_size must be an integer >= 2; got {vocabulary_size!r}")
    if not _is_int(mask_id) or not 0 < mask_id < vocabulary_size:
        raise ValueError(f"mask_id must be an integer in [1, vocabulary_size = "
                         f"{vocabulary_size}); got {mask_id!r}")
    if isinstance(mask_rate, bool) or not isinstance(mask_rate, (int, float)) \
            or not 0 < mask_rate <= 1:
        raise ValueError(f"mask_rate must be a number in (0, 1]; got {mask_rate!r}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocabulary_size):
        raise ValueError(f"token_ids must lie in [0, vocabulary_size = {vocabulary_size}); "
                         f"got ids from {ids.min()} to {ids.max()}")
    special = list(special_ids)
    if not all(_is_int(i) for i in special):
        raise ValueError(f"special_ids must be integer ids; got {special!r}")
    special = np.unique(np.array([0, mask_id, *special], np.int64))
    ordinary = np.setdiff1d(np.arange(vocabulary_size), special)
    if ordinary.size == 0:
        raise ValueError("special_ids must leave at least one ordinary id to draw random "
                         f"replacements from; all {vocabulary_size} ids are special")

    rng = np.random.default_rng(seed)
    chosen = ~np.isin(ids, special) & (rng.random(ids.shape) < mask_rate)
    how = rng.random(ids.shape)  # < 0.8: [MASK]; 0.8-0.9: random token; >= 0.9: unchanged
    inputs = ids.astype(np.int32).copy()
    inputs[chosen & (how < 0.8)] = mask_id
    swap = chosen & (how >= 0.8) & (how < 0.9)
    inputs[swap] = rng.choice(ordinary, size=int(swap.sum()))
    return inputs, ids.astype(np.int32), chosen.astype(np.float32)


def add_mask_token(tokenizer: Any) -> Any:
    """A copy of ``tokenizer`` with :data:`MASK_TOKEN` appended as a special token.

    The new token takes the next free id, ``tokenizer.vocabulary_size``, so every other id
    keeps its meaning: text encodes exactly as before, and a model of the old vocabulary
    and one of the new can be compared token for token. ``decode`` drops ``[MASK]`` like the
    other special tokens. A tokenizer that already has the token is returned unchanged.

    Parameters
    ----------
    tokenizer : seqbook.data.SubwordTokenizer

    Returns
    -------
    seqbook.data.SubwordTokenizer
        Its ``vocabulary_size`` is one larger (unless the token was there already).

    Example
    -------
    >>> from seqbook.data import train_subword_tokenizer
    >>> tok = train_subword_tokenizer(["the cat sat", "the cats sat"] * 10,
    ...                               vocabulary_size=40)
    >>> with_mask = add_mask_token(tok)
    >>> with_mask.token_to_id("[MASK]") == tok.vocabulary_size
    True
    >>> with_mask.encode("the cats") == tok.encode("the cats")
    True
    """
    from seqbook.data import SubwordTokenizer

    if not isinstance(tokenizer, SubwordTokenizer):
        raise ValueError(f"tokenizer must be a seqbook.data.SubwordTokenizer; got "
                         f"{type(tokenizer).__name__}")
    return tokenizer.with_special_token(MASK_TOKEN)


def load_pretrained_mlm(name: str = PRETRAINED_MLM_NAME) -> tuple[keras.Model, Any, dict]:
    """The small masked language model pretrained by ``benchmarks/pretrain_small_lm.py``.

    Run with ``--objective masked``, the script pretrains :func:`masked_lm` on the data, with
    the tokenizer (plus ``[MASK]``), sizes and budget of the shipped causal model.

    Parameters
    ----------
    name : str
        The files' stem under ``seqbook/weights/``: ``<name>.weights.h5``, ``<name>.json``
        (architecture, training record) and ``<name>.tokenizer.json``.

    Returns
    -------
    (model, tokenizer, record) : tuple
        The compiled :func:`masked_lm` with the weights loaded, its
        :class:`~seqbook.data.SubwordTokenizer` (with ``[MASK]``), and the training record.

    Example
    -------
    >>> mlm, tokenizer, record = load_pretrained_mlm()  # doctest: +SKIP
    >>> tokenizer.token_to_id("[MASK]") == mlm.lm_config["vocabulary_size"] - 1  # doctest: +SKIP
    True
    """
    return _load_shipped(name, masked_lm, "benchmarks/pretrain_small_lm.py --objective masked")
