"""The SHACL engines `check` can run, each returning the same thing: (conforms, report graph).

- `turbo` (the default): pyshacl-turbo, a SHACL engine in Rust with pySHACL's API, given the
  data as the facts' N-Triples text (`run_turbo_ntriples`, what `check` does) or as an rdflib
  graph. Measured against handing it a pyoxigraph store with the same triples
  (benchmarks/README.md, "check"): the graph cost less CPU (8-10 s against 13 s at world S,
  the store's copy included) and passes more W3C SHACL tests (a store keeps literals in
  canonical form, and pyshacl-turbo then misses `sh:hasValue "male"` and `sh:in` with plain
  literals: core/property/hasValue-001, in-001); the text keeps literals as written too.
- `pyshacl`: pySHACL in Python, the reference the tests compare `turbo` against.

Where pyshacl-turbo falls short of the SHACL the shapes use (`turbo_shortfalls`), `turbo`
falls back to pySHACL and says so. The report graphs differ in small ways the report must not
show: pyshacl-turbo may write a plain literal as `"12.5"^^xsd:string` (the same RDF 1.1 term),
so `plain` turns such literals back into rdflib's plain form before anything reads them.
"""

from __future__ import annotations

from typing import Any

from rdflib import SH, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import NamespaceManager, split_uri
from rdflib.term import Node

from citydip_ld.errors import LoadError

ENGINES = ("turbo", "pyshacl")
DEFAULT_ENGINE = "turbo"


#: SHACL that pyshacl-turbo gets wrong (found by the W3C suite, tests/test_w3c_shacl.py):
#: (what, the W3C test that shows it). `turbo_shortfalls` looks for each in a shapes graph.
SHORTFALLS = {
    "datatype-in-logic": (
        "sh:datatype inside sh:or, sh:and, sh:xone or sh:not (an ill-formed literal such as "
        '"none"^^xsd:boolean passes it)',
        "core/property/or-datatypes-001",
    ),
}
_LOGICAL_LISTS = (SH["or"], SH["and"], SH.xone)


def turbo_shortfalls(shapes: Graph) -> list[str]:
    """What of `shapes` pyshacl-turbo does not validate right, in words (empty: none)."""
    inner: set[Node] = set(shapes.objects(None, SH["not"]))
    for operator in _LOGICAL_LISTS:
        for members in shapes.objects(None, operator):
            inner.update(Collection(shapes, members))
    if any((shape, SH.datatype, None) in shapes for shape in inner):
        what, test = SHORTFALLS["datatype-in-logic"]
        return [f"{what}; W3C SHACL test {test}"]
    return []


def choose_engine(shapes: Graph, engine: str) -> tuple[str, str | None]:
    """The engine to run for `engine` on `shapes`, and a note when it is not the one asked
    for (pyshacl-turbo falls short of what the shapes use: pySHACL runs instead)."""
    if engine not in ENGINES:
        raise LoadError(f"unknown SHACL engine {engine!r}: use one of {', '.join(ENGINES)}")
    shortfalls = turbo_shortfalls(shapes) if engine == "turbo" else []
    if not shortfalls:
        return engine, None
    return "pyshacl", "pyshacl-turbo falls short of these shapes, validated with pySHACL: " + (
        "; ".join(shortfalls)
    )


def run_engine(
    data: Graph, shapes: Graph, engine: str = DEFAULT_ENGINE, *, allow_warnings: bool = True
) -> tuple[bool, Any]:
    """Validate `data` against `shapes` with `engine` (exactly that one: `choose_engine`
    decides on a fallback): (conforms, report graph), or, for a shapes graph the engine
    refuses, (False, the engine's failure object) as pySHACL does. With `allow_warnings`,
    results of severity sh:Warning or sh:Info alone still conform (as pySHACL's option).

    With `pyshacl`, `data` is validated in place: it must not be shared with other readers."""
    if engine == "turbo":
        return _run_turbo(data, shapes, allow_warnings)
    if engine == "pyshacl":
        return _run_pyshacl(data, shapes, allow_warnings)
    raise LoadError(f"unknown SHACL engine {engine!r}: use one of {', '.join(ENGINES)}")


def run_turbo_ntriples(
    ntriples: str, namespaces: dict[str, str], shapes: Graph, *, allow_warnings: bool = True
) -> tuple[bool, Any] | None:
    """pyshacl-turbo on triples written as N-Triples text, parsed in Rust: no rdflib graph of
    the data. The text goes in as the snapshot pyshacl-turbo itself takes of a pyoxigraph
    store (`pyshacl_turbo.rdf.Input`: N-Quads text, of which N-Triples is a part, and the
    data's prefixes, which its default messages write nodes with), so literals keep their
    lexical forms, as in an rdflib graph (a store would make them canonical). None when this
    pyshacl-turbo has no such class: validate a graph then."""
    try:
        from pyshacl_turbo.rdf import Input
    except ImportError:
        return None
    data = Input(ntriples, "nquads", None, {}, dict(namespaces), preserve_ids=True)
    return _run_turbo(data, shapes, allow_warnings)


def _run_turbo(data: Any, shapes: Graph, allow_warnings: bool) -> tuple[bool, Any]:
    from pyshacl_turbo import validate as turbo_validate

    conforms, results, _text = turbo_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=allow_warnings,
    )
    return bool(conforms), results


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


def _run_pyshacl(data: Graph, shapes: Graph, allow_warnings: bool) -> tuple[bool, Any]:
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
            allow_warnings=allow_warnings,
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
