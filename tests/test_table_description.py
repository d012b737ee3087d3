"""A resource's description read as N-Quads text from a store folder's tables
(`stores/table_description.py`): the same quads as read from the store's index, for every
resource, with the links a document keeps trimmed or not; the document route writes Turtle,
TriG, N-Triples and N-Quads from the text without parsing it into quads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from citydip_ld.stores import disk_publish, index_description, quad_table, store
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.index_description import index_description as by_index
from citydip_ld.stores.resource_table import table_for
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.stores.table_description import table_description
from citydip_ld.web import create_app
from helpers import as_older_code_wrote_it

BASE = "http://localhost:5000/"


def described_both_ways(folder: Path, old: Path) -> int:
    """Compare the text description of every resource of the store folder `folder` with the
    quads read from the same data by index lookups (`old`: without the resource table);
    return how many the text gave."""
    with_table = OxigraphStore.from_store_dir(folder)
    looking_up = OxigraphStore.from_store_dir(old)
    assert table_for(looking_up) is None
    table = table_for(with_table)
    assert table is not None
    subjects = {
        q.subject.value.partition("#")[0]
        for q in with_table.quads_for_pattern(None, None, None, None)
        if type(q.subject) is ox.NamedNode
    }
    from_text = 0
    for iri in sorted(subjects):
        lines = table_description(with_table, iri)
        quads = by_index(looking_up, iri)
        assert quads is not None
        if lines is None:  # it or a hash IRI links to a blank node: read as quads
            block = table.text(iri)
            assert block is not None, iri
            assert any(line.split(" ", 2)[2].startswith("_:") for line in block.splitlines())
            continue
        from_text += 1
        assert set(lines[0]) == {str(q) for q in quads[0]}, iri
        assert lines[1] == quads[1], iri
    return from_text


def test_every_resource_is_described_as_by_the_index(dataset_dir: Path, tmp_path: Path) -> None:
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store", BASE)
    old = as_older_code_wrote_it(tmp_path / "store", tmp_path / "old", "resources")
    assert described_both_ways(tmp_path / "store", old) > 100


def test_trimmed_links_are_described_as_by_the_index(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a document keeping 2 links to a resource (a table 3), the same first links and
    the same word that some were left out."""
    monkeypatch.setattr(index_description, "MAX_INCOMING", 2)
    monkeypatch.setattr(disk_publish, "TABLE_INCOMING", 3)
    monkeypatch.setattr(store, "TABLE_INCOMING", 3)
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store", BASE)
    old = as_older_code_wrote_it(tmp_path / "store", tmp_path / "old", "resources")
    assert described_both_ways(tmp_path / "store", old) > 100
    country = OxigraphStore.from_store_dir(tmp_path / "store")
    found = table_description(country, f"{BASE}id/country/iran")
    assert found is not None and found[1] is True


def test_odd_texts_are_described_as_by_the_index(tmp_path: Path) -> None:
    """Hash IRIs three links deep, a hash IRI linking back, literals holding what separates
    a line's terms (` <`, ` .`, a line break, quotes), IRIs beyond ASCII."""
    graph = ox.NamedNode(f"{BASE}graph/curated")
    other = ox.NamedNode(f"{BASE}graph/article-1")
    city = f"{BASE}id/city/x-odd"
    me = ox.NamedNode(city)
    p = ox.NamedNode("http://example.org/p")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    far = ox.NamedNode(f"{BASE}id/city/تبریز")
    quads = [
        ox.Quad(me, p, ox.NamedNode(city + "#a"), graph),
        ox.Quad(me, p, ox.Literal('a <b> c .\n<d> "e" .', language="en"), graph),
        ox.Quad(me, p, far, other),
        ox.Quad(me, label, ox.Literal("Odd"), graph),
        ox.Quad(ox.NamedNode(city + "#a"), p, ox.NamedNode(city + "#b"), graph),
        ox.Quad(ox.NamedNode(city + "#a"), p, me, graph),
        ox.Quad(ox.NamedNode(city + "#b"), p, ox.NamedNode(city + "#c"), graph),
        ox.Quad(ox.NamedNode(city + "#c"), p, ox.Literal("three hops"), graph),
        ox.Quad(ox.NamedNode(city + "#d"), p, me, graph),
        ox.Quad(far, p, me, graph),
        ox.Quad(far, label, ox.Literal("تبریز", language="fa"), graph),
        ox.Quad(ox.NamedNode(f"{BASE}id/city/y"), p, me, other),
        ox.Quad(ox.NamedNode(f"{BASE}id/city/y"), label, ox.Literal("Y <z> ."), graph),
    ]
    dump = tmp_path / "dataset.nq"
    dump.write_bytes(bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""))
    write_store_dir([dump], tmp_path / "store", BASE)
    old = as_older_code_wrote_it(tmp_path / "store", tmp_path / "old", "resources")
    assert described_both_ways(tmp_path / "store", old) == 3
    found = table_description(OxigraphStore.from_store_dir(tmp_path / "store"), city)
    assert found is not None
    assert not any("three hops" in line for line in found[0])  # beyond two hash links


def test_documents_are_written_from_the_text(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold document in every format the document route writes is made from the tables'
    text: no description read as quads, no block parsed (RDF/XML parses the description's
    lines once, for Oxigraph's writer); the bytes are those read by lookups."""
    write_store_dir([dataset_dir / "dataset.nq"], tmp_path / "store", BASE)
    old = as_older_code_wrote_it(tmp_path / "store", tmp_path / "old", "resources")
    settings = {"TESTING": True, "BASE": BASE, "QUERY_WORKERS": 0}
    looking_up = create_app({**settings, "STORE": str(old)}).test_client()
    with_table = create_app({**settings, "STORE": str(tmp_path / "store")}).test_client()
    documents = [
        f"/doc/city/{name}.{suffix}"
        for name in ("tabriz", "mashhad")
        for suffix in ("ttl", "trig", "nt", "nq", "rdf")
    ]
    expected = {path: looking_up.get(path).data for path in documents}
    read_as_quads: list[str] = []
    read = index_description.read_description

    def counted(lookup: Any, iri: str, *rest: Any) -> Any:
        read_as_quads.append(iri)
        return read(lookup, iri, *rest)

    monkeypatch.setattr(index_description, "read_description", counted)
    monkeypatch.setattr(quad_table, "parse_block", lambda text: pytest.fail("a block parsed"))
    for path in documents:
        answer = with_table.get(path)
        assert answer.status_code == 200
        assert answer.data == expected[path], path
    assert read_as_quads == []
    looking_up.get("/doc/city/isfahan.ttl")
    assert read_as_quads == [f"{BASE}id/city/isfahan"]  # the counter counts
