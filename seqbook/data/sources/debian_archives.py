"""Debian binary packages that carry data sets: fetched once with apt-get, never installed.

Several public corpora ship inside Debian packages (Bible translations as SWORD modules,
manual pages, message catalogues). ``apt-get download`` fetches a ``.deb`` without root and
without installing it; its SHA-256 is checked and it is kept in
``SEQBOOK_DATA_DIR/downloads``. A ``.deb`` is an ``ar`` archive whose ``data.tar.*`` member
holds the files, so the loaders read them here in pure Python: nothing is installed, and no
Debian tool beyond ``apt-get`` itself is needed (and none at all once the file is cached).
"""

from __future__ import annotations

import io
import lzma
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from seqbook.data.sources._common import data_dir, write_atomically
from seqbook.data.sources.pypi_archives import keep_verified, sha256

#: The magic line every ``ar`` archive (and so every ``.deb``) starts with.
AR_MAGIC = b"!<arch>\n"
_AR_HEADER_SIZE = 60


def fetch_deb(package: str, version: str, filename: str, expected_sha256: str,
              timeout: float = 120.0) -> Path:
    """Return the cached, checksum-verified ``.deb`` of ``package=version``, fetching it once.

    Parameters
    ----------
    package : str
        The Debian package name, e.g. ``"sword-text-web"``.
    version : str
        Its exact version, e.g. ``"426.0-1"`` (a pinned version keeps the data fixed).
    filename : str
        The file name apt-get saves, e.g. ``"sword-text-web_426.0-1_all.deb"``.
    expected_sha256 : str
        Its SHA-256; a file that does not match is refused (and fetched again next time).
    timeout : float
        Seconds to give apt-get.

    Raises
    ------
    RuntimeError
        When apt-get is missing or cannot fetch the package, or the checksum is wrong. The
        message says where to put the file by hand instead.

    Example
    -------
    >>> deb = fetch_deb("sword-text-web", "426.0-1", "sword-text-web_426.0-1_all.deb",
    ...                 "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1")
    >>> deb.name, deb.parent.name
    ('sword-text-web_426.0-1_all.deb', 'downloads')
    """
    target = data_dir() / "downloads" / filename
    if target.exists() and sha256(target) == expected_sha256:
        return target
    by_hand = (f"Alternatively download {filename} from the Debian package archive "
               f"(https://packages.debian.org/{package}, version {version}) and put it at "
               f"{target}.")
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"apt-get is not available to fetch {package}={version}. {by_hand}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        command = ["apt-get", "download", "--quiet", f"{package}={version}"]
        try:
            subprocess.run(command, cwd=scratch, check=True, capture_output=True, text=True,
                           timeout=timeout)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            detail = getattr(error, "stderr", "") or str(error)
            raise RuntimeError(f"apt-get could not fetch {package}={version}: "
                               f"{detail.strip()} {by_hand}") from error
        return keep_verified(scratch, filename, expected_sha256, target,
                             f"apt-get fetched {package}={version} but")


