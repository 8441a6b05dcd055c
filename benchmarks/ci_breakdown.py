"""Where the test command's time goes: unit tests, docstring examples, each chapter, the site.

Reads the JUnit XML that pytest writes with ``--junitxml`` (``.ci/run`` asks for it) and
prints one line per group, largest first, so that the CI budget (35 minutes for ``.ci/run``,
install included) can be planned chapter by chapter::

    .venv/bin/python -m pytest --junitxml=_build/junit.xml   # or: bash .ci/run
    .venv/bin/python benchmarks/ci_breakdown.py _build/junit.xml

Times are pytest's own (set-up and tear-down of fixtures included, collection and start-up
not), so their sum is a little below the wall time that pytest prints.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import xml.etree.ElementTree as ElementTree


BROWSER = "site in a browser (every page)"


def group_of(classname: str) -> str:
    """The group a test belongs to: a chapter, the site build, or a kind of unit test."""
    if classname.startswith("book."):  # nbval: "book.<part>.<chapter>.ipynb"
        return "chapter " + classname.removeprefix("book.").removesuffix(".ipynb").replace(".", "/")
    if classname == "tests.test_book_site":
        return "site build (not executing)"
    if classname == "tests.test_site_browser":
        return BROWSER
    if classname.startswith("seqbook"):
        return "docstring examples (seqbook/)"
    return "unit tests: " + classname.removeprefix("tests.").split(".")[-1]


def breakdown(path: pathlib.Path) -> tuple[dict[str, float], float, list[str]]:
    """Seconds per group, pytest's total, and the chapters that were skipped whole (`make test`
    leaves each chapter to whichever of its two jobs reaches it first)."""
    root = ElementTree.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    seconds: dict[str, float] = collections.defaultdict(float)
    ran: set[str] = set()
    for case in suite.iter("testcase"):
        group = group_of(case.get("classname") or "?")
        seconds[group] += float(case.get("time") or 0.0)
        if case.find("skipped") is None:
            ran.add(group)
    skipped = sorted(g for g in seconds if g.startswith("chapter ") and g not in ran)
    for group in skipped:
        del seconds[group]
    return dict(seconds), float(suite.get("time") or 0.0), skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit_xml", type=pathlib.Path)
    parser.add_argument("--unit-files", type=int, default=8,
                        help="how many unit-test files to list one by one (the rest summed)")
    args = parser.parse_args()
    seconds, total, skipped = breakdown(args.junit_xml)
    chapters = {g: s for g, s in seconds.items() if g.startswith("chapter ")}
    units = sorted(((s, g) for g, s in seconds.items() if g.startswith("unit tests")),
                   reverse=True)
    print(f"pytest total {total:7.1f} s")
    print(f"  chapters    {sum(chapters.values()):7.1f} s ({len(chapters)})")
    for group, s in sorted(chapters.items(), key=lambda item: -item[1]):
        print(f"    {s:6.1f} s  {group.removeprefix('chapter ')}")
    if skipped:
        print(f"  chapters left to the other job: {len(skipped)}")
    print(f"  unit tests  {sum(s for s, _ in units):7.1f} s ({len(units)} files)")
    for s, group in units[: args.unit_files]:
        print(f"    {s:6.1f} s  {group.removeprefix('unit tests: ')}")
    rest = units[args.unit_files:]
    if rest:
        print(f"    {sum(s for s, _ in rest):6.1f} s  the other {len(rest)} files")
    for group in ("docstring examples (seqbook/)", "site build (not executing)", BROWSER):
        print(f"  {group:<30} {seconds.get(group, 0.0):7.1f} s")


if __name__ == "__main__":
    main()
