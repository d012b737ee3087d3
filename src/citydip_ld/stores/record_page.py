"""The triples a resource's HTML page reads, gathered by index lookups on the store in this
process (`quads_for_pattern`) instead of the five SPARQL queries of the generic route
(`web/pages.py`: `describe`, `with_values`, `describe_many`, `value_quads`, `label_quads`).

The generic route merges into one rdflib graph: the description of the resource, the
descriptions of the records linking to it that have provenance (at most `MAX_FACTS`), the
publication dates of their articles and the labels of every predicate and neighbour. The page
reads a small part of that graph; this module gathers the same triples for that part:

- the **closure** of the resource and of each such record, as `describe` takes it: its own
  triples, those of the blank nodes and `IRI#…` nodes it points to, and one level further
  from those `IRI#…` nodes;
- the resource's **incoming** links (the first `MAX_INCOMING` by subject, as `describe`);
- **labels** and **publication dates**, looked up when the page asks for them (every node the
  page names is a neighbour there, so the generic route has all of its labels too).

`PageTriples` answers the few questions of rdflib's `Graph` that `web/view.Builder` asks, in
rdflib terms (converted once per page), so both routes build the same view
(`tests/test_record_page.py` compares the HTML of both, byte for byte).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import PROV, SDO
from rdflib.term import Node

from citydip_ld.stores import describe
from citydip_ld.stores.describe import LABEL_PROPERTIES, to_rdflib

#: Properties looked up when asked for, for any node (the generic route fetches them for every
#: neighbour: labels, and the publication dates of articles).
LOOKED_UP = frozenset((*LABEL_PROPERTIES, SDO.datePublished))
_PROVENANCE = (ox.NamedNode(str(PROV.qualifiedDerivation)), ox.NamedNode(str(PROV.wasDerivedFrom)))


class IndexedStore(Protocol):
    """A store with its quad index in this process (`stores.store.OxigraphStore`)."""

    def quads_for_pattern(
        self, subject: Any, predicate: Any, object_: Any, graph_name: Any
    ) -> Iterator[ox.Quad]: ...


def has_index(store: object) -> bool:
    """Whether `store` can answer index lookups in this process (a remote store cannot)."""
    return callable(getattr(store, "quads_for_pattern", None))


def _named(store: IndexedStore, s: Any, p: Any = None, o: Any = None) -> list[ox.Quad]:
    """The quads of a pattern in named graphs (as `GRAPH ?g` finds them)."""
    return [q for q in store.quads_for_pattern(s, p, o, None) if type(q.graph_name) is ox.NamedNode]


def _near(term: Any, hash_prefix: str) -> bool:
    kind = type(term)
    return kind is ox.BlankNode or (kind is ox.NamedNode and term.value.startswith(hash_prefix))


def closure(store: IndexedStore, iri: str) -> list[ox.Quad]:
    """The quads of `iri`, of the blank and `iri#…` nodes it points to, and of the blank and
    `iri#…` nodes those `iri#…` nodes point to (`describe`'s outgoing part)."""
    hash_prefix = iri + "#"
    own = _named(store, ox.NamedNode(iri))
    quads = list(own)
    first = dict.fromkeys(q.object for q in own if _near(q.object, hash_prefix))
    second: dict[Any, None] = {}
    for node in first:
        found = _named(store, node)
        quads += found
        if type(node) is ox.NamedNode:
            second.update((q.object, None) for q in found if _near(q.object, hash_prefix))
    for node in second:
        if node not in first:
            quads += _named(store, node)
    return quads


def _incoming_key(quad: ox.Quad) -> tuple[bool, str, str, str]:
    """SPARQL's `ORDER BY ?s ?p ?g`: blank nodes before IRIs, then by string."""
    s, g = quad.subject, quad.graph_name
    return (
        type(s) is ox.NamedNode,
        str(getattr(s, "value", "")),
        quad.predicate.value,
        str(getattr(g, "value", "")),
    )


def incoming(store: IndexedStore, iri: str) -> tuple[list[ox.Quad], bool]:
    """The links to `iri` from other resources, the first `MAX_INCOMING` by subject, and
    whether some were left out."""
    hash_prefix = iri + "#"
    found = [
        q
        for q in _named(store, None, None, ox.NamedNode(iri))
        if not (
            type(q.subject) is ox.NamedNode
            and (q.subject.value == iri or q.subject.value.startswith(hash_prefix))
        )
    ]
    limit = describe.MAX_INCOMING
    if len(found) <= limit:
        return sorted(found, key=_incoming_key), False
    return sorted(found, key=_incoming_key)[:limit], True


def records(store: IndexedStore, links: Iterable[ox.Quad], limit: int) -> list[str]:
    """The subjects of `links` (IRIs without `#`, in order) that have provenance, at most
    `limit`: the records whose facts the page shows."""
    subjects = dict.fromkeys(
        q.subject for q in links if type(q.subject) is ox.NamedNode and "#" not in q.subject.value
    )
    out: list[str] = []
    for subject in subjects:
        if any(_named(store, subject, p) for p in _PROVENANCE):
            out.append(subject.value)
            if len(out) == limit:
                break
    return out


class PageTriples:
    """The triples of one page, indexed by subject and by object, in rdflib terms; label and
    publication-date lookups of nodes outside the closures go to the store when asked."""

    def __init__(self, store: IndexedStore, full: Iterable[str]) -> None:
        self._store = store
        self._terms: dict[Any, Node] = {}
        self._out: dict[Node, dict[Node, list[Node]]] = {}
        self._in: dict[Node, list[tuple[Node, Node]]] = {}
        self._seen: set[tuple[Any, Any, Any]] = set()
        self._full: set[Node] = {URIRef(iri) for iri in full}
        self._looked_up: set[tuple[Node, Node]] = set()

    def _term(self, term: Any) -> Node:
        found = self._terms.get(term)
        if found is None:
            converted = to_rdflib(term)
            assert converted is not None
            found = self._terms[term] = converted
        return found

    def add(self, quads: Iterable[ox.Quad]) -> None:
        for q in quads:
            key = (q.subject, q.predicate, q.object)
            if key in self._seen:
                continue
            self._seen.add(key)
            s, p, o = self._term(q.subject), self._term(q.predicate), self._term(q.object)
            self._out.setdefault(s, {}).setdefault(p, []).append(o)
            self._in.setdefault(o, []).append((s, p))

    def full(self, node: Node) -> None:
        """Mark `node` (a blank or `IRI#…` node of a closure) as having all its triples here."""
        self._full.add(node)

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        key = (subject, predicate)
        if (
            predicate in LOOKED_UP
            and isinstance(subject, URIRef)
            and subject not in self._full
            and key not in self._looked_up
        ):
            self._looked_up.add(key)
            self.add(_named(self._store, ox.NamedNode(str(subject)), ox.NamedNode(str(predicate))))
        return iter(self._out.get(subject, {}).get(predicate, ()))

    def predicate_objects(self, subject: Node) -> Iterator[tuple[Node, Node]]:
        for p, objects in self._out.get(subject, {}).items():
            for o in objects:
                yield p, o

    def subject_predicates(self, object_: Node) -> Iterator[tuple[Node, Node]]:
        return iter(self._in.get(object_, ()))

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        s, p, o = triple
        return o in self._out.get(s, {}).get(p, ())


class RecordPage:
    """What the page of `iri` reads (empty, i.e. false, when the store has nothing about it)."""

    def __init__(self, iri: str, triples: PageTriples, exists: bool, more_incoming: bool) -> None:
        self.iri = iri
        self.triples = triples
        self.exists = exists
        self.more_incoming = more_incoming

    def __bool__(self) -> bool:
        return self.exists


def gather(store: IndexedStore, iri: str, max_facts: int) -> RecordPage:
    """The page's triples of `iri`: its closure, its incoming links and the closures of at
    most `max_facts` records linking to it with provenance."""
    own = closure(store, iri)
    triples = PageTriples(store, ())
    if not any(q.subject.value == iri for q in own if type(q.subject) is ox.NamedNode):
        return RecordPage(iri, triples, False, False)
    links, more = incoming(store, iri)
    found = records(store, links, max_facts)
    quads = list(own)
    for record in found:
        quads += closure(store, record)
    # Every subject of a closure has all its triples in it (as in the generic route's graph).
    for q in quads:
        triples.full(triples._term(q.subject))
    triples.add(quads)
    triples.add(links)
    return RecordPage(iri, triples, True, more)
