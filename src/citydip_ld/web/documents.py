"""RDF documents: quads (with their graphs) to the bytes of one format. Pure.

Every format carries the same description in its default graph: the union of the graphs
plus the document's own triples (`foaf:primaryTopic`). Triple formats (Turtle, JSON-LD,
RDF/XML, N-Triples) hold nothing else. Quad formats (N-Quads, TriG) hold, besides that default
graph, every triple again in the named graph it comes from (its source article, or the
curated, ontology or shapes graph): a client that reads the default graph (Comunica, rdflib's
`Dataset`, `roqet -D`) finds the description there, and one that reads the named graphs keeps
the provenance.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SH, VOID, XSD

from citydip_ld.conneg import Format
from citydip_ld.iris import KINDS, normalise_base, ontology_namespace
from citydip_ld.rdf import jsonld
from citydip_ld.rdf.build import PREFIXES
from citydip_ld.rdf.turtle_text import TurtleText
from citydip_ld.stores.describe import Quad

SPDX = Namespace("http://spdx.org/rdf/terms#")

#: The dataset's own prefixes plus those of the documents' descriptions and shapes.
COMMON_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "void": str(VOID),
    "dcat": str(DCAT),
    "spdx": str(SPDX),
}


def prefixes(base: str) -> dict[str, str]:
    """Prefix -> namespace for documents of the dataset at `base`."""
    return dict(_prefixes(base))


@functools.lru_cache(maxsize=16)
def _prefixes(base: str) -> dict[str, str]:
    """`prefixes`, made once per base (not to be changed: callers get a copy)."""
    base = normalise_base(base)
    out = dict(COMMON_PREFIXES)
    out["cd"] = str(ontology_namespace(base))
    out["shape"] = f"{base}shapes#"
    # One prefix per kind (`city:tabriz`), not `id:` (whose local names would need `\/`).
    for kind in KINDS:
        out[kind] = f"{base}id/{kind}/"
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
    """`quads` in `fmt` (an RDF format of `citydip_ld.conneg`), in a stable order: the same
    quads give the same bytes in every process (an ETag names one body).

    Oxigraph's writers serialise every format but JSON-LD (about 10x faster than rdflib's);
    JSON-LD is compacted with our prefixes (`_jsonld_serialize`). The quads may hold
    pyoxigraph terms as the store answered them (`describe.describe_terms`)."""
    if fmt.rdflib_format is None:
        raise ValueError(f"{fmt.name} is not an RDF format")
    if fmt.rdflib_format in OXIGRAPH_FORMATS:
        return _oxigraph_serialize(quads, fmt, base)
    if fmt.rdflib_format != "json-ld":
        raise ValueError(f"no writer for {fmt.name}")
    return _jsonld_serialize(quads, base)


def _jsonld_serialize(quads: Iterable[Quad], base: str) -> bytes:
    """The triples as rdflib's compacted JSON-LD (`serialize(format="json-ld", context=our
    prefixes, auto_compact=True)`), built by `jsonld.graph_document` from the triples' sorted
    N-Triples texts (rdflib itself where that declines), every array but an `@list` then
    sorted: rdflib's own order follows Python's string hashing, so changed between processes."""
    context = _prefixes(base)
    texts = {(str(_ox(s)), str(_ox(p)), str(_ox(o))) for s, p, o, _g in quads}
    document = jsonld.graph_document(sorted(texts), context)
    if document is None:
        target = Graph().parse(data="".join(f"{s} {p} {o} .\n" for s, p, o in texts), format="nt")
        _bind(target, base)
        text = target.serialize(format="json-ld", context=prefixes(base), auto_compact=True)
        document = json.loads(text)
    return jsonld.to_bytes(document)


OXIGRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


def serialize_document(
    doc_url: str, topic: str, named: Sequence[Any], fmt: Format, base: str
) -> bytes:
    """`serialize([*document_triples(doc_url, topic), *named], fmt, base)` for `named`:
    pyoxigraph `Quad`s, each in a named graph (`describe.index_description`'s). Their texts
    come from one N-Quads writing, without a Python object for each statement."""
    if fmt.rdflib_format not in OXIGRAPH_FORMATS or fmt.rdflib_format == "xml":
        return serialize([*document_triples(doc_url, topic), *named], fmt, base)
    return serialize_lines(doc_url, topic, _nquads_lines(named), fmt, base)


def serialize_lines(
    doc_url: str, topic: str, lines: Sequence[str], fmt: Format, base: str
) -> bytes:
    """`serialize_document` for the quads whose N-Quads lines (without ` .`, each in a named
    graph, as Oxigraph's writer writes them) are `lines`: a store folder's tables hold them
    (`stores.table_description`), so Turtle, TriG, N-Triples and N-Quads are written from
    them without a pyoxigraph object; RDF/XML and JSON-LD from the quads they parse to."""
    if fmt.rdflib_format not in OXIGRAPH_FORMATS or fmt.rdflib_format == "xml":
        text = "".join([f"{line} .\n" for line in lines]).encode("utf-8")
        named = list(ox.parse(text, format=ox.RdfFormat.N_QUADS, lenient=True))
        return serialize([*document_triples(doc_url, topic), *named], fmt, base)
    head = [_triple_text(doc_url, _RDF_TYPE, _FOAF_DOCUMENT)]
    head.append(_triple_text(doc_url, _FOAF_TOPIC, topic))
    if fmt.quads:
        texts = [("", triple) for triple in head] + _graph_texts(lines)
        return _write_texts(texts, fmt, base)
    triples = set(head)  # a triple format: the named quads' lines without their graphs
    triples.update([line[: line.rindex(" <")] for line in lines])
    ordered = sorted(triples)
    if fmt.rdflib_format == "nt":
        return "".join([f"{triple} .\n" for triple in ordered]).encode("utf-8")
    return _terse(base).turtle(ordered)


_RDF_TYPE = str(RDF.type)
_FOAF_DOCUMENT = str(FOAF.Document)
_FOAF_TOPIC = str(FOAF.primaryTopic)


def _triple_text(subject: str, predicate: str, obj: str) -> str:
    """The N-Triples text of a triple of three IRIs (each checked by pyoxigraph)."""
    return f"{ox.NamedNode(subject)} {ox.NamedNode(predicate)} {ox.NamedNode(obj)}"


def _oxigraph_serialize(quads: Iterable[Any], fmt: Format, base: str) -> bytes:
    """The statements in a stable order (graph, then subject, predicate, object, each by
    its N-Triples text: the text of a triple orders as the tuple of its terms' texts, as an
    IRI's `<…>` and a blank node's label cannot hold the space that separates them), each
    once, written as Oxigraph writes them (by Oxigraph itself for RDF/XML)."""
    rdf_format = OXIGRAPH_FORMATS[str(fmt.rdflib_format)]
    if rdf_format is not ox.RdfFormat.RDF_XML:
        return _write_texts(_statement_texts(quads), fmt, base)
    triples = {triple: quad for _graph, triple, quad in _texts(quads)}
    statements = [triples[key].triple for key in sorted(triples)]
    return bytes(ox.serialize(statements, format=rdf_format, prefixes=_prefixes(base)) or b"")


def _write_texts(texts: list[tuple[str, str]], fmt: Format, base: str) -> bytes:
    """N-Triples, N-Quads, Turtle or TriG from the statements' texts ((graph, triple), graph
    "" for the default graph): the bytes Oxigraph writes for `_oxigraph_serialize`'s sorted
    statements (N-Triples and N-Quads: each statement's text and " .", one a line; Turtle and
    TriG: `rdf.turtle_text`; `tests/test_document_bytes.py` compares them). A quad format
    holds every triple in the default graph and again in each named graph it comes from."""
    if fmt.quads:
        keys = sorted({("", triple) for _graph, triple in texts} | {k for k in texts if k[0]})
        if fmt.rdflib_format == "nquads":
            lines = [f"{t} {g} .\n" if g else f"{t} .\n" for g, t in keys]
            return "".join(lines).encode("utf-8")
        return _terse(base).trig(keys)
    triples = sorted({triple for _graph, triple in texts})
    if fmt.rdflib_format == "nt":
        return "".join([f"{triple} .\n" for triple in triples]).encode("utf-8")
    return _terse(base).turtle(triples)


def _statement_texts(quads: Iterable[Any]) -> list[tuple[str, str]]:
    """The N-Triples texts of each quad's graph ("" for the default graph) and triple: the
    quads in named graphs written by Oxigraph's N-Quads writer in one call (`_named_texts`),
    the others one by one."""
    named: list[Any] = []
    texts: list[tuple[str, str]] = []
    for item in quads:
        quad = item if isinstance(item, ox.Quad) else _quad(*item)
        if isinstance(quad.graph_name, ox.DefaultGraph):
            texts.append(("", str(quad)))
        else:
            named.append(quad)
    return texts + _named_texts(named)


def _named_texts(named: Sequence[Any]) -> list[tuple[str, str]]:
    """The (graph, triple) texts of `named` (pyoxigraph `Quad`s in named graphs)."""
    return _graph_texts(_nquads_lines(named))


def _graph_texts(lines: Sequence[str]) -> list[tuple[str, str]]:
    """The (graph, triple) texts of N-Quads lines (without ` .`) of quads in named graphs."""
    texts: list[tuple[str, str]] = []
    for line in lines:
        cut = line.rindex(" <")
        texts.append((line[cut + 1 :], line[:cut]))
    return texts


def _nquads_lines(named: Sequence[Any]) -> list[str]:
    """The N-Quads lines of `named` (pyoxigraph `Quad`s in named graphs) without ` .`, from
    Oxigraph's writer in one call: one line each (the writer escapes line breaks in
    literals), the graph's IRI last (`… <graph>`)."""
    written = bytes(ox.serialize(named, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")
    return written.split(" .\n")[:-1]


def _texts(quads: Iterable[Any]) -> Iterator[tuple[str, str, Any]]:
    """Each quad (a pyoxigraph `Quad`, or an (s, p, o, g) tuple of rdflib or pyoxigraph
    terms, g None for the default graph) as a pyoxigraph `Quad` with the N-Triples texts of
    its graph ("" for the default graph) and of its triple."""
    for item in quads:
        quad = item if isinstance(item, ox.Quad) else _quad(*item)
        text = str(quad)
        if isinstance(quad.graph_name, ox.DefaultGraph):
            yield "", text, quad
        else:  # the graph's IRI is the last term: `… <graph>`
            cut = text.rindex(" <")
            yield text[cut + 1 :], text[:cut], quad


def _quad(s: Any, p: Any, o: Any, g: Any) -> Any:
    if g is None:
        return ox.Quad(_ox(s), _ox(p), _ox(o))
    return ox.Quad(_ox(s), _ox(p), _ox(o), _ox(g))


@functools.lru_cache(maxsize=16)
def _terse(base: str) -> TurtleText:
    """The Turtle and TriG writer with the prefixes of documents at `base`."""
    return TurtleText(_prefixes(base))


_OX_TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal)


def _ox(term: Any) -> Any:
    """An rdflib term as a pyoxigraph term (a pyoxigraph term as it is)."""
    if isinstance(term, _OX_TERMS):
        return term
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    return ox.BlankNode(str(term))
