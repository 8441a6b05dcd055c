"""Reading layer configs saved under older argument names (``.keras`` files, json records)."""

from __future__ import annotations

from typing import Any


def renamed_keys(config: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """A copy of ``config`` with each old key of ``renames`` replaced by its new name.

    Example
    -------
    >>> renamed_keys({"max_length": 8, "name": "p"}, {"max_length": "max_sequence_length"})
    {'name': 'p', 'max_sequence_length': 8}
    """
    out = {key: value for key, value in config.items() if key not in renames}
    for old, new in renames.items():
        if old in config and new not in config:
            out[new] = config[old]
    return out
