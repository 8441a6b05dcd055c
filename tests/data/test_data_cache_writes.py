"""Cache files appear whole or not at all (``seqbook.data.sources._common.write_atomically``).

`make test` runs two jobs at once on one data cache; a reader that found a half-written video
clip once decoded 480 of its 795 frames and a docstring check failed. Every cache write of
the data sources goes through ``write_atomically``.
"""

from __future__ import annotations

import pathlib
import threading

import numpy as np
import pytest

from seqbook.data.sources import _common

SIZE = 1000 * 4096  # bytes, written 4 kB at a time: a write takes many system calls


def _write_slowly(target: pathlib.Path, fill: int) -> None:
    def write(scratch: pathlib.Path) -> None:
        with open(scratch, "wb") as handle:
            for _ in range(SIZE // 4096):
                handle.write(bytes([fill]) * 4096)

    _common.write_atomically(target, write)


def test_a_reader_never_sees_a_half_written_file(tmp_path):
    """Two writers and a reader at once (threads: file writes release the GIL, and the rename
    is the same system call whichever process makes it)."""
    target = tmp_path / "clip.bin"
    writers = [threading.Thread(target=_write_slowly, args=(target, fill)) for fill in (1, 2)]
    for writer in writers:
        writer.start()
    sizes = set()
    while any(w.is_alive() for w in writers):
        if target.exists():
            content = target.read_bytes()
            sizes.add(len(content))
            assert len(set(content[:: 65536])) == 1, "a file mixes two writers"
    for writer in writers:
        writer.join()
    assert sizes <= {SIZE}, sorted(sizes)
    assert target.stat().st_size == SIZE
    assert [p.name for p in tmp_path.iterdir()] == ["clip.bin"], "a scratch file was left"


def test_a_failed_write_leaves_neither_the_file_nor_its_scratch(tmp_path):
    def fail(scratch: pathlib.Path) -> None:
        scratch.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _common.write_atomically(tmp_path / "cache.json", fail)
    assert list(tmp_path.iterdir()) == []


def test_numpy_keeps_the_name_and_an_old_file_is_replaced(tmp_path):
    target = tmp_path / "frames.npz"
    target.write_bytes(b"stale")
    _common.write_atomically(target, lambda scratch: np.savez(scratch, a=np.arange(4)))
    with np.load(target) as stored:
        assert stored["a"].tolist() == [0, 1, 2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["frames.npz"]
