"""The concise bounded description of a resource, read from the store.

Pure: every function takes a store (`Queryable`) and returns rdflib terms; no Flask, no files. A
description holds the quads (with their named graphs, i.e. provenance per source article):

- outgoing triples of the IRI and of its hash IRIs (`IRI#date`, `IRI#source-…`), and of
  blank nodes they point to;
- incoming links (`?s ?p IRI`);
- the labels of every resource linked either way.

IRIs are never spliced into SPARQL unchecked: `sparql_iri` refuses anything that could
break out of `<…>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD
from rdflib.term import Node

from citydip_ld.errors import CitydipError
from citydip_ld.stores import index_description as by_index
from citydip_ld.stores.index_description import LABEL_PROPERTIES as LABEL_PROPERTIES
from citydip_ld.stores.index_description import index_description as index_description
from citydip_ld.stores.index_description import index_lookup as index_lookup
from citydip_ld.stores.resource_table import has_subject

#: Characters that may not appear in an IRI reference inside SPARQL `<…>`.
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')

Quad = tuple[Node, Node, Node, URIRef | None]


class Queryable(Protocol):
    """What these functions need of a store: SPARQL answered in-process, the default graph
    being the union of the named graphs (`citydip_ld.stores.store.Store` is one)."""

    def query(self, sparql: str, **options: Any) -> Any: ...


class UnsafeIRIError(CitydipError):
    """A string that is not a safe absolute IRI was passed where an IRI was expected."""


def sparql_iri(iri: str) -> str:
    """`<iri>` for a SPARQL query; raises `UnsafeIRIError` for anything that could escape."""
    if not iri or len(iri) > 2048 or _BAD_IRI.search(iri) or ":" not in iri:
        raise UnsafeIRIError(f"{iri[:80]!r} is not a safe absolute IRI; use an http(s) IRI")
    return f"<{iri}>"


def sparql_string(value: str) -> str:
    """A SPARQL string literal for `value`."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def to_rdflib(term: Any) -> Node | None:
    """Convert a pyoxigraph term (or an rdflib one, passed through) to rdflib."""
    if term is None or isinstance(term, Node):
        return term
    kind = type(term).__name__
    if kind == "NamedNode":
        return URIRef(term.value)
    if kind == "BlankNode":
        return BNode(term.value)
    if kind == "Literal":
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value if term.datatype is not None else None
        if datatype in (None, str(XSD.string)):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if kind == "DefaultGraph":
        return None
    raise TypeError(f"cannot convert {term!r} to an rdflib term")


def _rows(store: Queryable, sparql: str, names: tuple[str, ...]) -> list[tuple[Node | None, ...]]:
    return [tuple(to_rdflib(solution[name]) for name in names) for solution in store.query(sparql)]


def _quads(store: Queryable, sparql: str) -> list[Quad]:
    out: list[Quad] = []
    for g, s, p, o in _rows(store, sparql, ("g", "s", "p", "o")):
        if s is None or p is None or o is None:
            continue
        out.append((s, p, o, g if isinstance(g, URIRef) else None))
    return out


def to_dataset(quads: Iterable[Quad]) -> Dataset:
    """An rdflib Dataset holding `quads` (None graph: the default graph)."""
    ds = Dataset()
    for s, p, o, g in quads:
        graph = ds.graph(g) if g is not None else ds.default_graph
        graph.add((s, p, o))
    return ds


@dataclass
class Description:
    """The quads describing `iri` (empty when the store knows nothing about it)."""

    iri: URIRef
    quads: list[Quad] = field(default_factory=list)
    #: More resources link to `iri` than the MAX_INCOMING the description keeps.
    more_incoming: bool = False

    def __bool__(self) -> bool:
        return any(s == self.iri for s, _p, _o, _g in self.quads)

    def dataset(self) -> Dataset:
        return to_dataset(self.quads)


def _outgoing_query(iri: str) -> str:
    ref = sparql_iri(iri)
    hash_prefix = sparql_string(iri + "#")
    near = f"(isBlank(?n) || (isIRI(?n) && STRSTARTS(STR(?n), {hash_prefix})))"
    mine = f"(?s = {ref} || STRSTARTS(STR(?s), {hash_prefix}))"
    return f"""
SELECT ?g ?s ?p ?o WHERE {{
  {{ GRAPH ?g {{ {ref} ?p ?o }} BIND({ref} AS ?s) }}
  UNION {{ GRAPH ?g {{ ?s ?p {ref} }} FILTER {mine} BIND({ref} AS ?o) }}
  UNION {{
    SELECT ?g ?s ?p ?o WHERE {{
      GRAPH ?g {{ ?s ?p {ref} }} FILTER(!{mine}) BIND({ref} AS ?o)
    }} ORDER BY ?s ?p ?g LIMIT {by_index.MAX_INCOMING + 1}
  }}
  UNION {{ GRAPH ?g1 {{ {ref} ?p1 ?n }} FILTER {near} BIND(?n AS ?s) GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{
    GRAPH ?g1 {{ {ref} ?p1 ?n1 }}
    FILTER(isIRI(?n1) && STRSTARTS(STR(?n1), {hash_prefix}))
    GRAPH ?g2 {{ ?n1 ?p2 ?n }} FILTER {near} BIND(?n AS ?s) GRAPH ?g {{ ?s ?p ?o }}
  }}
}}"""


