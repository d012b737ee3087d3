"""The label memo of documents (`stores/label_memo.py`): an IRI's label quads are kept from its
second lookup on, within bounds, one memo per store; descriptions read with a warm memo are
the descriptions read without one."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from citydip_ld.stores import describe, label_memo
from citydip_ld.stores.index_description import LABEL_TERMS, read_description
from citydip_ld.stores.label_memo import LabelMemo, memo_for
from citydip_ld.stores.store import OxigraphStore

BASE = "http://localhost:5000/"


@pytest.fixture(scope="module")
def store(dataset_dir: Path) -> OxigraphStore:
    return OxigraphStore.from_dataset_dir(dataset_dir)


def resources(store: OxigraphStore) -> list[str]:
    found = store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}'
    )
    return sorted(solution["s"].value for solution in found)


def test_labels_are_kept_from_the_second_lookup(store: OxigraphStore) -> None:
    memo = LabelMemo(LABEL_TERMS)
    iran = f"{BASE}id/country/iran"
    first = memo.quads(store.quads_for_pattern, [iran])
    assert first and iran not in memo.kept and iran in memo.seen
    assert {q.predicate.value for q in first} >= {"http://www.w3.org/2000/01/rdf-schema#label"}
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in first)
    second = memo.quads(store.quads_for_pattern, [iran])
    assert memo.kept[iran] == second == first

    def no_lookup(*_pattern: object) -> list[object]:
        raise AssertionError("a kept IRI is not looked up again")

    assert memo.quads(no_lookup, [iran]) == first


def test_the_memo_is_bounded(store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(label_memo, "KEPT_ENTRIES", 5)
    monkeypatch.setattr(label_memo, "SEEN_ENTRIES", 7)
    memo = LabelMemo(LABEL_TERMS)
    iris = resources(store)
    assert len(iris) > 20
    for iri in iris:
        for _ in range(3):
            memo.quads(store.quads_for_pattern, [iri])
            assert len(memo.kept) <= 5 and len(memo.seen) <= 7


def test_one_memo_per_store(dataset_dir: Path, store: OxigraphStore) -> None:
    other = OxigraphStore.from_dataset_dir(dataset_dir)
    assert memo_for(store, LABEL_TERMS) is memo_for(store, LABEL_TERMS)
    assert memo_for(other, LABEL_TERMS) is not memo_for(store, LABEL_TERMS)


def test_descriptions_with_a_warm_memo_are_the_same(store: OxigraphStore) -> None:
    """Every resource described three times through the store's memo (kept labels from the
    second time) gives the quads of a description read without any memo."""
    for iri in resources(store):
        cold = LabelMemo(LABEL_TERMS)
        expected = sorted(map(str, read_description(store.quads_for_pattern, iri, cold)[0]))
        for _ in range(3):
            found = describe.index_description(store, iri)
            assert found is not None
            assert sorted(map(str, found[0])) == expected, iri


def test_sparse_label_properties_are_looked_up_only_where_they_are(
    store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`skos:prefLabel` and `dcterms:title` (sparse: their subjects collected once) are not
    looked up for an IRI without them, and every IRI's label quads stay what all three
    lookups give; beyond SPARSE_LIMIT quads a property is looked up for every IRI."""
    full = LabelMemo(LABEL_TERMS)
    sparse = LabelMemo(LABEL_TERMS, LABEL_TERMS[1:])
    having = sparse.subjects(store.quads_for_pattern)
    assert sparse.named_only(store.quads_for_pattern)  # asked once, before what is counted
    assert having[0] is None and having[1] is not None and having[2] is not None
    assert f"{BASE}id/article/000_a4c6b0bbbd7114a9" in having[2]
    assert f"{BASE}id/city/tabriz" not in having[1] | having[2]
    asked: list[object] = []

    def counted(*pattern: object) -> object:
        asked.append(pattern[1])
        return store.quads_for_pattern(*pattern)

    for iri in resources(store):
        asked.clear()
        assert sorted(map(str, sparse.quads(counted, [iri]))) == sorted(
            map(str, full.quads(store.quads_for_pattern, [iri]))
        ), iri
        assert asked[0] == LABEL_TERMS[0]
        assert len(asked) == 1 + sum(iri in found for found in having[1:] if found), iri
    monkeypatch.setattr(label_memo, "SPARSE_LIMIT", 1)
    assert LabelMemo(LABEL_TERMS, LABEL_TERMS[1:]).subjects(store.quads_for_pattern)[2] is None
