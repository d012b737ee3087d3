"""Both SHACL engines give the same report: pyshacl-turbo (what `check` runs) against pySHACL
(the reference), on the shipped data and on `tests/data/broken.ttl`, a corpus that breaks every
node shape and every constraint of `shapes/` at least once.

Any difference in (focus node, path, constraint component, severity) fails; so does a report
that reads differently (message, value, location), whichever engine wrote it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, SH, Dataset, Graph, URIRef
from rdflib.term import Node

from citydip_ld.rdf.build import add_turtle_graph
from citydip_ld.rdf.output import Layout, build_for_check
from citydip_ld.validation.engines import ENGINES, choose_engine, run_engine, turbo_shortfalls
from citydip_ld.validation.validate import Problem, Report, validate_graph

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"
BROKEN = ROOT / "tests/data/broken.ttl"

#: Predicates of a shape that are not constraint parameters.
NOT_PARAMETERS = {
    SH.path,
    SH.message,
    SH.property,
    SH.targetClass,
    SH.targetObjectsOf,
    SH.name,
    SH.description,
    SH.severity,
}


def shapes_graph() -> Graph:
    return add_turtle_graph(Dataset(), ROOT / "shapes", "shapes", BASE)


def broken_data() -> Graph:
    return Graph().parse(BROKEN, format="turtle")


def key(problem: Problem) -> tuple[str, str | None, str | None, str]:
    return (problem.focus, problem.path, problem.component, problem.severity)


def test_the_engine_names_are_the_cli_choices() -> None:
    assert ENGINES == ("turbo", "pyshacl")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_shipped_data_conforms_with_each_engine(engine: str) -> None:
    built = build_for_check(Layout.beside(ROOT / "data"), BASE)
    report = validate_graph(built.data, built.shapes, sources=built.sources, engine=engine)
    assert report.conforms and report.problems == []


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    shapes = shapes_graph()
    return {engine: validate_graph(broken_data(), shapes, engine=engine) for engine in ENGINES}


def test_both_engines_find_the_same_results_in_the_broken_corpus(
    reports: dict[str, Report],
) -> None:
    turbo, reference = reports["turbo"], reports["pyshacl"]
    assert not turbo.conforms and not reference.conforms
    assert Counter(map(key, turbo.problems)) == Counter(map(key, reference.problems))
    assert len(reference.problems) > 100


def test_both_engines_write_the_same_report(reports: dict[str, Report]) -> None:
    """Messages are ours and values are written alike (pyshacl-turbo's `"12.5"^^xsd:string`
    is the plain literal "12.5"); shapes are named alike (anonymous ones not at all)."""
    assert reports["turbo"].to_text() == reports["pyshacl"].to_text()
    assert reports["turbo"].to_json() == reports["pyshacl"].to_json()


def test_plain_literal_values_read_the_same(reports: dict[str, Report]) -> None:
    for report in reports.values():
        found = {
            p.value
            for p in report.problems
            if p.focus.endswith("/statistic/many") and p.path == "rdf:value"
        }
        assert "12.5" in found and "-5" in found


# ---------------------------------------------------------------- coverage of the corpus


def _targets(data: Graph, shapes: Graph, shape: Node) -> set[Node]:
    nodes: set[Node] = set()
    for cls in shapes.objects(shape, SH.targetClass):
        nodes.update(data.subjects(RDF.type, cls))
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        nodes.update(data.objects(None, predicate))
    return nodes


def _components(shapes: Graph, shape: Node) -> set[URIRef]:
    """The constraint components a shape's own parameters select (`sh:minCount` ->
    `sh:MinCountConstraintComponent`)."""
    return {
        SH.SPARQLConstraintComponent
        if p == SH.sparql
        else SH[
            f"{p.removeprefix(str(SH))[0].upper()}{p.removeprefix(str(SH))[1:]}ConstraintComponent"
        ]
        for p in set(shapes.predicates(shape, None))
        if isinstance(p, URIRef) and p.startswith(str(SH)) and p not in NOT_PARAMETERS
    }


def _targeted_through_sh_node(shapes: Graph) -> Graph:
    """`shapes`, where a node shape with no target of its own that only `sh:node` uses
    (cds:Recorded) targets the objects of the paths it is used on: its constraints are then
    reported on those nodes directly, not only as the user's `sh:NodeConstraintComponent`."""
    copy = Graph()
    for triple in shapes:
        copy.add(triple)
    for user, used in shapes.subject_objects(SH.node):
        path = shapes.value(user, SH.path)
        if isinstance(path, URIRef) and not any(
            (used, target, None) in shapes for target in (SH.targetClass, SH.targetObjectsOf)
        ):
            copy.add((used, SH.targetObjectsOf, path))
    return copy


