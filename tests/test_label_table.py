"""The label table of a store folder's generation (`stores/label_table.py`): `publish --to DIR`
writes every IRI's label quads with the generation; documents read the labels of the IRIs
they link to from it instead of the store's index; a generation without it (published by
older code) keeps being read by index lookups; the documents are the same bytes either way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from citydip_ld.conneg import FORMATS
from citydip_ld.iris import KINDS
from citydip_ld.stores import quad_table
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.disk_store import read_info
from citydip_ld.stores.index_description import LABEL_TERMS
from citydip_ld.stores.label_table import open_label_table
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web import create_app
from citydip_ld.web.documents import OXIGRAPH_FORMATS
from helpers import as_older_code_wrote_it, index_lookups

BASE = "http://localhost:5000/"
LABEL_IRIS = {term.value for term in LABEL_TERMS}


@pytest.fixture(scope="module")
def folder(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("labels") / "store"
    write_store_dir([dataset_dir / "dataset.nq"], target, BASE)
    return target


def looked_up(store: OxigraphStore, subject: str) -> list[str]:
    """The label quads of `subject` in named graphs, by the store's index (sorted texts)."""
    node = ox.NamedNode(subject)
    found = [q for p in LABEL_TERMS for q in store.quads_for_pattern(node, p, None, None)]
    return sorted(str(q) for q in found if type(q.graph_name) is ox.NamedNode)


def iri_terms(store: OxigraphStore) -> Iterator[str]:
    """Every IRI of the store as a subject or an object (each once)."""
    seen: set[str] = set()
    for quad in store.quads_for_pattern(None, None, None, None):
        for term in (quad.subject, quad.object):
            if type(term) is ox.NamedNode and term.value not in seen:
                seen.add(term.value)
                yield term.value


def test_publish_writes_every_label_quad_into_the_table(folder: Path) -> None:
    info = read_info(folder)
    assert info.labels is not None
    assert info.labels["predicates"] == [term.value for term in LABEL_TERMS]
    store = OxigraphStore.from_store_dir(folder)
    table = store.label_table(LABEL_TERMS)
    assert table is not None
    subjects = without = 0
    for iri in iri_terms(store):
        expected = looked_up(store, iri)
        assert sorted(str(q) for q in table.quads([iri])) == expected, iri
        subjects += bool(expected)
        without += not expected
    assert subjects == info.labels["subjects"] > 100
    assert without > 100  # IRIs without labels: nothing, without asking the store
    assert info.labels["quads"] == sum(
        1 for p in LABEL_TERMS for q in store.quads_for_pattern(None, p, None, None)
    )
    table.close()