def _values_query(iris: Iterable[URIRef], properties: Iterable[URIRef]) -> str:
    # One VALUES of (subject, predicate) pairs: Oxigraph looks each pair up in its index,
    # where two separate VALUES made it scan every quad (166 ms vs 0.3 ms at world scale).
    props = [sparql_iri(str(p)) for p in properties]
    pairs = " ".join(f"({sparql_iri(str(i))} {p})" for i in iris for p in props)
    return f"""
SELECT ?g ?s ?p ?o WHERE {{
  VALUES (?s ?p) {{ {pairs} }}
  GRAPH ?g {{ ?s ?p ?o }}
}}"""


def value_quads(
    store: Queryable, iris: Iterable[URIRef], properties: Iterable[URIRef]
) -> list[Quad]:
    """The quads giving `properties` of `iris` (e.g. labels, publication dates)."""
    wanted = sorted(set(iris))
    props = list(properties)
    out: list[Quad] = []
    lookup = getattr(store, "quads_for_pattern", None)
    if lookup is not None:  # the store's index in this process: no SPARQL (_label_term_quads)
        predicates = [ox.NamedNode(str(p)) for p in props]
        for iri in wanted:
            subject = ox.NamedNode(str(iri))
            for predicate in predicates:
                for q in lookup(subject, predicate, None, None):
                    if isinstance(q.graph_name, ox.NamedNode):
                        s, p, o = to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)
                        assert s is not None and p is not None and o is not None
                        out.append((s, p, o, URIRef(q.graph_name.value)))
        return out
    for start in range(0, len(wanted), 200):
        out.extend(_quads(store, _values_query(wanted[start : start + 200], props)))
    return out


def with_values(store: Queryable, iris: Iterable[str], properties: Iterable[URIRef]) -> set[URIRef]:
    """Those of `iris` that have a value for at least one of `properties`."""
    return {
        q[0] for q in value_quads(store, map(URIRef, iris), properties) if isinstance(q[0], URIRef)
    }


def label_quads(store: Queryable, iris: Iterable[URIRef]) -> list[Quad]:
    """The label quads (rdfs:label, skos:prefLabel, dcterms:title) of `iris`."""
    return value_quads(store, iris, LABEL_PROPERTIES)


def _own_quads(store: Queryable, iri: str) -> tuple[list[Quad], set[URIRef], bool]:
    """The description's quads of `iri` without neighbour labels, its neighbours, and whether
    incoming links were left out (more than MAX_INCOMING)."""
    ref = URIRef(iri)
    quads = list(dict.fromkeys(_quads(store, _outgoing_query(iri))))
    own = {q[0] for q in quads if q[0] == ref or str(q[0]).startswith(iri + "#")}
    incoming = [q for q in quads if q[2] == ref and q[0] not in own]
    more = len(incoming) > by_index.MAX_INCOMING
    if more:
        dropped = set(sorted(incoming, key=lambda q: (str(q[0]), str(q[1]), str(q[3])))[-1:])
        quads = [q for q in quads if q not in dropped]
    neighbours = {
        term
        for s, _p, o, _g in quads
        for term in (s, o)
        if isinstance(term, URIRef) and term not in own
    }
    return quads, neighbours, more


def describe(store: Queryable, iri: str) -> Description:
    """The concise bounded description of `iri` with the labels of its neighbours (at most
    MAX_INCOMING incoming links)."""
    quads, neighbours, more = _own_quads(store, iri)
    known = set(quads)
    labels = [q for q in label_quads(store, neighbours) if q not in known]
    return Description(URIRef(iri), quads + list(dict.fromkeys(labels)), more)


#: A quad in pyoxigraph's terms (graph None: the default graph), as the store answers it.
TermQuad = tuple[Any, Any, Any, Any]


def _term_text(term: Any) -> str:
    """What `str()` gives for the rdflib twin of a pyoxigraph term (IRI, blank node id)."""
    return str(term.value) if term is not None else "None"


