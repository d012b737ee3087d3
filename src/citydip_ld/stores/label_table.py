"""The label table of a store folder's generation: every IRI's label quads (`rdfs:label`,
`skos:prefLabel`, `dcterms:title`, in named graphs) as N-Quads text, written at publish time
beside the RocksDB files (a `quad_table`, each IRI its own owner).

A cold document carries the labels of every IRI it links to; most of those IRIs (a city's
partner cities and twinnings) are asked for once, so the label memo (`label_memo`) rarely
holds them and each costs RocksDB lookups: at world M about 64 µs an IRI (RocksDB's first
read of a key costs 57-70 µs, even when it finds nothing), 0.5 ms of a 1.4 ms document. Held
in a Python dict the labels would take 104-515 MiB per process at M and ten times that at L.
In this table they cost a binary search over memory-mapped keys and a read from the page
cache (a few µs), pages that the operating system shares between all server processes and can
evict.

The table is in `<generation>/labels/` (its layout: `quad_table`). An IRI without an entry
has no labels: the table holds every label quad of the generation, so it answers without the
store. A generation published without the table (by older code), or written by another
pyoxigraph version or on a machine of another byte order, is read by index lookups as
before; the quads are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from citydip_ld.stores.quad_table import (
    QuadTable,
    TableInfo,
    in_chunks,
    open_quad_table,
    parse_block,
    write_quad_table,
)

#: The folder of the table in a generation.
LABELS = "labels"

__all__ = ["LABELS", "LabelTable", "TableInfo", "open_label_table", "write_label_table"]


def write_label_table(store: Any, predicates: Sequence[Any], folder: Path) -> TableInfo:
    """Write the label table of `store` (a pyoxigraph store) into `folder`: the quads in
    named graphs of IRI subjects with one of `predicates`."""
    return write_quad_table(_label_quads(store, predicates), _subject, folder, predicates)


def _subject(quad: Any) -> tuple[str]:
    return (quad.subject.value,)


def _label_quads(store: Any, predicates: Sequence[Any]) -> Iterator[list[Any]]:
    """The label quads of `store` in named graphs with an IRI subject, in chunks."""
    return in_chunks(
        quad
        for predicate in predicates
        for quad in store.quads_for_pattern(None, predicate, None, None)
    )


class LabelTable:
    """A generation's label table (`quad_table.QuadTable`)."""

    def __init__(self, table: QuadTable) -> None:
        self._table = table

    def block(self, iri: str) -> bytes:
        """The N-Quads lines of the label quads of `iri` (empty: it has none)."""
        head = f"<{iri}> ".encode()
        return self._table.block(iri, lambda found: found.startswith(head))

    def quads(self, names: Iterable[str]) -> list[Any]:
        """The label quads of every IRI of `names`, as pyoxigraph quads."""
        text = b"".join([self.block(name) for name in names])
        return parse_block(text)

    def close(self) -> None:
        """Unmap the files (the table answers nothing after)."""
        self._table.close()


def open_label_table(
    generation: Path, info: dict[str, Any] | None, predicates: Sequence[Any]
) -> LabelTable | None:
    """The label table of `generation` as its marker records it (`info`), if it holds the
    quads of `predicates` and this process can read it; None for a generation without one
    (then labels are looked up)."""
    table = open_quad_table(generation / LABELS, info, predicates)
    return None if table is None else LabelTable(table)
