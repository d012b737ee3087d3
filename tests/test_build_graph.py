"""The RDF a small set of facts must become, compared as graphs (never as text)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from citydip_ld.curation.facts import load_facts
from citydip_ld.errors import LoadError
from citydip_ld.rdf.build import add_turtle_graph, build_dataset

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


SHAPES_ONE_WAY = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S sh:property [ sh:path ex:p ; sh:minCount 1 ] , [ sh:path ex:q ; sh:in ( "a" "b" ) ] .
"""
#: The same triples: blank nodes labelled by hand and written in another order.
SHAPES_ANOTHER_WAY = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
_:zz <http://www.w3.org/ns/shacl#in> _:l1 ; sh:path <http://example.org/q> .
_:l2 rdf:first "b" ; rdf:rest rdf:nil .
_:l1 rdf:rest _:l2 ; rdf:first "a" .
<http://example.org/S> sh:property _:zz , _:yy .
_:yy sh:minCount 1 ; sh:path <http://example.org/p> .
"""


def _turtle_graph(tmp_path: Path, folder: str, name: str, text: str, into: Dataset) -> Graph:
    directory = tmp_path / folder
    directory.mkdir()
    (directory / "shapes.ttl").write_text(text, encoding="utf-8")
    return add_turtle_graph(into, directory, name, BASE)


def test_blank_nodes_of_turtle_graphs_get_rdfc_canonical_labels(tmp_path: Path) -> None:
    """However the files label and order their blank nodes, the graph gets the same labels:
    those of the W3C's RDF Dataset Canonicalization (RDFC-1.0), led by the graph's name."""
    one = _turtle_graph(tmp_path, "one", "shapes", SHAPES_ONE_WAY, Dataset())
    other = _turtle_graph(tmp_path, "other", "shapes", SHAPES_ANOTHER_WAY, Dataset())
    assert set(one) == set(other)
    labels = {str(term) for triple in one for term in triple if isinstance(term, BNode)}
    assert labels == {f"shapes-c14n{n}" for n in range(4)}


def test_two_turtle_graphs_of_one_dataset_share_no_blank_node(tmp_path: Path) -> None:
    dataset = Dataset()
    first = _turtle_graph(tmp_path, "a", "ontology", SHAPES_ONE_WAY, dataset)
    second = _turtle_graph(tmp_path, "b", "shapes", SHAPES_ONE_WAY, dataset)
    blanks = [{t for triple in g for t in triple if isinstance(t, BNode)} for g in (first, second)]
    assert blanks[0] and blanks[1] and not blanks[0] & blanks[1]


def test_a_turtle_term_rdf_cannot_hold_is_named_with_its_folder(tmp_path: Path) -> None:
    """rdflib reads `<http://[bad/>`; RDF (and the dumps' parser) does not: a clear error."""
    text = "<http://example.org/s> <http://example.org/p> <http://[bad/> .\n"
    with pytest.raises(
        LoadError, match=r"bad: not valid RDF: Invalid character '\[' in host: <http://\[bad/>$"
    ):
        _turtle_graph(tmp_path, "bad", "ontology", text, Dataset())
