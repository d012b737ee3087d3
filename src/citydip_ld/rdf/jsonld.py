"""The JSON-LD dump from Oxigraph quads, the same document rdflib's serializer gives.

`dataset.jsonld` used to be rdflib's `serialize(format="json-ld", context=..., auto_compact=True)`
(rdflib 7's `plugins/serializers/jsonld.py`), parsed back and sorted. Most of `build`'s time at
world scale went there: rdflib walks its graph with a query per subject, per list node and per
object, then writes the text twice. `jsonld_document` follows the same algorithm (which
subjects become nodes, how a value is written, how an RDF list becomes `@list`, how a value
joins an existing key) over the quads `output.sorted_quads` already holds, and compacts IRIs
with rdflib's own `Context`, so the sorted document is the same, byte for byte. Where rdflib's
result would depend on the order it happens to visit triples in (a falsy first value of a key
with several values, a list whose first value is a literal other than a string), or on a
feature the converter does not follow (a default graph with triples, a context term that is
not a plain prefix, a literal rdflib would not read as a number or boolean), it returns None
and the caller asks rdflib.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib.plugins.shared.jsonld.context import Context

__all__ = ["jsonld_document"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_FIRST = ox.NamedNode(_RDF + "first")
_REST = ox.NamedNode(_RDF + "rest")
_NIL = ox.NamedNode(_RDF + "nil")
_TYPE = ox.NamedNode(_RDF + "type")
_LIST = ox.NamedNode(_RDF + "List")
_STRING = ox.NamedNode(_XSD + "string")
_LANG_STRING = ox.NamedNode(_RDF + "langString")
_INTEGER = ox.NamedNode(_XSD + "integer")
_DOUBLE = ox.NamedNode(_XSD + "double")
_BOOLEAN = ox.NamedNode(_XSD + "boolean")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DOUBLE_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class _DeclinedError(Exception):
    """rdflib's result here is not followed (or depends on its triple order): ask rdflib."""


def jsonld_document(quads: Iterable[ox.Quad], context_data: dict[str, Any]) -> Any:
    """rdflib's compacted JSON-LD structure of `quads` (before sorting), or None when rdflib
    must be asked (see the module docstring)."""
    context = Context(context_data)
    if any(term.type or term.container for term in context.terms.values()):
        return None
    graphs: dict[ox.NamedNode, list[ox.Quad]] = {}
    for quad in quads:
        name = quad.graph_name
        if not isinstance(name, ox.NamedNode):
            return None
        graphs.setdefault(name, []).append(quad)
    converter = _Converter(context)
    objs: list[dict[str, Any]] = []
    try:
        for name, graph_quads in graphs.items():
            nodes = converter.from_graph(graph_quads)
            if nodes:
                objs.append({context.id_key: converter.shrink(name), context.graph_key: nodes})
    except _DeclinedError:
        return None
    result: dict[str, Any] = objs[0] if len(objs) == 1 else {context.graph_key: objs}
    result["@context"] = context_data
    return result


