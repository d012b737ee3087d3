"""A table of quads written at publish time beside a store folder generation's RocksDB files:
blocks of N-Quads text, one an owner IRI, found by a binary search over memory-mapped keys
and read with `pread`. Two tables use it: the label table (`label_table`: an IRI's label
quads) and the resource table (`resource_table`: the quads of a resource and its hash IRIs).

A lookup costs a binary search over pages that the operating system shares between all server
processes and can evict, and one read of the block from its page cache (a few µs), where a
RocksDB lookup of a key not read before costs 550-920 µs at world M.

Layout, in the table's folder::

    keys      the sorted keys: the first 8 bytes of BLAKE2b of each owner IRI's UTF-8 text,
              as unsigned 64-bit integers in the byte order recorded in `citydip-store.json`
    offsets   one more unsigned 64-bit integer than keys: where each key's block starts in
              `quads.nq`, and where the last one ends
    quads.nq  the blocks: each owner's quads as Oxigraph's N-Quads writer writes them, sorted

Two owners whose keys collide have two entries with the same key; a block is only taken for
an owner when the reader finds it its own: the label table's when its first line starts with
`<iri> `; the blocks of a table whose quads have two owners start with a comment naming
theirs (`# <iri>`). The quads are the store's either way (parsed from the text Oxigraph wrote).

A caller that must not wait long (an event loop, `citydip_ld.granian_front`) reads within
`quick_reads()`: a block not in the page cache is read from the disk only while the disk
answers quickly; after a slow read such blocks raise `BlockingIOError` for a while, and the
caller hands the request to a thread, which reads it as usual.
"""

from __future__ import annotations

import array
import bisect
import contextlib
import errno
import hashlib
import mmap
import os
import shutil
import sys
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

#: How keys are made (recorded with a table; another name is another format).
KEY_FUNCTION = "blake2b-64"
#: Temporary files the quads are spread over by their key's top bits while writing (each then
#: sorted in memory: at most 1/BUCKETS of the table's quads at once).
BUCKETS = 64
#: Quads written to text in one call of Oxigraph's writer.
CHUNK = 10_000


