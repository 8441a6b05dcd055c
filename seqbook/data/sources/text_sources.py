"""Text corpora from the Python standard library itself: its docs and its docstrings."""

from __future__ import annotations

import ast
import sysconfig
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqbook.data.sources._common import hash_split

# Folders of the standard library that are tests, vendored tools or third-party packages,
# not the library's own documented code.
_SKIPPED_DIRS = {
    "test",
    "tests",
    "idle_test",
    "idlelib",
    "site-packages",
    "dist-packages",
    "lib2to3",
    "ensurepip",
    "__pycache__",
    "turtledemo",
    "__phello__",
}


def load_python_docs(split: str) -> tf.data.Dataset:
    """The reference-manual topics of ``pydoc_data.topics``, one element per topic.

    Elements are ``{"topic": string [], "text": string []}``; topics are assigned to
    splits by a hash of their name (about 465,000 characters over 79 topics on Python 3.11).

    Example
    -------
    >>> sum(1 for _ in load_python_docs("all")) > 50
    True
    """
    from pydoc_data.topics import topics

    names = sorted(n for n in topics if split == "all" or hash_split(n) == split)
    texts = [topics[n] for n in names]
    return tf.data.Dataset.from_tensor_slices(
        {"topic": np.asarray(names, dtype=object), "text": np.asarray(texts, dtype=object)}
    )


def _stdlib_files() -> list[tuple[str, Path]]:
    """Return ``(module name, path)`` of every standard-library source file, sorted."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(part in _SKIPPED_DIRS for part in parts):
            continue
        files.append((".".join(parts)[: -len(".py")].removesuffix(".__init__"), path))
    return files


def _functions(
    body: list[ast.stmt], prefix: str
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Yield ``(qualified name, node)`` of the functions and methods in ``body``, recursively."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}.{node.name}", node
            yield from _functions(node.body, f"{prefix}.{node.name}")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node.body, f"{prefix}.{node.name}")
        elif isinstance(node, (ast.If, ast.Try)):  # platform-dependent definitions
            yield from _functions(node.body, prefix)


def docstring_pairs(module: str, path: Path) -> Iterator[tuple[str, str, str]]:
    """Yield ``(qualified name, code without its docstring, docstring summary line)``.

    The code is the function's own source text, comments included, with the docstring's
    lines removed and the indentation made flush, as code summarisation corpora do.
    """
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return  # a few stdlib files are templates or encoding tests
    lines = source.splitlines()
    for name, node in _functions(tree.body, module):
        docstring = ast.get_docstring(node, clean=True)
        if not docstring or len(node.body) < 2:
            continue  # no docstring, or nothing but the docstring to summarise
        summary = docstring.strip().splitlines()[0].strip()
        if len(summary.split()) < 3:
            continue
        doc_node = node.body[0]
        keep = [
            line
            for number, line in enumerate(lines[node.lineno - 1 : node.end_lineno], node.lineno)
            if not doc_node.lineno <= number <= doc_node.end_lineno
        ]
        yield name, textwrap.dedent("\n".join(keep)).strip("\n"), summary


def docstring_records(
    split: str = "all", modules: Sequence[str] | None = None
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Yield ``(qualified name, module, {"name", "code", "summary"})`` of one split or all.

    ``modules`` keeps only these top-level modules and packages (``("json", "email")``).
    Whole modules are assigned to splits by a hash of the module name, so no module's
    functions leak between train and test. Sizes depend on the Python version.
    """
    for module, path in _stdlib_files():
        if modules is not None and module.split(".")[0] not in modules:
            continue
        if split != "all" and hash_split(module) != split:
            continue
        for name, code, summary in docstring_pairs(module, path):
            yield name, module, {"name": name, "code": code, "summary": summary}
