"""Regression: a literal holding U+2028 (LINE SEPARATOR) or U+0085 (NEXT LINE).

N-Triples and N-Quads end a line at "\\n" only, and neither rdflib nor Oxigraph escapes these
two characters in a literal; `str.splitlines` also ends a line at them. `check` cut such a
line in two when it picked the lines of the nodes its report names, and failed with rdflib's
parse error (a traceback) instead of reporting the violation.
"""

from __future__ import annotations

from rdflib import Graph

from citydip_ld.validation.validate import validate_graph, validate_ntriples

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:maxLength 3 ] .
"""
TEXT = (
    '<http://example.org/a> <http://example.org/p> "one\u2028two\x85three" .\n'
    '<http://example.org/b> <http://example.org/p> "x" .\n'
)


def test_a_reported_literal_with_a_line_separator_is_reported() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    report = validate_ntriples(TEXT, shapes)
    assert report.engine == "turbo" and not report.conforms
    assert [(p.focus, p.value) for p in report.problems] == [
        ("http://example.org/a", "one\u2028two\x85three")
    ]
    reference = validate_graph(Graph().parse(data=TEXT, format="nt"), shapes)
    assert report.to_json() == reference.to_json()
