"""Subword tokenizers (BPE or WordPiece) trained on a corpus with Hugging Face ``tokenizers``.

Subwords keep the vocabulary small and still spell out any word: a rare word splits into
frequent pieces instead of becoming ``[UNK]``. Training and encoding run in the library's
Rust core; this module fixes the book's conventions (special tokens, ids, padding) and
connects the result to ``tf.data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqbook.data.sources._common import check_choice, check_int

#: Special tokens, always the first ids: padding is 0 so that Keras masks (``mask_zero``) work.
PAD, UNK, BOS, EOS = "[PAD]", "[UNK]", "[BOS]", "[EOS]"
SPECIAL_TOKENS = (PAD, UNK, BOS, EOS)


class SubwordTokenizer:
    """A trained subword tokenizer: text to ids and back.

    Build one with :func:`train_subword_tokenizer` or :meth:`load`.

    Example
    -------
    >>> tok = train_subword_tokenizer(["low lower lowest"] * 20, vocabulary_size=40)
    >>> tok.decode(tok.encode("lowest"))
    'lowest'
    """

    def __init__(self, backend) -> None:
        self._backend = backend

    @property
    def vocabulary_size(self) -> int:
        """Number of ids, special tokens included."""
        return self._backend.get_vocab_size(with_added_tokens=True)

    def token_to_id(self, token: str) -> int | None:
        """Return the id of ``token``, or ``None`` when it is not in the vocabulary."""
        return self._backend.token_to_id(token)

    def with_special_token(self, token: str) -> SubwordTokenizer:
        """A copy with ``token`` appended as a special token (next free id); self is unchanged.

        Every other id keeps its meaning, so text encodes exactly as before. A tokenizer
        that already has ``token`` is returned as it is.

        Example
        -------
        >>> tok = train_subword_tokenizer(["low lower lowest"] * 20, vocabulary_size=40)
        >>> more = tok.with_special_token("[MASK]")
        >>> more.token_to_id("[MASK]") == tok.vocabulary_size, more.encode("low") == tok.encode("low")
        (True, True)
        """
        if not isinstance(token, str) or not token:
            raise ValueError(f"token must be a non-empty string; got {token!r}")
        if self.token_to_id(token) is not None:
            return self
        from tokenizers import AddedToken, Tokenizer

        backend = Tokenizer.from_str(self._backend.to_str())  # a copy: self stays as it is
        backend.add_special_tokens([AddedToken(token, special=True, normalized=False)])
        return SubwordTokenizer(backend)

    def tokens(self, text: str) -> list[str]:
        """Return the subword pieces of ``text`` (handy to show how a rare word splits)."""
        return self._backend.encode(_check_text(text)).tokens

    def encode(self, text: str, add_bos_eos: bool = False) -> list[int]:
        """Return the ids of ``text``, optionally between ``[BOS]`` and ``[EOS]``."""
        ids = self._backend.encode(_check_text(text)).ids
        return [self.token_to_id(BOS), *ids, self.token_to_id(EOS)] if add_bos_eos else ids

    def encode_batch(
        self, texts: Sequence[str], sequence_length: int, add_bos_eos: bool = False
    ) -> np.ndarray:
        """Return int32 ids of shape ``[len(texts), sequence_length]``, truncated and padded
        with 0."""
        check_int("sequence_length", sequence_length)
        out = np.zeros((len(texts), sequence_length), np.int32)
        for row, text in enumerate(texts):
            ids = self.encode(text, add_bos_eos)[:sequence_length]
            out[row, : len(ids)] = ids
        return out

    def decode(self, ids: Iterable[int]) -> str:
        """Return the text of ``ids``, special tokens (padding included) dropped."""
        return self._backend.decode([int(i) for i in ids], skip_special_tokens=True)

    def encode_dataset(
        self, dataset: tf.data.Dataset, key: str, sequence_length: int
    ) -> tf.data.Dataset:
        """Replace the string feature ``key`` of each element by int32 ids ``[sequence_length]``.

        Encoding runs in Python (``tf.numpy_function``), once per element; ``cache()``
        the result when iterating more than once.
        """
        check_int("sequence_length", sequence_length)

        def encode_one(text: bytes) -> np.ndarray:
            return self.encode_batch([text.decode("utf-8")], sequence_length)[0]

        def replace(element: dict) -> dict:
            ids = tf.numpy_function(encode_one, [element[key]], tf.int32, stateful=False)
            return {**element, key: tf.ensure_shape(ids, [sequence_length])}

        return dataset.map(replace)

    def save(self, path: str | Path) -> None:
        """Write the tokenizer as one JSON file (the ``tokenizers`` format)."""
        self._backend.save(str(path))

    @classmethod
    def load(cls, path: str | Path) -> SubwordTokenizer:
        """Read a tokenizer written by :meth:`save`."""
        from tokenizers import Tokenizer  # optional extra: seqbook[data]

        return cls(Tokenizer.from_file(str(path)))


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}.")
    return text


def train_subword_tokenizer(
    texts: Iterable[str],
    vocabulary_size: int = 8000,
    algorithm: str = "bpe",
    lowercase: bool = True,
    min_frequency: int = 2,
) -> SubwordTokenizer:
    """Train a BPE or WordPiece tokenizer on ``texts``.

    Parameters
    ----------
    texts : iterable of str
        The training corpus (use the train split only).
    vocabulary_size : int
        Target vocabulary size, the four special tokens included.
    algorithm : {"bpe", "wordpiece"}
        Byte-pair encoding (Sennrich et al., 2016) merges the most frequent pair of symbols;
        WordPiece (Schuster & Nakajima, 2012; BERT) marks word-inner pieces with ``##``.
    lowercase : bool
        Lower-case and strip accents before splitting (Unicode NFD).
    min_frequency : int
        Pairs seen fewer times are not merged.

    Returns
    -------
    SubwordTokenizer

    Example
    -------
    >>> tok = train_subword_tokenizer(["the cat sat", "the cats sat"] * 10, vocabulary_size=50)
    >>> tok.token_to_id("[PAD]"), tok.decode(tok.encode("the cats"))
    (0, 'the cats')
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    check_choice("algorithm", algorithm, ("bpe", "wordpiece"))
    check_int("vocabulary_size", vocabulary_size, minimum=len(SPECIAL_TOKENS) + 1)
    check_int("min_frequency", min_frequency)
    if isinstance(texts, (str, bytes)):
        raise TypeError("texts must be an iterable of strings, got a single string.")
    if algorithm == "bpe":
        backend = Tokenizer(models.BPE(unk_token=UNK, end_of_word_suffix="</w>"))
        trainer = trainers.BpeTrainer(
            vocab_size=vocabulary_size,
            min_frequency=min_frequency,
            special_tokens=list(SPECIAL_TOKENS),
            show_progress=False,  # its bars print blank lines into notebooks
            end_of_word_suffix="</w>",
        )
        backend.decoder = decoders.BPEDecoder(suffix="</w>")
    else:
        backend = Tokenizer(models.WordPiece(unk_token=UNK))
        trainer = trainers.WordPieceTrainer(
            vocab_size=vocabulary_size,
            min_frequency=min_frequency,
            special_tokens=list(SPECIAL_TOKENS),
            show_progress=False,
        )
        backend.decoder = decoders.WordPiece()
    steps = (
        [normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents()]
        if lowercase
        else [normalizers.NFC()]
    )
    backend.normalizer = normalizers.Sequence(steps)
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace()])
    backend.train_from_iterator((_check_text(t) for t in texts), trainer=trainer)
    return SubwordTokenizer(backend)
