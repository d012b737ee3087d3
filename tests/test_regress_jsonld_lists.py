"""Regression: `dataset.jsonld` sorted the items of its `@list`s with every other JSON array,
so the shapes' RDF lists (`sh:in ( cd:Exactly cd:MoreThan cd:LessThan cd:About )`, `sh:or`,
`sh:languageIn`) came out in another order than in `dataset.nq`: another graph (99 triples
differed with the shipped data). An `@list` keeps its order now; the dump reads as the
N-Quads dump's graph."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from citydip_ld.rdf.jsonld import sorted_json


def union(path: Path, fmt: str) -> Graph:
    dataset = Dataset()
    dataset.parse(path, format=fmt)
    graph = Graph()
    for s, p, o, _g in dataset.quads():
        graph.add((s, p, o))
    return graph


def test_the_jsonld_dump_is_the_nquads_dumps_graph(dataset_dir: Path) -> None:
    text = (dataset_dir / "dataset.jsonld").read_text(encoding="utf-8")
    assert '"@list"' in text  # the shapes' lists are there to be kept in order
    from_jsonld = union(dataset_dir / "dataset.jsonld", "json-ld")
    from_nquads = union(dataset_dir / "dataset.nq", "nquads")
    assert len(from_jsonld) == len(from_nquads) > 0
    assert isomorphic(from_jsonld, from_nquads)


def test_a_lists_items_keep_their_order_among_sorted_arrays() -> None:
    document = {"b": [{"@list": ["z", "a", "m"]}, {"@list": ["b"]}], "c": ["y", "x"]}
    assert sorted_json(document) == {
        "b": [{"@list": ["b"]}, {"@list": ["z", "a", "m"]}],
        "c": ["x", "y"],
    }
