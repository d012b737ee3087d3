"""Records -> RDF (pure): one named graph per source article, one for the shared records.

The builder loops over the kinds of fact (`citydip_ld.curation.kinds.KINDS`): each adds its
triples through a `Triples` context. Besides the dataset, the build returns a `SourceMap` from
every subject it emitted (and every subject-predicate pair) to the fact file and line it came
from, so a SHACL violation on a node can be reported where a maintainer fixes it.

`build_lines` writes the same quads as N-Quads lines as rdflib writes them, without an rdflib
store; `build_rows` as rows of the texts Oxigraph writes for their terms: what `build` and
`check` use.
`build_dataset` (an rdflib `Dataset`) is the reference the tests compare them with, and
what rdflib's JSON-LD serializer is given where `jsonld.py` declines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, SKOS, BNode, Dataset, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, SDO, TIME
from rdflib.term import Node

from citydip_ld.curation.kinds import KINDS
from citydip_ld.curation.records import Tables
from citydip_ld.curation.triples import (
    GEO,
    GEOSPARQL,
    WD,
    WDT,
    QuadLines,
    QuadRow,
    QuadRows,
    SourceMap,
    Triples,
    TripleSink,
)
from citydip_ld.errors import LoadError
from citydip_ld.iris import graph_iri, normalise_base, ontology_namespace
from citydip_ld.rdf.links import emit_links
from citydip_ld.rdf.terms import rdflib_term

__all__ = [
    "PREFIXES",
    "BuildResult",
    "BuiltLines",
    "BuiltRows",
    "SourceMap",
    "add_turtle_graph",
    "bind_prefixes",
    "build_dataset",
    "build_lines",
    "build_rows",
    "parse_turtle_files",
]

PREFIXES: dict[str, str] = {
    "schema": str(SDO),
    "prov": str(PROV),
    "org": str(ORG),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "time": str(TIME),
    "owl": str(OWL),
    "foaf": str(FOAF),
    "wd": str(WD),
    "wdt": str(WDT),
    "geo": str(GEO),
    "geosparql": str(GEOSPARQL),
    "gn": "http://www.geonames.org/ontology#",
}


@dataclass
class BuildResult:
    dataset: Dataset
    sources: SourceMap


def build_dataset(facts: Tables, base: str, into: Graph | None = None) -> BuildResult:
    """Facts -> dataset with named graphs (`{base}graph/<article>`, `{base}graph/curated`).

    With `into`, every triple goes into that one graph instead of a named graph per article
    (what `check` validates: the union, without copying the dataset first); the prefixes are
    still bound on the returned dataset, which then holds no triples."""
    base = normalise_base(base)
    dataset = prefixed_dataset(base)

    def graph_for(name: str) -> Graph:
        return into if into is not None else dataset.graph(graph_iri(base, name))

    return BuildResult(dataset, _emit(facts, base, graph_for))


@dataclass
class BuiltLines:
    """The facts as text: `lines` holds each quad once as a line of N-Quads, as rdflib writes
    the dataset that `build_dataset` builds from the same facts (`QuadLines`). `dataset`
    holds no facts: the prefixes, and the graphs `add_turtle_graph` adds; `graphs` the
    facts' graph names."""

    lines: dict[str, None]
    sources: SourceMap
    dataset: Dataset
    graphs: set[str]


def build_lines(facts: Tables, base: str) -> BuiltLines:
    """Facts -> N-Quads lines, one named graph per article as `build_dataset` makes them,
    without an rdflib store (at world S, adding the quads to rdflib's store is most of the
    build's time)."""
    base = normalise_base(base)
    lines: dict[str, None] = {}
    sinks: dict[str, QuadLines] = {}
    written: dict[URIRef, str] = {}

    def graph_for(name: str) -> QuadLines:
        if name not in sinks:
            sinks[name] = QuadLines(lines, graph_iri(base, name), written)
        return sinks[name]

    sources = _emit(facts, base, graph_for)
    return BuiltLines(lines, sources, prefixed_dataset(base), set(sinks))


@dataclass
class BuiltRows:
    """The facts as rows: `rows` holds each quad of `build_dataset`'s dataset once, as the
    texts Oxigraph writes for its terms (`QuadRows`). `dataset` holds no facts: the prefixes,
    and the graphs `add_turtle_graph` adds; `graphs` the facts' graph names."""

    rows: dict[QuadRow, None]
    sources: SourceMap
    dataset: Dataset
    graphs: set[str]


