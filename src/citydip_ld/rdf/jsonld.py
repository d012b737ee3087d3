"""The JSON-LD dump from Oxigraph quads, the same document rdflib's serializer gives.

`dataset.jsonld` used to be rdflib's `serialize(format="json-ld", context=..., auto_compact=True)`
(rdflib 7's `plugins/serializers/jsonld.py`), parsed back and sorted. Most of `build`'s time at
world scale went there: rdflib walks its graph with a query per subject, per list node and per
object, then writes the text twice. `jsonld_document` follows the same algorithm (which
subjects become nodes, how a value is written, how an RDF list becomes `@list`, how a value
joins an existing key) over the sorted N-Quads rows `output` already holds (each term as
Oxigraph writes it, so terms are plain strings: no term objects to hash), and compacts IRIs
with rdflib's own `Context`, so the sorted document is the same, byte for byte. Where rdflib's
result would depend on the order it happens to visit triples in (a falsy first value of a key
with several values, a list whose first value is a literal other than a string), or on a
feature the converter does not follow (a default graph with triples, a context term that is
not a plain prefix, a literal rdflib would not read as a number or boolean), it returns None
and the caller asks rdflib.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from rdflib.plugins.shared.jsonld.context import Context

__all__ = [
    "Row",
    "TripleRow",
    "dump_indented",
    "graph_document",
    "jsonld_document",
    "sort_in_place",
    "sorted_json",
    "to_bytes",
]

#: (graph, subject, predicate, object): terms in N-Triples syntax, the graph "DEFAULT" or an IRI
Row = tuple[str, str, str, str]
#: (subject, predicate, object) of one unnamed graph, terms in N-Triples syntax
TripleRow = tuple[str, str, str]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_FIRST = f"<{_RDF}first>"
_REST = f"<{_RDF}rest>"
_NIL = f"<{_RDF}nil>"
_TYPE = f"<{_RDF}type>"
_LIST = f"<{_RDF}List>"
_INTEGER = f"{_XSD}integer"
_DOUBLE = f"{_XSD}double"
_BOOLEAN = f"{_XSD}boolean"
_STRING = f"{_XSD}string"
_INTEGER_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DOUBLE_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class _DeclinedError(Exception):
    """rdflib's result here is not followed (or depends on its triple order): ask rdflib."""


def jsonld_document(rows: Iterable[Row], context_data: dict[str, Any]) -> Any:
    """rdflib's compacted JSON-LD structure of the quads in `rows` (before sorting), or None
    when rdflib must be asked (see the module docstring)."""
    context = Context(context_data)
    if any(term.type or term.container for term in context.terms.values()):
        return None
    graphs: dict[str, list[Row]] = {}
    for row in rows:
        graphs.setdefault(row[0], []).append(row)
    if any(not name.startswith("<") for name in graphs):
        return None
    converter = _Converter(context)
    objs: list[dict[str, Any]] = []
    try:
        for name, graph_rows in graphs.items():
            nodes = converter.from_graph(graph_rows)
            if nodes:
                objs.append({context.id_key: converter.shrink(name), context.graph_key: nodes})
    except _DeclinedError:
        return None
    result: dict[str, Any] = objs[0] if len(objs) == 1 else {context.graph_key: objs}
    result["@context"] = context_data
    return result


def graph_document(triples: Iterable[TripleRow], context_data: dict[str, Any]) -> Any:
    """The compacted JSON-LD structure of one unnamed graph as rdflib writes it (an rdflib
    `Graph` with `serialize(format="json-ld", context=context_data, auto_compact=True)`): its
    only node, or `{"@graph": nodes}`, with the context; None when rdflib must be asked.

    Lossless where rdflib is not (served documents need the graph, not rdflib's bytes): a
    falsy value among several values of a key is kept (rdflib lets the next value replace
    it), an RDF list whose first value is falsy is still an `@list`, and an integer or
    boolean whose lexical form is not canonical (nor a double's Python `repr`) is written with
    its datatype (rdflib writes the number, which reads back as another literal)."""
    context = Context(context_data)
    if any(term.type or term.container for term in context.terms.values()):
        return None
    rows = [("", s, p, o) for s, p, o in triples]
    try:
        nodes = _Converter(context, lossless=True).from_graph(rows)
    except _DeclinedError:
        return None
    result: dict[str, Any] = dict(nodes[0]) if len(nodes) == 1 else {context.graph_key: nodes}
    result["@context"] = context_data
    return result


_SORT_KEY = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


