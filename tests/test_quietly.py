"""tools/quietly.py: the quiet report of `make test` and `make book` (issue 23)."""

from __future__ import annotations

import importlib.util
import io
import sys
import textwrap
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "tools" / "quietly.py"
_spec = importlib.util.spec_from_file_location("quietly", _PATH)
quietly = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(quietly)


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_pytest_mode_prints_one_line_per_file_and_the_failures(tmp_path, monkeypatch):
    (tmp_path / "test_one.py").write_text("def test_a():\n    pass\n\ndef test_b():\n    assert 1 == 2\n")
    (tmp_path / "test_two.py").write_text(
        "import sys\n\ndef test_c():\n    print('noise from C++', file=sys.stderr)\n")
    monkeypatch.chdir(tmp_path)
    out, log = io.StringIO(), tmp_path / "logs" / "test.log"
    command = [sys.executable, "-m", "pytest", "-v", "-ra", "-p", "no:cacheprovider",
               "test_one.py", "test_two.py"]
    status = quietly.run("pytest", log, command, out=out)
    report = out.getvalue().splitlines()
    assert status == 1
    per_file = [line for line in report if line.startswith(("passed", "FAILED"))]
    assert per_file[0].startswith("FAILED") and "test_one.py  (2 tests, 1 failed)" in per_file[0]
    assert per_file[1].startswith("passed") and "test_two.py  (1 test)" in per_file[1]
    # What failed is shown; every line of pytest's own output is in the log.
    assert any("FAILED test_one.py::test_b" in line for line in report)
    assert any("1 failed, 2 passed" in line for line in report)
    assert "test_one.py::test_a PASSED" in log.read_text()
    assert report[-1].endswith(f"exit status 1; full log: {log}")


def test_book_mode_prints_each_chapter_executed_cached_or_failed(tmp_path):
    lines = [
        "reading sources... [ 50%] book/neural/rnn",
        "W0000 00:00 cuda_executor.cc] could not find cuda drivers",
        "/repo/book/neural/rnn.md: Executing notebook using local CWD [mystnb]",
        "/repo/book/neural/rnn.md: Executed notebook in 52.40 seconds [mystnb]",
        "/repo/book/neural/hmm.md: Using cached notebook: ID=3 [mystnb]",
        "/repo/book/neural/slow.md: Executing notebook using local CWD [mystnb]",
        "/repo/book/neural/slow.md: Executed notebook in 75.00 seconds [mystnb]",
        "/repo/book/neural/bad.md: Executing notebook failed: CellExecutionError [mystnb]",
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption.",
        "\x1b[31m/repo/seqbook/x.py:docstring of seqbook.x.f:9: ERROR: Unexpected indentation.",
        "build succeeded.",
    ]
    out, log = io.StringIO(), tmp_path / "book.log"
    status = quietly.run("book", log, _python(f"print(*{lines!r}, sep='\\n')"), out=out)
    report = out.getvalue()
    assert status == 0
    assert "executed    52.4 s  /repo/book/neural/rnn\n" in report
    assert "cached             /repo/book/neural/hmm\n" in report
    assert "executed    75.0 s  /repo/book/neural/slow  OVER BUDGET" in report
    assert "FAILED             /repo/book/neural/bad\n" in report
    assert "2 chapters executed, 1 from the cache, 1 failed" in report
    after_the_command = report.split("\n", 2)[2]  # the first two lines: the command, the log
    assert "seqbook.x.f:9: ERROR: Unexpected indentation." in report  # Sphinx's, shown
    assert "IPKernelApp" not in after_the_command  # a kernel's, left in the log
    assert "cuda" not in after_the_command and "cuda drivers" in log.read_text()


def test_nbval_cells_are_counted_per_chapter(tmp_path):
    """nbval reports a chapter's cells as `book/part/chapter::ipynb::Cell 3 PASSED`."""
    lines = [f"book/neural/rnn::ipynb::Cell {i} PASSED    [ 50%]" for i in range(3)]
    lines += ["book/neural/hmm::ipynb::Cell 0 PASSED", "book/neural/hmm::ipynb::Cell 1 FAILED"]
    out = io.StringIO()
    quietly.run("pytest", tmp_path / "log", _python(f"print(*{lines!r}, sep='\\n')"), out=out)
    report = out.getvalue()
    assert "book/neural/rnn.ipynb  (3 cells)" in report
    assert "book/neural/hmm.ipynb  (2 cells, 1 failed)" in report


def test_a_chapter_left_to_the_other_job_says_so(tmp_path):
    """`make test` shares the chapters between its jobs; a job skips those the other ran."""
    lines = [f"book/neural/rnn::ipynb::Cell {i} SKIPPED (run by the other job)" for i in range(3)]
    lines += ["book/neural/hmm::ipynb::Cell 0 PASSED", "book/neural/hmm::ipynb::Cell 1 SKIPPED"]
    out = io.StringIO()
    quietly.run("pytest", tmp_path / "log", _python(f"print(*{lines!r}, sep='\\n')"), out=out)
    report = out.getvalue()
    assert "other      0.0 s  book/neural/rnn.ipynb  (run by the other job)" in report
    assert "book/neural/hmm.ipynb  (2 cells, 1 skipped)" in report


def test_a_long_silent_step_gets_a_heartbeat(tmp_path, monkeypatch):
    monkeypatch.setattr(quietly, "HEARTBEAT_SECONDS", 0.3)
    out = io.StringIO()
    status = quietly.run("book", tmp_path / "log", _python("import time; time.sleep(1.2)"),
                         out=out)
    assert status == 0
    assert "  ... " in out.getvalue() and ": working" in out.getvalue()


def test_a_command_that_fails_without_a_report_shows_the_end_of_its_log(tmp_path):
    out = io.StringIO()
    status = quietly.run("pytest", tmp_path / "log",
                         _python("import sys; print('config error here'); sys.exit(4)"), out=out)
    assert status == 4
    assert "config error here" in out.getvalue()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="mode must be 'pytest' or 'book'"):
        quietly.run("make", Path("log"), ["true"])
    with pytest.raises(ValueError, match="command must name the program"):
        quietly.run("book", Path("log"), [])