def _term_quads(store: Queryable, sparql: str) -> list[TermQuad]:
    out: list[TermQuad] = []
    for solution in store.query(sparql):
        s, p, o, g = solution["s"], solution["p"], solution["o"], solution["g"]
        if s is None or p is None or o is None:
            continue
        out.append((s, p, o, g if isinstance(g, ox.NamedNode) else None))
    return out


def describe_terms(store: Queryable, iri: str) -> tuple[list[Any], bool]:
    """`describe` in the store's own terms, for the RDF formats Oxigraph writes: the same
    quads (`tests/test_dereference.py` compares the two on every resource; a quad may come
    twice, which the writers drop), without turning each term into rdflib's and back.
    Returns the quads (empty when the store knows nothing about `iri`) and whether incoming
    links were left out.

    A store with an index in this process (`quads_for_pattern`) is read by index lookups
    alone (`_index_description`: no SPARQL to parse or plan; its quads are pyoxigraph
    `Quad`s); any other store (a remote one) by the SPARQL query `describe` sends (its quads
    are (s, p, o, g) tuples)."""
    found = index_description(store, iri)
    if found is not None:
        return found
    ref = ox.NamedNode(iri)
    hash_prefix = iri + "#"
    quads = list(dict.fromkeys(_term_quads(store, _outgoing_query(iri))))
    own = {
        q[0]
        for q in quads
        if q[0] == ref or (isinstance(q[0], ox.NamedNode) and q[0].value.startswith(hash_prefix))
    }
    incoming = [q for q in quads if q[2] == ref and q[0] not in own]
    more = len(incoming) > by_index.MAX_INCOMING
    if more:
        last = max(incoming, key=lambda q: (_term_text(q[0]), _term_text(q[1]), _term_text(q[3])))
        quads = [q for q in quads if q != last]
    if not any(q[0] == ref for q in quads):
        return [], more
    neighbours = sorted(
        {t.value for s, _p, o, _g in quads for t in (s, o) if isinstance(t, ox.NamedNode)}
        - {t.value for t in own}
    )
    known = set(quads)
    labels = {quad: None for quad in _label_term_quads(store, neighbours) if quad not in known}
    return quads + list(labels), more


def _label_term_quads(store: Queryable, iris: Sequence[str]) -> Iterable[TermQuad]:
    """The label quads of `iris` (in named graphs, as `GRAPH ?g` finds them), by SPARQL
    (a store with an index in this process reads them by index lookups instead)."""
    for start in range(0, len(iris), 200):
        chunk = [URIRef(n) for n in iris[start : start + 200]]
        yield from _term_quads(store, _values_query(chunk, LABEL_PROPERTIES))


def describe_many(store: Queryable, iris: Iterable[str]) -> list[Quad]:
    """The descriptions of several resources merged (e.g. the facts about a city): the same
    quads as merging `describe` of each, with the neighbours' labels asked for once."""
    seen: dict[Quad, None] = {}
    neighbours: set[URIRef] = set()
    for iri in iris:
        quads, near, _more = _own_quads(store, iri)
        seen.update(dict.fromkeys(quads))
        neighbours |= near
    seen.update(dict.fromkeys(label_quads(store, neighbours)))
    return list(seen)


def exists(store: Queryable, iri: str) -> bool:
    """Whether the store has any triple with `iri` as subject (in a named graph, as `GRAPH ?g`
    finds them): from a store folder's resource table, or one lookup in the store's index
    when it is in this process, else `ASK`."""
    has = has_subject(by_index.pinned_store(store), iri)
    if has is not None:
        return has
    lookup = index_lookup(store)
    if lookup is not None:
        found = lookup(ox.NamedNode(iri), None, None, None)
        return any(type(quad.graph_name) is ox.NamedNode for quad in found)
    return bool(store.query(f"ASK {{ GRAPH ?g {{ {sparql_iri(iri)} ?p ?o }} }}"))


