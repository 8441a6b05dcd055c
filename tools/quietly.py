"""Run `pytest` or `jupyter-book build` quietly: the whole output goes to a log file, the
terminal gets one line per chapter (and per test file), a heartbeat while a long step runs,
and a short summary at the end.

Why: a chapter's kernel and the test process print TensorFlow's C++ start-up lines, CUDA and
transport warnings and per-cell progress; a newcomer's `make book` drowned in hundreds of
them. Nothing is thrown away: the log file has every line, and its path is printed first.

Usage (the Makefile's `book` and `test` targets call it)::

    python tools/quietly.py pytest --log _build/logs/test-tensorflow.log -- python -m pytest -v
    python tools/quietly.py book --log _build/logs/book.log -- jupyter-book build .

The command's exit status is returned. In pytest mode the command must report each test
(`-v`), since the lines are read from that report.
"""

from __future__ import annotations

import argparse
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

HEARTBEAT_SECONDS = 30.0
CHAPTER_BUDGET_SECONDS = 60.0
FAILURE_LINES_SHOWN = 300

# `tests/test_x.py::test_y[case] PASSED   [ 12%]` (pytest -v); nbval's cells read
# `book/part/chapter::ipynb::Cell 3 PASSED`. TensorFlow's C++ lines can land on the same line,
# so the pattern is searched, not matched.
_PYTEST_RESULT = re.compile(
    r"(?P<path>[\w./-]+?)(?P<suffix>\.py|\.ipynb|::ipynb)::\S.*? "
    r"(?P<outcome>PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)\b"
)
# myst-nb's execution messages, prefixed by Sphinx with the chapter's source path.
_BOOK_EVENT = re.compile(
    r"(?P<path>[\w./-]+?)(?:\.md|\.ipynb)?: (?P<event>Executing notebook using|"
    r"Executed notebook in (?P<seconds>[\d.]+) seconds|Using cached notebook|"
    r"Executing notebook failed)"
)
_SECTION = re.compile(r"^=+ (?P<title>.+?) =+$")
# Sphinx's own warnings and errors (`path:line: WARNING: ...`) and its last word; not the
# kernels' `[IPKernelApp] WARNING |` or TensorFlow's `E0000 ... UNKNOWN ERROR` lines.
_SPHINX_PROBLEM = re.compile(
    r"^(.*?: )?(WARNING|ERROR|CRITICAL): |build succeeded|build finished with problems"
)
_ABSL_NOTICE = "All log messages before absl::InitializeLog() is called"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _plain(line: str) -> str:
    return _ANSI.sub("", line)


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _group(path: str) -> str:
    """The unit a line is printed for: a chapter, a test file, or the package's doctests."""
    path = _relative(path)
    if path.startswith("seqbook/"):
        return "seqbook/ (docstring examples)"
    return path


class _Report:
    """Prints the quiet lines, and remembers when (the heartbeat waits for silence)."""

    def __init__(self, out):
        self.out = out
        self.current: str | None = None
        self.last_print = time.monotonic()

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)
        self.last_print = time.monotonic()


class _PytestReport(_Report):
    """One line per chapter or test file, printed when the next one starts. Its time runs
    from the previous file's last result to its own last result."""

    def __init__(self, out):
        super().__init__(out)
        self.counts: dict[str, int] = {}
        self.started = self.last_result = time.monotonic()

    def line(self, text: str) -> None:
        match = _PYTEST_RESULT.search(text)
        if not match:
            return
        suffix = ".py" if match["suffix"] == ".py" else ".ipynb"
        group = _group(match["path"] + suffix)
        if group != self.current:
            self.flush()
            self.current, self.counts, self.started = group, {}, self.last_result
        outcome = match["outcome"]
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        self.last_result = time.monotonic()

    def flush(self) -> None:
        if self.current is None:
            return
        seconds = self.last_result - self.started
        failed = self.counts.get("FAILED", 0) + self.counts.get("ERROR", 0)
        result = "FAILED" if failed else "passed"
        is_chapter = self.current.endswith(".ipynb")
        unit = "cell" if is_chapter else "test"
        done = sum(self.counts.values())
        detail = f"{done} {unit}{'s' * (done != 1)}"
        if failed:
            detail += f", {failed} failed"
        if self.counts.get("SKIPPED"):
            detail += f", {self.counts['SKIPPED']} skipped"
        flag = "  OVER BUDGET" if is_chapter and seconds > CHAPTER_BUDGET_SECONDS else ""
        if is_chapter and self.counts.get("SKIPPED") == done:
            # `make test` shares the chapters between its two jobs (conftest.py).
            result, detail, flag = "other", "run by the other job", ""
        self.say(f"{result:<7}{seconds:7.1f} s  {self.current}  ({detail}){flag}")
        self.current = None

    def running(self) -> str | None:
        return self.current and f"{self.current}, {sum(self.counts.values())} done so far"


