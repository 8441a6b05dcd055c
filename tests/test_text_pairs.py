"""Vocabulary and the sequence-to-sequence pairs: ids, round trips, padding, splits, errors."""

import numpy as np
import pytest

from seqbook import data, models
from seqbook.data import Vocabulary


@pytest.fixture(scope="module")
def cmudict_splits():
    """CMUdict's train and test splits without stress, loaded once for the module."""
    return {split: data.cmudict_pairs(split) for split in ("train", "test")}


@pytest.fixture(scope="module")
def number_splits():
    return {split: data.number_pairs(split) for split in ("train", "validation", "test")}


# Vocabulary ----------------------------------------------------------------------------


def test_reserved_ids_and_sorted_tokens():
    assert (Vocabulary.PAD, Vocabulary.START, Vocabulary.END, Vocabulary.UNKNOWN) == (0, 1, 2, 3)
    vocab = Vocabulary(["T", "K", "AE", "K"])
    assert vocab.tokens == ("AE", "K", "T")
    assert len(vocab) == 3 + 4
    assert [vocab.id(t) for t in ("AE", "K", "T")] == [4, 5, 6]
    names = [vocab.token(i) for i in range(len(vocab))]
    assert names == ["<pad>", "<start>", "<end>", "<unknown>", "AE", "K", "T"]
    # The same tokens in any order give the same table.
    assert Vocabulary(["K", "T", "AE"]) == vocab
    assert "K" in vocab and "Z" not in vocab


def test_from_sequences_collects_every_token():
    letters = Vocabulary.from_sequences(["knight", "box"])
    assert letters.tokens == tuple(sorted(set("knightbox")))
    phones = Vocabulary.from_sequences([["N", "AY", "T"], ["B", "AA", "K", "S"]])
    assert phones.tokens == ("AA", "AY", "B", "K", "N", "S", "T")
    assert len(Vocabulary.from_sequences([])) == 4


def test_unknown_tokens_get_the_unknown_id():
    vocab = Vocabulary.from_sequences(["abc"])
    assert vocab.id("z") == Vocabulary.UNKNOWN
    assert vocab.encode(["azc"]).tolist() == [[4, 3, 6]]
    assert vocab.decode([4, 3, 6]) == ["a", "<unknown>", "c"]


def test_encode_pads_with_zero_and_truncates():
    vocab = Vocabulary.from_sequences(["abcd"])
    ids = vocab.encode(["abcd", "b", ""])
    assert ids.dtype == np.int32 and ids.shape == (3, 4)
    assert ids.tolist() == [[4, 5, 6, 7], [5, 0, 0, 0], [0, 0, 0, 0]]
    assert (vocab.encode(["abcd", "b"], sequence_length=6).tolist()
            == [[4, 5, 6, 7, 0, 0], [5] + [0] * 5])
    assert vocab.encode(["abcd", "b"], sequence_length=2).tolist() == [[4, 5], [5, 0]]
    assert vocab.encode([]).shape == (0, 0)
    assert vocab.encode([], sequence_length=3).shape == (0, 3)
    # numpy integers are fine as a length
    assert vocab.encode(["ab"], sequence_length=np.int64(3)).shape == (1, 3)


def test_round_trip_through_ids():
    sequences = [["Z", "W", "IH", "K", "IY"], ["AH"], ["K", "AE", "T", "S"]]
    vocab = Vocabulary.from_sequences(sequences)
    ids = vocab.encode(sequences)
    assert vocab.decode_batch(ids) == sequences
    # ...and through teacher_forcing's decoder arrays: START first, END after the last token.
    target_in, target_out = models.teacher_forcing(ids, Vocabulary.START, end_token=Vocabulary.END)
    assert vocab.decode_batch(target_in) == sequences
    assert vocab.decode_batch(target_out) == sequences
    assert all(row[len(seq)] == Vocabulary.END for row, seq in zip(target_out, sequences))


def test_decode_skips_a_leading_start_stops_at_end_and_drops_padding():
    vocab = Vocabulary(["a", "b"])
    assert vocab.decode([1, 4, 0, 5, 2, 4, 4]) == ["a", "b"]
    assert vocab.decode(np.array([4, 5], dtype=np.int64)) == ["a", "b"]  # no START, no END
    assert vocab.decode([1, 2, 4]) == []
    assert vocab.decode([]) == []
    # Only a *leading* START is skipped; a later one is shown.
    assert vocab.decode([4, 1, 5]) == ["a", "<start>", "b"]
    outputs = np.array([[1, 5, 4, 2, 5], [1, 4, 4, 4, 4]])
    assert vocab.decode_batch(outputs) == [["b", "a"], ["a", "a", "a", "a"]]