class _Float(float):
    """A float that `dump_indented` writes as Python's `json` does (`1e-05`, not orjson's
    `0.00001`); the same value and order otherwise."""


def sorted_json(node: Any) -> Any:
    """`node` with every array sorted by the compact JSON of its items (keys sorted), but for
    the items of an `@list` (an RDF list: ordered), which keep their order. Text values, most
    of a document, are taken as they are without a call."""
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        for key, value in node.items():
            if type(value) is str:
                result[key] = value
            elif key == "@list" and isinstance(value, list):
                result[key] = [sorted_json(item) for item in value]
            else:
                result[key] = sorted_json(value)
        return result
    if isinstance(node, list):
        items = [item if type(item) is str else sorted_json(item) for item in node]
        if len(items) < 2:
            return items
        try:
            return sorted(items, key=_sort_key(items, _compact))
        except (orjson.JSONEncodeError, TypeError):  # what orjson refuses: Python's encoder
            return sorted(items, key=_sort_key(items, _SORT_KEY))
    if type(node) is float:
        return _Float(node)
    return node


def sort_in_place(node: Any) -> Any:
    """`sorted_json(node)`, made by sorting `node`'s arrays where they are and wrapping its
    floats in place (`node` is changed; for a document nothing else holds, such as the dump's):
    no copy of every object of the document."""
    kind = type(node)
    if kind is dict:
        _sort_object(node)
        return node
    if kind is list:
        _sort_array(node)
        return node
    if isinstance(node, dict):
        _sort_object(node)
        return node
    if isinstance(node, list):
        _sort_array(node)
        return node
    if kind is float:
        return _Float(node)
    return node


def _sort_object(node: dict[Any, Any]) -> None:
    for key, value in node.items():  # values replaced, no key added: allowed
        kind = type(value)
        if kind is str:
            continue
        if kind is dict:
            for item in value.values():  # an object of texts alone (a reference, a label)
                if type(item) is not str:
                    _sort_object(value)
                    break
        elif key == "@list" and isinstance(value, list):
            for position, item in enumerate(value):
                if type(item) is not str:
                    value[position] = sort_in_place(item)
        elif kind is list or isinstance(value, list | dict):
            sort_in_place(value)
        elif kind is float:
            node[key] = _Float(value)


def _sort_array(node: list[Any]) -> None:
    for position, item in enumerate(node):
        if type(item) is not str:
            node[position] = sort_in_place(item)
    if len(node) < 2:
        return
    try:
        keys = _sort_keys(node, _compact)
    except (orjson.JSONEncodeError, TypeError):  # what orjson refuses: Python's encoder
        keys = _sort_keys(node, _SORT_KEY)
    if len(node) == 2:
        if keys[1] < keys[0]:
            node.reverse()
        return
    order = sorted(range(len(node)), key=keys.__getitem__)  # stable, as `list.sort`
    node[:] = [node[position] for position in order]


def _python_float(value: Any) -> orjson.Fragment:
    if isinstance(value, _Float):
        return orjson.Fragment(json.dumps(float(value)))
    raise TypeError(f"not JSON: {type(value).__name__}")


def dump_indented(document: Any) -> bytes:
    """`json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)` as UTF-8, written
    by orjson (in Rust; Python's encoder is pure Python when it indents): the same bytes for
    what a JSON-LD document holds (text, whole numbers, booleans, null, floats as `sorted_json`
    leaves them); anything orjson refuses (a number beyond 64 bits, a lone surrogate, a key
    that is not text) is written by Python's encoder."""
    try:
        return orjson.dumps(
            document, default=_python_float, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
        )
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
        return text.encode("utf-8")


def _compact(item: Any) -> bytes:
    """The compact JSON of `item` (keys sorted) by orjson, in UTF-8: it orders items as the
    text of Python's `_SORT_KEY` does. The two differ only by the space Python writes after
    each `,` and `:` between values, which lies after the first difference of two texts or
    in both alike; UTF-8 bytes sort as the code points they encode; the escapes are the same."""
    return orjson.dumps(item, default=_python_float, option=orjson.OPT_SORT_KEYS)


