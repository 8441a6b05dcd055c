"""Human-rated sentences of the VADER paper (Hutto & Gilbert, ICWSM 2014).

The ground truth ships inside vaderSentiment's source distribution on PyPI, so it is
fetched once with pip (the package registry, reachable where PyPI is), its SHA-256 checked,
and cached in ``SEQBOOK_DATA_DIR``. Each sentence carries the mean of about 20 human
ratings on a -4 (most negative) .. +4 (most positive) scale.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqbook.data.sources import pypi_archives
from seqbook.data.sources._common import check_choice, hash_split

SDIST = "vaderSentiment-3.3.2.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
#: Corpus name -> ground-truth file inside the paper's archive.
CORPORA = {
    "movie_reviews": "movieReviewSnippets_GroundTruth.txt",
    "amazon_reviews": "amazonReviewSnippets_GroundTruth.txt",
    "nyt_editorials": "nytEditorialSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
}


def fetch_sdist(timeout: float = 120.0) -> Path:
    """Return the cached, checksum-verified vaderSentiment 3.3.2 sdist, fetching it once.

    Raises
    ------
    RuntimeError
        When pip cannot fetch it (no route to PyPI) or the file's checksum is wrong.
    """
    return pypi_archives.fetch_sdist("vaderSentiment==3.3.2", SDIST, SDIST_SHA256, timeout)


def sentiment_records(corpus: str = "all") -> list[tuple[str, str, float, str]]:
    """Return ``(id, corpus, rating, text)`` for every rated sentence, in file order.

    Example
    -------
    >>> len(sentiment_records("tweets"))
    4200
    """
    check_choice("corpus", corpus, ("all", *CORPORA))
    with tarfile.open(fetch_sdist()) as outer:
        inner_bytes = outer.extractfile(
            "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
        ).read()
    records = []
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for name, filename in CORPORA.items():
            if corpus not in ("all", name):
                continue
            text = inner.extractfile(f"hutto_ICWSM_2014/{filename}").read().decode("utf-8")
            for line in text.splitlines():
                if line.strip():
                    identifier, rating, sentence = line.split("\t", 2)
                    records.append((identifier, name, float(rating), sentence.strip()))
    return records


def load_sentiment_snippets(split: str, corpus: str) -> tf.data.Dataset:
    """Elements ``{"text": string [], "rating": float32 [], "corpus": string []}``.

    Sentences are split by a hash of their source document (Amazon ids ``12_3`` are
    sentence 3 of review 12), so no review or editorial straddles train and test.
    """
    rows = [
        r
        for r in sentiment_records(corpus)
        if split == "all" or hash_split(f"{r[1]}:{r[0].split('_')[0]}") == split
    ]
    ids, corpora, ratings, texts = zip(*rows, strict=True)
    return tf.data.Dataset.from_tensor_slices(
        {
            "text": np.asarray(texts, dtype=object),
            "rating": np.asarray(ratings, dtype=np.float32),
            "corpus": np.asarray(corpora, dtype=object),
        }
    )


def sentiment_sentences(split: str, corpus: str = "all") -> dict[str, np.ndarray]:
    """The book's one sentiment protocol: texts, human ratings and binary polarity.

    Every chapter that uses the VADER sentences goes through this function, so they share
    one split (by source document, see :func:`load_sentiment_snippets`) and one labelling:
    a sentence is positive (1) when its mean human rating is above zero and negative (0)
    when below; the few rated exactly zero have no side and are left out.

    Parameters
    ----------
    split : {"train", "validation", "test", "all"}
    corpus : {"all", "movie_reviews", "amazon_reviews", "nyt_editorials", "tweets"}

    Returns
    -------
    dict of numpy arrays, in file order
        ``text`` (object), ``rating`` (float32, -4..4), ``corpus`` (object) and
        ``polarity`` (int64: 1 positive, 0 negative), for the sentences not rated 0.

    Example
    -------
    >>> rows = sentiment_sentences("test", corpus="tweets")
    >>> sorted(rows), set(rows["polarity"].tolist()) == {0, 1}
    (['corpus', 'polarity', 'rating', 'text'], True)
    """
    check_choice("split", split, ("train", "validation", "test", "all"))
    records = [r for r in sentiment_records(corpus)
               if r[2] != 0
               and (split == "all" or hash_split(f"{r[1]}:{r[0].split('_')[0]}") == split)]
    _, corpora, ratings, texts = zip(*records, strict=True)
    rating = np.asarray(ratings, dtype=np.float32)
    return {"text": np.asarray(texts, dtype=object), "rating": rating,
            "corpus": np.asarray(corpora, dtype=object),
            "polarity": (rating > 0).astype(np.int64)}


#: Where the lexicon sits inside the sdist.
LEXICON_FILE = "vaderSentiment-3.3.2/vaderSentiment/vader_lexicon.txt"


def vader_lexicon() -> dict[str, float]:
    """The VADER sentiment lexicon: token -> mean valence of ten human ratings (-4..4).

    Read from ``vader_lexicon.txt`` inside the same cached sdist as the rated sentences
    (the vaderSentiment package is never installed or imported). Each line of the file
    holds a token (a word, a slang word or an emoticon such as ``:)``), its mean valence,
    the standard deviation of the ratings and the ratings themselves; only the first two
    are kept. About 7,500 tokens, all lower case.

    Returns
    -------
    dict of str to float
        A fresh dictionary on every call (changing it changes nothing else).

    Example
    -------
    >>> lexicon = vader_lexicon()
    >>> len(lexicon) > 7000, lexicon["good"], lexicon["horrible"]
    (True, 1.9, -2.5)
    """
    with tarfile.open(fetch_sdist()) as archive:
        text = archive.extractfile(LEXICON_FILE).read().decode("utf-8")
    lexicon = {}
    for line in text.splitlines():
        fields = line.strip("\r\n").split("\t")
        if len(fields) >= 2 and fields[0]:
            lexicon[fields[0]] = float(fields[1])
    return lexicon
