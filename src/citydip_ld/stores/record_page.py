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
rdflib terms (each made once, when first read), so both routes build the same view
(`tests/test_record_page.py` compares the HTML of both, byte for byte).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib.namespace import PROV, SDO
from rdflib.term import Node

from citydip_ld.stores import index_description
from citydip_ld.stores.describe import LABEL_PROPERTIES, to_rdflib
from citydip_ld.stores.resource_table import own_quads

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


def index_of(store: IndexedStore) -> IndexedStore:
    """The store whose index answers now: a store folder's live generation (one for the whole
    page, and no system calls per lookup), else `store` itself."""
    current = getattr(store, "current", None)
    return current() if callable(current) else store


K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A dict of at most `size` entries, the least recently used first out; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


#: IRIs whose labels, CURIE and links as written (about 1 kB) a store's pages keep: the
#: ontology's terms, the articles, the countries and concepts recur on almost every page and
#: stay; the cities and twinnings of the pages asked for last fill the rest.
SHARED_LABELS = 10_000
#: Linking IRIs whose having provenance or not, and lookups of LOOKED_UP properties, a
#: store's pages keep (articles, partner cities: a page checks each linking IRI).
SHARED_LOOKUPS = 10_000


class PagesMemo:
    """What the pages of one store (a store folder's generation) keep from one page to the
    next, each a function of the store alone."""

    def __init__(self) -> None:
        #: `web.view.Named` per IRI: labels, CURIE, links as written (`web.view.Builder`).
        self.labels: Bounded[str, Any] = Bounded(SHARED_LABELS)
        #: Whether an IRI has provenance (`records`).
        self.provenance: Bounded[str, bool] = Bounded(SHARED_LOOKUPS)
        #: The quads of (IRI, property) for LOOKED_UP properties (`PageTriples.objects`).
        self.lookups: Bounded[tuple[str, str], list[ox.Quad]] = Bounded(SHARED_LOOKUPS)


_SHARED: weakref.WeakKeyDictionary[Any, PagesMemo] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def pages_memo(index: IndexedStore) -> PagesMemo:
    """What the pages of the store `index` (one generation: `index_of`) keep from one page
    to the next; a new generation starts empty and the former one's goes with its store."""
    found = _SHARED.get(index)
    if found is None:
        with _SHARED_LOCK:
            found = _SHARED.setdefault(index, PagesMemo())
    return found


def _named(store: IndexedStore, s: Any, p: Any = None, o: Any = None) -> list[ox.Quad]:
    """The quads of a pattern in named graphs (as `GRAPH ?g` finds them)."""
    return [q for q in store.quads_for_pattern(s, p, o, None) if type(q.graph_name) is ox.NamedNode]


def _near(term: Any, hash_prefix: str) -> bool:
    """Whether `describe` follows `term`: a blank node or an `IRI#…` node of the resource."""
    kind = type(term)
    return kind is ox.BlankNode or (kind is ox.NamedNode and term.value.startswith(hash_prefix))


def closure(store: IndexedStore, iri: str) -> list[ox.Quad]:
    """The quads of `iri`, of the blank and `iri#…` nodes it points to, and of the blank and
    `iri#…` nodes those `iri#…` nodes point to (`describe`'s outgoing part); those of `iri`
    and its hash IRIs from a store folder's resource table when it has one."""
    hash_prefix = iri + "#"
    table = own_quads(index_description.pinned_store(store), iri)

    def quads_of(node: Any) -> list[ox.Quad]:
        if table is not None and type(node) is ox.NamedNode:
            return list(table.subjects.get(node.value, ()))
        return _named(store, node)

    own = quads_of(ox.NamedNode(iri))
    quads = list(own)
    first = dict.fromkeys(q.object for q in own if _near(q.object, hash_prefix))
    second: dict[Any, None] = {}
    for node in first:
        found = quads_of(node)
        quads += found
        if type(node) is ox.NamedNode:
            second.update((q.object, None) for q in found if _near(q.object, hash_prefix))
    for node in second:
        if node not in first:
            quads += quads_of(node)
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
    limit = index_description.MAX_INCOMING
    if len(found) <= limit:
        return sorted(found, key=_incoming_key), False
    return sorted(found, key=_incoming_key)[:limit], True


def records(
    store: IndexedStore,
    links: Iterable[ox.Quad],
    limit: int,
    known: Bounded[str, bool] | None = None,
) -> list[str]:
    """The subjects of `links` (IRIs without `#`, in order) that have provenance, at most
    `limit`: the records whose facts the page shows (`known`: what is known of it already)."""
    subjects = dict.fromkeys(
        q.subject for q in links if type(q.subject) is ox.NamedNode and "#" not in q.subject.value
    )
    out: list[str] = []
    for subject in subjects:
        iri = subject.value
        has = known.get(iri) if known is not None else None
        if has is None:
            has = any(_named(store, subject, p) for p in _PROVENANCE)
            if known is not None:
                known.put(iri, has)
        if has:
            out.append(iri)
            if len(out) == limit:
                break
    return out


def _key(term: Any) -> str | None:
    """The index key of a store's IRI or blank node (None: a literal)."""
    kind = type(term)
    if kind is ox.NamedNode:
        return str(term.value)
    return f"_:{term.value}" if kind is ox.BlankNode else None