class _BookReport(_Report):
    """One line per chapter: executed (with its time), taken from the cache, or failed."""

    def __init__(self, out):
        super().__init__(out)
        self.executed = self.cached = self.failed = 0
        self.started = time.monotonic()

    def line(self, text: str) -> None:
        match = _BOOK_EVENT.search(text)
        if not match:
            return
        chapter, event = _relative(match["path"]), match["event"]
        if event.startswith("Executing notebook using"):
            self.current, self.started = chapter, time.monotonic()
            return
        self.current = None
        if event.startswith("Executed"):
            self.executed += 1
            seconds = float(match["seconds"])
            flag = "  OVER BUDGET" if seconds > CHAPTER_BUDGET_SECONDS else ""
            self.say(f"executed {seconds:7.1f} s  {chapter}{flag}")
        elif event.startswith("Using cached"):
            self.cached += 1
            self.say(f"cached             {chapter}")
        else:
            self.failed += 1
            self.say(f"FAILED             {chapter}")

    def flush(self) -> None:
        pass

    def running(self) -> str | None:
        return self.current and f"executing {self.current}"


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


def run(mode: str, log_path: Path, command: list[str], out=sys.stdout) -> int:
    """Run ``command``, logging every line to ``log_path``; print the quiet report to ``out``."""
    if mode not in ("pytest", "book"):
        raise ValueError(f"mode must be 'pytest' or 'book', got {mode!r}")
    if not command:
        raise ValueError("command must name the program to run, got nothing after '--'")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"{' '.join(command)}\n  full log: {log_path}", file=out, flush=True)
    report = _PytestReport(out) if mode == "pytest" else _BookReport(out)
    start = time.monotonic()
    last_printed = start
    lines: queue.Queue = queue.Queue()
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, errors="replace", bufsize=1)
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=min(5.0, HEARTBEAT_SECONDS))
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                log.write(line)
                log.flush()
                report.line(line.rstrip("\n"))
            now = time.monotonic()
            last_printed = max(last_printed, report.last_print)
            if now - last_printed >= HEARTBEAT_SECONDS:
                doing = report.running() or "working"
                print(f"  ... {now - start:5.0f} s: {doing}", file=out, flush=True)
                last_printed = now
        status = process.wait()
    report.flush()
    _summary(mode, report, log_path, status, time.monotonic() - start, out)
    return status


def _summary(mode, report, log_path: Path, status: int, seconds: float, out) -> None:
    text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    print("", file=out)
    if mode == "book":
        print(f"{report.executed} chapters executed, {report.cached} from the cache, "
              f"{report.failed} failed", file=out)
        shown = [line for line in map(_plain, text) if _SPHINX_PROBLEM.search(line)
                 and _ABSL_NOTICE not in line][-40:]
    else:
        shown = _pytest_sections(text, status)
    for line in shown:
        print(line, file=out)
    if status != 0 and not shown:
        print(f"the command failed (exit status {status}); the end of its log:", file=out)
        for line in text[-60:]:
            print(line, file=out)
    print(f"{seconds:.0f} s; exit status {status}; full log: {log_path}", file=out, flush=True)


def _pytest_sections(text: list[str], status: int) -> list[str]:
    """The sections of pytest's report worth showing: the chapter table, the short summary of
    what failed or was skipped, the final count, and (if something failed) the failures."""
    keep = ("chapters: time and result", "short test summary info")
    if status != 0:
        keep += ("FAILURES", "ERRORS")
    shown: list[str] = []
    current_kept = False
    kept_in_section = 0
    for line in text:
        section = _SECTION.match(line)
        if section:
            title = section["title"]
            current_kept = title.startswith(keep)
            kept_in_section = 0
            if current_kept or re.search(r"\b(passed|failed|error|no tests ran)\b", title):
                shown.append(line)
            continue
        if current_kept:
            kept_in_section += 1
            if kept_in_section <= FAILURE_LINES_SHOWN:
                shown.append(line)
            elif kept_in_section == FAILURE_LINES_SHOWN + 1:
                shown.append("  ... (cut here; the rest is in the log)")
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("pytest", "book"))
    parser.add_argument("--log", type=Path, required=True, help="file that gets every line")
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        parser.error("give the command to run after '--'")
    split = argv.index("--")
    args = parser.parse_args(argv[:split])
    return run(args.mode, args.log, argv[split + 1:])


if __name__ == "__main__":
    sys.exit(main())
