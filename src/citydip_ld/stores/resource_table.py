"""The resource table of a store folder's generation: for every resource, the quads of its
document that are not labels, in one block: the quads of the resource and of its hash IRIs
(`<city>`, `<city#geometry>`, `<city#population>`), and the links to it from other
resources' IRIs; as N-Quads text written at publish time beside the RocksDB files and read
as a `quad_table`. Only quads in named graphs with an IRI subject are kept
(those a document takes). A blank node's id in the table is the dumps' (the store renames
them as it loads), so a resource that links to one is looked up, not read from the table.

A city's document at world M took four RocksDB lookups: its own quads, its incoming links,
and the quads of its `#geometry` and `#population`; a lookup of a key not read before costs
550-920 µs there (most of the time of a cold document), where Oxigraph's `DESCRIBE` makes
one. With this table they are one block, one read.

The table is in `<generation>/resources/` (its layout: `quad_table`). A generation without
one (published by older code, or by another pyoxigraph version) is read by lookups as
before; the quads are the same either way. The table holds each quad once, and a second
time when its object is another resource's IRI.
"""

from __future__ import annotations

import hashlib
import heapq
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

import pyoxigraph as ox

from citydip_ld.errors import LoadError
from citydip_ld.stores.quad_table import (
    QuadTable,
    TableInfo,
    in_chunks,
    open_quad_table,
    owner_head,
    parse_block,
    write_quad_table,
)

#: The folder of the table in a generation.
RESOURCES = "resources"


def owner(iri: str) -> str:
    """The resource whose block holds the quads of the subject `iri` (its IRI before `#`)."""
    return iri.partition("#")[0]


def owners(quad: Any) -> tuple[str, ...]:
    """The blocks `quad` goes in: its subject's resource's, and its object's if that is an
    IRI (an incoming link) without `#` (no document is asked for one) other than that
    resource."""
    mine = owner(quad.subject.value)
    target = quad.object
    if type(target) is ox.NamedNode:
        value = target.value
        if value != mine and "#" not in value:
            return (mine, value)
    return (mine,)


def _keeping(incoming: int) -> Callable[[str, list[bytes]], list[bytes]]:
    """What a block keeps: its resource's own lines, and the first `incoming` links to it by
    subject, predicate and graph (SPARQL's order, as the documents keep them: UTF-8 bytes
    compare as their code points do)."""

    def trim(iri: str, lines: list[bytes]) -> list[bytes]:
        heads = (f"<{iri}>".encode(), f"<{iri}#".encode())
        links = [line for line in lines if not line.startswith(heads)]
        if len(links) <= incoming:
            return lines
        kept = set(heapq.nsmallest(incoming, links, key=_link_order))
        return [line for line in lines if line.startswith(heads) or line in kept]

    return trim


def _link_order(line: bytes) -> tuple[bytes, bytes, bytes]:
    """(subject, predicate, graph) of an N-Quads line of three IRIs and an object."""
    subject = line[1 : line.index(b">")]
    rest = line[len(subject) + 4 :]
    return (subject, rest[: rest.index(b">")], line[line.rindex(b"<") + 1 : line.rindex(b">")])


def write_resource_table(store: Any, folder: Path, incoming: int) -> TableInfo:
    """Write the resource table of `store` (a pyoxigraph store) into `folder`, keeping
    `incoming` links to each resource."""
    quads = store.quads_for_pattern(None, None, None, None)
    return _write(in_chunks(quads), folder, incoming)


def _write(chunks: Iterable[list[Any]], folder: Path, incoming: int) -> TableInfo:
    trim = _keeping(incoming)
    return write_quad_table(chunks, owners, folder, trim=trim, incoming=incoming, headed=True)


def write_resource_table_from_dumps(
    paths: Sequence[Path], sums: Sequence[str], folder: Path, incoming: int
) -> TableInfo:
    """Write the resource table of the store loaded from the N-Quads files `paths` into
    `folder`, reading the files (a store's quads are read from RocksDB at about 16 µs a
    quad at world M, each string looked up; a file's are parsed at about 1 µs). Each file
    must still have the SHA-256 sum in `sums` it had when it was loaded, else `LoadError`."""
    readers = [_SummingReader(path) for path in paths]
    quads = (quad for reader in readers for quad in reader.quads())
    info = _write(map(_as_stored, in_chunks(quads)), folder, incoming)
    for reader, expected in zip(readers, sums, strict=True):
        if reader.hexdigest() != expected:
            raise LoadError(
                f"{reader.path}: the dump changed while it was being published; "
                "nothing was switched: publish again"
            )
    return info


def _as_stored(chunk: list[Any]) -> list[Any]:
    """The quads of `chunk` as a store gives them back: literals of the datatypes it knows
    in their canonical form (`"…+00:00"^^xsd:dateTime` becomes `"…Z"`), as the documents
    read from the store write them."""
    store = ox.Store()
    store.extend(chunk)
    return list(store)


