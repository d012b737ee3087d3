"""The SHACL engines `check` can run, each returning the same thing: (conforms, report graph).

- `turbo` (the default): pyshacl-turbo, a SHACL engine in Rust with pySHACL's API, on a
  pyoxigraph store holding the data graph's triples.
- `pyshacl`: pySHACL in Python, the reference the tests compare `turbo` against.

The report graphs differ in small ways the report must not show: pyshacl-turbo on a store
writes a plain literal as `"12.5"^^xsd:string` (the same RDF 1.1 term), so `plain` turns such
literals back into rdflib's plain form before anything reads them.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager, split_uri
from rdflib.term import Node

from citydip_ld.errors import LoadError

ENGINES = ("turbo", "pyshacl")
DEFAULT_ENGINE = "turbo"


def run_engine(data: Graph, shapes: Graph, engine: str = DEFAULT_ENGINE) -> tuple[bool, Any]:
    """Validate `data` against `shapes` with `engine`: (conforms, report graph), or, for a
    shapes graph the engine refuses, (False, the engine's failure object) as pySHACL does.

    With `pyshacl`, `data` is validated in place: it must not be shared with other readers."""
    if engine == "turbo":
        return _run_turbo(data, shapes)
    if engine == "pyshacl":
        return _run_pyshacl(data, shapes)
    raise LoadError(f"unknown SHACL engine {engine!r}: use one of {', '.join(ENGINES)}")


def _run_turbo(data: Graph, shapes: Graph) -> tuple[bool, Any]:
    from pyshacl_turbo import validate as turbo_validate

    conforms, results, _text = turbo_validate(
        to_store(data),
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
    )
    return bool(conforms), results


def to_store(graph: Graph) -> ox.Store:
    """A pyoxigraph store with `graph`'s triples in its default graph (blank nodes keep their
    ids, so a report names the same nodes as the graph)."""
    convert = _TermConverter()
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(convert(s), convert(p), convert(o), ox.DefaultGraph()) for s, p, o in graph
    )
    return store


class _TermConverter:
    """rdflib term -> pyoxigraph term, each distinct term converted once."""

    def __init__(self) -> None:
        self._seen: dict[Node, Any] = {}

    def __call__(self, term: Node) -> Any:
        found = self._seen.get(term)
        if found is None:
            found = self._seen[term] = _convert(term)
        return found


def _convert(term: Node) -> Any:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise LoadError(f"cannot validate the RDF term {term!r}: not an IRI, blank node or literal")


def plain(node: Node | None) -> Node | None:
    """`node`, with an `xsd:string` literal written as the plain literal it is in RDF 1.1."""
    if isinstance(node, Literal) and node.datatype == XSD.string and not node.language:
        return Literal(str(node))
    return node


class _ParameterList(list[URIRef]):
    """pySHACL's list of constraint parameters with a set's membership test: for every focus
    node and every property shape it asks, of each triple of the shape, whether the predicate
    is a parameter; on a list that is about 140 IRI comparisons a call, 3 s of CPU at world S.
    Same items in the same order; `copy()` gives the plain list back."""

    def __init__(self, items: list[URIRef]) -> None:
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def _index_constraint_parameters() -> None:
    """Prime pySHACL's lazily filled module cache `pyshacl.shape.CONSTRAINT_PARAMS` with a
    `_ParameterList`. Does nothing if a pySHACL version has no such cache or filled it with
    something else: validation is then only slower, never different."""
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    cached = getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None)
    if isinstance(cached, tuple) and isinstance(cached[0], _ParameterList):
        return
    if cached is None or cached == (ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP):
        pyshacl.shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
            _ParameterList(ALL_CONSTRAINT_PARAMETERS),
            CONSTRAINT_PARAMETERS_MAP,
        )


def _run_pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Any]:
    """pySHACL in place, without inference (the build states every class explicitly)."""
    from pyshacl import validate as shacl_validate

    _index_constraint_parameters()
    namespaces = data.namespace_manager
    data.namespace_manager = _ReportNamespaces(data)
    try:
        conforms, results, _text = shacl_validate(
            data,
            shacl_graph=_lean_copy(shapes),
            inference="none",
            abort_on_first=False,
            allow_warnings=True,
            inplace=True,
        )
    finally:
        data.namespace_manager = namespaces
    return bool(conforms), results


def _lean_copy(shapes: Graph) -> Graph:
    """`shapes` in rdflib's store without named-graph bookkeeping: pySHACL reads the shapes
    graph for every focus node and property shape (2 million reads at world S), and this store
    answers them faster (S validation 11.1 -> 8.7-9.7 s CPU). Same triples and prefixes."""
    lean = Graph(store="SimpleMemory")
    for prefix, namespace in shapes.namespaces():
        lean.bind(prefix, namespace, override=True)
    for triple in shapes:
        lean.add(triple)
    return lean


class _ReportNamespaces(NamespaceManager):
    """The data graph's prefixes, writing IRIs in pySHACL's text report (which we drop) the same
    as rdflib's manager, without its cost at scale: rdflib files the namespace of every IRI it
    writes in a prefix trie, one sibling per date node (`.../twinning/x#`), each insertion
    scanning the others, about 2 s of CPU at world S. Failed branches of `sh:or` are written
    out even when the `sh:or` holds, so every date node is written once."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(graph, bind_namespaces="none")  # the bindings live in the graph's store

    def normalizeUri(self, rdfTerm: str) -> str:  # noqa: N802, N803  rdflib's names
        try:
            namespace, _ = split_uri(rdfTerm)
        except ValueError:
            return super().normalizeUri(rdfTerm)
        if self.store.prefix(URIRef(namespace)) is None:
            return f"<{rdfTerm}>"  # what rdflib writes too, once it has filed the namespace
        return super().normalizeUri(rdfTerm)
