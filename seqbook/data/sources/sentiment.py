"""Human-rated sentences of the VADER paper (Hutto & Gilbert, ICWSM 2014).

The ground truth ships inside vaderSentiment's source distribution on PyPI, so it is
fetched once with pip (the package registry, reachable where PyPI is), its SHA-256 checked,
and cached in ``SEQBOOK_DATA_DIR``. Each sentence carries the mean of about 20 human
ratings on a -4 (most negative) .. +4 (most positive) scale.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqbook.data.sources._common import check_choice, data_dir, hash_split

SDIST = "vaderSentiment-3.3.2.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
#: Corpus name -> ground-truth file inside the paper's archive.
CORPORA = {
    "movie_reviews": "movieReviewSnippets_GroundTruth.txt",
    "amazon_reviews": "amazonReviewSnippets_GroundTruth.txt",
    "nyt_editorials": "nytEditorialSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_sdist(timeout: float = 120.0) -> Path:
    """Return the cached, checksum-verified vaderSentiment 3.3.2 sdist, fetching it once.

    Raises
    ------
    RuntimeError
        When pip cannot fetch it (no route to PyPI) or the file's checksum is wrong.
    """
    target = data_dir() / "downloads" / SDIST
    if target.exists() and _sha256(target) == SDIST_SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-binary",
            ":all:",
            "--no-deps",
            "--disable-pip-version-check",
            "--quiet",
            "--dest",
            scratch,
            "vaderSentiment==3.3.2",
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            detail = getattr(error, "stderr", "") or str(error)
            raise RuntimeError(
                f"pip could not fetch vaderSentiment==3.3.2 from PyPI: {detail}"
            ) from error
        fetched = Path(scratch) / SDIST
        if _sha256(fetched) != SDIST_SHA256:
            raise RuntimeError(f"{SDIST} has SHA-256 {_sha256(fetched)}, expected {SDIST_SHA256}.")
        fetched.replace(target)
    return target


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
