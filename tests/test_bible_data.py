"""The English-Spanish Bible corpus: cleaning, alignment spot checks, counts, a split by book."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from seqbook import data
from seqbook.data.sources import bible
from seqbook.data.sources.bible import align_verses, bible_pairs, book_split, clean_osis

# The user's cache, read before a fixture points SEQBOOK_DATA_DIR at a private one.
_USER_DOWNLOADS = (Path(os.environ.get("SEQBOOK_DATA_DIR") or "~/.cache/seqbook").expanduser()
                   / "downloads")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The corpus built from the two .deb files (copied from the user's cache when there)
    into a private cache, so extraction, pysword and the filters run on the real modules."""
    private = tmp_path_factory.mktemp("bible-data")
    for _, _, filename, *_ in bible.PACKAGES:
        if (_USER_DOWNLOADS / filename).is_file():
            (private / "downloads").mkdir(exist_ok=True)
            shutil.copyfile(_USER_DOWNLOADS / filename, private / "downloads" / filename)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQBOOK_DATA_DIR", str(private))
        verses = bible.bible_verses()
        assert (private / bible._CACHE).is_file()
        # The second call reads the JSON cache only: no pysword, no .deb.
        patch.setattr(bible, "_read_module", lambda *args: pytest.fail("cache not used"))
        assert bible.bible_verses() == verses
        splits = {split: bible_pairs(split) for split in ("train", "validation", "test")}
        loaded = list(data.load("bible_en_es", "test").as_numpy_iterator())
        short = bible_pairs("validation", "es", "en", max_words=8)
    return {"verses": verses, "splits": splits, "loaded": loaded, "short": short,
            "by_reference": {(v["book"], v["chapter"], v["verse"]): v for v in verses}}


def test_counts_match_the_catalogue_and_the_docstring(corpus):
    counts = {split: len(pairs[0]) for split, pairs in corpus["splits"].items()}
    counts["all"] = len(corpus["verses"])
    assert counts == data.info("bible_en_es").num_examples
    assert counts == {"train": 27327, "validation": 1393, "test": 1746, "all": 30466}
    for sources, targets in corpus["splits"].values():
        assert len(sources) == len(targets)
    assert len({v["book"] for v in corpus["verses"]}) == 66


def test_splits_are_disjoint_by_book_and_so_by_chapter(corpus):
    books = {split: {v["book"] for v in corpus["verses"] if book_split(v["book"]) == split}
             for split in ("train", "validation", "test")}
    assert books["validation"] == set(bible.VALIDATION_BOOKS)
    assert books["test"] == set(bible.TEST_BOOKS)
    assert not books["train"] & (books["validation"] | books["test"])
    chapters = {split: {(v["book"], v["chapter"]) for v in corpus["verses"]
                        if book_split(v["book"]) == split} for split in books}
    assert not chapters["train"] & chapters["test"]
    assert not chapters["train"] & chapters["validation"]
    # The loader and the catalogue's tf.data view give the same test verses, in order.
    test_en = [row["en"].decode() for row in corpus["loaded"]]
    assert test_en == corpus["splits"]["test"][0]
    assert corpus["loaded"][0]["reference"].decode() == "Ruth 1:1"


@pytest.mark.parametrize("reference, english, spanish", [
    (("John", 11, 35), "Jesus wept.", "Y lloró Jesús."),
    # A footnote sat between "God" and "created"; the 1909's capital "EN" is softened.
    (("Gen", 1, 1), "In the beginning, God created the heavens and the earth.",
     "En el principio crió Dios los cielos y la tierra."),
    (("Exod", 20, 13), "“You shall not murder.", "No matarás."),
    (("Acts", 1, 1), "The first book I wrote, Theophilus, concerned all that Jesus began both "
     "to do and to teach,", "En el primer tratado, oh Teófilo, he hablado de todas las cosas "
     "que Jesús comenzó á hacer y á enseñar,"),
])
def test_known_verses_are_aligned_and_clean(corpus, reference, english, spanish):
    verse = corpus["by_reference"][reference]
    assert (verse["en"], verse["es"]) == (english, spanish)


