"""TFDS builder of (function code, docstring summary) pairs from the standard library.

Parsing the whole standard library takes several seconds, so the pairs are built once per
Python version and cached like any other TFDS data set.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import tensorflow as tf
import tensorflow_datasets as tfds

from seqbook.data.builders._base import PairsBuilder, load_built
from seqbook.data.sources import text_sources


class SeqbookPythonDocstrings(PairsBuilder):
    """Functions of the CPython standard library without their docstrings, and the summaries."""

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=self.__doc__,
            features=tfds.features.FeaturesDict(
                {
                    "name": tfds.features.Text(),
                    "code": tfds.features.Text(),
                    "summary": tfds.features.Text(),
                }
            ),
            supervised_keys=("code", "summary"),
            homepage="https://github.com/python/cpython",
        )

    def records(self, options: Mapping[str, Any]) -> Iterable[tuple[str, str, dict]]:
        seen: set[str] = set()
        for name, module, example in text_sources.docstring_records("all", options["modules"]):
            if name not in seen:  # same-named nested or overloaded functions: keep the first
                seen.add(name)
                yield name, module, example


def load_python_docstrings(split: str, modules: Sequence[str] | None) -> tf.data.Dataset:
    """Elements ``{"name": string [], "code": string [], "summary": string []}``.

    ``modules`` (e.g. ``("json", "email")``) narrows the corpus to some top-level modules.
    """
    if modules is not None:
        if isinstance(modules, str) or not isinstance(modules, Sequence) or not modules:
            raise TypeError(
                f"modules must be None or a non-empty list of module names, got {modules!r}."
            )
        known = {name.split(".")[0] for name, _ in text_sources._stdlib_files()}
        unknown = sorted(set(modules) - known)
        if unknown:
            raise ValueError(f"modules must name standard-library modules, got unknown {unknown}.")
        modules = tuple(sorted(modules))
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return load_built(SeqbookPythonDocstrings, split, {"python": python, "modules": modules})
