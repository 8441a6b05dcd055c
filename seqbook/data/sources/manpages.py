"""Debian's Linux manual pages as summarization pairs: DESCRIPTION text -> NAME line.

Every page of the Linux man-pages project opens with a one-line summary written by people,
``open, openat, creat \\- open and possibly create a file``, followed (after the synopsis) by
a DESCRIPTION section in prose. The pages ship as gzip'd groff source in Debian's
``manpages`` (sections 1, 4, 5, 7, 8) and ``manpages-dev`` (sections 2 and 3) packages. The
two ``.deb`` files are fetched once with ``apt-get download`` (checksum-verified, never
installed, see :mod:`seqbook.data.sources.debian_archives`), the groff is turned into plain
text here in pure Python, and the parsed pages are cached as one JSON file.

What is kept: one pair per page *file*. Symbolic links (``creat.2.gz -> open.2.gz``) and
pages that hold only an ``.so`` redirect are aliases of another page with the same text, so
they are skipped; tables (``.TS``/``.TE``), code examples (``.EX``/``.EE``) and subsection
headings are left out of the description, which is otherwise the section's running text.
Of the 2,546 page names in the two packages, 1,433 are symbolic links; of the 1,113 page
files, 15 are ``.so`` redirects or have no DESCRIPTION, leaving 1,098 pairs.

Split (leakage): related pages are grouped before the hash split, so no group straddles
train and test. Two pages fall in one group when they share a documented name (the names of
the NAME line plus the page's title: ``readdir(2)`` and ``readdir(3)``), when their
summaries are the same after lower-casing and masking digits (the fifteen
``iso_8859-N(7)`` pages are one template), or when their descriptions open with the same
20 words (a family's boilerplate: ``getxattr(2)``, ``setxattr(2)`` ... all begin
"Extended attributes are"). Each group goes to a split by a CRC-32 hash of its first page
(``man2/readdir.2``), 80/10/10: 1,098 pages in 957 groups, the largest the 32 pages of the
``string(3)`` family.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import tensorflow as tf

from seqbook.data.sources import debian_archives
from seqbook.data.sources._common import (check_choice, check_int, data_dir, hash_split,
                                             write_atomically)

#: ``(package, version, file name, SHA-256)`` of the two Debian packages read here.
PACKAGES = (
    ("manpages", "6.03-2", "manpages_6.03-2_all.deb",
     "efa1ba4cd19ad7baeae959c9209a7eb74be2ebb858bcabb412597bfc9f588c91"),
    ("manpages-dev", "6.03-2", "manpages-dev_6.03-2_all.deb",
     "96f55cb5e26231d5567c89b692bced63825a14a2d5bd18fdf16ea2ed44eb9838"),
)
SPLITS = ("train", "validation", "test", "all")
_CACHE = "manpages-6.03-2.json"
_OPENING_WORDS = 20
_PAGE_PATH = re.compile(r"^usr/share/man/man(?P<section>\d)/(?P<stem>.+)\.gz$")

# Named glyphs (\(xx, \[xx], \*(xx) as plain text; any other glyph is dropped.
_GLYPHS = {
    "em": " - ", "en": "-", "hy": "-", "mi": "-", "aq": "'", "dq": '"', "lq": '"', "rq": '"',
    "oq": "'", "cq": "'", "ga": "`", "ha": "^", "ti": "~", "bu": "", "co": "(c)", "rg": "(R)",
    "Tm": "(TM)", "R": "(R)", "+-": "+/-", "mu": "x", "de": " degrees", "sc": "section ",
    "la": "<", "ra": ">", "fm": "'", "sd": '"', "->": "->", "<-": "<-", "<=": "<=",
    ">=": ">=", "!=": "!=", "==": "==", "rs": "\\", "sl": "/", "ba": "|", "or": "|",
    "lB": "[", "rB": "]", "lC": "{", "rC": "}", "-": "-", "dg": "", "^o": "o", ":": "",
}
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", ":": "\u0308", "~": "\u0303"}
_ESCAPE = re.compile(
    r"\\(?:"
    r"(?P<font>f(?:\[[^\]]*\]|\(..|.))"            # font change: \fB \fI \fR \fP \f(CW \f[CR]
    r"|(?P<size>s(?:[+-]?\d|\(\d\d|\[[^\]]*\]))"   # point size: \s-1 \s0
    r"|(?P<glyph>\((?P<g2>..)|\[(?P<gn>[^\]]*)\])"  # named glyph: \(em \[aq]
    r"|(?P<string>\*(?:\((?P<s2>..)|\[(?P<sn>[^\]]*)\]|(?P<s1>.)))"  # string: \*(lq
    r"|(?P<skip>[wnNhvoDlLbxXZk]'[^']*'|n(?:\(..|\[[^\]]*\]|.)|[{}])"  # widths, registers
    r"|(?P<char>.)"                                # one-character escapes: \- \e \& \~ ...
    r")"
)
_SIMPLE = {"-": "-", "e": "\\", "\\": "\\", "&": "", "~": " ", " ": " ", "0": " ", ":": "",
           "%": "", "|": "", "^": "", "/": "", ",": "", "'": "'", "`": "`", "t": " ",
           "c": "", ".": ".", "!": "", "r": ""}

# Requests whose arguments are running text, and the text-less ones that end a paragraph.
_FONT_MACROS = {"B", "I", "SM", "SB"}
_ALTERNATING = {"BR", "BI", "IB", "IR", "RB", "RI"}
_BREAKS = {"PP", "P", "LP", "TP", "TQ", "IP", "HP", "sp", "br", "RS", "RE", "SS", "SH", "in"}


def _glyph(name: str) -> str:
    if name in _GLYPHS:
        return _GLYPHS[name]
    if len(name) == 2 and name[0] in _ACCENTS and name[1].isalpha():  # \['a] -> á
        return unicodedata.normalize("NFC", name[1] + _ACCENTS[name[0]])
    return ""


def _replace_escape(match: re.Match) -> str:
    if match.group("font") or match.group("size") or match.group("skip"):
        return ""
    if match.group("glyph"):
        return _glyph(match.group("g2") or match.group("gn"))
    if match.group("string"):
        return _glyph(match.group("s2") or match.group("sn") or match.group("s1"))
    return _SIMPLE.get(match.group("char"), "")


def unescape(text: str) -> str:
    """Return groff text with its escapes turned into plain characters.

    Font and size changes vanish, ``\\-`` becomes ``-``, named glyphs (``\\(em``,
    ``\\[aq]``, ``\\*(lq``) become their ASCII look-alikes and an inline comment
    (``\\"``) ends the text.

    Example
    -------
    >>> unescape(r"\\fBopen\\fP() returns \\-1 \\(em see \\fIerrno\\fR\\[aq]s value")
    "open() returns -1  -  see errno's value"
    """
    text = re.sub(r'\\".*', "", text)  # an inline comment runs to the end of the line
    return _ESCAPE.sub(_replace_escape, text)


def _macro_arguments(rest: str) -> list[str]:
    """Split a request's arguments: blanks separate them, double quotes group them."""
    arguments, current, quoted, i = [], [], False, 0
    while i < len(rest):
        char = rest[i]
        if char == "\\" and i + 1 < len(rest):  # an escape is part of the argument
            current.append(rest[i:i + 2])
            i += 2
            continue
        if char == '"':
            if quoted and rest[i + 1:i + 2] == '"':  # "" inside quotes is one quote
                current.append('"')
                i += 2
                continue
            quoted = not quoted
        elif char in " \t" and not quoted:
            if current:
                arguments.append("".join(current))
                current = []
        else:
            current.append(char)
        i += 1
    if current:
        arguments.append("".join(current))
    return arguments


def _logical_lines(source: str) -> list[str]:
    """Return the source's lines with comments dropped and ``\\``-continued lines joined."""
    lines: list[str] = []
    pending = ""
    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"")) or line.strip() in {".", "'"}:
            continue  # comment lines and empty requests
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:  # an unescaped backslash at the end joins the next line
            pending += line[:-1]
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def groff_to_paragraphs(lines: Iterable[str]) -> list[str]:
    """Turn the groff lines of one man-page section into plain-text paragraphs.

    Text lines and the arguments of the font macros (``.B``, ``.BR`` ...) become running
    text; paragraph requests (``.PP``, ``.TP``, ``.IP`` ...) end a paragraph; tables
    (``.TS``/``.TE``), code examples (``.EX``/``.EE``), macro definitions and subsection
    headings are left out; requests that only format (``.in``, ``.ad``, ``.nh`` ...) vanish.

    Example
    -------
    >>> groff_to_paragraphs([".B open", "returns a", '.IR "file descriptor" .', ".PP",
    ...                      ".TS", "l l.", ".TE", "Second one."])
    ['open returns a file descriptor.', 'Second one.']
    """
    paragraphs: list[str] = []
    words: list[str] = []
    skip_until: str | None = None
    glue_next = False  # a line ending in \c continues without a space

    def end_paragraph() -> None:
        if words:
            text = re.sub(r"\s+", " ", " ".join(words)).strip()
            if text:
                paragraphs.append(text)
            words.clear()

    def add(text: str) -> None:
        nonlocal glue_next
        joins = text.endswith("\\c")
        text = unescape(text[:-2] if joins else text)
        if glue_next and words:
            words[-1] += text
        else:
            words.append(text)
        glue_next = joins

    for line in lines:
        if skip_until is not None:
            if line.startswith(skip_until):
                skip_until = None
            continue
        if not line.startswith((".", "'")):
            if line.strip():
                add(line)
            else:
                end_paragraph()  # a blank line is a paragraph break too
            continue
        request, _, rest = line[1:].strip().partition(" ")
        arguments = _macro_arguments(rest.strip())
        if request in ("TS", "EX", "de", "ig"):
            end_paragraph()
            skip_until = {"TS": ".TE", "EX": ".EE", "de": "..", "ig": ".."}[request]
        elif request in _FONT_MACROS:
            if arguments:
                add(" ".join(arguments))
        elif request in _ALTERNATING:
            add("".join(arguments))
        elif request in _BREAKS:
            end_paragraph()
            if request == "IP" and arguments:
                add(arguments[0])  # the item's tag (a bullet glyph becomes nothing)
        elif request == "UR":
            glue_next = False
        # any other request (.nf .fi .ad .nh .hy .PD .ft .UE .if .ds ...) only formats
    end_paragraph()
    return [p for p in paragraphs if p]


def _sections(lines: Sequence[str]) -> dict[str, list[str]]:
    """Group logical lines under their ``.SH`` heading (the first of each name wins)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith(".SH"):
            heading = " ".join(_macro_arguments(line[3:].strip())).upper()
            current = None if heading in sections else sections.setdefault(heading, [])
        elif current is not None:
            current.append(line)
    return sections


def parse_man_page(source: str) -> dict[str, object] | None:
    """Parse one man page's groff source into its title, names, summary and description.

    Parameters
    ----------
    source : str
        The page's groff text (gunzipped).

    Returns
    -------
    dict or None
        ``{"title": str, "section": str, "names": list of str, "summary": str,
        "description": str}`` (the description's paragraphs joined by newlines), or
        ``None`` for a page that is only an ``.so`` redirect or has no NAME summary or no
        DESCRIPTION text.

    Example
    -------
    >>> page = parse_man_page(
    ...     '.TH open 2 2023-02-05 "Linux man-pages 6.03"\\n.SH NAME\\n'
    ...     'open, creat \\\\- open and possibly create a file\\n.SH DESCRIPTION\\n'
    ...     'The\\n.BR open ()\\nsystem call opens the file.\\n')
    >>> page["names"], page["summary"], page["description"]
    (['open', 'creat'], 'open and possibly create a file', 'The open() system call opens the file.')
    """
    lines = _logical_lines(source)
    if any(line.startswith(".so ") for line in lines[:3]) and len(lines) <= 3:
        return None  # an alias: ".so man2/ioctl_tty.2"
    title = next((_macro_arguments(line[3:].strip()) for line in lines
                  if line.startswith(".TH")), None)
    sections = _sections(lines)
    name_text = " ".join(line for line in sections.get("NAME", []) if not line.startswith("."))
    names_part, dash, summary = name_text.partition("\\-")
    description = groff_to_paragraphs(sections.get("DESCRIPTION", []))
    summary = re.sub(r"\s+", " ", unescape(summary)).strip()
    if not title or len(title) < 2 or not dash or not summary or not description:
        return None
    names = [n.strip() for n in unescape(names_part).split(",") if n.strip()]
    return {"title": unescape(title[0]), "section": title[1], "names": names,
            "summary": summary, "description": "\n".join(description)}


def _read_packages() -> list[dict[str, object]]:
    """Parse every page file of the two packages (fetching each ``.deb`` once)."""
    pages = []
    for package, version, filename, checksum in PACKAGES:
        deb = debian_archives.fetch_deb(package, version, filename, checksum)
        for name, content in debian_archives.deb_members(deb):
            match = _PAGE_PATH.match(name)
            if match is None:
                continue  # the copyright file, changelogs, lintian overrides
            page = parse_man_page(gzip.decompress(content).decode("utf-8", errors="replace"))
            if page is not None:
                pages.append({"page": f"man{match['section']}/{match['stem']}",
                              "package": package, **page})
    return sorted(pages, key=lambda page: page["page"])


def manpage_records() -> list[dict[str, object]]:
    """Return every parsed page with its leakage group, sorted by page.

    Each record is ``{"page": "man2/open.2", "package", "title", "section", "names",
    "summary", "description", "group"}``; ``group`` is the first page of the group of
    related pages it belongs to (see the module's docstring), the key of its split. The
    first call reads the packages (fetching them once) and caches the pages as JSON.

    Example
    -------
    >>> records = {r["page"]: r for r in manpage_records()}
    >>> records["man2/open.2"]["summary"]
    'open and possibly create a file'
    >>> records["man2/readdir.2"]["group"] == records["man3/readdir.3"]["group"]
    True
    """
    cache = data_dir() / _CACHE
    if cache.exists():
        pages = json.loads(cache.read_text(encoding="utf-8"))
    else:
        pages = _read_packages()
        text = json.dumps(pages)
        write_atomically(cache, lambda scratch: scratch.write_text(text, encoding="utf-8"))
    groups = _related_groups(pages)
    return [{**page, "group": groups[page["page"]]} for page in pages]


def _related_groups(pages: Sequence[dict[str, object]]) -> dict[str, str]:
    """Map each page to the first page of its group: pages sharing a name or a summary."""
    parent = {page["page"]: page["page"] for page in pages}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]  # path halving keeps the trees flat
            key = parent[key]
        return key

    first_with: dict[tuple[str, str], str] = {}
    for page in sorted(pages, key=lambda p: p["page"]):
        keys = [("name", name) for name in {*page["names"], page["title"]}]
        # Digits masked: the fifteen "ISO 8859-N character set ..." pages are one template.
        keys.append(("summary", re.sub(r"\d+", "0", page["summary"].lower())))
        # A shared opening is a family's boilerplate ("Extended attributes are ...").
        keys.append(("opening", " ".join(str(page["description"]).split()[:_OPENING_WORDS])))
        for key in keys:
            if key not in first_with:
                first_with[key] = page["page"]
                continue
            a, b = root(first_with[key]), root(page["page"])
            if a != b:
                parent[max(a, b)] = min(a, b)  # the smaller page names the group
    return {key: root(key) for key in parent}


def _truncate(text: str, max_words: int | None) -> str:
    """Return the first ``max_words`` words of ``text`` (paragraph breaks kept as spaces)."""
    words = text.split()
    return " ".join(words if max_words is None else words[:max_words])


def _split_records(split: str) -> list[dict[str, object]]:
    check_choice("split", split, SPLITS)
    return [r for r in manpage_records()
            if split == "all" or hash_split(str(r["group"])) == split]


def load_manpages(split: str, max_words: int | None = 100) -> tf.data.Dataset:
    """Elements ``{"page": string [], "description": string [], "summary": string []}``.

    ``description`` is the first ``max_words`` words of the DESCRIPTION section (all of it
    with ``max_words=None``), ``summary`` the NAME line's text after the dash.

    Example
    -------
    >>> element = next(iter(load_manpages("all", max_words=5)))
    >>> sorted(element)
    ['description', 'page', 'summary']
    """
    if max_words is not None:
        check_int("max_words", max_words)
    rows = _split_records(split)
    return tf.data.Dataset.from_tensor_slices({
        "page": np.asarray([r["page"] for r in rows], dtype=object),
        "description": np.asarray([_truncate(r["description"], max_words) for r in rows],
                                  dtype=object),
        "summary": np.asarray([r["summary"] for r in rows], dtype=object),
    })


def manpage_pairs(split: str, max_words: int | None = 100) -> tuple[list[str], list[str]]:
    """Return the (description, summary) pairs of ``split``, the summarization task.

    Parameters
    ----------
    split : {"train", "validation", "test", "all"}
        Related pages (sharing a name or a summary) are in one split only.
    max_words : int or None, default 100
        Keep the first ``max_words`` words of each DESCRIPTION section; ``None`` keeps all
        (a median of about 145 words, up to about 23,000 for ``proc(5)``).

    Returns
    -------
    descriptions : list of str
        The source texts, in page order.
    summaries : list of str
        The NAME line summaries written by the pages' authors.

    Example
    -------
    >>> descriptions, summaries = manpage_pairs("all", max_words=8)
    >>> pages = [r["page"] for r in manpage_records()]
    >>> i = pages.index("man3/printf.3")
    >>> descriptions[i], summaries[i]
    ('The functions in the printf() family produce output', 'formatted output conversion')
    """
    if max_words is not None:
        check_int("max_words", max_words)
    rows = _split_records(split)
    return ([_truncate(str(r["description"]), max_words) for r in rows],
            [str(r["summary"]) for r in rows])
