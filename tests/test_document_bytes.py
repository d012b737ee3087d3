"""Documents keep their bytes: every resource of the shipped data, in every RDF format, as the
app serves it (the index route: `describe.describe_terms` by index lookups, the writers of
`web/documents.py`, the document route that reads the description once) is byte for byte
what the reference route writes: `describe.describe` (the SPARQL query, rdflib terms), every
triple sorted by the tuple of its terms' texts and written by Oxigraph with every prefix (the
writer before the index route), JSON-LD by the documents' own writer from the SPARQL
route's quads (its stability across processes: `test_regress_jsonld_hashseed.py`).

The same documents were compared before and after the change with their headers too, on the
shipped data and on a sample of world S (benchmarks/README.md, 2026-12-02, cold documents).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from flask import Flask

from citydip_ld.conneg import FORMATS, HTML, Format
from citydip_ld.stores import describe, index_description
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web import create_app
from citydip_ld.web.documents import (
    OXIGRAPH_FORMATS,
    _ox,
    document_triples,
    prefixes,
    serialize,
)

BASE = "http://localhost:5000/"
RDF = [f for f in FORMATS if f is not HTML]


def reference_bytes(quads: list[describe.Quad], fmt: Format) -> bytes:
    """What the document route wrote before the index route, from rdflib quads."""
    if fmt.rdflib_format not in OXIGRAPH_FORMATS:
        return serialize(quads, fmt, BASE)  # JSON-LD: from the SPARQL route's quads
    statements: list[Any]
    if fmt.quads:
        found: set[Any] = set()
        for s, p, o, g in quads:
            found.add(ox.Quad(_ox(s), _ox(p), _ox(o), ox.DefaultGraph()))
            if g is not None:
                found.add(ox.Quad(_ox(s), _ox(p), _ox(o), _ox(g)))
        statements = sorted(
            found,
            key=lambda q: (
                not isinstance(q.graph_name, ox.DefaultGraph),
                str(q.graph_name),
                str(q.subject),
                str(q.predicate),
                str(q.object),
            ),
        )
    else:
        statements = sorted(
            {ox.Triple(_ox(s), _ox(p), _ox(o)) for s, p, o, _g in quads},
            key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
        )
    written = ox.serialize(
        statements, format=OXIGRAPH_FORMATS[str(fmt.rdflib_format)], prefixes=prefixes(BASE)
    )
    return bytes(written or b"")


@pytest.fixture(scope="module")
def document_app(dataset_dir: Path) -> Flask:
    return create_app(
        {"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0}
    )


def resources(store: OxigraphStore) -> list[str]:
    found = store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}'
    )
    return sorted(solution["s"].value for solution in found)


def test_every_document_is_the_reference_routes_bytes(
    dataset_dir: Path, document_app: Flask
) -> None:
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    iris = resources(store)
    assert len(iris) > 100
    client = document_app.test_client()
    for iri in iris:
        path = f"/doc/{iri.removeprefix(BASE + 'id/')}"
        quads = [
            *document_triples(f"{BASE}{path.lstrip('/')}", iri),
            *describe.describe(store, iri).quads,
        ]
        for fmt in RDF:
            response = client.get(f"{path}.{fmt.name}")
            assert response.status_code == 200, (iri, fmt.name)
            assert response.data == reference_bytes(quads, fmt), (iri, fmt.name)
        negotiated = client.get(path, headers={"Accept": "text/turtle"})
        assert negotiated.headers["Content-Location"] == f"{path}.ttl"
        assert negotiated.data == reference_bytes(quads, FORMATS[1]), iri


def test_the_reference_writer_is_the_documents_writer_with_incoming_links_cut(
    dataset_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With only two incoming links kept, the index route still leaves out the same ones."""
    monkeypatch.setattr(index_description, "MAX_INCOMING", 2)
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    for iri in resources(store):
        doc = document_triples(f"{iri}.doc", iri)
        slow = describe.describe(store, iri)
        fast, more = describe.describe_terms(store, iri)
        assert more == slow.more_incoming, iri
        for fmt in RDF:
            if fmt.rdflib_format in OXIGRAPH_FORMATS:
                expected = reference_bytes([*doc, *slow.quads], fmt)
                assert serialize([*doc, *fast], fmt, BASE) == expected, (iri, fmt.name)


def test_a_store_folder_serves_the_same_documents(
    dataset_dir: Path, document_app: Flask, tmp_path: Path
) -> None:
    """A store folder (`publish --to DIR`: its live generation, read by index lookups too)
    serves every resource's documents with the bytes of the store loaded from the dumps."""
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder)
    from_folder = create_app(
        {"TESTING": True, "BASE": BASE, "STORE": str(folder), "QUERY_WORKERS": 0}
    ).test_client()
    in_memory = document_app.test_client()
    iris = resources(OxigraphStore.from_dataset_dir(dataset_dir))
    for iri in iris:
        path = f"/doc/{iri.removeprefix(BASE + 'id/')}"
        for ext in ("ttl", "nq"):
            expected = in_memory.get(f"{path}.{ext}")
            assert expected.status_code == 200
            assert from_folder.get(f"{path}.{ext}").data == expected.data, (iri, ext)
