"""Data for the chapters: real sequences that ship inside packages, generators, pipelines.

``list_datasets()`` shows every data set and ``load(name, split)`` returns it as a
``tf.data.Dataset``; all but the online TFDS sets load with no network (see
``registry``/``catalogue``). ``series`` and ``word_order`` give the first chapters' arrays
directly, ``pipelines`` turns arrays into padded, masked, bucketed or windowed ``tf.data``
pipelines, ``arrays`` reads a finite data set whole into NumPy (``to_numpy``) and cuts
arrays to whole global batches (``trim_to_batches``), and ``tokenizers`` trains subword
(BPE, WordPiece) vocabularies.
``text_pairs`` prepares the sequence-to-sequence tasks: a token ``Vocabulary`` with reserved
padding, start, end and unknown ids, CMUdict's grapheme-to-phoneme pairs
(``cmudict_pairs``) and number names in two languages (``number_pairs``, ``number_words``);
``texts`` returns a text data set's strings as a list.
``sentiment_sentences`` is the one sentiment protocol (split, polarity) of every chapter
that uses the VADER sentences, ``vader_lexicon`` the word valences that come with them;
``shakespeare_works`` and ``work_split`` give the works of the text-generation chapter and
their split by work.
"""

from seqbook.data.arrays import to_numpy, trim_to_batches, whole_batches
from seqbook.data.pipelines import (
    Standardizer,
    bucket_by_length,
    chronological_split,
    padding_fraction,
    window_arrays,
    windows,
)
from seqbook.data.registry import DatasetInfo, info, list_datasets, load
from seqbook.data.series import nile, sunspots
from seqbook.data.sources.bible import bible_pairs, bible_verses
from seqbook.data.sources.manpages import manpage_pairs
from seqbook.data.moving_digits import digit_scan_split, moving_digit_clips
from seqbook.data.sources.video_clips import frame_windows, video_frames
from seqbook.data.sources.sentiment import sentiment_sentences, vader_lexicon
from seqbook.data.sources.shakespeare import shakespeare_works, work_split
from seqbook.data.text_pairs import Vocabulary, cmudict_pairs, number_pairs, number_words, texts
from seqbook.data.tokenizers import SubwordTokenizer, train_subword_tokenizer
from seqbook.data.word_order import word_order_sentences

__all__ = [
    "bible_pairs",
    "bible_verses",
    "DatasetInfo",
    "Standardizer",
    "SubwordTokenizer",
    "Vocabulary",
    "bucket_by_length",
    "chronological_split",
    "cmudict_pairs",
    "info",
    "list_datasets",
    "manpage_pairs",
    "digit_scan_split",
    "frame_windows",
    "moving_digit_clips",
    "video_frames",
    "sentiment_sentences",
    "shakespeare_works",
    "load",
    "number_pairs",
    "number_words",
    "texts",
    "vader_lexicon",
    "work_split",
    "padding_fraction",
    "nile",
    "sunspots",
    "to_numpy",
    "train_subword_tokenizer",
    "trim_to_batches",
    "window_arrays",
    "whole_batches",
    "windows",
    "word_order_sentences",
]