def _sort_key(items: list[Any], encode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The compact JSON of an item (`encode`), or only of its `@id` where that orders them the
    same: every item an object whose first key is `@id`, no two with the same `@id`. An
    encoded string is never a prefix of another, so the first difference lies within the ids."""
    ids = []
    for item in items:
        if not isinstance(item, dict) or min(item, default=None) != "@id":
            return encode
        ids.append(item["@id"])
    if len(set(map(encode, ids))) != len(ids):
        return encode
    return lambda item: encode(item["@id"])


def _sort_keys(items: list[Any], encode: Callable[[Any], Any]) -> list[Any]:
    """`_sort_key`'s key of each of `items`, each encoded once."""
    ids = []
    for item in items:
        if type(item) is not dict or "@id" not in item or min(item) != "@id":
            return [encode(item) for item in items]
        ids.append(item["@id"])
    keys = [encode(identifier) for identifier in ids]
    if len(set(keys)) != len(keys):
        return [encode(item) for item in items]
    return keys


def to_bytes(document: Any) -> bytes:
    """A served JSON-LD document's bytes: its arrays sorted (`@list`s kept in order), keys
    sorted, indented by two as rdflib writes it; the same bytes in every process."""
    return dump_indented(sorted_json(document))


class _Converter:
    """rdflib's `Converter` (use_native_types, auto_compact) over one graph's rows at a time.
    Terms are N-Triples strings: `<iri>`, `_:label` or a literal starting with `"`."""

    def __init__(self, context: Context, *, lossless: bool = False) -> None:
        self.context = context
        self.lossless = lossless
        self.id_key: str = context.id_key
        self.type_key: str = context.type_key
        self.term_iris = {f"<{key[0]}>" for key in context._lookup}  # rdflib's term index
        self._shrunk: dict[str, str] = {}
        self._symbols: dict[str, str] = {}
        self.po: dict[str, list[tuple[str, str]]] = {}
        self.firsts: dict[str, str] = {}
        self.nodemap: dict[str, dict[str, Any]] = {}

    def shrink(self, iri: str) -> str:
        found = self._shrunk.get(iri)
        if found is None:
            found = self._shrunk[iri] = self.context.shrink_iri(iri[1:-1])
        return found

    def symbol(self, iri: str) -> str:
        found = self._symbols.get(iri)
        if found is None:
            found = self._symbols[iri] = self.context.to_symbol(iri[1:-1]) or iri[1:-1]
        return found

    def from_graph(self, rows: list[Row]) -> list[dict[str, Any]]:
        """The graph's nodes: every IRI subject, and every blank subject no triple points to
        (the others are written where they are referenced, or as lists)."""
        po: dict[str, list[tuple[str, str]]] = {}
        firsts: dict[str, str] = {}
        for term_iri in {row[2] for row in rows} & self.term_iris:
            raise _DeclinedError(term_iri)
        for _graph, subject, predicate, obj in rows:
            pairs = po.get(subject)
            if pairs is None:
                po[subject] = pairs = []
            pairs.append((predicate, obj))
            if predicate == _FIRST:
                if subject in firsts:
                    raise _DeclinedError(f"two rdf:first of {subject}")
                firsts[subject] = obj
        referenced = {row[3] for row in rows if row[3].startswith("_:")}
        self.po, self.firsts, self.nodemap = po, firsts, {}
        for subject in po:
            if subject.startswith("<") or subject not in referenced:
                self.process_subject(subject)
        return list(self.nodemap.values())

    def process_subject(self, subject: str) -> dict[str, Any] | None:
        node_id = self.shrink(subject) if subject.startswith("<") else subject
        if node_id in self.nodemap:
            return None
        node: dict[str, Any] = {self.id_key: node_id}
        self.nodemap[node_id] = node
        symbols, shrunk, id_key = self._symbols, self._shrunk, self.id_key
        for predicate, obj in self.po.get(subject, ()):
            # `add_to_node`, its commonest cases inline: a literal or an IRI (not rdf:nil)
            # as the value of a predicate other than rdf:type
            first = obj[0]
            if predicate == _TYPE or not (first == '"' or (first == "<" and obj != _NIL)):
                self.add_to_node(predicate, obj, node)
                continue
            p_key = symbols.get(predicate) or self.symbol(predicate)
            if first == '"':
                value = self.literal_value(obj)
            else:
                value = {id_key: shrunk.get(obj) or self.shrink(obj)}
            if p_key not in node:
                node[p_key] = value
            else:
                self._join(node, p_key, value)
        return node

    def add_to_node(self, predicate: str, obj: str, s_node: dict[str, Any]) -> None:
        value: Any = None
        p_key = self.symbol(predicate)
        if predicate == _TYPE:
            if obj.startswith("<"):
                value = self.symbol(obj)
            p_key = self.type_key
        if value is None:
            value = self.to_raw_value(obj)
        if p_key not in s_node:
            s_node[p_key] = value
            return
        self._join(s_node, p_key, value)

    def _join(self, s_node: dict[str, Any], p_key: str, value: Any) -> None:
        """`value` joins the value(s) `s_node` has for `p_key` already."""
        existing = s_node[p_key]
        if (not existing or not value) and not self.lossless:
            raise _DeclinedError(f"a falsy value of {p_key} among several")
        if not isinstance(existing, list):
            s_node[p_key] = existing = [existing]
        existing.append(value)

    def to_raw_value(self, obj: str | None) -> Any:
        if obj is None:
            return None
        first = obj[:1]
        if first == '"':  # a literal is never a list's head (no triple has it as subject)
            return self.literal_value(obj)
        if first == "<" and obj != _NIL:  # nor is an IRI (`to_collection` stops at one)
            return {self.id_key: self._shrunk.get(obj) or self.shrink(obj)}
        collection = self.to_collection(obj)
        if collection is not None:
            return {"@list": [self.to_raw_value(item) for item in collection]}
        if obj.startswith("_:"):
            self.process_subject(obj)
            return {self.id_key: obj}
        if obj.startswith("<"):
            return {self.id_key: self.shrink(obj)}
        return self.literal_value(obj)

    def literal_value(self, literal: str) -> Any:
        if literal[-1] == '"' and "\\" not in literal:  # a simple literal without escapes
            return literal[1:-1]
        lexical, language, datatype = split_literal(literal)
        if language is not None:
            return {"@language": language, "@value": lexical}
        if datatype is None or datatype == _STRING:
            return lexical
        if datatype == _INTEGER and _INTEGER_RE.fullmatch(lexical):
            if not self.lossless or str(int(lexical)) == lexical:
                return int(lexical)
        elif datatype == _DOUBLE and _DOUBLE_RE.fullmatch(lexical):
            if not self.lossless or repr(float(lexical)) == lexical:
                return float(lexical)
        elif datatype == _BOOLEAN and lexical in _BOOLEANS:
            if not self.lossless or lexical in {"true", "false"}:
                return _BOOLEANS[lexical]
        elif datatype in (_INTEGER, _DOUBLE, _BOOLEAN) and not self.lossless:
            raise _DeclinedError(lexical)
        return {self.type_key: self.symbol(f"<{datatype}>"), "@value": lexical}

    def first_value(self, node: str) -> str | None:
        """rdflib's `graph.value(node, RDF.first)`, or None where rdflib would find it falsy."""
        obj = self.firsts.get(node)
        return obj if obj is not None and (self.lossless or _truthy(obj)) else None

    def to_collection(self, head: str) -> list[str | None] | None:
        """rdflib's `to_collection`: the items of a well-formed list of blank nodes, else None."""
        if head != _NIL and (head not in self.firsts or self.first_value(head) is None):
            return None
        items: list[str | None] = []
        chain: set[str | None] = {head}
        node: str | None = head
        while node is not None:
            if node == _NIL:
                return items
            if node.startswith("<"):
                return None
            first: str | None = None
            rest: str | None = None
            for predicate, obj in self.po.get(node, ()):
                if first is None and predicate == _FIRST:
                    first = obj if self.lossless or _truthy(obj) else _falsy_first(obj)
                elif rest is None and predicate == _REST:
                    rest = obj
                elif predicate != _TYPE or obj != _LIST:
                    return None
            if first is None and self.lossless:
                return None
            items.append(first)
            node = rest
            if node in chain:
                return None
            chain.add(node)
        return None


def split_literal(literal: str) -> tuple[str, str | None, str | None]:
    """A literal in N-Triples syntax -> (lexical form, language, datatype IRI); the datatype
    is None for a simple literal (xsd:string)."""
    end = literal.rindex('"')
    lexical = literal[1:end]
    if "\\" in lexical:
        try:
            lexical = json.loads(literal[: end + 1])
        except ValueError:  # an escape JSON lacks (\U): rdflib reads it
            raise _DeclinedError(literal) from None
    suffix = literal[end + 1 :]
    if suffix.startswith("@"):
        return lexical, suffix[1:], None
    if suffix.startswith("^^<"):
        return lexical, None, suffix[3:-1]
    return lexical, None, None


def _truthy(term: str) -> bool:
    """rdflib's truth value of a term; a literal other than a (language) string is refused."""
    if not term.startswith('"'):
        return True
    lexical, language, datatype = split_literal(term)
    if language is None and datatype not in (None, _STRING):
        raise _DeclinedError(term)
    return lexical != ""


def _falsy_first(term: str) -> str:
    raise _DeclinedError(f"an empty string as a list's first value: {term}")
