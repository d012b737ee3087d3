"""Validate a dataset against the SHACL shapes (pyshacl) and turn the report into plain words
that point at the fact file and line a maintainer must fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, SH, Dataset, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager, split_uri
from rdflib.term import Node

from citydip_ld.errors import LoadError
from citydip_ld.iris import graph_iri
from citydip_ld.rdf.build import SourceMap

SEVERITY_NAMES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
PERSIAN_SCRIPT = re.compile("[\u0600-\u06ff]")


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


@dataclass(frozen=True)
class Problem:
    """One SHACL result in plain words."""

    severity: str
    message: str
    focus: str
    path: str | None
    value: str | None
    shape: str | None
    location: str | None  # `data/file.yaml:line`, when the node was built from a fact file

    def describe(self) -> str:
        where = self.location or self.focus
        detail = f" [{self.path}]" if self.path else ""
        value = f" (found: {self.value})" if self.value else ""
        return f"{where}: {self.severity}: {self.message}{detail}{value}\n  at {self.focus}"


@dataclass
class Report:
    conforms: bool
    problems: list[Problem] = field(default_factory=list)

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "violation"]

    def to_text(self) -> str:
        if not self.problems:
            return "conforms: the dataset satisfies every shape"
        lines = [p.describe() for p in self.problems]
        lines.append(
            f"{len(self.violations)} violation(s), "
            f"{len(self.problems) - len(self.violations)} other result(s)"
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "problems": [asdict(p) for p in self.problems]},
            ensure_ascii=False,
            indent=2,
        )


def split_dataset(dataset: Dataset, base: str) -> tuple[Graph, Graph, Graph]:
    """(data, shapes, ontology) graphs of a built dataset: the shapes and ontology graphs by
    name, every other graph's triples as the data."""
    shapes_name, ontology_name = graph_iri(base, "shapes"), graph_iri(base, "ontology")
    data, shapes, ontology = Graph(), Graph(), Graph()
    for prefix, namespace in dataset.namespaces():
        data.bind(prefix, namespace, override=True, replace=True)
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = g.identifier if isinstance(g, Graph) else g
        target = shapes if name == shapes_name else ontology if name == ontology_name else data
        target.add((s, p, o))
    return data, shapes, ontology


def validate_graph(
    data: Graph,
    shapes: Graph,
    *,
    sources: SourceMap | None = None,
    lang: str = "en",
) -> Report:
    """Validate `data` against `shapes`; map each focus node back to its fact file and line.

    `data` is validated in place: it must not be shared with other readers meanwhile."""
    if not any(shapes.triples((None, RDF.type, SH.NodeShape))):
        raise LoadError("the shapes graph holds no sh:NodeShape; is the shapes/ folder right?")
    # The build states every class explicitly, so no inference and no ontology mix-in are
    # needed; validating in place spares pyshacl a copy of the data graph.
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
    assert isinstance(results, Graph)
    prefixes = {prefix: str(ns) for prefix, ns in data.namespaces() if prefix}
    problems = [
        _problem(results, r, sources, lang, prefixes)
        for r in results.subjects(RDF.type, SH.ValidationResult)
    ]
    problems.sort(key=lambda p: (p.location or "~", p.focus, p.path or "", p.message))
    return Report(bool(conforms), problems)


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


def _problem(
    results: Graph, result: Node, sources: SourceMap | None, lang: str, prefixes: dict[str, str]
) -> Problem:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    severity = results.value(result, SH.resultSeverity)
    messages = list(results.objects(result, SH.resultMessage))
    message = _pick(messages, lang) or "does not satisfy its shape"
    location = None
    if sources is not None and isinstance(focus, URIRef):
        found = sources.locate(focus, path if isinstance(path, URIRef) else None)
        location = str(found) if found else None
    return Problem(
        severity=SEVERITY_NAMES.get(severity, "violation")
        if isinstance(severity, URIRef)
        else "violation",
        message=message,
        focus=str(focus),
        path=_short(path, prefixes) if path is not None else None,
        value=str(value) if value is not None else None,
        shape=_named(results.value(result, SH.sourceShape)),
        location=location,
    )


def _named(node: Node | None) -> str | None:
    """The IRI of a named shape; None for an anonymous (blank node) one."""
    return str(node) if isinstance(node, URIRef) else None


def _pick(messages: list[Node], lang: str) -> str | None:
    literals = [m for m in messages if isinstance(m, Literal)]
    for m in literals:
        if _language(m) == lang:
            return str(m)
    for m in literals:
        if _language(m) == "en":
            return str(m)
    return str(literals[0]) if literals else None


def _language(message: Literal) -> str:
    """A message's language: its tag, or, untagged, Persian when written in Arabic script.
    pySHACL drops the tags of a SPARQL-based constraint's messages when it fills in their
    variables, so the English and the Persian one are told apart by their script."""
    if message.language:
        return message.language
    return "fa" if PERSIAN_SCRIPT.search(str(message)) else "en"


def _short(path: Node, prefixes: dict[str, str]) -> str:
    """`cd:partner` rather than the full IRI, when a known prefix covers it."""
    text = str(path)
    for prefix, namespace in prefixes.items():
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def read_rdf(path: Path) -> Dataset:
    """Read an RDF file of any format rdflib knows (by extension) into a dataset."""
    from rdflib.util import guess_format

    fmt = guess_format(str(path)) or "turtle"
    dataset = Dataset()
    try:
        dataset.parse(path, format=fmt)
    except FileNotFoundError:
        raise LoadError(f"{path}: no such file") from None
    except Exception as exc:  # noqa: BLE001  rdflib raises many parser error types
        raise LoadError(f"{path}: cannot read as {fmt}: {exc}") from None
    return dataset
