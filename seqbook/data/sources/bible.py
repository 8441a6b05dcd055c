"""The Bible as an English-Spanish translation corpus, aligned verse by verse.

Two public-domain translations ship as SWORD modules in Debian: the World English Bible
(``sword-text-web`` 426.0-1, module ``engWEB2015eb``, 2020 text) and the Reina-Valera 1909
(``sword-text-sparv`` 2.60-1, module ``spaRV1909eb``). The two ``.deb`` files are fetched
once with ``apt-get download`` (checksum-verified, never installed, see
:mod:`seqbook.data.sources.debian_archives`), their module files are extracted, ``pysword``
reads each verse's OSIS markup, and the aligned, cleaned verses are cached as one JSON file.

Cleaning: footnotes (``<note>``) are dropped whole, every other tag is removed (a line or
paragraph break becomes a space), entities are decoded and spaces normalised. The 1909
edition prints a chapter's first word in capitals ("EN el principio"): an all-capital
Spanish word with no all-capital neighbour is written with one capital ("En"), so
inscriptions in capitals stay as they are.

Alignment: a pair is the same reference (book, chapter, verse) in both modules, for the 66
books they share (the WEB's deuterocanonical books have no Spanish counterpart). The WEB is
versified after the NRSVA, the 1909 edition after the KJV, and the two number some
chapters differently (Num 13, 1 Sam 24, Job 38-40, Jonah 2, ...): there the same reference
holds different text. Four filters remove what would be mistranslations:

- a chapter with five or more verses whose verse lengths (in characters) correlate less
  than 0.5 between the languages, or less than they do when one side is shifted by one
  verse, is dropped whole (25 chapters, 543 verses; a few, such as Psalm 136, only because
  all their verses have one length);
- a verse is dropped where the seven verses around it fit a one-verse shift better than
  their own pairing and their length ratios are unusual (a shift that starts inside a
  chapter, as 1 Kgs 22 from verse 43 on: 54 verses);
- a verse empty on either side is dropped, and so are its neighbours, which hold its text
  when two verses were joined ("vv. 25-26"; 26 verses);
- a verse whose Spanish is under half or over twice the length of its English is dropped
  (text moved elsewhere, a subscription added: 13 verses).

That leaves 30,466 of the 31,102 shared references.

Split by **book** (fixed here before any model saw the data), so no held-out verse's chapter,
nor its book, is seen in training: validation holds Joshua, Ecclesiastes, Hebrews, James
and 1 Peter (1,393 pairs), test holds Ruth, Esther, the Song of Songs, Acts and Romans
(1,746 pairs), train the other 56 books (27,327 pairs). Both texts are in the public domain.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqbook.data.sources import debian_archives
from seqbook.data.sources._common import (check_choice, check_int, data_dir,
                                             write_atomically)

#: ``(package, version, file name, SHA-256, SWORD module, language)`` of the two translations.
PACKAGES = (
    ("sword-text-web", "426.0-1", "sword-text-web_426.0-1_all.deb",
     "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1", "engWEB2015eb", "en"),
    ("sword-text-sparv", "2.60-1", "sword-text-sparv_2.60-1_all.deb",
     "5c87f9b2bc97457e8a872f5bae7ea7ce59cb3de1dcee73e4d4740451863694cf", "spaRV1909eb", "es"),
)
LANGUAGES = ("en", "es")
#: Held-out books (OSIS names): narrative, wisdom, letters in each split.
VALIDATION_BOOKS = ("Josh", "Eccl", "Heb", "Jas", "1Pet")
TEST_BOOKS = ("Ruth", "Esth", "Song", "Acts", "Rom")
SPLITS = ("train", "validation", "test", "all")

_CACHE = "bible-web426-rv1909.json"
_SWORD_ROOT = "usr/share/sword/"
_MIN_CHAPTER_CORRELATION = 0.5
_MIN_VERSES_TO_TEST = 5
_LENGTH_RATIO = (0.5, 2.0)
_WINDOW = 3  # verses on each side of the one tested for a local shift
_MAX_WINDOW_COST = 0.25  # mean |log length ratio - typical|; aligned text: 0.09 median

_NOTE = re.compile(r"<note\b.*?</note>", re.S)
# Past a chapter's closing milestone comes end matter (the WEB appends its glossary there).
_END_MATTER = re.compile(r"<chapter\b[^>]*\beID=.*", re.S)
# Tags that separate words: lines, paragraphs, headings, and the 1909's <transChange>,
# whose words the module glues to their neighbours without a space.
_BREAK = re.compile(r"</?(?:l|lb|lg|p|div|chapter|title|item|list|milestone|transChange)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_SPACE_AFTER_OPENING = re.compile(r"([¿¡“‘(\[]) ")
_SPACE_BEFORE_CLOSING = re.compile(r" ([,.;:!?)\]”’])")
_CAPITALS = re.compile(r"\b[A-ZÁÉÍÓÚÑÜ]{2,}\b")


def clean_osis(markup: str, language: str = "en") -> str:
    """Return the plain text of one verse's OSIS markup.

    Footnotes go whole, other tags go (breaks become spaces), entities are decoded, spaces
    are normalised (none after an opening or before a closing mark). For ``"es"``, a
    chapter-opening word in capitals gets one capital (see the module's docstring).

    Example
    -------
    >>> clean_osis('<w lemma="strong:H0430">God</w><note placement="foot">Elohim</note>'
    ...            '<w lemma="strong:H1254">created</w> it<lb type="x-p"/>.')
    'God created it.'
    >>> clean_osis('¿ <w>CAZARÁS</w> tú la presa? MENE, MENE', language="es")
    '¿Cazarás tú la presa? MENE, MENE'
    """
    check_choice("language", language, LANGUAGES)
    text = _END_MATTER.sub("", markup)
    text = _NOTE.sub(" ", text)
    text = _BREAK.sub(" ", text)
    text = html.unescape(_TAG.sub("", text))
    text = " ".join(text.split())
    text = _SPACE_BEFORE_CLOSING.sub(r"\1", _SPACE_AFTER_OPENING.sub(r"\1", text))
    if language == "es":
        text = _soften_capitals(text)
    return text


def _soften_capitals(text: str) -> str:
    """Write an all-capital word with one capital unless a neighbouring word is in capitals."""
    words = text.split(" ")
    capital = [bool(_CAPITALS.search(w)) and not any(c.islower() for c in w) for w in words]
    for i, word in enumerate(words):
        alone = not (i > 0 and capital[i - 1]) and not (i + 1 < len(words) and capital[i + 1])
        if capital[i] and alone:
            words[i] = _CAPITALS.sub(lambda m: m.group(0).capitalize(), word)
    return " ".join(words)


def _sword_directory() -> Path:
    """Extract the two modules' files (once) and return the SWORD data path that holds them."""
    root = data_dir() / "sword"
    for package, version, filename, digest, module, _ in PACKAGES:
        # Written after the last file of the module: a process that finds the module's .conf
        # while another is still extracting would otherwise read a module with files missing.
        done = root / f".{filename}.extracted"
        if not done.is_file():
            deb = debian_archives.fetch_deb(package, version, filename, digest)
            debian_archives.extract_deb(deb, root, prefix=_SWORD_ROOT)
            write_atomically(done, lambda scratch, text=module: scratch.write_text(text))
    return root / _SWORD_ROOT


def _read_module(path: Path, module: str, language: str) -> dict[tuple[str, int, int], str]:
    """Return ``{(book, chapter, verse): text}`` for every verse the module's versification has."""
    from pysword.modules import SwordModules  # read only here: the cache needs no pysword

    library = SwordModules(str(path))
    library.parse_modules()
    bible = library.get_bible_from_module(module)
    # pysword decompresses a whole book's block for every verse it reads; remembering the
    # last block makes reading a module 1-2 s instead of about 45 s.
    bible._decompressed_text = functools.lru_cache(maxsize=2)(bible._decompressed_text)
    verses = {}
    for books in bible.get_structure().get_books().values():
        for book in books:
            references = [(book.osis_name, chapter, verse)
                          for chapter, count in enumerate(book.chapter_lengths, start=1)
                          for verse in range(1, count + 1)]
            texts = list(bible.get_iter(books=[book.name], clean=False))
            if len(texts) != len(references):
                raise RuntimeError(f"pysword returned {len(texts)} verses for {book.name} in "
                                   f"{module}, its versification has {len(references)}.")
            for reference, markup in zip(references, texts):
                verses[reference] = clean_osis(markup, language)
    return verses


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation, or -1 where it is undefined (a constant side)."""
    if a.std() == 0 or b.std() == 0:
        return -1.0
    return float(np.corrcoef(a, b)[0, 1])


def _chapter_in_step(english: np.ndarray, spanish: np.ndarray) -> bool:
    """Whether verse lengths agree in place better than at a one-verse shift (and >= 0.5)."""
    if len(english) < _MIN_VERSES_TO_TEST:
        return True
    in_place = _correlation(english, spanish)
    shifted = max(_correlation(english[1:], spanish[:-1]),
                  _correlation(english[:-1], spanish[1:]))
    return in_place >= _MIN_CHAPTER_CORRELATION and in_place >= shifted


def _length_cost(english: np.ndarray, spanish: np.ndarray, typical: float) -> float:
    """Mean distance of the log length ratios from the typical one, over non-empty pairs."""
    both = (english > 0) & (spanish > 0)
    if not both.any():
        return np.inf
    return float(np.mean(np.abs(np.log(spanish[both] / english[both]) - typical)))


def _verses_in_step(english: np.ndarray, spanish: np.ndarray, typical: float) -> np.ndarray:
    """Per verse: False where the verses around it fit a one-verse shift better than in place.

    This finds a shift that starts inside a chapter (1 Kgs 22 from verse 43 on), which the
    chapter-wide test misses. A window whose length ratios are all usual is kept.
    """
    n = len(english)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        lo, hi = max(0, i - _WINDOW), min(n, i + _WINDOW + 1)
        in_place = _length_cost(english[lo:hi], spanish[lo:hi], typical)
        # Spanish verse j + 1 (or j - 1) against English verse j, inside the chapter.
        ahead = _length_cost(english[lo:min(hi, n - 1)], spanish[lo + 1:min(hi, n - 1) + 1],
                             typical)
        behind = _length_cost(english[max(lo, 1):hi], spanish[max(lo, 1) - 1:hi - 1], typical)
        keep[i] = in_place <= _MAX_WINDOW_COST or in_place <= min(ahead, behind)
    return keep


def align_verses(english: dict, spanish: dict) -> list[dict]:
    """Return the aligned pairs of two ``{(book, chapter, verse): text}`` maps, filtered.

    The filters (chapters or runs of verses out of step, empty verses and their neighbours,
    lengths out of proportion) are described in the module's docstring.

    Example
    -------
    Verse 3 is empty in English (its text is in verse 2), so verses 2-4 go:

    >>> en = ["one two", "three four five six", "", "seven"]
    >>> es = ["uno dos", "tres cuatro", "cinco seis", "siete"]
    >>> pairs = align_verses({("Gen", 1, v): t for v, t in enumerate(en, 1)},
    ...                      {("Gen", 1, v): t for v, t in enumerate(es, 1)})
    >>> [(r["verse"], r["en"], r["es"]) for r in pairs]
    [(1, 'one two', 'uno dos')]
    """
    chapters: dict[tuple[str, int], list[tuple[str, int, int]]] = {}
    for reference in english:
        if reference in spanish:
            chapters.setdefault(reference[:2], []).append(reference)
    typical = float(np.median([np.log(len(spanish[r]) / len(english[r]))
                               for references in chapters.values() for r in references
                               if english[r] and spanish[r]] or [0.0]))
    records = []
    for references in chapters.values():
        en = [english[r] for r in references]
        es = [spanish[r] for r in references]
        en_lengths = np.array([len(t) for t in en], float)
        es_lengths = np.array([len(t) for t in es], float)
        if not _chapter_in_step(en_lengths, es_lengths):
            continue
        in_step = _verses_in_step(en_lengths, es_lengths, typical)
        empty = [not a or not b for a, b in zip(en, es)]
        for i, (book, chapter, verse) in enumerate(references):
            if any(empty[max(i - 1, 0):i + 2]) or not in_step[i]:
                continue
            ratio = es_lengths[i] / en_lengths[i]
            if not _LENGTH_RATIO[0] <= ratio <= _LENGTH_RATIO[1]:
                continue
            records.append({"book": book, "chapter": chapter, "verse": verse,
                            "en": en[i], "es": es[i]})
    return records


def bible_verses() -> list[dict]:
    """Return every aligned verse as ``{"book", "chapter", "verse", "en", "es"}``, in Bible order.

    The first call fetches the two packages (once), reads them with ``pysword`` and caches
    the pairs as JSON under the data directory; later calls read the cache only.

    Example
    -------
    >>> verses = bible_verses()
    >>> len(verses)
    30466
    >>> [v for v in verses if (v["book"], v["chapter"], v["verse"]) == ("John", 11, 35)]
    [{'book': 'John', 'chapter': 11, 'verse': 35, 'en': 'Jesus wept.', 'es': 'Y lloró Jesús.'}]
    """
    cache = data_dir() / _CACHE
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    path = _sword_directory()
    english, spanish = (_read_module(path, module, language)
                        for *_, module, language in PACKAGES)
    records = align_verses(english, spanish)
    text = json.dumps(records, ensure_ascii=False)
    write_atomically(cache, lambda scratch: scratch.write_text(text, encoding="utf-8"))
    return records


def book_split(book: str) -> str:
    """Return the split (``train``, ``validation`` or ``test``) that holds ``book`` (OSIS name).

    Example
    -------
    >>> book_split("Acts"), book_split("Heb"), book_split("Gen")
    ('test', 'validation', 'train')
    """
    if book in VALIDATION_BOOKS:
        return "validation"
    return "test" if book in TEST_BOOKS else "train"


def bible_pairs(split: str, source: str = "en", target: str = "es",
                max_words: int | None = None) -> tuple[list[str], list[str]]:
    """Return the ``(sources, targets)`` verse pairs of a split, aligned by reference.

    Parameters
    ----------
    split : {"train", "validation", "test", "all"}
        The split by book (see the module's docstring).
    source, target : {"en", "es"}
        The languages to translate from and into (they must differ).
    max_words : int, optional
        Keep only pairs whose both sides have at most this many words (split on spaces),
        so a small model trains on short verses in a small time budget.

    Example
    -------
    >>> sources, targets = bible_pairs("test")
    >>> len(sources), len(targets)
    (1746, 1746)
    >>> short_es, short_en = bible_pairs("train", "es", "en", max_words=4)
    >>> ("Y lloró Jesús.", "Jesus wept.") in list(zip(short_es, short_en))
    True
    """
    check_choice("split", split, SPLITS)
    check_choice("source", source, LANGUAGES)
    check_choice("target", target, LANGUAGES)
    if source == target:
        raise ValueError(f"source and target must be different languages, got {source!r} twice.")
    if max_words is not None:
        check_int("max_words", max_words)
    sources, targets = [], []
    for verse in bible_verses():
        if split != "all" and book_split(verse["book"]) != split:
            continue
        if max_words is not None and max(len(verse[source].split()),
                                         len(verse[target].split())) > max_words:
            continue
        sources.append(verse[source])
        targets.append(verse[target])
    return sources, targets


def load_bible(split: str) -> tf.data.Dataset:
    """Elements ``{"reference": string [], "en": string [], "es": string []}``, one per verse.

    The reference reads ``"John 11:35"`` (OSIS book name, chapter, verse).

    Example
    -------
    >>> first = next(load_bible("test").as_numpy_iterator())
    >>> first["reference"].decode(), first["en"].decode()[:29]
    ('Ruth 1:1', 'In the days when the judges j')
    """
    check_choice("split", split, SPLITS)
    rows = [v for v in bible_verses() if split == "all" or book_split(v["book"]) == split]
    return tf.data.Dataset.from_tensor_slices({
        "reference": np.asarray([f"{v['book']} {v['chapter']}:{v['verse']}" for v in rows],
                                dtype=object),
        "en": np.asarray([v["en"] for v in rows], dtype=object),
        "es": np.asarray([v["es"] for v in rows], dtype=object),
    })
