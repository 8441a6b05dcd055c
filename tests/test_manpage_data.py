"""Debian manual pages as summarization pairs: the groff parser, counts, leak-free splits."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from seqbook import data
from seqbook.data.sources import manpages
from seqbook.data.sources._common import hash_split
from seqbook.data.sources.manpages import groff_to_paragraphs, parse_man_page, unescape

# The user's cache, read before a fixture points SEQBOOK_DATA_DIR at a private one.
_USER_DOWNLOADS = (Path(os.environ.get("SEQBOOK_DATA_DIR") or "~/.cache/seqbook").expanduser()
                   / "downloads")


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """Every parsed page, read from the .deb files (copied from the user's cache when there)
    into a private cache, so the parser runs on the real pages and no user file is written."""
    private = tmp_path_factory.mktemp("manpages-data")
    for _, _, filename, _ in manpages.PACKAGES:
        if (_USER_DOWNLOADS / filename).is_file():
            (private / "downloads").mkdir(exist_ok=True)
            shutil.copyfile(_USER_DOWNLOADS / filename, private / "downloads" / filename)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQBOOK_DATA_DIR", str(private))
        rows = manpages.manpage_records()
        assert (private / manpages._CACHE).is_file()  # cached for the next call
        assert manpages.manpage_records() == rows
        splits = {split: manpages.manpage_pairs(split, max_words=None)
                  for split in ("train", "validation", "test")}
        loaded = list(data.load("manpages", "test").as_numpy_iterator())
    return {"rows": rows, "by_page": {r["page"]: r for r in rows}, "splits": splits,
            "loaded": loaded}


def test_about_1100_pages_one_per_page_file_and_the_catalogue_agrees(records):
    rows = records["rows"]
    counts = {split: len(pairs[0]) for split, pairs in records["splits"].items()}
    counts["all"] = len(rows)
    assert counts == data.info("manpages").num_examples
    assert counts == {"train": 857, "validation": 147, "test": 94, "all": 1098}
    assert len({r["page"] for r in rows}) == len(rows)
    assert {r["package"] for r in rows} == {"manpages", "manpages-dev"}
    # Aliases are not pairs: creat(2) is a symbolic link to open(2), queue(3) a ".so" page.
    assert "man2/creat.2" not in records["by_page"]
    assert "man3/queue.3" not in records["by_page"]


def test_known_pages_and_their_name_line_summaries(records):
    by_page = records["by_page"]
    page = by_page["man2/open.2"]
    assert page["names"] == ["open", "openat", "creat"]
    assert page["summary"] == "open and possibly create a file"
    assert page["description"].startswith(
        "The open() system call opens the file specified by pathname. If the specified file")
    assert by_page["man3/printf.3"]["summary"] == "formatted output conversion"
    assert by_page["man3/printf.3"]["names"][:3] == ["printf", "fprintf", "dprintf"]
    assert by_page["man7/signal.7"]["summary"] == "overview of signals"
    assert by_page["man4/null.4"]["summary"] == "data sink"


def test_no_groff_markup_is_left_in_the_text(records):
    escaped = re.compile(r"\\f[BIRP(\[]|\\-|\\\(..|\\\[")
    # Only the pages that teach escapes or macros (written "\e-", "\&.B" in their source)
    # still show some, as the text they document.
    teaching = {"man5/dir_colors.5", "man7/man-pages.7", "man7/man.7", "man7/regex.7"}
    left = {row["page"] for row in records["rows"]
            if escaped.search(row["description"] + " " + row["summary"])}
    assert left == teaching
    for row in records["rows"]:
        assert row["page"] in teaching or not any(line.startswith((".B", ".I", ".P", ".T", ".S"))
                       for line in row["description"].splitlines()), row["page"]
        assert row["summary"] and len(row["summary"].split()) <= 25, row["page"]


def test_the_splits_are_disjoint_and_related_pages_share_one(records):
    rows, by_page = records["rows"], records["by_page"]
    split_of = {r["page"]: hash_split(r["group"]) for r in rows}
    groups_by_split = {s: {r["group"] for r in rows if split_of[r["page"]] == s}
                       for s in ("train", "validation", "test")}
    assert not (groups_by_split["train"] & groups_by_split["validation"]
                or groups_by_split["train"] & groups_by_split["test"]
                or groups_by_split["validation"] & groups_by_split["test"])
    # The same function in sections 2 and 3, a family's shared opening, a template's copies.
    for family in (["man2/readdir.2", "man3/readdir.3"],
                   ["man2/getxattr.2", "man2/setxattr.2", "man2/listxattr.2"],
                   [p for p in by_page if p.startswith("man7/iso_8859-")],
                   ["man3/memcpy.3", "man3/memmove.3", "man3/bcopy.3"]):
        assert len(family) >= 2 and len({split_of[p] for p in family}) == 1, family
    # No test summary is word-for-word a training summary.
    train_summaries = {s.lower() for s in records["splits"]["train"][1]}
    assert not train_summaries & {s.lower() for s in records["splits"]["test"][1]}


def test_max_words_truncates_the_description(records):
    loaded = records["loaded"]
    assert len(loaded) == 94 and sorted(loaded[0]) == ["description", "page", "summary"]
    assert max(len(e["description"].split()) for e in loaded) == 100
    full = dict(zip(records["splits"]["test"][1], records["splits"]["test"][0], strict=False))
    element = loaded[0]
    assert full[element["summary"].decode()].startswith(element["description"].decode())


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"split": "dev"}, ValueError, "split must be one of"),
    ({"split": "test", "max_words": 0}, ValueError, "max_words must be >= 1, got 0"),
    ({"split": "test", "max_words": "10"}, TypeError, "max_words must be an integer"),
])
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        manpages.manpage_pairs(**kwargs)


def test_unescape_turns_groff_escapes_into_plain_text():
    assert unescape(r"\fBread\fP(2) returns \-1") == "read(2) returns -1"
    assert unescape(r"\[aq]\e0\[aq] and \*(lqquoted\*(rq\&.") == "'\\0' and \"quoted\"."
    assert unescape(r"na\[:i]ve \s-1SMALL\s0 text \" a comment") == "na\u00efve SMALL text "


def test_paragraphs_drop_tables_examples_and_headings_and_join_continuations():
    lines = [".SS Heading", "First", ".BR read (2),", ".BI \"int \" fd ;", ".PP",
             ".TS", "tab(:);", "l l.", "a:b", ".TE", ".EX", "int x = 1;", ".EE",
             ".IP \\[bu] 3", "A bullet item", ".TP", ".B O_RDONLY", "Read only."]
    assert groff_to_paragraphs(lines) == ["First read(2), int fd;", "A bullet item",
                                          "O_RDONLY Read only."]
    page = parse_man_page('.TH x 3 2023 "m"\n.SH NAME\nx, y \\- do\\\n a thing\n'
                          ".SH DESCRIPTION\nText\\c\n.B bold\n.SH SEE ALSO\nz\n")
    assert page == {"title": "x", "section": "3", "names": ["x", "y"], "summary": "do a thing",
                    "description": "Textbold"}


def test_alias_pages_and_pages_without_a_summary_give_no_pair():
    assert parse_man_page(".so man2/ioctl_tty.2\n") is None
    assert parse_man_page('.\\" comment\n.so man3/list.3\n') is None
    assert parse_man_page(".TH x 3\n.SH NAME\nx\n.SH DESCRIPTION\nText.\n") is None
    assert parse_man_page(".TH x 3\n.SH NAME\nx \\- y\n.SH SYNOPSIS\nint x;\n") is None