def test_colliding_keys_keep_each_iri_apart(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many IRIs with one key (a 64-bit hash collides rarely; here on purpose): each block is
    taken only for the IRI it starts with."""
    monkeypatch.setattr(quad_table, "table_key", lambda iri: len(iri) % 3 + (1 << 63))
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store")
    store = OxigraphStore.from_store_dir(tmp_path / "store")
    table = store.label_table(LABEL_TERMS)
    assert table is not None
    for iri in list(iri_terms(store))[:400]:
        assert sorted(str(q) for q in table.quads([iri])) == looked_up(store, iri), iri


def test_a_table_this_process_cannot_read_is_not_used(folder: Path) -> None:
    generation = (folder / "current").resolve()
    recorded = read_info(folder).labels
    assert recorded is not None
    assert open_label_table(generation, recorded, LABEL_TERMS) is not None
    for change in ({"pyoxigraph": "0.0.1"}, {"key": "other"}, {"byteorder": "middle"}):
        assert open_label_table(generation, {**recorded, **change}, LABEL_TERMS) is None
    assert open_label_table(generation, recorded, LABEL_TERMS[:1]) is None
    assert open_label_table(generation, {**recorded, "subjects": 1}, LABEL_TERMS) is None
    assert open_label_table(generation, {"unknown": 1}, LABEL_TERMS) is None
    assert open_label_table(generation, None, LABEL_TERMS) is None


def test_documents_are_the_same_bytes_with_and_without_the_table(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = as_older_code_wrote_it(folder, tmp_path / "old", "labels")
    settings = {"TESTING": True, "BASE": BASE, "QUERY_WORKERS": 0}
    with_table = create_app({**settings, "STORE": str(folder)}).test_client()
    looking_up = create_app({**settings, "STORE": str(old)}).test_client()
    store = OxigraphStore.from_store_dir(folder)
    iris = sorted(
        iri
        for iri in iri_terms(store)
        if iri.startswith(f"{BASE}id/") and "#" not in iri and looked_up(store, iri)
    )
    assert len(iris) > 100
    asked = index_lookups(monkeypatch)
    old_route = 0
    for iri in iris:
        path = f"/doc/{iri.removeprefix(BASE + 'id/')}"
        for fmt in FORMATS:
            if fmt.rdflib_format is None:
                continue
            del asked[:]
            answer = with_table.get(f"{path}.{fmt.name}")
            assert answer.status_code == 200, (iri, fmt.name)
            if fmt.rdflib_format in OXIGRAPH_FORMATS:  # HTML and JSON-LD: `describe.describe`
                assert not [p for p in asked if p[1] is not None and p[1].value in LABEL_IRIS]
            expected = looking_up.get(f"{path}.{fmt.name}")
            old_route += sum(1 for p in asked if p[1] is not None and p[1].value in LABEL_IRIS)
            assert answer.data == expected.data, (iri, fmt.name)
            assert answer.headers["Content-Type"] == expected.headers["Content-Type"]
    assert old_route > len(iris)  # the folder without a table: label lookups


def test_list_pages_read_labels_from_the_table_and_are_the_same_without_it(
    folder: Path, dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = as_older_code_wrote_it(folder, tmp_path / "old", "labels")
    settings = {"TESTING": True, "BASE": BASE, "QUERY_WORKERS": 0, "RESPONSE_CACHE_BYTES": 0}
    with_table = create_app({**settings, "STORE": str(folder)}).test_client()
    looking_up = create_app({**settings, "STORE": str(old)}).test_client()
    embedded = create_app({**settings, "DATASET_DIR": str(dataset_dir)}).test_client()
    asked = index_lookups(monkeypatch)
    listed = set()
    for kind in KINDS:
        for accept in ("text/html", "application/json"):
            headers = {"Accept": accept, "Accept-Language": "fa"}
            del asked[:]
            answer = with_table.get(f"/doc/{kind}/", headers=headers)
            assert not [p for p in asked if p[1] is not None and p[1].value in LABEL_IRIS], kind
            for other in (looking_up, embedded):
                expected = other.get(f"/doc/{kind}/", headers=headers)
                assert (answer.status_code, answer.data) == (expected.status_code, expected.data)
            if answer.status_code == 200:
                listed.add(kind)
    assert {"city", "twinning", "organisation", "country", "article"} <= listed


def test_an_empty_table(tmp_path: Path) -> None:
    """A dataset without labels: an empty table (no file to map), every answer empty."""
    dump = tmp_path / "dataset.nq"
    dump.write_text(
        "<http://localhost:5000/id/city/x> <http://example.org/p> "
        '"x" <http://localhost:5000/graph/curated> .\n',
        encoding="utf-8",
    )
    write_store_dir([dump], tmp_path / "store", BASE)
    table = OxigraphStore.from_store_dir(tmp_path / "store").label_table(LABEL_TERMS)
    assert table is not None
    assert table.quads(["http://localhost:5000/id/city/x"]) == []
    table.close()


def test_labels_with_line_breaks_and_odd_characters(tmp_path: Path) -> None:
    """Labels holding escaped line breaks, U+2028, U+0085, quotes and backslashes, and an IRI
    holding U+2028: the table's quads are the store's (its files are split at `\\n` only)."""
    graph = ox.NamedNode(f"{BASE}graph/curated")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    texts = ["a\r\nb", "c\u2028d", "e\u0085f", 'g"h\\i', "j\tk", "تبریز\u200cها"]
    subjects = [ox.NamedNode(f"{BASE}id/city/x{n}") for n in range(len(texts))]
    subjects.append(ox.NamedNode(f"{BASE}id/city/odd\u2028iri"))
    quads = [
        ox.Quad(s, label, ox.Literal(t, language="en"), graph) for s in subjects for t in texts
    ]
    dump = tmp_path / "dataset.nq"
    dump.write_bytes(bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""))
    write_store_dir([dump], tmp_path / "store", BASE)
    store = OxigraphStore.from_store_dir(tmp_path / "store")
    table = store.label_table(LABEL_TERMS)
    assert table is not None
    for subject in subjects:
        found = table.quads([subject.value])
        assert len(found) == len(texts)
        assert sorted(str(q) for q in found) == looked_up(store, subject.value)
    table.close()