def build_rows(facts: Tables, base: str) -> BuiltRows:
    """Facts -> quads as rows of Oxigraph's texts, one named graph per article as
    `build_dataset` makes them, without an rdflib store or rdflib's N-Quads."""
    base = normalise_base(base)
    rows: dict[QuadRow, None] = {}
    sinks: dict[str, QuadRows] = {}
    written: dict[URIRef, str] = {}

    def graph_for(name: str) -> QuadRows:
        if name not in sinks:
            sinks[name] = QuadRows(rows, graph_iri(base, name), written)
        return sinks[name]

    sources = _emit(facts, base, graph_for)
    return BuiltRows(rows, sources, prefixed_dataset(base), set(sinks))


def prefixed_dataset(base: str) -> Dataset:
    """An empty dataset with the build's prefixes bound (`base` normalised)."""
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, replace=True)
    dataset.bind("cd", ontology_namespace(base))
    dataset.bind("id", Namespace(f"{base}id/"))
    return dataset


def _emit(facts: Tables, base: str, graph_for: Callable[[str], TripleSink]) -> SourceMap:
    """Every kind's triples (and the links graph's) into `graph_for(name)`; their sources."""
    triples = Triples(base, graph_for, SourceMap())
    for kind in KINDS:
        kind.emit(facts, triples)
    emit_links(facts, triples)
    return triples.sources


def add_turtle_graph(dataset: Dataset, directory: Path, name: str, base: str) -> Graph:
    """Load every `*.ttl` in `directory` (relative IRIs resolved against `base`) as graph `name`."""
    parsed = parse_turtle_files(directory, name, base)
    graph = dataset.graph(graph_iri(base, name))
    try:
        for triple in canonical_triples(parsed, name):
            graph.add(triple)
    except SyntaxError as exc:  # a term rdflib took that RDF (and Oxigraph) does not
        raise LoadError(f"{directory}: not valid RDF: {exc.msg}") from None
    bind_prefixes(dataset, parsed)
    return graph


def canonical_triples(parsed: Graph, name: str) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of `parsed`, its blank nodes labelled by the W3C's RDF Dataset
    Canonicalization (RDFC-1.0, Oxigraph's), each label led by `name` and a hyphen (the
    graphs of one dataset never share a label): the same files always build the same bytes,
    whatever labels the parser gave. (rdflib's own `to_canonical_graph` took half a second
    on the shapes' 122 blank nodes; this, milliseconds.)"""
    text = parsed.serialize(format="nt", encoding="utf-8")
    try:
        canonical = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:  # named by the term, not by a line of this text
        line = text.splitlines()[(exc.lineno or 1) - 1].decode("utf-8", "replace")
        term = line[(exc.offset or 1) - 1 : exc.end_offset].strip()
        raise SyntaxError(f"{exc.msg.partition(': ')[2]}: {term}") from None
    canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    for quad in canonical:
        subject, predicate = _rdflib_term(quad.subject, name), URIRef(quad.predicate.value)
        yield subject, predicate, _rdflib_term(quad.object, name)


def _rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal, name: str) -> Node:
    """An Oxigraph term as rdflib's (`rdflib_term`), a blank node's label led by `name`."""
    if isinstance(term, ox.BlankNode):
        return BNode(f"{name}-{term.value}")
    return rdflib_term(term)


def bind_prefixes(dataset: Dataset, parsed: Graph) -> None:
    """The prefixes of the files `parsed` read, on `dataset` where it has none of that name
    (what `add_turtle_graph` binds)."""
    for prefix, namespace in parsed.namespaces():
        dataset.bind(prefix, namespace, override=False)


def parse_turtle_files(directory: Path, name: str, base: str) -> Graph:
    """Every `*.ttl` in `directory` parsed into one graph (relative IRIs resolved against
    `base`), its blank nodes as the parser labels them; a `LoadError` naming the file."""
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise LoadError(f"{directory}: no Turtle (*.ttl) files found for the {name} graph")
    parsed = Graph()
    for path in files:
        try:
            parsed.parse(path, format="turtle", publicID=normalise_base(base))
        except Exception as exc:  # noqa: BLE001  rdflib raises many parser error types
            raise LoadError(f"{path}: not valid Turtle: {exc}") from None
    return parsed