def test_bad_input_names_the_argument():
    vocab = Vocabulary(["a", "b"])
    cases = [
        (lambda: Vocabulary(["a", 1]), "tokens"),
        (lambda: Vocabulary("ab"), "tokens"),
        (lambda: Vocabulary(["a", "<end>"]), "tokens"),
        (lambda: Vocabulary.from_sequences([["a", None]]), "sequences"),
        (lambda: Vocabulary.from_sequences([5]), "sequences"),
        (lambda: Vocabulary.from_sequences("ab"), "sequences"),
        (lambda: vocab.id(4), "token"),
        (lambda: vocab.token(99), "id"),
        (lambda: vocab.token(-1), "id"),
        (lambda: vocab.token("a"), "id"),
        (lambda: vocab.encode("ab"), "sequences"),
        (lambda: vocab.encode([["a", 7]]), "sequences"),
        (lambda: vocab.encode([np.array([4, 5])]), "sequences"),
        (lambda: vocab.encode(["ab"], sequence_length=-1), "sequence_length"),
        (lambda: vocab.encode(["ab"], sequence_length=0), "sequence_length"),
        (lambda: vocab.encode(["ab"], sequence_length=2.0), "sequence_length"),
        (lambda: vocab.encode(["ab"], sequence_length=True), "sequence_length"),
        (lambda: vocab.decode([[1, 4], [1, 5]]), "ids"),
        (lambda: vocab.decode([1, 4, 6]), "ids"),
        (lambda: vocab.decode([1.0, 4.0]), "ids"),
        (lambda: vocab.decode_batch(np.array([1, 4])), "rows"),
    ]
    for call, name in cases:
        with pytest.raises(ValueError, match=rf"^{name} must"):
            call()


def test_number_words_splits_hyphens_and_commas():
    assert data.number_words("one thousand, seventy-one") == [
        "one", "thousand", ",", "seventy", "-", "one",
    ]
    assert data.number_words("quatre-vingt-dix") == ["quatre", "-", "vingt", "-", "dix"]
    assert data.number_words("  zero ") == ["zero"]
    assert data.number_words("") == []
    with pytest.raises(ValueError, match="^text must"):
        data.number_words(b"one")


# The two tasks' data -------------------------------------------------------------------


def test_cmudict_pairs_shapes_and_disjoint_splits(cmudict_splits):
    train_words, train_phones = cmudict_splits["train"]
    test_words, test_phones = cmudict_splits["test"]
    assert (len(train_words), len(test_words)) == (100784, 12540)
    assert len(train_phones) == len(train_words) and len(test_phones) == len(test_words)
    assert all(isinstance(w, str) for w in train_words[:100])
    assert not set(train_words) & set(test_words)
    assert len(set(train_words)) == len(train_words)  # one pronunciation per word
    pron = dict(zip(train_words + test_words, train_phones + test_phones))
    assert pron["zwicky"] == ["Z", "W", "IH", "K", "IY"]
    # No stress: the 39 ARPAbet phonemes, no digits.
    phones = Vocabulary.from_sequences(train_phones)
    assert len(phones.tokens) == 39
    assert not any(any(c.isdigit() for c in p) for p in phones.tokens)
    # Letters from the training words cover the test words' letters.
    letters = Vocabulary.from_sequences(train_words)
    assert (letters.encode(test_words) != Vocabulary.UNKNOWN).all()


def test_cmudict_pairs_with_stress():
    words, phones = data.cmudict_pairs("validation", stress=True)
    assert len(words) == 12728
    assert any(p[-1].isdigit() for p in phones[0] + phones[1] + phones[2])


def test_number_pairs_shapes_and_disjoint_splits(number_splits):
    sizes = {split: len(pairs[0]) for split, pairs in number_splits.items()}
    assert sizes == {"train": 7971, "validation": 977, "test": 1052}
    for english, french in number_splits.values():
        assert len(english) == len(french)
    english = {split: set(pairs[0]) for split, pairs in number_splits.items()}
    assert not english["train"] & english["test"]
    assert not english["train"] & english["validation"]
    assert not english["validation"] & english["test"]
    pairs = dict(zip(*number_splits["train"])) | dict(zip(*number_splits["test"]))
    assert pairs["seventy-eight"] == "soixante-dix-huit"
    # Word vocabularies from the training split; the test split's words are nearly all known.
    train_english, train_french = number_splits["train"]
    source = Vocabulary.from_sequences(map(data.number_words, train_english))
    target = Vocabulary.from_sequences(map(data.number_words, train_french))
    assert {",", "-", "thousand"} <= set(source.tokens)
    assert {"-", "mille", "quatre"} <= set(target.tokens)
    test_ids = target.encode([data.number_words(t) for t in number_splits["test"][1]])
    assert (test_ids == Vocabulary.UNKNOWN).mean() < 0.01


def test_number_pairs_other_languages():
    english, digits = data.number_pairs("test", source="en", target="digits")
    assert len(english) == 1052
    assert all(d.isdigit() for d in digits)


def test_texts_returns_every_string_of_the_split_in_order():
    rows = [row["text"].decode() for row in data.load("python_docs", "test").as_numpy_iterator()]
    assert data.texts("python_docs", "test") == rows
    with pytest.raises(ValueError, match="split"):
        data.texts("python_docs", "nope")