def table_key(iri: str) -> int:
    """A table's key of the owner IRI `iri`."""
    digest = hashlib.blake2b(iri.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class TableInfo:
    """What a generation's marker records of a table."""

    #: Owners (blocks) in the table (the label table calls them subjects).
    subjects: int
    #: Lines in the table (a quad in two owners' blocks counts twice).
    quads: int
    bytes: int
    #: The label properties whose quads the label table holds (IRIs); empty for a table of
    #: all a resource's quads.
    predicates: tuple[str, ...] = ()
    key: str = KEY_FUNCTION
    byteorder: str = sys.byteorder
    pyoxigraph: str = ox.__version__
    #: The links to each owner a resource table keeps (the first by subject, predicate,
    #: graph); None for a table of another kind.
    incoming: int | None = None

    def usable(self, predicates: Sequence[Any] = (), incoming: int | None = None) -> bool:
        """Whether this process reads the table as it was written (the same label
        properties, links kept, key, byte order and N-Quads writer); else the store is
        looked up."""
        wanted = tuple(str(p.value) for p in predicates)
        found = (tuple(self.predicates), self.incoming, self.key, self.byteorder, self.pyoxigraph)
        return found == (
            wanted,
            incoming,
            KEY_FUNCTION,
            sys.byteorder,
            ox.__version__,
        )

    @classmethod
    def recorded(cls, info: dict[str, Any] | None) -> TableInfo | None:
        """The table a marker records as `info` (None: none, or not in this form)."""
        if info is None:
            return None
        try:
            return cls(**{**info, "predicates": tuple(info.get("predicates", ()))})
        except TypeError:
            return None


def in_chunks(quads: Iterable[Any]) -> Iterator[list[Any]]:
    """The quads of `quads` in named graphs with an IRI subject (those a table holds), in
    chunks of CHUNK."""
    chunk: list[Any] = []
    for quad in quads:
        if type(quad.subject) is ox.NamedNode and type(quad.graph_name) is ox.NamedNode:
            chunk.append(quad)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def write_quad_table(
    chunks: Iterable[list[Any]],
    owners: Callable[[Any], Iterable[str]],
    folder: Path,
    predicates: Sequence[Any] = (),
    trim: Callable[[str, list[bytes]], list[bytes]] | None = None,
    incoming: int | None = None,
    headed: bool = False,
) -> TableInfo:
    """Write the quads of `chunks` (pyoxigraph quads) into a table in `folder`, each in the
    block of every owner IRI `owners` gives for it (once in each, however often given);
    `trim`, given an owner and its block's lines, says which to keep. A `headed` table's
    blocks start with a comment naming their owner (`# <iri>`: `owner_head`)."""
    folder.mkdir(parents=True, exist_ok=True)
    spread = folder / ".buckets"
    spread.mkdir(exist_ok=True)
    try:
        _spread_quads(chunks, owners, spread)
        keys, offsets, size, quads = _write_blocks(spread, folder / "quads.nq", trim, headed)
    finally:
        shutil.rmtree(spread, ignore_errors=True)
    _write_array(folder / "keys", keys)
    _write_array(folder / "offsets", offsets)
    written = tuple(str(p.value) for p in predicates)
    return TableInfo(len(keys), quads, size, predicates=written, incoming=incoming)


def _spread_quads(
    chunks: Iterable[list[Any]], owners: Callable[[Any], Iterable[str]], spread: Path
) -> None:
    """Each quad's key, owner and N-Quads line, for each of its owners, into the bucket file
    of the key's top bits."""
    files = [(spread / f"{number:02x}").open("wb") for number in range(BUCKETS)]
    shift = 64 - (BUCKETS.bit_length() - 1)
    try:
        for chunk in chunks:
            written = bytes(ox.serialize(chunk, format=ox.RdfFormat.N_QUADS) or b"")
            lines = written.split(b"\n")[:-1]  # one a quad: line breaks are escaped
            for quad, line in zip(chunk, lines, strict=True):
                for name in owners(quad):  # an IRI: no tab (N-Quads escapes it)
                    key = table_key(name)
                    files[key >> shift].write(b"%016x %s\t%s\n" % (key, name.encode(), line))
    finally:
        for handle in files:
            handle.close()


def parse_block(text: bytes) -> list[Any]:
    """The quads of a block of a table, as pyoxigraph quads. Parsed leniently (IRIs and
    language tags not checked again: half the time): the text is what Oxigraph's writer
    wrote for quads it held."""
    return list(ox.parse(text, format=ox.RdfFormat.N_QUADS, lenient=True)) if text else []


def owner_head(iri: str) -> bytes:
    """The first line of the block of `iri` in a headed table (an N-Quads comment)."""
    return f"# <{iri}>\n".encode()


def _write_blocks(
    spread: Path,
    target: Path,
    trim: Callable[[str, list[bytes]], list[bytes]] | None,
    headed: bool,
) -> tuple[array.array[int], array.array[int], int, int]:
    """The buckets' lines grouped by key and owner, in key order, into `target`: its keys,
    their blocks' offsets, its size and its lines (a quad given twice to an owner is written
    once)."""
    keys: array.array[int] = array.array("Q")
    offsets: array.array[int] = array.array("Q", [0])
    size = lines_written = 0
    with target.open("wb") as out:
        for number in range(BUCKETS):
            path = spread / f"{number:02x}"
            lines = path.read_bytes().split(b"\n")[:-1]
            path.unlink()
            lines.sort()  # by key (fixed-width hex), then owner (UTF-8: by code point)
            for key, name, block in _blocks(lines):
                if trim is not None:
                    block = trim(name, block)
                data = b"".join(block)
                if headed:
                    data = owner_head(name) + data
                out.write(data)
                size += len(data)
                lines_written += len(block)
                keys.append(key)
                offsets.append(size)
    return keys, offsets, size, lines_written


def _blocks(lines: list[bytes]) -> Iterator[tuple[int, str, list[bytes]]]:
    """(key, owner, the N-Quads lines of the owner, each once) of sorted `key owner<TAB>line`
    lines."""
    current: bytes | None = None
    block: list[bytes] = []
    previous = None
    for line in lines:
        if line == previous:
            continue  # the same quad for the same owner (sorted: repeats are together)
        previous = line
        tab = line.index(b"\t")
        head = line[:tab]  # the key and the owner
        if head != current:
            if current is not None:
                yield int(current[:16], 16), current[17:].decode("utf-8"), block
            current, block = head, []
        block.append(line[tab + 1 :] + b"\n")
    if current is not None:
        yield int(current[:16], 16), current[17:].decode("utf-8"), block


def _write_array(path: Path, values: array.array[int]) -> None:
    with path.open("wb") as out:
        values.tofile(out)


#: Whether this thread reads blocks as `quick_reads` says.
_QUICK = threading.local()
#: `preadv`'s flag: fail with EAGAIN where the read would wait (None: not on this system).
_RWF_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None)
#: A block read from the disk within `quick_reads` that took longer than this (seconds)...
SLOW_READ = 0.002
#: ...sends the blocks not in the page cache to threads for this long (seconds).
SLOW_PAUSE = 10.0
#: Until when (`time.monotonic`) blocks not in the page cache go to threads.
_slow_until = 0.0