class _Converter:
    """rdflib's `Converter` (use_native_types, auto_compact) over one graph's quads at a time."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.id_key: str = context.id_key
        self.type_key: str = context.type_key
        self.term_iris = {key[0] for key in context._lookup}  # rdflib's term index
        self._shrunk: dict[str, str] = {}
        self._symbols: dict[str, str] = {}
        self.po: dict[ox.NamedNode | ox.BlankNode, list[tuple[ox.NamedNode, Term]]] = {}
        self.nodemap: dict[str, dict[str, Any]] = {}
        self.firsts: dict[ox.NamedNode | ox.BlankNode, Term] = {}

    def shrink(self, iri: ox.NamedNode) -> str:
        value = iri.value
        found = self._shrunk.get(value)
        if found is None:
            found = self._shrunk[value] = self.context.shrink_iri(value)
        return found

    def symbol(self, iri: ox.NamedNode) -> str:
        value = iri.value
        found = self._symbols.get(value)
        if found is None:
            found = self._symbols[value] = self.context.to_symbol(value) or value
        return found

    def from_graph(self, quads: list[ox.Quad]) -> list[dict[str, Any]]:
        """The graph's nodes: every IRI subject, and every blank subject no triple points to
        (the others are written where they are referenced, or as lists)."""
        po: dict[ox.NamedNode | ox.BlankNode, list[tuple[ox.NamedNode, Term]]] = {}
        referenced: set[ox.BlankNode] = set()
        firsts: dict[ox.NamedNode | ox.BlankNode, Term] = {}
        for term_iri in {quad.predicate.value for quad in quads} & self.term_iris:
            raise _DeclinedError(term_iri)
        for quad in quads:
            subject, predicate, obj = quad.subject, quad.predicate, quad.object
            po.setdefault(subject, []).append((predicate, obj))  # type: ignore[arg-type]
            if isinstance(obj, ox.BlankNode):
                referenced.add(obj)
            if predicate == _FIRST:
                if subject in firsts:
                    raise _DeclinedError(f"two rdf:first of {subject}")
                firsts[subject] = obj  # type: ignore[index,assignment]
        self.po, self.nodemap, self.firsts = po, {}, firsts
        for subject in po:
            if isinstance(subject, ox.NamedNode) or subject not in referenced:
                self.process_subject(subject)
        return list(self.nodemap.values())

    def node_id(self, subject: ox.NamedNode | ox.BlankNode) -> str:
        if isinstance(subject, ox.NamedNode):
            return self.shrink(subject)
        return f"_:{subject.value}"

    def process_subject(self, subject: ox.NamedNode | ox.BlankNode) -> dict[str, Any] | None:
        node_id = self.node_id(subject)
        if node_id in self.nodemap:
            return None
        node: dict[str, Any] = {self.id_key: node_id}
        self.nodemap[node_id] = node
        for predicate, obj in self.po.get(subject, ()):
            self.add_to_node(predicate, obj, node)
        return node

    def add_to_node(self, predicate: ox.NamedNode, obj: Term, s_node: dict[str, Any]) -> None:
        value: Any = None
        p_key = self.symbol(predicate)
        if predicate == _TYPE:
            if isinstance(obj, ox.NamedNode):
                value = self.symbol(obj)
            p_key = self.type_key
        if value is None:
            value = self.to_raw_value(obj)
        if p_key not in s_node:
            s_node[p_key] = value
            return
        existing = s_node[p_key]
        if not existing or not value:
            raise _DeclinedError(f"a falsy value of {p_key} among several")
        if not isinstance(existing, list):
            s_node[p_key] = existing = [existing]
        existing.append(value)

    def to_raw_value(self, obj: Term | None) -> Any:
        collection = self.to_collection(obj)
        if collection is not None:
            return {"@list": [self.to_raw_value(item) for item in collection]}
        if isinstance(obj, ox.BlankNode):
            self.process_subject(obj)
            return {self.id_key: f"_:{obj.value}"}
        if isinstance(obj, ox.NamedNode):
            return {self.id_key: self.shrink(obj)}
        if isinstance(obj, ox.Literal):
            return self.literal_value(obj)
        return None

    def literal_value(self, literal: ox.Literal) -> Any:
        lexical, datatype = literal.value, literal.datatype
        if literal.language is not None:
            return {"@language": literal.language, "@value": lexical}
        if datatype == _STRING:
            return lexical
        if datatype == _INTEGER:
            if not _INTEGER_RE.fullmatch(lexical):
                raise _DeclinedError(lexical)
            return int(lexical)
        if datatype == _DOUBLE:
            if not _DOUBLE_RE.fullmatch(lexical):
                raise _DeclinedError(lexical)
            return float(lexical)
        if datatype == _BOOLEAN:
            if lexical not in _BOOLEANS:
                raise _DeclinedError(lexical)
            return _BOOLEANS[lexical]
        return {self.type_key: self.symbol(datatype), "@value": lexical}

    def first_value(self, node: Term | None) -> Term | None:
        """rdflib's `graph.value(node, RDF.first)`, or None where rdflib would find it falsy."""
        obj = self.firsts.get(node) if not isinstance(node, ox.Literal) else None  # type: ignore[arg-type]
        return obj if obj is not None and _truthy(obj) else None

    def to_collection(self, head: Term | None) -> list[Term | None] | None:
        """rdflib's `to_collection`: the items of a well-formed list of blank nodes, else None."""
        if head != _NIL and self.first_value(head) is None:
            return None
        items: list[Term | None] = []
        chain = {head}
        node = head
        while node is not None:
            if node == _NIL:
                return items
            if isinstance(node, ox.NamedNode):
                return None
            first: Term | None = None
            rest: Term | None = None
            for predicate, obj in self.po.get(node, ()):  # type: ignore[arg-type]
                if first is None and predicate == _FIRST:
                    first = obj if _truthy(obj) else _falsy_first(obj)
                elif rest is None and predicate == _REST:
                    rest = obj
                elif predicate != _TYPE or obj != _LIST:
                    return None
            items.append(first)
            node = rest
            if node in chain:
                return None
            chain.add(node)
        return None


def _truthy(term: Term) -> bool:
    """rdflib's truth value of a term; a literal other than a (language) string is refused."""
    if not isinstance(term, ox.Literal):
        return True
    if term.language is None and term.datatype not in (_STRING, _LANG_STRING):
        raise _DeclinedError(str(term))
    return term.value != ""


def _falsy_first(term: Term) -> Term:
    raise _DeclinedError(f"an empty string as a list's first value: {term}")
