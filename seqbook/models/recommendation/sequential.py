"""Next-item models: a GRU4Rec-style recurrent model and a SASRec-style causal Transformer.

Both read a left-padded window of item ids ``[batch, sequence_length]`` (0 = padding) and
return, at every position ``t``, float32 logits over all item ids for the item that comes
after position ``t``. They are trained on every position at once with a full softmax
cross-entropy over the catalogue (padding targets ignored), as Klenitskiy & Vasilev (2023)
found works better for SASRec than the original one-negative binary loss; at evaluation the
last position's logits rank every item (:func:`next_item_scores`).
"""

from __future__ import annotations

import weakref
from typing import Any

import keras
import numpy as np
from keras import ops

from seqbook.layers.transformer.masks import causal_mask
from seqbook.layers.transformer.positional import PositionEmbedding
from seqbook.models._common import compile_model, require_positive, require_rate
from seqbook.models.transformer.encoder import GPT_POSITION_INIT, transformer_encoder

__all__ = ["BestEpoch", "HistoryMask", "gru4rec", "next_item_scores", "sasrec"]

# The network up to the read-out, built once per model (next_item_scores runs it per epoch).
_BODIES: "weakref.WeakKeyDictionary[keras.Model, keras.Model]" = weakref.WeakKeyDictionary()


@keras.saving.register_keras_serializable(package="seqbook")
class HistoryMask(keras.layers.Layer):
    """Item ids ``[batch, T]`` -> attention mask ``[batch, T, T]`` (True = may attend).

    Position ``i`` attends to position ``j`` when ``j <= i`` (causal: never the future) and
    item ``j`` is not padding (id 0); every position also attends to itself, so that the
    padding positions of a left-padded window still have something to attend to (their
    outputs are never used).

    Example
    -------
    >>> mask = HistoryMask()(np.array([[0, 5, 7]]))
    >>> np.asarray(mask)[0].astype(int).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    """

    def call(self, tokens: Any) -> Any:
        length = tokens.shape[1]
        if length is None:
            raise ValueError("HistoryMask needs a fixed sequence_length (the window size)")
        causal = causal_mask(length)[None, :, :]  # [1, T, T]
        keys = ops.not_equal(tokens, 0)[:, None, :]  # [B, 1, T]
        itself = ops.eye(length, dtype="bool")[None, :, :]
        return ops.logical_or(ops.logical_and(causal, keys), itself)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[1], input_shape[1])


def _check(vocabulary_size: int, sequence_length: int, embedding_dim: int,
           dropout: float) -> None:
    require_positive(vocabulary_size=vocabulary_size, sequence_length=sequence_length,
                     embedding_dim=embedding_dim)
    if vocabulary_size < 2:
        raise ValueError("vocabulary_size must be >= 2 (padding id 0 and at least one item); "
                         f"got {vocabulary_size}")
    require_rate(dropout=dropout)


def _compile(model: keras.Model, learning_rate: float) -> keras.Model:
    return compile_model(
        model,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        learning_rate=learning_rate,
    )


def gru4rec(vocabulary_size: int, sequence_length: int, embedding_dim: int = 64,
            units: int = 64, dropout: float = 0.2, learning_rate: float = 1e-3
            ) -> keras.Model:
    """A compiled GRU4Rec-style next-item model: ``items [B, T] -> logits [B, T, vocab]``.

    Item embeddings, one GRU over the window (a recurrent state summarises the history so
    far), dropout and a float32 read-out over every item id, after Hidasi et al. (2016)
    but trained with a full softmax over the catalogue.

    Parameters
    ----------
    vocabulary_size : int
        Number of item ids including padding id 0 (largest item id + 1).
    sequence_length : int
        Window length.
    embedding_dim, units : int
        Item embedding size and GRU state size.
    dropout : float
        Dropout on the embeddings and on the GRU outputs, in ``[0, 1)``.
    learning_rate : float
        Adam's learning rate.

    Example
    -------
    >>> model = gru4rec(vocabulary_size=20, sequence_length=6, embedding_dim=8, units=8)
    >>> tuple(model(np.ones((3, 6), "int32")).shape)
    (3, 6, 20)
    """
    _check(vocabulary_size, sequence_length, embedding_dim, dropout)
    require_positive(units=units)
    items = keras.Input(shape=(sequence_length,), dtype="int32", name="items")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(items)
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.GRU(units, return_sequences=True, name="gru")(x)
    x = keras.layers.Dropout(dropout)(x)
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="logits")(x)
    return _compile(keras.Model(items, logits, name="gru4rec"), learning_rate)


