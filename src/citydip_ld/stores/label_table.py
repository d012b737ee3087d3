"""The label table of a store folder's generation: every IRI's label quads (`rdfs:label`,
`skos:prefLabel`, `dcterms:title`, in named graphs) as N-Quads text, written at publish time
beside the RocksDB files and read through `mmap`.

A cold document carries the labels of every IRI it links to; most of those IRIs (a city's
partner cities and twinnings) are asked for once, so the label memo (`label_memo`) rarely
holds them and each costs RocksDB lookups: at world M about 64 µs an IRI (RocksDB's first
read of a key costs 57-70 µs, even when it finds nothing), 0.5 ms of a 1.4 ms document. Held
in a Python dict the labels would take 104-515 MiB per process at M and ten times that at L.
In this table they cost a binary search over memory-mapped pages (a few µs), pages that the
operating system shares between all server processes and can evict.

Layout, in `<generation>/labels/`::

    keys      the sorted keys: the first 8 bytes of BLAKE2b of each subject IRI's UTF-8 text,
              as unsigned 64-bit integers in the byte order recorded in `citydip-store.json`
    offsets   one more unsigned 64-bit integer than keys: where each key's block starts in
              `quads.nq`, and where the last one ends
    quads.nq  the blocks: each subject's label quads as Oxigraph's N-Quads writer writes them

Two IRIs whose keys collide have two entries with the same key; a block is only taken for an
IRI when it starts with that IRI (`<iri> `). An IRI without an entry has no labels: the table
holds every label quad of the generation, so it answers without the store. A generation
published without the table (by older code), or written by another pyoxigraph version or on a
machine of another byte order, is read by index lookups as before; the quads are the same
either way (the table's are parsed from the text Oxigraph wrote for them).
"""

from __future__ import annotations

import array
import bisect
import hashlib
import mmap
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

#: The folder of the table in a generation.
LABELS = "labels"
#: How keys are made (recorded with the table; another name is another format).
KEY_FUNCTION = "blake2b-64"
#: Temporary files the label quads are spread over by their key's top bits while writing
#: (each then sorted in memory: at most 1/BUCKETS of the label quads at once).
BUCKETS = 64
#: Quads written to text in one call of Oxigraph's writer while writing the table.
_CHUNK = 10_000