@contextlib.contextmanager
def quick_reads() -> Generator[None]:
    """Within the block, this thread (an event loop, which must not wait long) reads a block
    from the disk only while the disk answers quickly: a block the page cache does not hold
    (`preadv` with `RWF_NOWAIT` tells, Linux) is read, and timed; once a read has taken over
    `SLOW_READ`, such blocks raise `BlockingIOError` for `SLOW_PAUSE` seconds (the caller
    hands the request to a thread, which reads it as usual), blocks in the page cache are
    still read."""
    before = reading_quickly()
    _QUICK.on = True
    try:
        yield
    finally:
        _QUICK.on = before


def reading_quickly() -> bool:
    """Whether this thread is within `quick_reads` (its caller must not wait long: what may
    wait on the disk, a store lookup included, is left to a thread)."""
    return bool(getattr(_QUICK, "on", False))


def _read_quickly(descriptor: int, length: int, start: int) -> bytes:
    """`length` bytes at `start`, as `quick_reads` says."""
    global _slow_until
    if _RWF_NOWAIT is not None:
        cached = _read_cached(descriptor, length, start)
        if cached is not None:
            return cached
    if time.monotonic() < _slow_until:
        raise BlockingIOError(errno.EAGAIN, "the disk is slow: the block is read on a thread")
    begun = time.perf_counter()
    found = os.pread(descriptor, length, start)
    if time.perf_counter() - begun > SLOW_READ:
        _slow_until = time.monotonic() + SLOW_PAUSE
    return found


def _read_cached(descriptor: int, length: int, start: int) -> bytes | None:
    """`length` bytes at `start` if the page cache holds them all, else None (also where the
    file system cannot tell: then it is not asked again)."""
    global _RWF_NOWAIT
    flag = _RWF_NOWAIT
    if flag is None:
        return None
    buffer = bytearray(length)
    try:
        read = os.preadv(descriptor, [buffer], start, flag)
    except BlockingIOError:
        return None
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        _RWF_NOWAIT = None  # the file system cannot tell
        return None
    return bytes(buffer) if read == length else None  # else some of it would wait


class QuadTable:
    """A table's files: its keys and offsets memory-mapped, its blocks read with `pread`
    (see the module docstring).

    A block is read by one `pread` of the open file, not from mapped pages: a stream of cold
    documents reads blocks no process has touched yet, and a page's first touch in a process
    is a page fault (at world M, 3,000 random cities' blocks of 5.8 kB: a median of 16 µs of
    CPU a block mapped against 10 µs read). The keys and offsets, a few MiB read by every
    lookup, stay mapped. The file is closed by `close`, else with the table."""

    def __init__(self, folder: Path, info: TableInfo) -> None:
        self._maps: list[mmap.mmap] = []
        self._views: list[memoryview] = []
        self._keys = self._view(folder / "keys")
        self._offsets = self._view(folder / "offsets")
        if len(self._keys) != info.subjects or len(self._offsets) != info.subjects + 1:
            raise OSError(f"{folder}: the table does not match its record")
        self._text = os.open(folder / "quads.nq", os.O_RDONLY)
        self._close_text = weakref.finalize(self, os.close, self._text)
        if os.fstat(self._text).st_size != self._offsets[-1]:
            self._close_text()
            raise OSError(f"{folder}: the table's text does not match its offsets")

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

    def block(self, iri: str, belongs: Callable[[bytes], bool]) -> bytes:
        """The N-Quads lines of the owner `iri`: the block of its key that `belongs` says is
        its own (given the block; empty: it has none)."""
        key = table_key(iri)
        keys = self._keys
        index = bisect.bisect_left(keys, key)
        read = _read_quickly if reading_quickly() else os.pread
        while index < len(keys) and keys[index] == key:
            start = self._offsets[index]
            found = read(self._text, self._offsets[index + 1] - start, start)
            if belongs(found):
                return found
            index += 1
        return b""

    def close(self) -> None:
        """Unmap the files (the table answers nothing after)."""
        for view in reversed(self._views):
            view.release()
        self._views.clear()
        for mapped in self._maps:
            mapped.close()
        self._maps.clear()
        self._close_text()


def open_quad_table(
    folder: Path,
    info: dict[str, Any] | None,
    predicates: Sequence[Any] = (),
    incoming: int | None = None,
) -> QuadTable | None:
    """The table in `folder` as its generation's marker records it (`info`), if it holds
    the quads of `predicates` (empty: a table of whole resources) keeping `incoming` links
    and this process can read it; None otherwise (then the store is looked up)."""
    recorded = TableInfo.recorded(info)
    if recorded is None or not recorded.usable(predicates, incoming):
        return None
    try:
        return QuadTable(folder, recorded)
    except (OSError, ValueError):
        return None
