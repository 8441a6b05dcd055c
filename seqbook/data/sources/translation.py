"""Real-language translation pairs: numbers in words (num2words) and dates (Babel, CLDR).

The target side is real language written by the libraries' per-language rules and the
Unicode CLDR locale data: "seventy-one" -> "soixante et onze" is genuine French. The pairs
are a small, controlled machine-translation task that runs offline.
"""

from __future__ import annotations

import datetime

from seqbook.data.sources._common import check_int

NUMERALS = "digits"  # a side written as Arabic numerals ("71")
ISO = "iso"  # a side written as ISO 8601 dates ("2024-03-05")
DATE_FORMATS = ("short", "medium", "long", "full")


def number_languages() -> list[str]:
    """Return the language codes num2words converts to (56 in num2words 0.5.14).

    Example
    -------
    >>> {"en", "fr", "de"} <= set(number_languages())
    True
    """
    from num2words import CONVERTER_CLASSES  # optional extra: seqbook[data]

    return sorted(CONVERTER_CLASSES)


def _check_language(name: str, value: object) -> str:
    choices = number_languages()
    if value != NUMERALS and value not in choices:
        raise ValueError(f"{name} must be {NUMERALS!r} or one of {choices}, got {value!r}.")
    return str(value)


def number_pairs(
    source: str = "en", target: str = "fr", max_number: int = 9999
) -> list[tuple[int, str, str]]:
    """Return ``(number, source text, target text)`` for every number in ``[0, max_number]``.

    ``source`` and ``target`` are num2words language codes or ``"digits"``. Numbers a
    language cannot write (some converters reject some values) are left out.

    Example
    -------
    >>> number_pairs("en", "fr", 71)[71]
    (71, 'seventy-one', 'soixante et onze')
    """
    from num2words import num2words

    _check_language("source", source)
    _check_language("target", target)
    check_int("max_number", max_number, minimum=1, maximum=10**7)

    def write(number: int, language: str) -> str:
        return str(number) if language == NUMERALS else num2words(number, lang=language)

    pairs = []
    for number in range(max_number + 1):
        try:
            pairs.append((number, write(number, source), write(number, target)))
        except (NotImplementedError, OverflowError):
            continue
    return pairs


def _locale(name: str, value: object):
    from babel import Locale, UnknownLocaleError  # optional extra: seqbook[data]

    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}.")
    try:
        return Locale.parse(value)
    except (UnknownLocaleError, ValueError) as error:
        raise ValueError(
            f"{name} must be {ISO!r} or a CLDR locale such as 'fr', got {value!r}."
        ) from error


def date_pairs(
    source: str = ISO,
    target: str = "fr",
    date_format: str = "long",
    first_year: int = 1950,
    last_year: int = 2049,
) -> list[tuple[str, str, str]]:
    """Return ``(iso date, source text, target text)`` for every day of the year range.

    ``source`` and ``target`` are ``"iso"`` or CLDR locales (Babel knows over 1,000);
    ``date_format`` is one of ``"short"``, ``"medium"``, ``"long"``, ``"full"``.

    Example
    -------
    >>> date_pairs("en", "fr", "long", 2024, 2024)[64][1:]
    ('March 5, 2024', '5 mars 2024')
    """
    from babel.dates import format_date

    if date_format not in DATE_FORMATS:
        raise ValueError(f"date_format must be one of {list(DATE_FORMATS)}, got {date_format!r}.")
    check_int("first_year", first_year, minimum=1, maximum=9999)
    check_int("last_year", last_year, minimum=first_year, maximum=9999)
    locales = {
        side: None if value == ISO else _locale(side, value)
        for side, value in (("source", source), ("target", target))
    }

    def write(day: datetime.date, side: str) -> str:
        locale = locales[side]
        return (
            day.isoformat()
            if locale is None
            else format_date(day, format=date_format, locale=locale)
        )

    day, last = datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)
    pairs = []
    while day <= last:
        pairs.append((day.isoformat(), write(day, "source"), write(day, "target")))
        day += datetime.timedelta(days=1)
    return pairs
