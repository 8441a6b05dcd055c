"""Token vocabularies and the two sequence-to-sequence tasks of the book, ready to encode.

A :class:`Vocabulary` maps tokens (letters, phonemes, words) to integer ids and back. Its
first four ids are reserved and the same for every vocabulary, so one set of constants
serves the encoder and the decoder alike:

====  ===========  ==========================================================
id    name         role
====  ===========  ==========================================================
0     ``PAD``      padding: Keras masks it (``mask_zero=True``), losses skip it
1     ``START``    the decoder's first input
2     ``END``      the last expected output: the model decides when to stop
3     ``UNKNOWN``  a token that was not in the vocabulary (e.g. seen only in test)
====  ===========  ==========================================================

The tokens themselves take the ids 4, 5, ... in sorted order, so a vocabulary built from
the same tokens is the same whatever order they came in.

:func:`cmudict_pairs` returns grapheme-to-phoneme pairs (a word, its phoneme list) and
:func:`number_pairs` number names in two languages; :func:`number_words` splits such a
name into word tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from seqbook.data.registry import load

__all__ = ["Vocabulary", "cmudict_pairs", "number_pairs", "number_words", "texts"]

_RESERVED_NAMES = ("<pad>", "<start>", "<end>", "<unknown>")
_WORD_PATTERN = re.compile(r"[^\s,-]+|[,-]")


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _check_collection(name: str, value: object) -> None:
    """Reject a bare string (a common slip: one sequence where a batch is expected)."""
    if isinstance(value, (str, bytes)):
        raise ValueError(
            f"{name} must be a collection of token sequences (e.g. a list of words or of "
            f"token lists), got a single {type(value).__name__} {value!r:.60}; wrap it in a "
            "list."
        )


class Vocabulary:
    """Token <-> id table with four reserved ids: PAD=0, START=1, END=2, UNKNOWN=3.

    The tokens take the ids 4, 5, ... in sorted order, so ``len(vocabulary)`` (tokens plus
    the four reserved ids) is the vocabulary size a model's embedding and output layers
    need.

    Parameters
    ----------
    tokens : iterable of str
        The tokens; duplicates are dropped and the rest sorted. The names of the reserved
        ids (``"<pad>"``, ``"<start>"``, ``"<end>"``, ``"<unknown>"``) are not allowed as
        tokens.

    Raises
    ------
    ValueError
        If a token is not a string or is a reserved name.

    Example
    -------
    >>> vocab = Vocabulary(["b", "a", "c", "a"])
    >>> len(vocab), vocab.id("a"), vocab.id("z") == Vocabulary.UNKNOWN
    (7, 4, True)
    >>> vocab.encode(["cab", "a"]).tolist()
    [[6, 4, 5], [4, 0, 0]]
    >>> vocab.decode([Vocabulary.START, 6, 4, 5, Vocabulary.END, 0])
    ['c', 'a', 'b']
    """

    PAD, START, END, UNKNOWN = 0, 1, 2, 3

    def __init__(self, tokens: Iterable[str]) -> None:
        _check_collection("tokens", tokens)
        unique = set()
        for token in tokens:
            if not isinstance(token, str):
                raise ValueError(f"tokens must be strings, got {_describe(token)}.")
            unique.add(token)
        reserved = sorted(unique.intersection(_RESERVED_NAMES))
        if reserved:
            raise ValueError(
                f"tokens must not include the reserved names {list(_RESERVED_NAMES)}, "
                f"got {reserved}."
            )
        self._tokens: tuple[str, ...] = tuple(sorted(unique))
        first = len(_RESERVED_NAMES)
        self._ids: dict[str, int] = {t: i + first for i, t in enumerate(self._tokens)}
        self._names: tuple[str, ...] = _RESERVED_NAMES + self._tokens

    @classmethod
    def from_sequences(cls, sequences: Iterable[Sequence[str]]) -> Vocabulary:
        """Build the vocabulary of every token that occurs in ``sequences``.

        Parameters
        ----------
        sequences : iterable of sequences of str
            Token sequences, e.g. phoneme lists or word lists. A ``str`` is a sequence of
            letters, so a list of words gives a vocabulary of letters.

        Returns
        -------
        Vocabulary

        Raises
        ------
        ValueError
            If ``sequences`` is a single string, or holds a token that is not a string.

        Example
        -------
        >>> Vocabulary.from_sequences(["ab", "ba", "c"]).tokens
        ('a', 'b', 'c')
        >>> len(Vocabulary.from_sequences([["K", "AE", "T"], ["AE", "T"]]))
        7
        """
        _check_collection("sequences", sequences)
        seen: set = set()
        for sequence in sequences:
            if isinstance(sequence, str):
                seen.update(sequence)
                continue
            try:
                seen.update(sequence)
            except TypeError:
                raise ValueError(
                    f"sequences must hold sequences of str tokens, got an element "
                    f"{_describe(sequence)}."
                ) from None
        for token in seen:
            if not isinstance(token, str):
                raise ValueError(f"sequences must hold str tokens, got {_describe(token)}.")
        return cls(seen)

    @property
    def tokens(self) -> tuple[str, ...]:
        """The tokens, in id order (the first has id 4)."""
        return self._tokens

    def __len__(self) -> int:
        """Return the number of ids, the four reserved ones included."""
        return len(self._names)

    def __contains__(self, token: object) -> bool:
        return token in self._ids

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self._tokens == other._tokens

    def __hash__(self) -> int:
        return hash(self._tokens)

    def __repr__(self) -> str:
        shown = ", ".join(repr(t) for t in self._tokens[:5])
        more = ", ..." if len(self._tokens) > 5 else ""
        return f"Vocabulary({len(self._tokens)} tokens: {shown}{more})"

    def id(self, token: str) -> int:
        """Return the id of ``token``, or ``Vocabulary.UNKNOWN`` (3) for an unseen token.

        Example
        -------
        >>> Vocabulary(["x", "y"]).id("y"), Vocabulary(["x", "y"]).id("q")
        (5, 3)
        """
        found = self._ids.get(token) if isinstance(token, str) else None
        if found is not None:
            return found
        if not isinstance(token, str):
            raise ValueError(f"token must be a str, got {_describe(token)}.")
        return self.UNKNOWN

    def token(self, id: int) -> str:
        """Return the token of ``id``; reserved ids give ``"<pad>"``, ``"<start>"``, ...

        Example
        -------
        >>> vocab = Vocabulary(["x", "y"])
        >>> vocab.token(4), vocab.token(Vocabulary.END)
        ('x', '<end>')
        """
        return self._names[self._check_id("id", id)]

    def _check_id(self, name: str, value: object) -> int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer token id, got {_describe(value)}.")
        if not 0 <= value < len(self._names):
            raise ValueError(
                f"{name} must be a token id in [0, {len(self._names) - 1}] for this "
                f"vocabulary of {len(self._names)} ids, got {int(value)}."
            )
        return int(value)

    def encode(
        self, sequences: Sequence[Sequence[str]], sequence_length: int | None = None
    ) -> np.ndarray:
        """Return the ids of ``sequences`` as an int32 array, padded with 0.

        Parameters
        ----------
        sequences : sequence of sequences of str
            Token sequences (a ``str`` counts as a sequence of letters). Tokens not in the
            vocabulary get ``Vocabulary.UNKNOWN``. No start or end token is added
            (``models.teacher_forcing`` adds them to the decoder's arrays).
        sequence_length : int, optional
            The number of columns: longer sequences are truncated to it, shorter ones
            padded. By default, the length of the longest sequence.

        Returns
        -------
        numpy.ndarray
            int32, shape ``[len(sequences), sequence_length]``.

        Raises
        ------
        ValueError
            If ``sequences`` is a single string or holds non-string tokens, or ``sequence_length``
            is not a positive integer.

        Example
        -------
        >>> vocab = Vocabulary(list("abc"))
        >>> vocab.encode(["abc", "b", "zb"], sequence_length=2).tolist()
        [[4, 5], [5, 0], [3, 5]]
        """
        _check_collection("sequences", sequences)
        if sequence_length is not None and (
            isinstance(sequence_length, (bool, np.bool_))
            or not isinstance(sequence_length, (int, np.integer))
            or sequence_length < 1
        ):
            raise ValueError(
                "sequence_length must be a positive integer or None, "
                f"got {_describe(sequence_length)}."
            )
        ids = self._ids
        rows = []
        for sequence in sequences:
            try:
                row = [ids.get(token, -1) for token in sequence]
            except TypeError:  # a non-iterable or an unhashable token
                raise ValueError(
                    f"sequences must hold sequences of str tokens, got an element "
                    f"{_describe(sequence)}."
                ) from None
            if -1 in row:  # unseen tokens: check they are strings, then mark them unknown
                for token in sequence:
                    if not isinstance(token, str):
                        raise ValueError(
                            f"sequences must hold str tokens, got {_describe(token)}."
                        )
                row = [self.UNKNOWN if i == -1 else i for i in row]
            rows.append(row)
        width = max(map(len, rows), default=0) if sequence_length is None else int(sequence_length)
        out = np.zeros((len(rows), width), dtype=np.int32)
        for out_row, row in zip(out, rows):
            row = row[:width]
            out_row[: len(row)] = row
        return out

    def decode(self, ids: Sequence[int]) -> list[str]:
        """Return the tokens of one row of ids, as a decoder's output is read.

        A leading ``START`` is skipped, decoding stops at the first ``END``, and ``PAD``
        ids are dropped; ``UNKNOWN`` gives ``"<unknown>"``.

        Parameters
        ----------
        ids : sequence of int
            One row, e.g. ``decoding.greedy``'s output for one example.

        Returns
        -------
        list of str

        Raises
        ------
        ValueError
            If ``ids`` is not one row of integer ids of this vocabulary.

        Example
        -------
        >>> vocab = Vocabulary(["K", "AE", "T"])
        >>> vocab.decode([1, 5, 4, 6, 2, 6, 6])
        ['K', 'AE', 'T']
        """
        row = np.asarray(ids)
        if row.ndim != 1:
            raise ValueError(
                f"ids must be one row of token ids (1-D), got shape {row.shape}; use "
                "decode_batch for several rows."
            )
        if row.size and not np.issubdtype(row.dtype, np.integer):
            raise ValueError(f"ids must be integer token ids, got dtype {row.dtype}.")
        values = row.tolist()
        for value in values:
            self._check_id("ids", value)
        if values and values[0] == self.START:
            values = values[1:]
        tokens = []
        for value in values:
            if value == self.END:
                break
            if value != self.PAD:
                tokens.append(self._names[value])
        return tokens

    def decode_batch(self, rows: Sequence[Sequence[int]]) -> list[list[str]]:
        """Return :meth:`decode` of every row, e.g. of a ``[batch, length]`` array.

        Example
        -------
        >>> Vocabulary(["a", "b"]).decode_batch([[1, 4, 2], [1, 5, 4]])
        [['a'], ['b', 'a']]
        """
        if isinstance(rows, np.ndarray) and rows.ndim != 2:
            raise ValueError(f"rows must be a 2-D array of token ids, got shape {rows.shape}.")
        return [self.decode(row) for row in rows]


def _batched(name: str, split: str, columns: tuple[str, ...], **options) -> list[list[str]]:
    """Load a text data set in one batch and return its string columns, decoded."""
    dataset = load(name, split, **options).batch(1_000_000)
    columns_out: list[list[str]] = [[] for _ in columns]
    for batch in dataset.as_numpy_iterator():
        for out, column in zip(columns_out, columns):
            out.extend(value.decode("utf-8") for value in batch[column])
    return columns_out


def texts(name: str, split: str = "train", field: str = "text", **options) -> list[str]:
    """Return one string field of a text data set, decoded: all of ``split`` as a list.

    For text read whole (a corpus, the topics of a manual) rather than streamed. One large
    batch decodes far faster than iterating the ``tf.data`` elements one by one.

    Parameters
    ----------
    name, split, **options
        As for :func:`seqbook.data.load`.
    field : str
        The element's string feature to return.

    Example
    -------
    >>> topics = texts("python_docs", "validation")  # topics of the Python manual
    >>> len(topics), topics[0].splitlines()[0]
    (8, 'Type Objects')
    """
    return _batched(name, split, (field,), **options)[0]


def cmudict_pairs(split: str, stress: bool = False) -> tuple[list[str], list[list[str]]]:
    """Return CMUdict's words of ``split`` and their pronunciations as phoneme lists.

    Each word keeps its first listed pronunciation (``variants="first"``), and a word
    belongs to one split only (``data.load("cmudict", ...)`` assigns it by a hash).

    Parameters
    ----------
    split : {"train", "validation", "test", "all"}
    stress : bool, default False
        Keep the vowels' stress digits (``AH0``, ``AH1``); ``False`` leaves the 39 ARPAbet
        phonemes.

    Returns
    -------
    words : list of str
        Sorted lower-case words.
    phonemes : list of list of str
        The pronunciation of each word.

    Example
    -------
    >>> words, phonemes = cmudict_pairs("test")
    >>> len(words) == len(phonemes) == 12540
    True
    >>> phonemes[words.index("zwicky")]
    ['Z', 'W', 'IH', 'K', 'IY']
    """
    words, phonemes = _batched("cmudict", split, ("word", "phonemes"), stress=stress)
    return words, [text.split() for text in phonemes]


def number_pairs(
    split: str, source: str = "en", target: str = "fr"
) -> tuple[list[str], list[str]]:
    """Return the names of the numbers 0-9,999 of ``split`` in two languages.

    Parameters
    ----------
    split : {"train", "validation", "test", "all"}
        Numbers are assigned to splits by a hash, so every test number is unseen in
        training.
    source, target : str
        num2words language codes (``"en"``, ``"fr"``, ``"de"``, ...) or ``"digits"``.

    Returns
    -------
    sources, targets : list of str
        The texts, one pair per number.

    Example
    -------
    >>> english, french = number_pairs("test")
    >>> len(english), french[english.index("seventy-eight")]
    (1052, 'soixante-dix-huit')
    """
    sources, targets = _batched(
        "number_translation", split, ("source", "target"), source=source, target=target
    )
    return sources, targets


def number_words(text: str) -> list[str]:
    """Split a number's name into words, with hyphens and commas as tokens of their own.

    Example
    -------
    >>> number_words("one thousand, seventy-one")
    ['one', 'thousand', ',', 'seventy', '-', 'one']
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {_describe(text)}.")
    return _WORD_PATTERN.findall(text)
