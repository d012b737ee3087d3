"""The RDF a small set of facts must become, compared as graphs (never as text)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from citydip_ld.curation.facts import load_facts
from citydip_ld.rdf.build import build_dataset

DATA = Path(__file__).parent / "data"
BASE = "http://localhost:5000/"


def _graph(dataset: Dataset, name: str) -> Graph:
    return dataset.graph(URIRef(f"{BASE}graph/{name}"))


def _explain(actual: Graph, expected: Graph) -> str:
    _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {t}" for t in sorted(missing)] + [f"+ {t}" for t in sorted(extra)]
    return "\n".join(lines[:40])


def test_minimal_facts_build_to_the_hand_written_graphs() -> None:
    built = build_dataset(load_facts(DATA / "facts-minimal"), BASE).dataset
    expected = Dataset()
    expected.parse(DATA / "facts-minimal.expected.trig", format="trig")
    for name in ("curated", "004_aa1ce6595c509616"):
        actual, wanted = _graph(built, name), _graph(expected, name)
        assert isomorphic(actual, wanted), _explain(actual, wanted)


def test_the_source_map_points_nodes_at_their_lines() -> None:
    result = build_dataset(load_facts(DATA / "facts-minimal"), BASE)
    twinning = URIRef(f"{BASE}id/twinning/tabriz-wuhan")
    located = result.sources.locate(twinning)
    assert located is not None
    assert located.file.endswith("facts-minimal/articles/004_aa1ce6595c509616.yaml")
    assert located.line == 7
    date = URIRef(f"{BASE}id/twinning/tabriz-wuhan#date")
    assert result.sources.locate(date).line == 10  # type: ignore[union-attr]
    partner = URIRef(f"{BASE}ontology#partner")
    assert result.sources.locate(twinning, partner).line == 8  # type: ignore[union-attr]
