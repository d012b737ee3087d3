"""The W3C SHACL test suite (core and SPARQL parts) against the engine `check` runs: the
manifests of `../shared/conformance/w3c-shacl/` read with rdflib, one test per entry.

The data and shapes graphs are read with rdflib, as `check --input` reads a file, and given to
`engines.run_engine` with `check`'s default engine; reports are compared with pySHACL's own
W3C comparator (`check_sht_result`: conforms, and the results by focus node, path, value,
source shape, constraint component and severity, blank nodes by structure). Conformance is
SHACL's (`allow_warnings=False`): `check` itself lets warnings conform, which no shape of ours
has. The tests known to fail are listed in `KNOWN_FAILURES` with the reason; each of them is
a strict xfail (fixing one fails until it is taken off the list), and the pass count recorded
in the README may not drop (`test_the_pass_count_does_not_drop`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from citydip_ld.validation.engines import DEFAULT_ENGINE, run_engine
from shared_material import parameters, shared

SUITE_DIR = "conformance/w3c-shacl"
SUITE = shared(SUITE_DIR)
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

#: Recorded in README.md ("Validation"): tests of the suite the default engine passes.
RECORDED_PASSES = 118
TOTAL = 120

#: Test (path in the suite without .ttl) -> why it fails with the default engine.
KNOWN_FAILURES = {
    "core/property/or-datatypes-001": (
        'pyshacl-turbo: an ill-formed literal ("none"^^xsd:boolean) passes sh:datatype inside '
        "sh:or; `check` falls back to pySHACL for shapes with sh:datatype in a logical operator"
    ),
    "core/property/uniqueLang-002": (
        'rdflib lowercases language tags when it parses ("EN" -> "en"), so two labels that '
        "differ only in the case of their tag become one; pySHACL fails it the same way"
    ),
}


@dataclass(frozen=True)
class Case:
    name: str  # path in the suite, without .ttl: `core/node/minLength-001`
    manifest: Path
    entry: URIRef


def _path(iri: Node) -> Path:
    return Path(unquote(urlparse(str(iri)).path))


def load_cases() -> list[Case]:
    """Every sht:Validate entry reachable from the suite's manifest through mf:include."""
    cases: list[Case] = []
    pending, seen = [SUITE / "manifest.ttl"], set()
    while pending:
        manifest = pending.pop(0)
        if manifest in seen:
            continue
        seen.add(manifest)
        graph = Graph().parse(manifest, format="turtle")
        for node in graph.subjects(RDF.type, MF.Manifest):
            pending.extend(_path(i) for i in graph.objects(node, MF.include))
            for entries in graph.objects(node, MF.entries):
                for entry in Collection(graph, entries):
                    if (entry, RDF.type, SHT.Validate) in graph and isinstance(entry, URIRef):
                        name = _path(entry).relative_to(SUITE.resolve()).as_posix()
                        cases.append(Case(name.removesuffix(".ttl"), manifest, entry))
    return sorted(cases, key=lambda c: c.name)


def passes(case: Case) -> bool:
    from pyshacl.validator_conformance import check_sht_result

    graph = Graph().parse(case.manifest, format="turtle")
    action, expected = graph.value(case.entry, MF.action), graph.value(case.entry, MF.result)
    assert action is not None and expected is not None, case.name
    data = Graph().parse(_path(graph.value(action, SHT.dataGraph)), format="turtle")
    shapes = Graph().parse(_path(graph.value(action, SHT.shapesGraph)), format="turtle")
    _conforms, report = run_engine(data, shapes, DEFAULT_ENGINE, allow_warnings=False)
    if not isinstance(report, Graph):  # the engine refused the shapes graph
        return expected == SHT.Failure
    return bool(check_sht_result(report, graph, expected))


def _xfail(case: Case | None) -> list[pytest.MarkDecorator]:
    if case is None or case.name not in KNOWN_FAILURES:
        return []
    return [pytest.mark.xfail(reason=KNOWN_FAILURES[case.name], strict=True)]


CASES = parameters(SUITE_DIR, load_cases, lambda c: c.name)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            *p.values,
            marks=[*p.marks, *_xfail(p.values[0])],
            id=p.id,
        )
        for p in CASES
    ],
)
def test_w3c_shacl(case: Case | None) -> None:
    assert case is not None
    assert passes(case)


def test_the_pass_count_does_not_drop() -> None:
    cases = [p.values[0] for p in CASES]
    if cases == [None]:
        pytest.skip(CASES[0].marks[0].kwargs["reason"])
    assert len(cases) == TOTAL
    assert len(cases) - len(KNOWN_FAILURES) >= RECORDED_PASSES
    assert set(KNOWN_FAILURES) <= {c.name for c in cases}
