"""Validate a dataset against the SHACL shapes (pyshacl-turbo or pySHACL, `engines.py`) and
turn the report into plain words that point at the fact file and line a maintainer must fix;
the report reads the same whichever engine ran.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import RDF, SH, BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from citydip_ld.errors import LoadError
from citydip_ld.iris import graph_iri
from citydip_ld.rdf.build import SourceMap
from citydip_ld.rdf.source_map import SourceFiles
from citydip_ld.validation.engines import (
    DEFAULT_ENGINE,
    choose_engine,
    plain,
    run_engine,
    run_turbo_ntriples,
)

SEVERITY_NAMES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
PERSIAN_SCRIPT = re.compile("[\u0600-\u06ff]")


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
    component: str | None = None  # the SHACL constraint component, `sh:MinCountConstraintComponent`

    def describe(self) -> str:
        where = self.location or self.focus
        detail = f" [{self.path}]" if self.path else ""
        value = f" (found: {self.value})" if self.value else ""
        return f"{where}: {self.severity}: {self.message}{detail}{value}\n  at {self.focus}"


@dataclass
class Report:
    conforms: bool
    problems: list[Problem] = field(default_factory=list)
    engine: str = DEFAULT_ENGINE  # the engine that ran (not in the text or JSON report)
    note: str | None = None  # why it is not the one asked for

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
    sources: SourceMap | SourceFiles | None = None,
    lang: str = "en",
    engine: str = DEFAULT_ENGINE,
) -> Report:
    """Validate `data` against `shapes` with `engine`; map each focus node back to its fact
    file and line (`sources`: a source map, or the files of one, read for the nodes reported).

    `data` may be validated in place: it must not be shared with other readers meanwhile."""
    _require_node_shapes(shapes)
    ran, note = choose_engine(shapes, engine)
    conforms, results = run_engine(data, shapes, ran)
    if not isinstance(results, Graph):
        raise LoadError(f"the shapes graph cannot be used for validation: {results}")
    prefixes = {prefix: str(ns) for prefix, ns in data.namespaces() if prefix}
    report = report_from_results(
        conforms, results, data=data, sources=sources, lang=lang, prefixes=prefixes
    )
    report.engine, report.note = ran, note
    return report


def validate_ntriples(
    ntriples: str,
    shapes: Graph,
    *,
    namespaces: Iterable[tuple[str, URIRef]] = (),
    sources: SourceMap | SourceFiles | None = None,
    lang: str = "en",
    engine: str = DEFAULT_ENGINE,
    quads: bool = False,
) -> Report:
    """`validate_graph` of the triples written as N-Triples text in a graph with the
    prefixes `namespaces` bound (as `output.build_for_check` binds them): the same report.
    `quads`: the text is N-Quads (named graphs), and the union of its graphs is validated.
    pyshacl-turbo reads the text in Rust (`engines.run_turbo_ntriples`), with no rdflib graph
    of the data (at world S, building that graph was most of `check`'s time); the report's
    values are written as the text writes them (`_as_written`, from the triples of the
    reported nodes alone). pySHACL (asked for, or where pyshacl-turbo falls short of the
    shapes) reads an rdflib graph parsed from the text."""
    _require_node_shapes(shapes)
    bindings = list(namespaces)
    ran, note = choose_engine(shapes, engine)
    prefixed = _parsed("", bindings)
    known = {prefix: str(ns) for prefix, ns in prefixed.namespaces()}
    outcome = run_turbo_ntriples(ntriples, known, shapes) if ran == "turbo" else None
    if outcome is None:
        data = _parsed(triples_of_quads(ntriples) if quads else ntriples, bindings)
        report = validate_graph(data, shapes, sources=sources, lang=lang, engine=ran)
        report.note = note
        return report
    conforms, results = outcome
    if not isinstance(results, Graph):
        raise LoadError(f"the shapes graph cannot be used for validation: {results}")
    focus = {f"<{node}> " for node in results.objects(None, SH.focusNode)}
    about = _lines_about(ntriples, focus)
    data = _parsed(triples_of_quads(about) if quads else about, bindings)
    prefixes = {prefix: ns for prefix, ns in known.items() if prefix}
    report = report_from_results(
        conforms, results, data=data, sources=sources, lang=lang, prefixes=prefixes
    )
    report.engine = ran
    return report


def _require_node_shapes(shapes: Graph) -> None:
    if not any(shapes.triples((None, RDF.type, SH.NodeShape))):
        raise LoadError("the shapes graph holds no sh:NodeShape; is the shapes/ folder right?")


def _parsed(ntriples: str, namespaces: list[tuple[str, URIRef]]) -> Graph:
    """An rdflib graph of N-Triples text, with the prefixes `namespaces` bound."""
    graph = Graph()
    for prefix, namespace in namespaces:
        graph.bind(prefix, namespace, override=True, replace=True)
    if ntriples:
        graph.parse(data=ntriples, format="nt")
    return graph


def triples_of_quads(nquads: str) -> str:
    """N-Quads lines, each in a named graph (an IRI or blank node: the last term, no space in
    it), as the N-Triples lines of their triples."""
    lines = nquads.split("\n")  # not `splitlines`: a literal may hold U+2028 or U+0085
    return "".join(line[:-2].rpartition(" ")[0] + " .\n" for line in lines if line)


def _lines_about(ntriples: str, subjects: set[str]) -> str:
    """The lines of N-Triples text whose subject is one of `subjects` (`"<iri> "`)."""
    if not subjects:
        return ""
    # at "\n" only: `str.splitlines` also ends a line at U+2028 or U+0085 within a literal
    lines = ntriples.split("\n")
    return "".join(line + "\n" for line in lines if line[: line.find(" ") + 1] in subjects)


def report_from_results(
    conforms: bool,
    results: Graph,
    *,
    data: Graph | None = None,
    sources: SourceMap | SourceFiles | None = None,
    lang: str = "en",
    prefixes: dict[str, str] | None = None,
) -> Report:
    """The report of a SHACL validation report graph `results` (any engine's): problems in
    plain words at file:line (`sources`), paths written with `prefixes`, values as `data`
    writes them (without `data`, as the report does)."""
    known = dict(prefixes or {})
    known.setdefault("sh", str(SH))
    if isinstance(sources, SourceFiles):
        focus = results.objects(None, SH.focusNode)
        sources = sources.about(str(node) for node in focus if isinstance(node, URIRef))
    problems = [
        _problem(results, r, sources, lang, known, data if data is not None else Graph())
        for r in results.subjects(RDF.type, SH.ValidationResult)
    ]
    problems.sort(key=_order)
    return Report(conforms, problems)


def _order(p: Problem) -> tuple[str, ...]:
    """By place, then everything else: the same results always print in the same order."""
    rest = (p.path, p.message, p.component, p.value, p.severity, p.shape)
    return (p.location or "~", p.focus, *(item or "" for item in rest))


def _problem(
    results: Graph,
    result: Node,
    sources: SourceMap | None,
    lang: str,
    prefixes: dict[str, str],
    data: Graph,
) -> Problem:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = _as_written(data, focus, path, plain(results.value(result, SH.value)))
    severity = results.value(result, SH.resultSeverity)
    component = results.value(result, SH.sourceConstraintComponent)
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
        path=render_path(results, path, prefixes) if path is not None else None,
        value=str(value) if value is not None else None,
        shape=_named(results.value(result, SH.sourceShape)),
        location=location,
        component=_short(component, prefixes) if isinstance(component, URIRef) else None,
    )


def _as_written(
    data: Graph, focus: Node | None, path: Node | None, value: Node | None
) -> Node | None:
    """`value` as the data writes it: a store keeps a literal's canonical form (`-91.0` as a
    decimal is stored `-91`), so a literal the data holds under another lexical form equal in
    value (same datatype and language) is written the data's way."""
    if not isinstance(value, Literal) or not isinstance(path, URIRef) or focus is None:
        return value
    if (focus, path, value) in data:
        return value
    for written in data.objects(focus, path):
        if (
            isinstance(written, Literal)
            and written.datatype == value.datatype
            and written.language == value.language
            and written.eq(value)
        ):
            return written
    return value


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


#: SHACL's unary path operators and the suffix or prefix SPARQL writes them with.
_UNARY_PATHS = {
    SH.inversePath: ("^", ""),
    SH.zeroOrMorePath: ("", "*"),
    SH.oneOrMorePath: ("", "+"),
    SH.zeroOrOnePath: ("", "?"),
}


def render_path(graph: Graph, path: Node, prefixes: dict[str, str]) -> str:
    """A SHACL property path in SPARQL's syntax: `cd:partner`, `time:hasBeginning/time:inXSDDate`,
    `^cd:partner`, `(a|b)`. Complex paths are blank nodes of the report graph."""
    if not isinstance(path, BNode):
        return _short(path, prefixes)
    if graph.value(path, RDF.first) is not None:
        return "/".join(_operand(graph, step, prefixes) for step in Collection(graph, path))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        options = [_operand(graph, option, prefixes) for option in Collection(graph, alternatives)]
        return "(" + "|".join(options) + ")"
    for operator, (before, after) in _UNARY_PATHS.items():
        inner = graph.value(path, operator)
        if inner is not None:
            return before + _operand(graph, inner, prefixes) + after
    return str(path)


def _operand(graph: Graph, path: Node, prefixes: dict[str, str]) -> str:
    """A path inside another one, in brackets when it is a sequence."""
    text = render_path(graph, path, prefixes)
    return f"({text})" if isinstance(path, BNode) and graph.value(path, RDF.first) else text


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