def label_key(iri: str) -> int:
    """The table's key of `iri`."""
    digest = hashlib.blake2b(iri.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class TableInfo:
    """What a generation's marker records of its label table."""

    subjects: int
    quads: int
    bytes: int
    #: The label properties whose quads the table holds (IRIs).
    predicates: tuple[str, ...] = ()
    key: str = KEY_FUNCTION
    byteorder: str = sys.byteorder
    pyoxigraph: str = ox.__version__

    def usable(self, predicates: Sequence[Any]) -> bool:
        """Whether this process reads the table as it was written (the same label
        properties, key, byte order and N-Quads writer); else labels are looked up."""
        wanted = tuple(str(p.value) for p in predicates)
        return (tuple(self.predicates), self.key, self.byteorder, self.pyoxigraph) == (
            wanted,
            KEY_FUNCTION,
            sys.byteorder,
            ox.__version__,
        )


def write_label_table(store: Any, predicates: Sequence[Any], folder: Path) -> TableInfo:
    """Write the label table of `store` (a pyoxigraph store) into `folder`: the quads in
    named graphs of IRI subjects with one of `predicates`."""
    folder.mkdir(parents=True, exist_ok=True)
    spread = folder / ".buckets"
    spread.mkdir(exist_ok=True)
    try:
        quads = _spread_quads(store, predicates, spread)
        keys, offsets, size = _write_blocks(spread, folder / "quads.nq")
    finally:
        shutil.rmtree(spread, ignore_errors=True)
    _write_array(folder / "keys", keys)
    _write_array(folder / "offsets", offsets)
    written = tuple(str(p.value) for p in predicates)
    return TableInfo(subjects=len(keys), quads=quads, bytes=size, predicates=written)


def _label_quads(store: Any, predicates: Sequence[Any]) -> Iterator[list[Any]]:
    """The label quads of `store` in named graphs with an IRI subject, in chunks."""
    chunk: list[Any] = []
    for predicate in predicates:
        for quad in store.quads_for_pattern(None, predicate, None, None):
            if type(quad.subject) is ox.NamedNode and type(quad.graph_name) is ox.NamedNode:
                chunk.append(quad)
                if len(chunk) >= _CHUNK:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


def _spread_quads(store: Any, predicates: Sequence[Any], spread: Path) -> int:
    """Each label quad's key and N-Quads line into the bucket file of the key's top bits;
    the number of quads."""
    files = [
        (spread / f"{number:02x}").open("w", encoding="utf-8", newline="")  # no translation
        for number in range(BUCKETS)
    ]
    shift = 64 - (BUCKETS.bit_length() - 1)
    count = 0
    try:
        for chunk in _label_quads(store, predicates):
            written = bytes(ox.serialize(chunk, format=ox.RdfFormat.N_QUADS) or b"")
            lines = written.decode("utf-8").split("\n")[:-1]  # one a quad: line breaks escaped
            for quad, line in zip(chunk, lines, strict=True):
                key = label_key(quad.subject.value)
                files[key >> shift].write(f"{key:016x} {line}\n")
            count += len(chunk)
    finally:
        for handle in files:
            handle.close()
    return count


def _write_blocks(spread: Path, target: Path) -> tuple[array.array[int], array.array[int], int]:
    """The buckets' lines grouped by key and subject, in key order, into `target`: its keys,
    their blocks' offsets and its size."""
    keys: array.array[int] = array.array("Q")
    offsets: array.array[int] = array.array("Q", [0])
    size = 0
    with target.open("wb") as out:
        for number in range(BUCKETS):
            path = spread / f"{number:02x}"
            with path.open(encoding="utf-8", newline="") as bucket:  # "\r" stays as written
                lines = bucket.read().split("\n")[:-1]
            path.unlink()
            lines.sort()  # by key (fixed-width hex), then subject: a subject's lines together
            for key, block in _blocks(lines):
                data = block.encode("utf-8")
                out.write(data)
                size += len(data)
                keys.append(key)
                offsets.append(size)
    return keys, offsets, size


def _blocks(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(key, the N-Quads lines of one subject) of sorted `key line` lines."""
    current: tuple[str, str] | None = None
    block: list[str] = []
    for line in lines:
        text = line[17:]
        head = (line[:16], text[: text.index("> ") + 2])  # the key and `<subject> `
        if head != current:
            if current is not None:
                yield int(current[0], 16), "".join(block)
            current, block = head, []
        block.append(text + "\n")
    if current is not None:
        yield int(current[0], 16), "".join(block)


def _write_array(path: Path, values: array.array[int]) -> None:
    with path.open("wb") as out:
        values.tofile(out)


class LabelTable:
    """A generation's label table, memory-mapped (see the module docstring)."""

    def __init__(self, folder: Path, info: TableInfo) -> None:
        self._maps: list[mmap.mmap] = []
        self._views: list[memoryview] = []
        self._keys = self._view(folder / "keys")
        self._offsets = self._view(folder / "offsets")
        self._text = self._map(folder / "quads.nq")
        if len(self._keys) != info.subjects or len(self._offsets) != info.subjects + 1:
            raise OSError(f"{folder}: the label table does not match its record")

    def _map(self, path: Path) -> mmap.mmap | bytes:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            if os.fstat(descriptor).st_size == 0:
                return b""  # mmap refuses an empty file
            mapped = mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(descriptor)
        self._maps.append(mapped)
        return mapped

    def _view(self, path: Path) -> Sequence[int]:
        mapped = self._map(path)
        if not mapped:
            return array.array("Q")
        whole = memoryview(mapped)
        self._views += [whole, whole.cast("Q")]
        return self._views[-1]

    def block(self, iri: str) -> bytes:
        """The N-Quads lines of the label quads of `iri` (empty: it has none)."""
        key = label_key(iri)
        keys = self._keys
        index = bisect.bisect_left(keys, key)
        head = f"<{iri}> ".encode()
        while index < len(keys) and keys[index] == key:
            found = self._text[self._offsets[index] : self._offsets[index + 1]]
            if found.startswith(head):
                return found
            index += 1
        return b""

    def quads(self, names: Iterable[str]) -> list[Any]:
        """The label quads of every IRI of `names`, as pyoxigraph quads."""
        text = b"".join([self.block(name) for name in names])
        return list(ox.parse(text, format=ox.RdfFormat.N_QUADS)) if text else []

    def close(self) -> None:
        """Unmap the files (the table answers nothing after)."""
        for view in reversed(self._views):
            view.release()
        self._views.clear()
        for mapped in self._maps:
            mapped.close()
        self._maps.clear()


def open_label_table(
    generation: Path, info: dict[str, Any] | None, predicates: Sequence[Any]
) -> LabelTable | None:
    """The label table of `generation` as its marker records it (`info`), if it holds the
    quads of `predicates` and this process can read it; None for a generation without one
    (then labels are looked up)."""
    if info is None:
        return None
    try:
        table_info = TableInfo(**{**info, "predicates": tuple(info.get("predicates", ()))})
    except TypeError:
        return None
    if not table_info.usable(predicates):
        return None
    try:
        return LabelTable(generation / LABELS, table_info)
    except (OSError, ValueError):
        return None