def _node_key(node: Node) -> str | None:
    """The index key of an rdflib IRI or blank node (None: a literal)."""
    if isinstance(node, URIRef):
        return str(node)
    return f"_:{node}" if isinstance(node, BNode) else None


class PageTriples:
    """The triples of one page, indexed by subject and by object in the store's terms, each
    term turned into rdflib's only when the view reads it (a typed literal costs rdflib about
    10 µs); label and publication-date lookups of nodes outside the closures go to the store
    when asked."""

    def __init__(
        self, store: IndexedStore, lookups: Bounded[tuple[str, str], list[ox.Quad]] | None = None
    ) -> None:
        self._store = store
        self._lookups = lookups
        self._terms: dict[Any, Node] = {}
        self._out: dict[str, dict[str, list[Any]]] = {}
        self._in: dict[str, list[tuple[Any, Any]]] = {}
        self._seen: set[tuple[str, str, Any]] = set()
        self._full: set[str] = set()
        self._looked_up: set[tuple[str, Node]] = set()

    def _term(self, term: Any) -> Node:
        found = self._terms.get(term)
        if found is None:
            converted = to_rdflib(term)
            assert converted is not None
            found = self._terms[term] = converted
        return found

    def add(self, quads: Iterable[ox.Quad], *, full: bool = False) -> None:
        """Add the triples of `quads`; with `full`, their subjects have all their triples
        here (closures: as in the generic route's graph), and nothing more is added about
        them later."""
        out, targets, complete, seen = self._out, self._in, self._full, self._seen
        batch: set[str] = set()  # the subjects of a closure
        fresh: set[str] = set()  # those first met in it
        last: tuple[Any, Any, Any] | None = None
        for s, p, o, _g in quads:
            subject = _key(s)
            assert subject is not None
            if subject in complete:
                continue  # every triple about it is here already
            if full:
                batch.add(subject)
                if subject not in out:
                    fresh.add(subject)
            if subject in fresh:
                # A closure's quads of one subject come sorted by (predicate, object, graph)
                # from the index: a triple in several graphs comes in a row.
                if last is not None and o == last[2] and p == last[1] and s == last[0]:
                    continue
                last = (s, p, o)
            else:
                key = (subject, p.value, o)
                if key in seen:
                    continue
                seen.add(key)
            out.setdefault(subject, {}).setdefault(p.value, []).append(o)
            target = _key(o)
            if target is not None:
                targets.setdefault(target, []).append((s, p))
        complete.update(batch)

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        key = _node_key(subject)
        if key is None:
            return iter(())
        if predicate in LOOKED_UP and isinstance(subject, URIRef) and key not in self._full:
            asked = (key, predicate)
            if asked not in self._looked_up:
                self._looked_up.add(asked)
                self.add(self._lookup(key, str(predicate)))
        return map(self._term, self._out.get(key, {}).get(str(predicate), ()))

    def _lookup(self, key: str, predicate: str) -> list[ox.Quad]:
        shared = self._lookups
        found = shared.get((key, predicate)) if shared is not None else None
        if found is None:
            found = _named(self._store, ox.NamedNode(key), ox.NamedNode(predicate))
            if shared is not None:
                shared.put((key, predicate), found)
        return found

    def predicate_objects(self, subject: Node) -> Iterator[tuple[Node, Node]]:
        key = _node_key(subject)
        for p, objects in self._out.get(key, {}).items() if key is not None else ():
            predicate = URIRef(p)
            for o in objects:
                yield predicate, self._term(o)

    def subject_predicates(self, object: Node) -> Iterator[tuple[Node, Node]]:
        key = _node_key(object)
        for s, p in self._in.get(key, ()) if key is not None else ():
            yield self._term(s), self._term(p)

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        s, p, o = triple
        return any(found == o for found in self.objects(s, p))


class RecordPage:
    """What the page of `iri` reads (empty, i.e. false, when the store has nothing about it),
    and what the store's pages share (`PagesMemo.labels`)."""

    def __init__(
        self,
        iri: str,
        triples: PageTriples,
        exists: bool,
        more_incoming: bool,
        labels: Bounded[str, Any] | None = None,
    ) -> None:
        self.iri = iri
        self.triples = triples
        self.exists = exists
        self.more_incoming = more_incoming
        self.labels = labels

    def __bool__(self) -> bool:
        return self.exists


def gather(store: IndexedStore, iri: str, max_facts: int) -> RecordPage:
    """The page's triples of `iri`: its closure, its incoming links and the closures of at
    most `max_facts` records linking to it with provenance."""
    store = index_of(store)
    memo = pages_memo(store)
    own = closure(store, iri)
    triples = PageTriples(store, memo.lookups)
    if not any(q.subject.value == iri for q in own if type(q.subject) is ox.NamedNode):
        return RecordPage(iri, triples, False, False)
    links, more = incoming(store, iri)
    found = records(store, links, max_facts, memo.provenance)
    quads = list(own)
    for record in found:
        quads += closure(store, record)
    triples.add(quads, full=True)
    triples.add(links)
    return RecordPage(iri, triples, True, more, memo.labels)