def test_no_markup_or_stray_spaces_are_left(corpus):
    for verse in corpus["verses"]:
        for text in (verse["en"], verse["es"]):
            assert text and text == text.strip()
            assert "<" not in text and ">" not in text and "&" not in text
            assert "  " not in text and " ," not in text and "¿ " not in text
    # The WEB's glossary, appended after Rev 22:21, is end matter, not the verse.
    assert "Glossary" not in corpus["by_reference"][("Rev", 22, 21)]["en"]
    # The 1909's <transChange> words are no longer glued to their neighbours.
    assert "siempreessu" not in " ".join(v["es"] for v in corpus["verses"])


def test_versification_mismatches_are_filtered(corpus):
    references = corpus["by_reference"]
    # Whole chapters numbered differently in the two versifications.
    for book, chapter in [("Job", 39), ("Num", 13), ("Jonah", 2), ("1Sam", 24)]:
        assert not any(r[:2] == (book, chapter) for r in references)
    # A shift that starts inside a chapter: 1 Kgs 22 is in step up to verse 42 only.
    kings = sorted(r[2] for r in references if r[:2] == ("1Kgs", 22))
    assert 42 in kings and max(kings) < 43
    # A joined verse: the 1909 puts 2 Sam 20:26 into verse 25, so both go.
    assert ("2Sam", 20, 25) not in references and ("2Sam", 20, 26) not in references
    assert ("2Sam", 20, 24) in references


def test_pairs_follow_direction_and_length_filter(corpus):
    spanish, english = corpus["short"]
    assert spanish and len(spanish) == len(english)
    assert all(len(s.split()) <= 8 and len(e.split()) <= 8 for s, e in zip(spanish, english))
    # Same pairs as English -> Spanish, sides swapped (a repeated verse may have two renderings).
    assert set(zip(english, spanish)) <= set(zip(*corpus["splits"]["validation"]))


def test_clean_osis_handles_notes_breaks_and_capitals():
    markup = ('<div type="x-milestone" sID="pv1"/><q who="Jesus">“<w lemma="x">I</w> am</q>'
              '<note placement="foot"><reference>1:1</reference>A note.</note>, '
              '<l level="1"/>here &amp; now.”<chapter eID="Gen.1"/><title>Glossary</title>')
    assert clean_osis(markup) == "“I am, here & now.”"
    assert clean_osis("<w>para siempre</w><transChange>es</transChange><w>su</w>",
                      language="es") == "para siempre es su"
    # An isolated word in capitals is a chapter opening; a run of them is an inscription.
    assert clean_osis("¡ OH Jehová! ESTE ES EL REY", language="es") == "¡Oh Jehová! ESTE ES EL REY"
    assert clean_osis("I AM WHO I AM") == "I AM WHO I AM"  # English is left as it is


def test_align_verses_drops_a_shifted_run():
    # Spanish falls one verse behind from verse 26 on (an extra verse 25): the chapter as a
    # whole is in step and every ratio stays within 1:2 to 2:1, so only the windowed test
    # can find the run.
    lengths = [50, 80, 60, 100] * 8
    english = {("Gen", 1, v): "x" * n for v, n in enumerate(lengths, 1)}
    spanish_lengths = lengths[:24] + [70] + lengths[24:31]
    spanish = {("Gen", 1, v): "y" * n for v, n in enumerate(spanish_lengths, 1)}
    assert all(0.5 <= b / a <= 2.0 for a, b in zip(lengths, spanish_lengths))
    kept = [r["verse"] for r in align_verses(english, spanish)]
    assert kept == list(range(1, 26))


@pytest.mark.parametrize("kwargs, message", [
    (dict(split="dev"), "split must be one of"),
    (dict(split="train", source="en", target="en"), "different languages"),
    (dict(split="train", source="fr"), "source must be one of"),
    (dict(split="train", max_words=0), "max_words must be >= 1"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bible_pairs(**kwargs)
