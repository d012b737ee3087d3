"""Dump checksums: `write_checksums` at build time, read back for VoID/DCAT."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from citydip_ld.errors import LoadError
from citydip_ld.rdf.dumps import CHECKSUMS_FILE, list_dumps, read_checksums, write_checksums


def test_write_checksums_is_sha256sum_compatible(tmp_path: Path) -> None:
    (tmp_path / "dataset.nq").write_bytes(b"<a:b> <a:c> <a:d> .\n")
    (tmp_path / "dataset.ttl").write_bytes('<a:b> <a:c> "تبریز" .\n'.encode())
    path = write_checksums(tmp_path)
    assert path == tmp_path / CHECKSUMS_FILE
    expected = hashlib.sha256(b"<a:b> <a:c> <a:d> .\n").hexdigest()
    assert path.read_text().splitlines()[0] == f"{expected}  dataset.nq"
    assert set(read_checksums(tmp_path)) == {"dataset.nq", "dataset.ttl"}
    if shutil.which("sha256sum"):
        check = subprocess.run(
            ["sha256sum", "-c", CHECKSUMS_FILE], cwd=tmp_path, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr


def test_list_dumps_gives_size_type_and_digest(tmp_path: Path) -> None:
    (tmp_path / "dataset.nt").write_bytes(b"x" * 10)
    write_checksums(tmp_path)
    (dump,) = list_dumps(tmp_path)
    assert (dump.name, dump.media_type, dump.byte_size) == (
        "dataset.nt",
        "application/n-triples",
        10,
    )
    assert dump.sha256 == hashlib.sha256(b"x" * 10).hexdigest()


def test_no_dumps_is_an_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="citydip-ld build"):
        write_checksums(tmp_path)


def test_a_corrupt_checksum_file_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / CHECKSUMS_FILE).write_text("nonsense\n")
    with pytest.raises(LoadError, match=r"SHA256SUMS:1"):
        read_checksums(tmp_path)
