"""The statistics a store folder's publication records (`stores/lean_statistics.py`: distinct
triples as quads minus the extra copies of triples in several graphs, no hash table of every
triple) are `compute_statistics`' figures: on the shipped data and on data where triples
repeat across graphs, sit in the default graph, or have blank nodes."""

from __future__ import annotations

from pathlib import Path

from citydip_ld.stores.lean_statistics import lean_statistics
from citydip_ld.stores.statistics import compute_statistics
from citydip_ld.stores.store import OxigraphStore

BASE = "http://localhost:5000/"
REPEATS = b"""
<http://localhost:5000/id/city/a> <urn:p> <urn:b> <urn:g1> .
<http://localhost:5000/id/city/a> <urn:p> <urn:b> <urn:g2> .
<http://localhost:5000/id/city/a> <urn:p> <urn:b> <urn:g3> .
<http://localhost:5000/id/city/a> <urn:p> "b" <urn:g2> .
<http://localhost:5000/id/city/a> <urn:p> "b"@en <urn:g2> .
<http://localhost:5000/id/city/a> <urn:p> "b"@en <urn:g1> .
<http://localhost:5000/id/city/a> <http://www.w3.org/2000/01/rdf-schema#label> "A"@en <urn:g1> .
<http://localhost:5000/id/city/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <u:C> <urn:g1> .
<http://localhost:5000/id/city/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <u:C> <urn:g4> .
_:x <urn:p> _:y <urn:g1> .
_:x <urn:p> _:y <urn:g2> .
<urn:d> <urn:p> <urn:b> .
<http://localhost:5000/id/city/a> <urn:p> <urn:b> .
"""


def test_the_shipped_data_has_the_same_statistics(dataset_dir: Path) -> None:
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    assert lean_statistics(store, BASE) == compute_statistics(store, BASE)


def test_triples_in_several_graphs_are_counted_once() -> None:
    store = OxigraphStore.from_nquads(REPEATS)
    lean = lean_statistics(store, BASE)
    assert lean == compute_statistics(store, BASE)
    # a-p-b (3 graphs), a-p-"b", a-p-"b"@en (2), label, type (2), _:x-p-_:y (2: a blank
    # node label names one node in the whole N-Quads document); the default graph's none
    assert lean.triples == 6 and sum(lean.graphs.values()) == 11
