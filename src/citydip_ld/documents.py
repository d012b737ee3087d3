"""RDF documents: quads (with their graphs) to the bytes of one format. Pure.

Triple formats (Turtle, JSON-LD, RDF/XML, N-Triples) get the union of the graphs plus the
document's own description (`foaf:primaryTopic`); quad formats (N-Quads, TriG) keep the named
graph of every triple, i.e. which source article it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    TIME,
    VOID,
    XSD,
)

from citydip_ld.conneg import Format
from citydip_ld.describe import Quad
from citydip_ld.iris import normalise_base, ontology_namespace

SH = Namespace("http://www.w3.org/ns/shacl#")
ORG = Namespace("http://www.w3.org/ns/org#")
WD = Namespace("http://www.wikidata.org/entity/")
SPDX = Namespace("http://spdx.org/rdf/terms#")

COMMON_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "schema": str(SDO),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "time": str(TIME),
    "foaf": str(FOAF),
    "org": str(ORG),
    "sh": str(SH),
    "wd": str(WD),
    "void": str(VOID),
    "dcat": str(DCAT),
    "spdx": str(SPDX),
}


def prefixes(base: str) -> dict[str, str]:
    """Prefix -> namespace for documents of the dataset at `base`."""
    base = normalise_base(base)
    out = dict(COMMON_PREFIXES)
    out["cd"] = str(ontology_namespace(base))
    out["shape"] = f"{base}shapes#"
    out["id"] = f"{base}id/"
    out["graph"] = f"{base}graph/"
    return out


def _bind(graph: Graph, base: str) -> None:
    for prefix, ns in prefixes(base).items():
        graph.bind(prefix, Namespace(ns), override=True, replace=True)


def document_triples(doc_url: str, topic: str | None, title: str | None = None) -> list[Quad]:
    """The triples describing a document: a foaf:Document about `topic`."""
    doc = URIRef(doc_url)
    quads: list[Quad] = [(doc, RDF.type, FOAF.Document, None)]
    if topic is not None:
        quads.append((doc, FOAF.primaryTopic, URIRef(topic), None))
    if title:
        quads.append((doc, DCTERMS.title, Literal(title), None))
    return quads


def serialize(quads: Iterable[Quad], fmt: Format, base: str) -> bytes:
    """`quads` in `fmt` (an RDF format of `citydip_ld.conneg`)."""
    if fmt.rdflib_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    target: Graph
    if fmt.quads:
        ds = Dataset()
        for s, p, o, g in quads:
            (ds.graph(g) if g is not None else ds.default_graph).add((s, p, o))
        target = ds
    else:
        target = Graph()
        for s, p, o, _g in quads:
            target.add((s, p, o))
    _bind(target, base)
    options: dict[str, Any] = {}
    if fmt.rdflib_format == "json-ld":
        options = {"context": prefixes(base), "auto_compact": True}
    text: str = target.serialize(format=fmt.rdflib_format, **options)
    return text.encode("utf-8")
