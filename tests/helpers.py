"""Test helpers: a disposable copy of the project's data, ontology and shapes; the CLI run
in-process; store folders as older code left them; the index lookups a test makes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from citydip_ld.cli import main
from citydip_ld.stores.disk_store import CURRENT, MARKER
from citydip_ld.stores.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent


def copy_project(target: Path) -> Path:
    """Copy data/, ontology/ and shapes/ into `target`; return the copied data folder."""
    for name in ("data", "ontology", "shapes"):
        shutil.copytree(ROOT / name, target / name)
    return target / "data"


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in `path` by `new`; return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.count("\n", 0, index) + 1


def run_cli(*args: str) -> tuple[int, str]:
    """Run `citydip-ld ARGS` in-process; its exit code and output. Fails on a traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def folder_answers(
    folder: Path, paths: tuple[str, ...], base: str
) -> dict[str, tuple[int, bytes, str | None]]:
    """Status, body and Content-Type of each of `paths` as an app on the store folder
    `folder` answers them (a new app: nothing kept from an earlier one)."""
    from citydip_ld.web import create_app

    app = create_app({"TESTING": True, "BASE": base, "STORE": str(folder), "QUERY_WORKERS": 0})
    client = app.test_client()
    found = {}
    for path in paths:
        answer = client.get(path)
        found[path] = (answer.status_code, answer.data, answer.headers.get("Content-Type"))
    return found


def as_older_code_wrote_it(folder: Path, target: Path, *drop: str) -> Path:
    """A copy of the store folder `folder` whose live generation lacks the record keys `drop`
    (and the folders of the same names: `labels`, `lists`, `resources`), as a publication by
    older code left it."""
    shutil.copytree(folder, target, symlinks=True)
    generation = (target / CURRENT).resolve()
    marker = json.loads((generation / MARKER).read_text(encoding="utf-8"))
    for key in drop:
        del marker[key]
        shutil.rmtree(generation / key, ignore_errors=True)
    (generation / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return target


def index_lookups(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Patterns asked of every `OxigraphStore`'s index from now on."""
    asked: list[Any] = []
    lookup = OxigraphStore.quads_for_pattern

    def counted(self: OxigraphStore, *pattern: Any) -> Any:
        asked.append(pattern)
        return lookup(self, *pattern)

    monkeypatch.setattr(OxigraphStore, "quads_for_pattern", counted)
    return asked


def evict_from_page_cache(path: Path) -> None:
    """Drop `path`'s pages from the page cache (written back first), so that its next read
    waits on the disk; skip where this system cannot (not Linux; a file system that keeps
    files in memory, as tmpfs does). The kernel keeps a page someone holds at that moment
    (here, the memory monitor's scans): the pages are dropped until `mincore` sees none."""
    import os
    import time

    if not hasattr(os, "RWF_NOWAIT") or not hasattr(os, "posix_fadvise"):
        pytest.skip("this system has no preadv RWF_NOWAIT or posix_fadvise (Linux has both)")
    for _ in range(50):
        os.sync()
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)
        if not resident_pages(path):
            return
        time.sleep(0.02)
    pytest.skip(f"{path}'s pages stay in memory (a file system such as tmpfs keeps them)")


def resident_pages(path: Path) -> int:
    """How many of `path`'s pages the page cache holds: `mincore` of a mapping of the file
    (mapped through libc, read-only; mapping and asking read nothing)."""
    import ctypes
    import mmap
    import os

    size = path.stat().st_size
    if size == 0:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
    libc.mmap.argtypes += [ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    vector = ctypes.create_string_buffer((size + mmap.PAGESIZE - 1) // mmap.PAGESIZE)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, descriptor, 0)
        if address in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), f"mmap of {path} failed")
        try:
            if libc.mincore(address, size, vector) != 0:
                raise OSError(ctypes.get_errno(), f"mincore of {path} failed")
        finally:
            libc.munmap(address, size)
    finally:
        os.close(descriptor)
    return sum(byte & 1 for byte in vector.raw)