def sasrec(vocabulary_size: int, sequence_length: int, hidden_dim: int = 64,
           num_heads: int = 2, num_layers: int = 2, intermediate_dim: int = 128,
           dropout: float = 0.2, learning_rate: float = 1e-3) -> keras.Model:
    """A compiled SASRec-style causal Transformer: ``items [B, T] -> logits [B, T, vocab]``.

    Item embeddings plus learned positions, ``num_layers`` pre-norm blocks
    (:func:`~seqbook.models.transformer_encoder`) whose attention is limited to earlier,
    non-padding items by :class:`HistoryMask`, a final layer norm and a float32 read-out
    (after Kang & McAuley 2018, with a full-softmax loss).

    Parameters
    ----------
    vocabulary_size : int
        Number of item ids including padding id 0.
    sequence_length : int
        Window length (the size of the position table).
    hidden_dim : int
        Model width; must be divisible by ``num_heads``.
    num_heads, num_layers, intermediate_dim : int
        Attention heads, blocks and feed-forward width.
    dropout : float
        Dropout rate in ``[0, 1)``.
    learning_rate : float
        Adam's learning rate.

    Example
    -------
    >>> model = sasrec(vocabulary_size=20, sequence_length=6, hidden_dim=8, num_heads=2,
    ...                num_layers=1, intermediate_dim=16)
    >>> tuple(model(np.ones((3, 6), "int32")).shape)
    (3, 6, 20)
    """
    _check(vocabulary_size, sequence_length, hidden_dim, dropout)
    require_positive(num_heads=num_heads, num_layers=num_layers,
                     intermediate_dim=intermediate_dim)
    if hidden_dim % num_heads:
        raise ValueError("hidden_dim must be divisible by num_heads; got "
                         f"hidden_dim={hidden_dim}, num_heads={num_heads}")
    items = keras.Input(shape=(sequence_length,), dtype="int32", name="items")
    mask = HistoryMask(name="history_mask")(items)
    x = keras.layers.Embedding(vocabulary_size, hidden_dim, name="embedding")(items)
    x = PositionEmbedding(sequence_length, initializer=GPT_POSITION_INIT, name="positions")(x)
    x = keras.layers.Dropout(dropout)(x)
    for _ in range(num_layers):
        x = transformer_encoder(x, num_heads=num_heads, key_dim=hidden_dim // num_heads,
                                intermediate_dim=intermediate_dim, dropout=dropout,
                                norm_first=True, attention_mask=mask)
    x = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")(x)
    logits = keras.layers.Dense(vocabulary_size, dtype="float32", name="logits")(x)
    return _compile(keras.Model(items, logits, name="sasrec"), learning_rate)


def next_item_scores(model: keras.Model, windows: np.ndarray, batch_size: int = 256
                     ) -> np.ndarray:
    """Scores of every item id as the next item after each window (its last position).

    Only the last position's read-out is computed: the network runs up to the layer before
    ``"logits"``, and the read-out is applied to the last step in NumPy.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`gru4rec` or :func:`sasrec` (a layer named ``"logits"``).
    windows : np.ndarray
        Left-padded item ids ``[users, sequence_length]`` (:func:`history_windows`).
    batch_size : int
        Windows per forward pass.

    Returns
    -------
    np.ndarray
        float32 ``[users, vocabulary_size]``.

    Example
    -------
    >>> model = gru4rec(vocabulary_size=20, sequence_length=6, embedding_dim=8, units=8)
    >>> windows = np.ones((3, 6), "int32")
    >>> scores = next_item_scores(model, windows)
    >>> bool(np.allclose(scores, np.asarray(model(windows))[:, -1], atol=1e-5))
    True
    """
    windows = np.asarray(windows)
    if windows.ndim != 2:
        raise ValueError(f"windows must be 2-D [users, sequence_length]; got shape "
                         f"{windows.shape}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    readout = model.get_layer("logits")
    if model not in _BODIES:
        _BODIES[model] = keras.Model(model.inputs, readout.input)
    body = _BODIES[model]
    hidden = np.concatenate([
        np.asarray(body(windows[start:start + batch_size], training=False))[:, -1]
        for start in range(0, len(windows), batch_size)])
    kernel, bias = (np.asarray(w) for w in readout.get_weights())
    return (hidden.astype(np.float32) @ kernel + bias).astype(np.float32)


class BestEpoch(keras.callbacks.Callback):
    """Rank the validation items after every epoch; keep the weights of the best epoch.

    After each epoch the model scores every item for each validation window
    (:func:`next_item_scores`), and NDCG@k over all items, seen items excluded, is recorded
    in ``history``. At the end of training the weights of the epoch with the highest
    validation NDCG@k are restored, so the number of epochs is chosen on validation data.

    Parameters
    ----------
    windows : np.ndarray
        Validation inputs ``[users, sequence_length]`` (:func:`history_windows`).
    targets : array
        Each user's validation item.
    seen : list of arrays
        Items to exclude per user (:func:`seen_items`).
    k : int
        The cut-off of NDCG@k.

    Attributes
    ----------
    history : list of float
        Validation NDCG@k after each epoch.
    best_epoch : int
        1-based epoch whose weights were restored.

    Example
    -------
    >>> model = gru4rec(vocabulary_size=10, sequence_length=3, embedding_dim=4, units=4)
    >>> x = np.array([[1, 2, 3], [2, 3, 4]], "int32")
    >>> best = BestEpoch(x, [4, 5], [[0, 1, 2, 3], [0, 2, 3, 4]])
    >>> _ = model.fit(x, x, epochs=2, verbose=0, callbacks=[best])
    >>> len(best.history), best.best_epoch in (1, 2)
    (2, True)
    """

    def __init__(self, windows: np.ndarray, targets: Any, seen: Any, k: int = 10):
        super().__init__()
        from seqbook.metrics.ranking import ranking_scores

        self._score = lambda model: ranking_scores(
            next_item_scores(model, windows), np.asarray(targets), seen, k)[f"NDCG@{k}"]
        self.history: list[float] = []
        self.best_epoch = 0
        self._best_weights: list | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Score the validation windows; remember these weights if they are the best."""
        self.history.append(self._score(self.model))
        if self.history[-1] >= max(self.history):
            self.best_epoch = epoch + 1
            self._best_weights = self.model.get_weights()

    def on_train_end(self, logs: dict | None = None) -> None:
        """Restore the weights of the best epoch."""
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)
