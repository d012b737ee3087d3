"""The label quads of linked IRIs, read by index lookups and kept per store for those that
recur (`index_description`'s documents: every document carries the labels of what it links
to); and whether the store's default graph is empty (its lookups then need no graph filter).

A city's document links to its country, the articles that mention it and a few classes,
which recur in almost every document, and to its partner cities and twinnings, which a
stream of cold documents rarely asks for again (world S, 3,000 random cities: 55% of the
41,758 IRIs whose labels were looked up were 318 IRIs: 165 articles, 149 countries and 4
classes; the other 16,090 were asked for once or twice). So an IRI's label quads are kept
from its second lookup on (admitting on the second sighting keeps one-off IRIs out): at
most `KEPT_ENTRIES` IRIs, and `SEEN_ENTRIES` IRIs remembered as seen once; each is emptied
when full (no per-hit bookkeeping; under the GIL each dict and set operation is atomic, so
threads share a memo without a lock). Measured at S in one process: a description's index
reads 245 -> 174 µs CPU with the memo warm; a full memo holds about 2.5 MiB of quads. A
memo belongs to one store object: a store folder's next generation is a new store, with a
new memo, and the old one goes with its store.

Each lookup has a fixed cost, high in a store folder (RocksDB: about 12 µs at world M, where
a description made 31 lookups, most of them for labels, three properties an IRI). Label
properties other than the first (`rdfs:label`, on nearly everything) are rare: at M,
`skos:prefLabel` is on 5 resources and `dcterms:title` on 994 of 6 million quads' subjects.
So a memo collects, once, the subjects of each such "sparse" property (up to `SPARSE_LIMIT`
quads; beyond, that property is looked up for every IRI) and looks an IRI up only for the
properties it has.

A store folder's generation published with a label table (`label_table`) gives the memo its
table: the IRIs not kept are read from it (a binary search and a read of its block) instead of
looked up in the store (RocksDB reads), and the sparse properties' subjects are not collected.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pyoxigraph as ox

from citydip_ld.stores.label_table import LabelTable

#: IRIs whose label quads a memo keeps (a few quads each).
KEPT_ENTRIES = 4096
#: IRIs remembered as looked up once (their label quads are kept from the next lookup on).
SEEN_ENTRIES = 16384
#: Quads of a sparse label property a memo reads to collect its subjects; beyond, it gives
#: up and looks that property up for every IRI (bounds the memory and the one-off scan).
SPARSE_LIMIT = 50_000

#: Looks quads up in a store's index: (subject, predicate, object, graph), None for any.
Lookup = Callable[[Any, Any, Any, Any], Iterable[Any]]


class LabelMemo:
    """The label quads (in named graphs) of IRIs, by `predicates`, kept once they recur;
    those of `sparse` (some of `predicates`) only looked up for the IRIs that have them; read
    from `table` instead when the store has one (it holds the quads of `predicates`)."""

    def __init__(
        self, predicates: Sequence[Any], sparse: Sequence[Any] = (), table: LabelTable | None = None
    ) -> None:
        self.predicates = tuple(predicates)
        self.table = table
        self.sparse = tuple(sparse)
        self.kept: dict[str, list[Any]] = {}
        self.kept_text: dict[str, bytes] = {}
        self.seen: set[str] = set()
        self._named_only: bool | None = None
        self._subjects: tuple[frozenset[str] | None, ...] | None = None
        self._lock = threading.Lock()

    def named_only(self, lookup: Lookup) -> bool:
        """Whether every quad of the store is in a named graph (its default graph empty, as
        in every store this package writes): then what `GRAPH ?g` finds needs no filter.
        Looked up once: a store's data never changes (a new generation is a new store)."""
        if self._named_only is None:
            found = lookup(None, None, None, ox.DefaultGraph())
            self._named_only = next(iter(found), None) is None
        return self._named_only

    def quads(self, lookup: Lookup, names: Iterable[str]) -> list[Any]:
        """The label quads of every IRI in `names`, read by `lookup` unless kept."""
        out: list[Any] = []
        kept = self.kept
        missed: list[str] = []
        for name in names:
            found = kept.get(name)
            if found is None:
                missed.append(name)
            else:
                out += found
        if self.table is not None and missed:
            by_subject: dict[str, list[Any]] = {name: [] for name in missed}
            for quad in self.table.quads(missed):
                by_subject[quad.subject.value].append(quad)
            for name, found in by_subject.items():
                self._admit(name, found)
                out += found
            return out
        for name in missed:
            found = self._read(lookup, name)
            self._admit(name, found)
            out += found
        return out

    def lines(self, names: Iterable[str]) -> list[str]:
        """The label quads of every IRI in `names` (as N-Triples texts, `<iri>`) as N-Quads
        lines without ` .`, read from the label table unless kept (a memo with a table)."""
        table = self.table
        assert table is not None, "lines are read from a label table"
        kept = self.kept_text
        blocks: list[bytes] = []
        for name in names:
            block = kept.get(name)
            if block is None:
                block = table.block(name[1:-1])
                self._admit(name, block, kept)
            blocks.append(block)
        return b"".join(blocks).decode("utf-8").split(" .\n")[:-1]

    def subjects(self, lookup: Lookup) -> tuple[frozenset[str] | None, ...]:
        """For each of `predicates`: the IRIs that have it when it is sparse (collected on
        first use), None when any IRI may (looked up for each)."""
        if self._subjects is None:
            with self._lock:  # one scan per store, not one per thread
                if self._subjects is None:
                    self._subjects = tuple(
                        _subjects_of(lookup, p) if p in self.sparse else None
                        for p in self.predicates
                    )
        return self._subjects

    def _read(self, lookup: Lookup, name: str) -> list[Any]:
        node = ox.NamedNode(name)
        found: list[Any] = []
        for predicate, having in zip(self.predicates, self.subjects(lookup), strict=True):
            if having is None or name in having:
                found += lookup(node, predicate, None, None)
        if self.named_only(lookup):
            return found
        return [quad for quad in found if type(quad.graph_name) is ox.NamedNode]

    def _admit(self, name: str, found: Any, kept: dict[str, Any] | None = None) -> None:
        """Keep `found` for `name` in `kept` (the quads' dict by default) if `name` was seen
        before, else remember it as seen."""
        if name in self.seen:
            kept = self.kept if kept is None else kept
            if len(kept) >= KEPT_ENTRIES:
                kept.clear()
            kept[name] = found
            return
        if len(self.seen) >= SEEN_ENTRIES:
            self.seen.clear()
        self.seen.add(name)