def _expected(data: Graph, shapes: Graph) -> set[tuple[Node, Node, URIRef]]:
    """(node shape, shape, component) for every constraint of every node shape: its own and
    those of each property shape it uses."""
    wanted = set()
    for node_shape in shapes.subjects(RDF.type, SH.NodeShape):
        for shape in [node_shape, *shapes.objects(node_shape, SH.property)]:
            wanted.update((node_shape, shape, c) for c in _components(shapes, shape))
    return wanted


def test_the_broken_corpus_violates_every_constraint_of_every_shape() -> None:
    data, shapes = broken_data(), _targeted_through_sh_node(shapes_graph())
    conforms, results = run_engine(broken_data(), shapes, "pyshacl")
    assert not conforms
    found = {
        (results.value(r, SH.focusNode), results.value(r, SH.sourceShape), component)
        for r in results.subjects(RDF.type, SH.ValidationResult)
        for component in results.objects(r, SH.sourceConstraintComponent)
    }
    expected = _expected(data, shapes)
    assert len(expected) >= 173  # 23 node shapes; grows with shapes/
    missing = [
        (node_shape, shape, component)
        for node_shape, shape, component in expected
        if not any(
            (focus, shape, component) in found for focus in _targets(data, shapes, node_shape)
        )
    ]
    assert missing == []


# ---------------------------------------------------------------- falling back to pySHACL


def test_our_shapes_need_no_fallback() -> None:
    assert turbo_shortfalls(shapes_graph()) == []
    assert choose_engine(shapes_graph(), "turbo") == ("turbo", None)


#: W3C core/property/or-datatypes-001's shape: sh:datatype inside sh:or (used from text too).
OR_DATATYPES_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ;
    sh:property [ sh:path ex:p ;
        sh:or ( [ sh:datatype xsd:boolean ] [ sh:datatype xsd:integer ] ) ] .
"""


def test_shapes_pyshacl_turbo_gets_wrong_are_validated_by_pyshacl() -> None:
    """W3C core/property/or-datatypes-001: pyshacl-turbo lets "none"^^xsd:boolean pass
    sh:datatype xsd:boolean inside sh:or; pySHACL reports it."""
    shapes = Graph().parse(data=OR_DATATYPES_SHAPES, format="turtle")
    data = Graph().parse(
        data='<http://example.org/a> <http://example.org/p> "none"^^'
        "<http://www.w3.org/2001/XMLSchema#boolean> .",
        format="turtle",
    )
    engine, note = choose_engine(shapes, "turbo")
    assert engine == "pyshacl"
    assert note is not None and "or-datatypes-001" in note
    report = validate_graph(data, shapes)
    assert report.engine == "pyshacl" and report.note == note
    assert [(p.focus, p.path, p.component) for p in report.problems] == [
        ("http://example.org/a", "http://example.org/p", "sh:OrConstraintComponent")
    ]
    assert choose_engine(shapes, "pyshacl") == ("pyshacl", None)


# ---------------------------------------------------------------- where the engines differ

_EVENT_DATED_BY_A_STRING = """
@prefix cd: <http://localhost:5000/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://localhost:5000/id/event/e> a schema:Event ;
    time:hasTime [ time:inXSDDate "2020-03-20" ] ;
    prov:wasDerivedFrom <http://localhost:5000/id/article/a> .
<http://localhost:5000/id/article/a> cd:pageDate [ time:inXSDDate "2020-01-01"^^xsd:date ] .
"""


def _not_later_results(engine: str) -> list[tuple[str, str | None]]:
    data = Graph().parse(data=_EVENT_DATED_BY_A_STRING, format="turtle")
    report = validate_graph(data, shapes_graph(), engine=engine)
    return [
        (p.focus, p.value) for p in report.problems if p.component == "sh:SPARQLConstraintComponent"
    ]


@pytest.mark.parametrize(
    "engine",
    [
        "turbo",
        pytest.param(
            "pyshacl",
            marks=pytest.mark.xfail(
                strict=True, reason="rdflib 7.6 compares a plain string with an xsd:date"
            ),
        ),
    ],
)
def test_a_string_is_not_compared_with_a_date(engine: str) -> None:
    """cds:ReportedNotLaterShape's `FILTER(?value > ?latest)` with a day written as a plain
    string and the article's day an xsd:date: SPARQL 1.1 (17.3, operator mapping) defines no
    `>` between xsd:string and xsd:date, so the comparison is a type error and FILTER drops the
    row: no result (pyshacl-turbo, and Oxigraph). pySHACL's SPARQL (rdflib) answers true and
    reports the event: a difference in pySHACL, kept out of tests/data/broken.ttl, where
    cds:DateShape reports such a day anyway (sh:datatype). When rdflib follows the spec, this
    xfail passes and fails the run: then drop the mark."""
    assert _not_later_results(engine) == []
