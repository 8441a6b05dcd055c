"""Subword tokenizers trained on real text: round trips, rare words, padding, tf.data."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from data_helpers import columns

from seqbook.data.registry import load
from seqbook.data.tokenizers import SubwordTokenizer, train_subword_tokenizer


@pytest.fixture(scope="module")
def corpus():
    return [t.decode() for t in columns(load("python_docs", split="train"))["text"]]


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece"])
def test_trained_tokenizer_round_trips_and_splits_rare_words(corpus, algorithm, tmp_path):
    tok = train_subword_tokenizer(corpus, vocabulary_size=600, algorithm=algorithm)
    assert tok.vocabulary_size == 600 and tok.token_to_id("[PAD]") == 0
    sentence = "the interpreter evaluates the expression and returns its value"
    assert tok.decode(tok.encode(sentence)) == sentence
    assert len(tok.tokens("metaclassing")) > 1  # a rare word becomes several known pieces
    assert tok.token_to_id("[UNK]") not in tok.encode("metaclassing")
    assert len(tok.encode(sentence)) < len(sentence.split()) * 2  # common words stay whole
    path = tmp_path / "tok.json"
    tok.save(path)
    assert SubwordTokenizer.load(path).encode(sentence) == tok.encode(sentence)


def test_padding_truncation_and_dataset(corpus):
    tok = train_subword_tokenizer(corpus[:20], vocabulary_size=300)
    batch = tok.encode_batch(["a for loop", "while " * 50], sequence_length=8, add_bos_eos=True)
    assert batch.shape == (2, 8) and batch.dtype == np.int32
    assert batch[0, 0] == tok.token_to_id("[BOS]") and batch[0, -1] == 0 and (batch[1] != 0).all()
    dataset = tok.encode_dataset(load("python_docs", split="test"), "text", sequence_length=16)
    assert dataset.element_spec["text"] == tf.TensorSpec([16], tf.int32)
    first = next(iter(dataset))["text"].numpy()
    assert (first > 0).all()  # topics are long: no padding in 16 ids


def test_bad_arguments():
    with pytest.raises(ValueError, match="algorithm must be one of"):
        train_subword_tokenizer(["a b"], algorithm="unigram")
    with pytest.raises(ValueError, match="vocabulary_size must be >= 5"):
        train_subword_tokenizer(["a b"], vocabulary_size=2)
    with pytest.raises(TypeError, match="single string"):
        train_subword_tokenizer("a b c")


def test_with_special_token_appends_one_id_and_refuses_an_empty_token():
    import pytest

    from seqbook.data import train_subword_tokenizer

    tok = train_subword_tokenizer(["low lower lowest"] * 20, vocabulary_size=40)
    more = tok.with_special_token("[SEP]")
    assert more.vocabulary_size == tok.vocabulary_size + 1
    assert more.with_special_token("[SEP]") is more
    assert tok.token_to_id("[SEP]") is None  # the original is unchanged
    with pytest.raises(ValueError, match="token must be"):
        tok.with_special_token("")