def ar_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, content)`` for each member of the ``ar`` archive at ``path``.

    The format (the common Unix one, as ``dpkg`` writes it) is the magic line, then for each
    member a 60-byte text header (name, mtime, owner, group, mode, size, two-byte end
    marker) followed by the content, padded to an even length.

    Raises
    ------
    ValueError
        When ``path`` is not an ``ar`` archive or is cut short.

    Example
    -------
    >>> import tempfile
    >>> header = b"hello.txt/".ljust(48) + b"5".ljust(10) + b"`\\n"
    >>> archive = Path(tempfile.mkdtemp()) / "one.a"
    >>> _ = archive.write_bytes(AR_MAGIC + header + b"world\\n")
    >>> list(ar_members(archive))
    [('hello.txt', b'world')]
    """
    blob = Path(path).read_bytes()
    if not blob.startswith(AR_MAGIC):
        raise ValueError(f"path must be an ar archive (a .deb), but {path} does not start "
                         f"with {AR_MAGIC!r}.")
    offset = len(AR_MAGIC)
    while offset < len(blob):
        header = blob[offset:offset + _AR_HEADER_SIZE]
        if len(header) < _AR_HEADER_SIZE or header[58:60] != b"`\n":
            raise ValueError(f"path {path} has a broken ar member header at byte {offset}.")
        # GNU ar ends short names with "/"; dpkg's BSD-style names carry none.
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        start = offset + _AR_HEADER_SIZE
        if start + size > len(blob):
            raise ValueError(f"path {path} is cut short inside member {name!r}.")
        yield name, blob[start:start + size]
        offset = start + size + (size % 2)  # members start on even offsets


def _open_tar(name: str, content: bytes) -> tarfile.TarFile:
    """Open a ``data.tar.*`` member whatever its compression (xz, gzip, bzip2, zstd, none)."""
    if name.endswith(".zst"):
        try:
            import zstandard  # Python < 3.14 has no zstd in the standard library
        except ImportError as error:
            raise RuntimeError(f"{name} is zstd-compressed; install the 'zstandard' package "
                               "(pip install zstandard) to read it.") from error
        content = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(content)).read()
        return tarfile.open(fileobj=io.BytesIO(content), mode="r:")
    if name.endswith(".xz"):
        content = lzma.decompress(content)
        return tarfile.open(fileobj=io.BytesIO(content), mode="r:")
    return tarfile.open(fileobj=io.BytesIO(content), mode="r:*")


def deb_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, content)`` for each regular file the ``.deb`` at ``path`` installs.

    Names are relative paths as the package lays them out, without the leading ``./``
    (``usr/share/doc/...``). Symbolic links and directories are skipped.

    Raises
    ------
    ValueError
        When ``path`` is not a ``.deb`` (no ``data.tar.*`` member).

    Example
    -------
    >>> import io, tarfile, tempfile
    >>> payload = io.BytesIO()
    >>> with tarfile.open(fileobj=payload, mode="w:gz") as tar:
    ...     info = tarfile.TarInfo("./usr/share/hello.txt")
    ...     info.size = 2
    ...     tar.addfile(info, io.BytesIO(b"hi"))
    >>> data = payload.getvalue()
    >>> header = b"data.tar.gz".ljust(48) + str(len(data)).encode().ljust(10) + b"`\\n"
    >>> deb = Path(tempfile.mkdtemp()) / "hello.deb"
    >>> _ = deb.write_bytes(AR_MAGIC + header + data + b"\\n" * (len(data) % 2))
    >>> list(deb_members(deb))
    [('usr/share/hello.txt', b'hi')]
    """
    for name, content in ar_members(path):
        if name.startswith("data.tar"):
            with _open_tar(name, content) as tar:
                for info in tar:
                    if info.isfile():
                        extracted = tar.extractfile(info)
                        yield info.name.removeprefix("./"), extracted.read()
            return
    raise ValueError(f"path must be a Debian package, but {path} has no data.tar member.")


def extract_deb(path: Path, target_dir: Path, prefix: str = "") -> list[Path]:
    """Write the files of the ``.deb`` at ``path`` whose names start with ``prefix`` under ``target_dir``.

    Parameters
    ----------
    path : Path
        The ``.deb`` file.
    target_dir : Path
        Where to write; the package's layout is kept below it (``target_dir/usr/share/...``).
    prefix : str
        Only members whose name starts with it, e.g. ``"usr/share/sword/"``.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValueError
        When a member's name would escape ``target_dir`` (``..`` or an absolute path).

    Example
    -------
    >>> import io, tarfile, tempfile
    >>> payload = io.BytesIO()
    >>> with tarfile.open(fileobj=payload, mode="w") as tar:
    ...     info = tarfile.TarInfo("./etc/x.conf")
    ...     info.size = 1
    ...     tar.addfile(info, io.BytesIO(b"1"))
    >>> data = payload.getvalue()
    >>> header = b"data.tar".ljust(48) + str(len(data)).encode().ljust(10) + b"`\\n"
    >>> deb = Path(tempfile.mkdtemp()) / "x.deb"
    >>> _ = deb.write_bytes(AR_MAGIC + header + data)
    >>> [p.name for p in extract_deb(deb, deb.parent / "out")]
    ['x.conf']
    """
    root = Path(target_dir).resolve()
    written = []
    for name, content in deb_members(path):
        if not name.startswith(prefix):
            continue
        destination = (root / name).resolve()
        if root not in destination.parents:
            raise ValueError(f"path {path} holds a member {name!r} outside the target directory.")
        written.append(write_atomically(
            destination, lambda scratch, data=content: scratch.write_bytes(data)))
    return written