def _subjects_of(lookup: Lookup, predicate: Any) -> frozenset[str] | None:
    """The IRIs with `predicate` in the store, None beyond SPARSE_LIMIT quads of it."""
    subjects: set[str] = set()
    for count, quad in enumerate(lookup(None, predicate, None, None)):
        if count >= SPARSE_LIMIT:
            return None
        subject = quad.subject
        if type(subject) is ox.NamedNode:
            subjects.add(subject.value)
    return frozenset(subjects)


_MEMOS: weakref.WeakKeyDictionary[Any, LabelMemo] = weakref.WeakKeyDictionary()


def opened_memo(store: Any) -> LabelMemo | None:
    """The label memo of `store` if `memo_for` has made it already."""
    return _MEMOS.get(store)


def memo_for(
    store: Any,
    predicates: Sequence[Any],
    sparse: Sequence[Any] = (),
    table: Callable[[], LabelTable | None] | None = None,
) -> LabelMemo:
    """The label memo of `store` (the object whose index is read: one store generation),
    made on first use (with the label table `table` opens, if any) and dropped with the
    store."""
    memo = _MEMOS.get(store)
    if memo is None:
        opened = table() if table is not None else None
        memo = _MEMOS.setdefault(store, LabelMemo(predicates, sparse, opened))
    return memo