def successor(store: Queryable, iri: str, ontology_ns: str) -> URIRef | None:
    """The IRI that replaced a former `iri` (a renamed slug), if the data records one.

    Recognised: `new dcterms:replaces old`, `old dcterms:isReplacedBy new`, and
    `new cd:formerId old` (the old IRI, or its slug as a string, within the same kind).
    """
    ref = sparql_iri(iri)
    prefix, _, slug = iri.rpartition("/")
    former = sparql_iri(ontology_ns + "formerId")
    query = f"""
SELECT ?new WHERE {{
  {{ GRAPH ?g {{ ?new {sparql_iri(str(DCTERMS.replaces))} {ref} }} }}
  UNION {{ GRAPH ?g {{ {ref} {sparql_iri(str(DCTERMS.isReplacedBy))} ?new }} }}
  UNION {{ GRAPH ?g {{ ?new {former} {ref} }} }}
  UNION {{
    GRAPH ?g {{ ?new {former} ?f }}
    FILTER(isLiteral(?f) && STR(?f) = {sparql_string(slug)}
           && STRSTARTS(STR(?new), {sparql_string(prefix + "/")}))
  }}
  FILTER(isIRI(?new) && ?new != {ref})
}} ORDER BY ?new LIMIT 1"""
    for (new,) in _rows(store, query, ("new",)):
        if isinstance(new, URIRef):
            return new
    return None


def graph_quads(store: Queryable, graph: str) -> list[Quad]:
    """Every triple of one named graph (the ontology, the shapes, an article's graph)."""
    ref = sparql_iri(graph)
    query = f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH {ref} {{ ?s ?p ?o }} BIND({ref} AS ?g) }}"
    return _quads(store, query)


@dataclass(frozen=True)
class Item:
    """A resource in a list: its IRI and its labels by language."""

    iri: URIRef
    labels: dict[str, str]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or next(iter(self.labels.values()), str(self.iri))


def ordered_resources(store: Queryable, prefix: str) -> list[str]:
    """The IRIs of the labelled resources under `prefix` (e.g. `{base}id/city/`, hash IRIs
    excluded) in list order: English label (then any label) lower-cased, then IRI."""
    query = f"""
SELECT ?s (MIN(?k) AS ?key) WHERE {{
  GRAPH ?g {{ ?s {sparql_iri(str(RDFS.label))} ?x }}
  FILTER(STRSTARTS(STR(?s), {sparql_string(prefix)}) && !CONTAINS(STR(?s), "#"))
  BIND(CONCAT(IF(LANGMATCHES(LANG(?x), "en"), "0", "1"), LCASE(STR(?x))) AS ?k)
}} GROUP BY ?s ORDER BY ?key ?s"""
    return [str(s) for (s,) in _rows(store, query, ("s",)) if isinstance(s, URIRef)]


def items(store: Queryable, iris: Sequence[str]) -> list[Item]:
    """`iris` in the given order, each with its rdfs:labels by language."""
    pinned = by_index.pinned_store(store)
    lookup = getattr(pinned, "quads_for_pattern", None)
    if lookup is not None:  # the store's index in this process
        unique = list(dict.fromkeys(iris))
        table = by_index.label_memo(pinned).table
        quads = table.quads(unique) if table is not None else _label_lookups(lookup, unique)
        return _items_of(unique, quads)
    labels: dict[str, dict[str, str]] = {iri: {} for iri in iris}
    for s, _p, o, _g in value_quads(store, (URIRef(i) for i in iris), (RDFS.label,)):
        if isinstance(o, Literal):
            labels[str(s)].setdefault(o.language or "", str(o))
    return [Item(URIRef(iri), found) for iri, found in labels.items() if found]


def _label_lookups(lookup: Any, iris: Iterable[str]) -> Iterator[Any]:
    """The `rdfs:label` quads of `iris` in the store's index."""
    label = ox.NamedNode(str(RDFS.label))
    for iri in iris:
        yield from lookup(ox.NamedNode(iri), label, None, None)


def _items_of(iris: Sequence[str], quads: Iterable[Any]) -> list[Item]:
    """`items` from the label quads of `iris` as pyoxigraph quads (read from a store folder's
    label table, else looked up in the store's index): each label's text and language taken
    from the store's literal, not made into rdflib terms first (those terms were half the CPU
    of a list page of 1,000 cities at world M, and the lookups most of the rest)."""
    label = str(RDFS.label)
    labels: dict[str, dict[str, str]] = {iri: {} for iri in iris}
    for quad in quads:
        text = quad.object
        if (
            quad.predicate.value == label
            and isinstance(text, ox.Literal)
            and isinstance(quad.graph_name, ox.NamedNode)
        ):
            labels[quad.subject.value].setdefault(text.language or "", text.value)
    return [Item(URIRef(iri), found) for iri, found in labels.items() if found]


def count_by_class(store: Queryable) -> dict[URIRef, int]:
    """How many resources have each `rdf:type`."""
    query = f"""
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s {sparql_iri(str(RDF.type))} ?c }}
}} GROUP BY ?c"""
    return {
        c: int(n)
        for c, n in _rows(store, query, ("c", "n"))
        if isinstance(c, URIRef) and isinstance(n, Literal)
    }
