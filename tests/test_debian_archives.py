"""Debian archives: the pure-Python .deb reader and the checksum-verified, cached apt-get fetch."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from seqbook.data.sources import debian_archives
from seqbook.data.sources.debian_archives import (AR_MAGIC, ar_members, deb_members,
                                                  extract_deb, fetch_deb)


def ar_member(name: str, content: bytes) -> bytes:
    """One ar member as dpkg writes it: a 60-byte header, the content, an even-length pad."""
    header = (name.encode().ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6)
              + b"100644".ljust(8) + str(len(content)).encode().ljust(10) + b"`\n")
    assert len(header) == 60
    return header + content + (b"\n" if len(content) % 2 else b"")


def tiny_deb(files: dict[str, bytes], compression: str = "xz") -> bytes:
    """A minimal .deb: debian-binary, an empty control.tar.gz and data.tar.<compression>."""
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode=f"w:{compression}") as tar:
        directory = tarfile.TarInfo("./usr/share")
        directory.type = tarfile.DIRTYPE
        tar.addfile(directory)
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        link = tarfile.TarInfo("./usr/share/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "elsewhere"
        tar.addfile(link)
    control = io.BytesIO()
    with tarfile.open(fileobj=control, mode="w:gz"):
        pass
    return (AR_MAGIC + ar_member("debian-binary", b"2.0\n")
            + ar_member("control.tar.gz", control.getvalue())
            + ar_member(f"data.tar.{compression}", payload.getvalue()))


FILES = {"./usr/share/doc/a.txt": b"odd", "./usr/share/sword/mods.d/web.conf": b"[WEB]\n"}


@pytest.mark.parametrize("compression", ["xz", "gz", "bz2"])
def test_deb_members_reads_the_data_tar_whatever_its_compression(tmp_path, compression):
    deb = tmp_path / "tiny.deb"
    deb.write_bytes(tiny_deb(FILES, compression))
    assert [name for name, _ in ar_members(deb)] == [
        "debian-binary", "control.tar.gz", f"data.tar.{compression}"]
    # Regular files only, "./" dropped; the directory and the symbolic link are skipped.
    assert dict(deb_members(deb)) == {"usr/share/doc/a.txt": b"odd",
                                      "usr/share/sword/mods.d/web.conf": b"[WEB]\n"}


def test_ar_members_keeps_odd_length_members_aligned(tmp_path):
    archive = tmp_path / "odd.a"
    archive.write_bytes(AR_MAGIC + ar_member("one/", b"abc") + ar_member("two", b"de"))
    assert list(ar_members(archive)) == [("one", b"abc"), ("two", b"de")]


def test_extract_deb_keeps_the_layout_under_the_prefix(tmp_path):
    deb = tmp_path / "tiny.deb"
    deb.write_bytes(tiny_deb(FILES))
    written = extract_deb(deb, tmp_path / "out", prefix="usr/share/sword/")
    assert written == [(tmp_path / "out/usr/share/sword/mods.d/web.conf").resolve()]
    assert written[0].read_bytes() == b"[WEB]\n"
    assert not (tmp_path / "out/usr/share/doc").exists()


def test_extract_deb_refuses_a_member_outside_the_target(tmp_path):
    deb = tmp_path / "evil.deb"
    deb.write_bytes(tiny_deb({"../../escape.txt": b"x"}))
    with pytest.raises(ValueError, match="outside the target"):
        extract_deb(deb, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_not_a_deb_is_refused(tmp_path):
    plain = tmp_path / "plain.deb"
    plain.write_bytes(b"hello")
    with pytest.raises(ValueError, match="ar archive"):
        list(ar_members(plain))
    truncated = tmp_path / "cut.deb"
    truncated.write_bytes(tiny_deb(FILES)[:200])
    with pytest.raises(ValueError, match="cut short|broken"):
        list(ar_members(truncated))
    no_data = tmp_path / "nodata.deb"
    no_data.write_bytes(AR_MAGIC + ar_member("debian-binary", b"2.0\n"))
    with pytest.raises(ValueError, match="no data.tar"):
        list(deb_members(no_data))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty data directory, and an apt-get that 'downloads' whatever ``served`` holds."""
    monkeypatch.setenv("SEQBOOK_DATA_DIR", str(tmp_path / "data"))
    calls = []
    served = {"bytes": b"the real package"}

    def fake_run(command, cwd, **kwargs):
        calls.append(command)
        (Path(cwd) / "pkg_1.0_all.deb").write_bytes(served["bytes"])
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(debian_archives.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(debian_archives.subprocess, "run", fake_run)
    return calls, served


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_fetch_deb_downloads_once_then_serves_the_cache(cache):
    calls, served = cache
    first = fetch_deb("pkg", "1.0", "pkg_1.0_all.deb", digest(served["bytes"]))
    assert calls == [["apt-get", "download", "--quiet", "pkg=1.0"]]
    assert first.read_bytes() == served["bytes"] and first.parent.name == "downloads"
    again = fetch_deb("pkg", "1.0", "pkg_1.0_all.deb", digest(served["bytes"]))
    assert again == first and len(calls) == 1  # the cache hit never calls apt-get


def test_fetch_deb_refuses_a_wrong_checksum_and_keeps_nothing(cache):
    calls, served = cache
    with pytest.raises(RuntimeError, match="SHA-256"):
        fetch_deb("pkg", "1.0", "pkg_1.0_all.deb", digest(b"something else"))
    assert not any((debian_archives.data_dir() / "downloads").iterdir())


def test_fetch_deb_refetches_a_corrupted_cache(cache):
    calls, served = cache
    target = debian_archives.data_dir() / "downloads" / "pkg_1.0_all.deb"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"corrupted")
    assert fetch_deb("pkg", "1.0", "pkg_1.0_all.deb", digest(served["bytes"])) == target
    assert len(calls) == 1 and target.read_bytes() == served["bytes"]


def test_fetch_deb_without_apt_get_names_the_alternative(cache, monkeypatch):
    monkeypatch.setattr(debian_archives.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Debian package archive.*pkg_1.0_all.deb"):
        fetch_deb("pkg", "1.0", "pkg_1.0_all.deb", digest(b"x"))


def test_fetch_deb_when_apt_get_fails_names_the_alternative(cache, monkeypatch):
    def failing_run(command, **kwargs):
        raise subprocess.CalledProcessError(100, command, stderr="E: Unable to locate package")

    monkeypatch.setattr(debian_archives.subprocess, "run", failing_run)
    with pytest.raises(RuntimeError, match="Unable to locate.*Debian package archive"):
        fetch_deb("pkg", "1.0", "pkg_1.0_all.deb", digest(b"x"))
