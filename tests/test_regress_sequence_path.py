"""Regression: a violation on a sequence path (`( time:hasBeginning time:inXSDDate )` in the date
shape) printed the blank node that holds the path in the report graph (`[N3f2...]`) instead of
the path. It is now written in SPARQL's path syntax, whichever engine ran."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, URIRef

from citydip_ld.rdf.build import add_turtle_graph
from citydip_ld.validation.engines import ENGINES
from citydip_ld.validation.validate import render_path, validate_graph

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:5000/"

DATA = """
@prefix cd: <http://localhost:5000/ontology#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://localhost:5000/id/meeting/m> time:hasTime <http://localhost:5000/id/meeting/m#date> .
<http://localhost:5000/id/meeting/m#date> cd:jalaliDate "1399" ;
    time:hasBeginning [ time:inXSDDate "2020-03-20" ] ;
    time:hasEnd [ time:inXSDDate "2020-03-21"^^xsd:date ] ;
    cd:firstDay "2020-03-20"^^xsd:date ; cd:lastDay "2020-03-21"^^xsd:date .
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sequence_path_is_written_as_a_path(engine: str) -> None:
    shapes = add_turtle_graph(Dataset(), ROOT / "shapes", "shapes", BASE)
    data = Graph().parse(data=DATA, format="turtle")
    report = validate_graph(data, shapes, engine=engine)
    assert [(p.path, p.value, p.component) for p in report.problems] == [
        ("time:hasBeginning/time:inXSDDate", "2020-03-20", "sh:DatatypeConstraintComponent")
    ]
    assert "[time:hasBeginning/time:inXSDDate] (found: 2020-03-20)" in report.to_text()


def test_every_kind_of_path_is_written_in_sparql_syntax() -> None:
    paths = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:seq ex:p ( ex:a ex:b ) .
        ex:inv ex:p [ sh:inversePath ex:a ] .
        ex:alt ex:p [ sh:alternativePath ( ex:a [ sh:inversePath ex:b ] ) ] .
        ex:star ex:p [ sh:zeroOrMorePath ( ex:a ex:b ) ] .
        ex:plus ex:p [ sh:oneOrMorePath ex:a ] .
        ex:opt ex:p [ sh:zeroOrOnePath ex:a ] .
        """,
        format="turtle",
    )
    prefixes = {"ex": "http://example.org/"}
    written = {}
    for subject, path in paths.subject_objects(URIRef("http://example.org/p")):
        assert isinstance(path, BNode)
        written[str(subject).removeprefix("http://example.org/")] = render_path(
            paths, path, prefixes
        )
    assert written == {
        "seq": "ex:a/ex:b",
        "inv": "^ex:a",
        "alt": "(ex:a|^ex:b)",
        "star": "(ex:a/ex:b)*",
        "plus": "ex:a+",
        "opt": "ex:a?",
    }
