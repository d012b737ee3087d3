"""The resources of one kind in list order, for paging: in memory, or in a file on disk.

`describe.ordered_resources` computes the order with one query that groups and sorts every
labelled resource of the kind (94 s for all kinds at world scale L, and about 700 MiB of
strings held by the web process). `publish --to DIR` writes each kind's order into the store
folder instead (`write_listing`): one IRI a line, and beside it the byte offset of every line
(8 bytes each), so `FileListing.page` reads one page with two seeks whatever the list's size.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

_OFFSET = struct.Struct("<Q")


class Listing(Protocol):
    """IRIs in list order: how many, and those at positions `start` to `stop`."""

    def __len__(self) -> int: ...

    def page(self, start: int, stop: int) -> list[str]: ...


class MemoryListing:
    """A list order held in memory."""

    def __init__(self, iris: Sequence[str]) -> None:
        self._iris = list(iris)

    def __len__(self) -> int:
        return len(self._iris)

    def page(self, start: int, stop: int) -> list[str]:
        return self._iris[start:stop]


def _offsets_path(path: Path) -> Path:
    return path.with_suffix(".offsets")


def write_listing(path: Path, iris: Iterable[str]) -> int:
    """Write `iris` (no line breaks inside) one a line, with their offsets; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets = array("Q")
    position = 0
    with path.open("wb") as lines:
        for iri in iris:
            data = iri.encode("utf-8") + b"\n"
            if b"\n" in data[:-1] or b"\r" in data:
                raise ValueError(f"an IRI with a line break cannot be listed: {iri[:80]!r}")
            offsets.append(position)
            lines.write(data)
            position += len(data)
    offsets.append(position)  # the end of the last line
    if sys.byteorder != "little":
        offsets.byteswap()  # the file is little-endian, as `_OFFSET` reads it
    _offsets_path(path).write_bytes(offsets.tobytes())
    return len(offsets) - 1


class FileListing:
    """A list order written by `write_listing`, read a page at a time."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offsets = _offsets_path(path)
        self._count = max(0, self._offsets.stat().st_size // _OFFSET.size - 1)

    def __len__(self) -> int:
        return self._count

    def _offset(self, handle: BinaryIO, index: int) -> int:
        handle.seek(index * _OFFSET.size)
        value: int = _OFFSET.unpack(handle.read(_OFFSET.size))[0]
        return value

    def page(self, start: int, stop: int) -> list[str]:
        start, stop = max(0, start), min(stop, self._count)
        if start >= stop:
            return []
        with self._offsets.open("rb") as offsets:
            begin, end = self._offset(offsets, start), self._offset(offsets, stop)
        with self._path.open("rb") as lines:
            lines.seek(begin)
            # at "\n" only: `str.splitlines` also ends a line at U+2028, which an IRI may hold
            return lines.read(end - begin).decode("utf-8").split("\n")[:-1]
