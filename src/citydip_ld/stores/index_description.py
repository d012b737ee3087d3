"""A resource's description read from a store's index in this process (`quads_for_pattern`):
the quads `describe.describe_terms` gives (the SPARQL route's), without SPARQL to parse or
plan. Pure: a lookup function in, pyoxigraph quads out.

A cold document's time goes mostly into the Python objects of its quads (a city's at world S:
about 22 lookups, 96 quads), so each quad's terms are read once and classified by their type
(no `isinstance`, no hashing of pyoxigraph terms: a hash is computed in Rust, about 1 µs), and
the named-graph filter is skipped for a store whose default graph is empty (every store this
package writes: the check is made once per store, `LabelMemo.named_only`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDFS, SKOS

from citydip_ld.stores.label_memo import LabelMemo, Lookup, memo_for
from citydip_ld.stores.resource_table import Own, own_quads

#: Properties whose values name a resource for display.
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
#: Incoming links a description keeps (a country at world scale L has 100,000 cities); the
#: first ones by subject IRI. The HTML page links to a SPARQL query for all of them.
MAX_INCOMING = 1000
#: Links to a resource its block in a store folder's resource table keeps (`resource_table`):
#: one more than a description keeps, to tell that some were left out.
TABLE_INCOMING = MAX_INCOMING + 1
#: The label properties as pyoxigraph terms (the label memo's lookups).
LABEL_TERMS = tuple(ox.NamedNode(str(p)) for p in LABEL_PROPERTIES)

_IRI = ox.NamedNode
_BLANK = ox.BlankNode


def index_description(store: Any, iri: str) -> tuple[list[Any], bool] | None:
    """`describe_terms` of a store with an index in this process (its quads, all in named
    graphs, and whether incoming links were left out); None for a store without one (a
    remote store: `describe_terms` asks it the SPARQL query)."""
    pinned = pinned_store(store)
    lookup: Lookup | None = getattr(pinned, "quads_for_pattern", None)
    if lookup is None:
        return None
    return read_description(lookup, iri, label_memo(pinned), own_quads(pinned, iri))


def label_memo(pinned: Any) -> LabelMemo:
    """The label memo of `pinned` (one store generation: `pinned_store`), with the label
    table of a store folder generation that has one."""
    opener = getattr(pinned, "label_table", None)
    table = None if opener is None else (lambda: opener(LABEL_TERMS))
    return memo_for(pinned, LABEL_TERMS, LABEL_TERMS[1:], table)


def index_lookup(store: Any) -> Lookup | None:
    """The store's index lookup in this process (`quads_for_pattern`), pinned to the data it
    answers now (a store folder's live generation, looked up once for a whole description);
    None for a store without one (a remote store)."""
    lookup: Lookup | None = getattr(pinned_store(store), "quads_for_pattern", None)
    return lookup


def pinned_store(store: Any) -> Any:
    """The store answering now: a store folder's live generation, else `store` itself."""
    current = getattr(store, "current", None)
    return current() if callable(current) else store


def named(found: Iterable[Any]) -> list[Any]:
    """The quads of `found` in a named graph (`GRAPH ?g` finds those)."""
    return [q for q in found if type(q.graph_name) is _IRI]


def read_description(
    lookup: Lookup, iri: str, labels: LabelMemo, own: Own | None = None
) -> tuple[list[Any], bool]:
    """What the SPARQL route of `describe_terms` gives, by index lookups: the quads of the
    resource; those of its hash IRIs that link to it; the first MAX_INCOMING other incoming
    links from IRIs (SPARQL's order of subject, predicate, graph; one more is looked for to
    tell whether some were left out); the quads of the blank nodes and hash IRIs it links
    to, directly or through one of its hash IRIs; and the labels of every IRI linked either
    way (those that recur kept in `labels`, the store's memo). Each part is kept apart from
    the others as it is read, so no quad is hashed; the writers sort and drop repeats.

    `own`, when given, is the resource's block of a store folder's resource table
    (`resource_table`): its quads and its hash IRIs' and the links to it are taken from it
    instead of looked up."""
    keep: Callable[[Iterable[Any]], list[Any]] = list if labels.named_only(lookup) else named
    ref = ox.NamedNode(iri)
    hash_prefix = iri + "#"
    hashes: dict[str, list[Any]] | None = None
    if own is None:
        out = keep(lookup(ref, None, None, None))
        linking = keep(lookup(None, None, ref, None))
    else:
        out, hashes = own.subjects.get(iri, []), own.subjects
        linking = own.incoming + _links_back(own.subjects, iri)
    mine: list[Any] = []
    others: list[Any] = []
    for quad in linking:
        subject = quad.subject  # SPARQL's STR() of a blank node is an error: never kept here
        if type(subject) is _IRI:
            value = subject.value
            if value.startswith(hash_prefix):
                mine.append(quad)
            elif value != iri:  # a link from the resource to itself is among `out`
                others.append(quad)
    if len(others) > MAX_INCOMING + 1:  # the query's ORDER BY ?s ?p ?g LIMIT
        others = heapq.nsmallest(MAX_INCOMING + 1, others, key=_sparql_order)
    names: set[str] = set()
    near = _near_objects(out, hash_prefix, names)
    reached, blank_in = _reached(lookup, keep, near, iri, hash_prefix, names, hashes)
    incoming = others + blank_in
    more = len(incoming) > MAX_INCOMING
    if more:
        dropped = max(incoming, key=_incoming_order)
        others = [q for q in others if q is not dropped]
        reached = [q for q in reached if q is not dropped]
    if not out:
        return [], more
    names.update([q.subject.value for q in others])
    names.difference_update([q.subject.value for q in mine])
    names.difference_update([q.subject.value for q in reached])
    names.discard(iri)
    return [*out, *mine, *others, *reached, *labels.quads(lookup, names)], more


def _links_back(subjects: dict[str, list[Any]], iri: str) -> list[Any]:
    """The quads of the hash IRIs of `iri` (in `subjects`, by subject IRI) linking to it."""
    return [
        quad
        for subject, quads in subjects.items()
        if subject != iri
        for quad in quads
        if type(quad.object) is _IRI and quad.object.value == iri
    ]


def _near_objects(quads: list[Any], hash_prefix: str, names: set[str]) -> dict[str, Any]:
    """The blank nodes and hash IRIs (under `hash_prefix`) that `quads` link to, once each in
    the order met (keyed by `_:id` or the IRI); every IRI they link to is added to `names`."""
    near: dict[str, Any] = {}
    for quad in quads:
        term = quad.object
        kind = type(term)
        if kind is _IRI:
            value = term.value
            names.add(value)
            if value.startswith(hash_prefix) and value not in near:
                near[value] = term
        elif kind is _BLANK:
            key = "_:" + term.value
            if key not in near:
                near[key] = term
    return near


def _reached(
    lookup: Lookup,
    keep: Callable[[Iterable[Any]], list[Any]],
    first: dict[str, Any],
    iri: str,
    hash_prefix: str,
    names: set[str],
    hashes: dict[str, list[Any]] | None = None,
) -> tuple[list[Any], list[Any]]:
    """The quads of the blank nodes and hash IRIs `first` holds (those the resource links
    to), and of those that these hash IRIs link to; and, apart, those of them that link back
    to the resource from a blank node (incoming links; from a hash IRI, they are among the
    resource's own). Every IRI these quads link to is added to `names`. The quads of hash
    IRIs are taken from `hashes` when given (keyed by IRI), else looked up."""

    def quads_of(key: str, node: Any) -> list[Any]:
        if hashes is not None and type(node) is _IRI:
            return hashes.get(key, [])
        return keep(lookup(node, None, None, None))

    found = {key: quads_of(key, node) for key, node in first.items()}
    for key, node in first.items():
        if type(node) is _IRI:
            for key2, target in _near_objects(found[key], hash_prefix, set()).items():
                if key2 not in found:
                    found[key2] = quads_of(key2, target)
    reached: list[Any] = []
    blank_in: list[Any] = []
    for node_quads in found.values():
        for quad in node_quads:
            term = quad.object
            if type(term) is _IRI:
                value = term.value
                names.add(value)
                if value == iri:
                    if type(quad.subject) is _IRI:
                        continue  # a hash IRI's link to the resource: among `mine` already
                    blank_in.append(quad)
            reached.append(quad)
    return reached, blank_in


def _sparql_order(quad: Any) -> tuple[str, str, str]:
    """SPARQL's `ORDER BY ?s ?p ?g` for an incoming link from an IRI (three IRIs: their
    strings, compared by code point as Oxigraph compares them)."""
    return (quad.subject.value, quad.predicate.value, quad.graph_name.value)


def _incoming_order(quad: Any) -> tuple[str, str, str]:
    """The order `describe` keeps incoming links in: subject, predicate, graph (texts; a
    blank node's is its id)."""
    return (quad.subject.value, quad.predicate.value, quad.graph_name.value)