class _SummingReader:
    """A dump read once: parsed as N-Quads and summed as it is read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._digest = hashlib.sha256()
        self._handle: BinaryIO | None = None

    def read(self, size: int = -1) -> bytes:
        assert self._handle is not None
        data = self._handle.read(size)
        self._digest.update(data)
        return data

    def quads(self) -> Iterator[Any]:
        with self.path.open("rb") as self._handle:
            try:
                yield from ox.parse(cast(BinaryIO, self), format=ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise LoadError(
                    f"{self.path}: not valid N-Quads ({exc}); rebuild the dataset"
                ) from None
            while self.read(1 << 20):  # anything the parser left unread
                pass

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


@dataclass(frozen=True)
class Own:
    """A resource's block of the table, apart (`ResourceTable.document`)."""

    #: The quads of the resource and of each of its hash IRIs, by subject IRI.
    subjects: dict[str, list[Any]]
    #: The quads linking to the resource from other resources' IRIs (all of them, or at
    #: least the first ones the documents keep).
    incoming: list[Any]


class ResourceTable:
    """A generation's resource table (`quad_table.QuadTable`)."""

    def __init__(self, table: QuadTable) -> None:
        self._table = table

    def quads(self, iri: str) -> list[Any] | None:
        """The quads whose subject is `iri` or one of its hash IRIs, or whose object is
        `iri` (in named graphs, with IRI subjects), as pyoxigraph quads; None for an IRI
        with a `#` (its resource's block holds it)."""
        text = self._block(iri)
        return None if text is None else parse_block(text)

    def text(self, iri: str) -> str | None:
        """The N-Quads lines of the block of `iri` (without its head line) as text; None for
        an IRI with a `#`."""
        block = self._block(iri)
        return None if block is None else block.decode("utf-8").partition("\n")[2]

    def has(self, iri: str) -> bool | None:
        """Whether `iri` is the subject of a quad (in a named graph), read in its block's text
        without parsing it; None for an IRI with a `#`."""
        text = self._block(iri)
        return None if text is None else f"\n<{iri}> ".encode() in text  # after the head too

    def _block(self, iri: str) -> bytes | None:
        """The text of the block of `iri` (empty: none); None for an IRI with a `#`."""
        if "#" in iri:
            return None
        head = owner_head(iri)
        return self._table.block(iri, lambda found: found.startswith(head))

    def document(self, iri: str) -> Own | None:
        """`quads(iri)` apart: those of `iri` and of each of its hash IRIs by subject IRI,
        and the links to `iri` from other resources; None for an IRI with a `#`, or one
        whose quads link to a blank node (the table's blank node ids are the dumps', not the
        store's: its quads are looked up)."""
        found = self.quads(iri)
        if found is None:
            return None
        subjects: dict[str, list[Any]] = {}
        incoming: list[Any] = []
        for quad in found:
            subject = quad.subject.value
            if owner(subject) == iri:
                if type(quad.object) is ox.BlankNode:
                    return None
                subjects.setdefault(subject, []).append(quad)
            else:
                incoming.append(quad)
        return Own(subjects, incoming)

    def close(self) -> None:
        """Unmap the files (the table answers nothing after)."""
        self._table.close()


def open_resource_table(
    generation: Path, info: dict[str, Any] | None, incoming: int
) -> ResourceTable | None:
    """The resource table of `generation` as its marker records it (`info`), if it keeps
    `incoming` links to each resource and this process can read it; None for a generation
    without one (then the store is looked up)."""
    table = open_quad_table(generation / RESOURCES, info, incoming=incoming)
    return None if table is None else ResourceTable(table)


def has_subject(store: Any, iri: str) -> bool | None:
    """`ResourceTable.has` of the resource table of `store` (one generation); None for a
    store without a table, or an IRI with a `#` (then the store is looked up)."""
    table = table_for(store)
    return None if table is None else table.has(iri)


def own_quads(store: Any, iri: str) -> Own | None:
    """The block of `iri` in the resource table of `store` (one generation:
    `index_description.pinned_store`); None for a store without a table, or an IRI with a
    `#` (then the store is looked up)."""
    table = table_for(store)
    return None if table is None else table.document(iri)


_TABLES: weakref.WeakKeyDictionary[Any, ResourceTable | None] = weakref.WeakKeyDictionary()


def opened_table(store: Any) -> ResourceTable | None:
    """The resource table of `store` if `table_for` has opened it already (None: not yet, or
    the store has none)."""
    return _TABLES.get(store)


def table_for(store: Any) -> ResourceTable | None:
    """The resource table of `store` (the object whose index is read: one store generation),
    opened on first use and kept with the store; None for a store without one."""
    try:
        return _TABLES[store]
    except KeyError:
        pass
    opener = getattr(store, "resource_table", None)
    table = opener() if opener is not None else None
    return _TABLES.setdefault(store, table)
