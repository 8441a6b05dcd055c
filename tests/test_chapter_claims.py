"""`make test` shares the chapters between its two jobs: each runs a chapter only if it is the
first to claim it (conftest.py, ``SEQBOOK_CHAPTER_CLAIMS``), and the Makefile checks that
every chapter was claimed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, marker: Path) -> None:
    """A one-cell notebook that leaves ``marker`` behind when it is executed."""
    cell = {"cell_type": "code", "execution_count": None, "id": "a", "metadata": {},
            "outputs": [], "source": f"open({str(marker)!r}, 'a').write('ran\\n')"}
    path.write_text(json.dumps({
        "cells": [cell], "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}}}))


def _pytest(directory: Path, claims: Path) -> subprocess.CompletedProcess:
    # The repository's conftest.py is loaded as a plugin (-p conftest), as it is for book/.
    environment = {**os.environ, "SEQBOOK_CHAPTER_CLAIMS": str(claims),
                   "PYTHONPATH": str(ROOT), "PYTEST_ADDOPTS": ""}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider",
         "--nbval-lax", "--nbval-current-env", "-rs", "chapter.ipynb"],
        cwd=directory, env=environment, capture_output=True, text=True, timeout=300)


def test_the_first_job_runs_a_chapter_and_the_second_skips_it(tmp_path):
    claims, marker = tmp_path / "claims", tmp_path / "ran.txt"
    claims.mkdir()
    _notebook(tmp_path / "chapter.ipynb", marker)
    first = _pytest(tmp_path, claims)
    assert first.returncode == 0, first.stdout[-2000:]
    assert "1 passed" in first.stdout and marker.read_text() == "ran\n"
    assert [p.name for p in claims.iterdir()] == ["chapter.ipynb"]
    second = _pytest(tmp_path, claims)
    assert second.returncode == 0, second.stdout[-2000:]
    assert "1 skipped" in second.stdout and "run by the other job of make test" in second.stdout
    assert "1 more chapter run by the other job" in second.stdout
    assert marker.read_text() == "ran\n", "the second job executed the chapter too"


def test_both_jobs_of_make_test_share_every_chapter_and_check_it():
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    assert makefile.count("SEQBOOK_CHAPTER_CLAIMS=$(CHAPTER_CLAIMS)") == 2
    assert "$(call reverse,$(CHAPTERS))" in makefile
    assert re.search(r"ls \$\(CHAPTER_CLAIMS\) \| wc -l.*-ne \$\(words \$\(CHAPTERS\)\)", makefile)
    tensorflow = re.search(r"^TENSORFLOW_TESTS\s*:=(.*)$", makefile, re.M).group(1)
    assert "book" not in tensorflow, "the TensorFlow job must reach every chapter"
    listed = subprocess.run(["make", "-s", "--no-print-directory", "-f", "-", "show"],
                            input=makefile + "\nshow:\n\t@echo $(call reverse,$(CHAPTERS))\n",
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    notebooks = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "book").rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts)
    assert listed == notebooks[::-1]
