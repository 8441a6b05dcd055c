"""Fixtures of the data-layer tests: a private cache so tests never touch a user's cache."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory):
    """A cache directory shared by the whole test session (TFDS builds land here)."""
    return tmp_path_factory.mktemp("seqbook-data")


@pytest.fixture(autouse=True)
def private_data_dir(session_data_dir, monkeypatch):
    """Point ``SEQBOOK_DATA_DIR`` at the session cache for every test."""
    monkeypatch.setenv("SEQBOOK_DATA_DIR", str(session_data_dir))
    return session_data_dir
