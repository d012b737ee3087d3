"""Regression: a served JSON-LD document kept its bytes (and so its ETag's meaning) only within
one server process. rdflib's JSON-LD writer orders nodes and values as Python's string hashing
(`PYTHONHASHSEED`) makes its sets iterate, so two processes serving one release answered one
ETag with different bodies. Documents, list pages, VoID and the graph documents all go through
`web.documents.serialize`; each is asked of two processes with different hash seeds here and
compared byte for byte, and every shipped resource's JSON-LD must read as the same graph as
its N-Triples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from rdflib import Graph
from rdflib.compare import isomorphic

from citydip_ld.conneg import FORMATS
from citydip_ld.iris import KINDS
from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web import create_app
from citydip_ld.web.documents import serialize

BASE = "http://localhost:5000/"
JSONLD = next(f for f in FORMATS if f.name == "jsonld")

#: Asks one app (in a fresh process) for each path as JSON-LD; prints path -> [status, body,
#: ETag]. The app reads a store folder, whose release (its generation) is the same in both
#: processes, so the ETags must be too (a dataset loaded into memory is a release per process).
SCRIPT = """
import json, sys
from citydip_ld.web import create_app
dataset_dir, store, base, *paths = sys.argv[1:]
config = {"DATASET_DIR": dataset_dir, "STORE": store, "BASE": base, "QUERY_WORKERS": 0}
app = create_app({"TESTING": True, **config})
client = app.test_client()
out = {}
for path in paths:
    response = client.get(path, headers={"Accept": "application/ld+json"})
    body = response.get_data(as_text=True)
    out[path] = [response.status_code, body, response.headers.get("ETag")]
print(json.dumps(out))
"""


def resources(dataset_dir: Path) -> list[str]:
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    found = store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}'
    )
    return sorted(solution["s"].value for solution in found)


def graph_names(dataset_dir: Path) -> list[str]:
    store = OxigraphStore.from_dataset_dir(dataset_dir)
    found = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    names = [solution["g"].value.removeprefix(f"{BASE}graph/") for solution in found]
    return sorted(name for name in names if "/" not in name and ":" not in name)


def served(dataset_dir: Path, store: Path, paths: list[str], seed: str) -> dict[str, list[object]]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(dataset_dir), str(store), BASE, *paths],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    answers: dict[str, list[object]] = json.loads(done.stdout)
    return answers


def test_two_processes_serve_the_same_jsonld_bytes(dataset_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], store)
    iris = resources(dataset_dir)
    kinds = sorted({iri.removeprefix(BASE + "id/").split("/")[0] for iri in iris})
    assert set(kinds) <= set(KINDS)
    paths = [
        *(f"/doc/{iri.removeprefix(BASE + 'id/')}.jsonld" for iri in iris),
        *(f"/doc/{kind}/" for kind in kinds),
        "/.well-known/void.jsonld",
        "/ontology.jsonld",
        "/shapes.jsonld",
        *(f"/graph/{name}.jsonld" for name in graph_names(dataset_dir)),
    ]
    assert len(paths) > 100
    first = served(dataset_dir, store, paths, "1")
    second = served(dataset_dir, store, paths, "2")
    assert all(first[path][0] == 200 for path in paths), [p for p in paths if first[p][0] != 200]
    differing = [path for path in paths if first[path] != second[path]]
    assert differing == []


#: Asks one app (in a fresh process) for the SPARQL service description in each RDF format.
SERVICE_SCRIPT = """
import json, sys
from citydip_ld.web import create_app
dataset_dir, store, base = sys.argv[1:]
config = {"DATASET_DIR": dataset_dir, "STORE": store, "BASE": base, "QUERY_WORKERS": 0}
client = create_app({"TESTING": True, **config}).test_client()
out = {}
for accept in ("text/turtle", "application/n-triples", "application/rdf+xml",
               "application/ld+json"):
    response = client.get("/sparql", headers={"Accept": accept})
    out[accept] = [response.status_code, response.get_data(as_text=True)]
print(json.dumps(out))
"""


def test_two_processes_serve_the_same_service_description(
    dataset_dir: Path, tmp_path: Path
) -> None:
    """Its blank nodes were fresh random ones, so its bytes changed in every process."""
    store = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], store)
    answers = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", SERVICE_SCRIPT, str(dataset_dir), str(store), BASE],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        answers.append(json.loads(done.stdout))
    assert all(status == 200 for status, _body in answers[0].values()), answers[0]
    assert answers[0] == answers[1]


@pytest.fixture(scope="module")
def jsonld_app(dataset_dir: Path) -> Flask:
    return create_app(
        {"TESTING": True, "DATASET_DIR": str(dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0}
    )


def test_every_jsonld_document_reads_as_its_ntriples(dataset_dir: Path, jsonld_app: Flask) -> None:
    client = jsonld_app.test_client()
    paths = [
        *(f"/doc/{iri.removeprefix(BASE + 'id/')}" for iri in resources(dataset_dir)),
        "/.well-known/void",
        "/ontology",
        "/shapes",
        *(f"/graph/{name}" for name in graph_names(dataset_dir)),
    ]
    for path in paths:
        jsonld = client.get(f"{path}.jsonld")
        ntriples = client.get(f"{path}.nt")
        assert jsonld.status_code == ntriples.status_code == 200, path
        assert jsonld.mimetype == "application/ld+json"
        read = Graph().parse(data=jsonld.data, format="json-ld")
        expected = Graph().parse(data=ntriples.data, format="nt")
        assert len(read) == len(expected) > 0, path
        assert isomorphic(read, expected), path


def test_every_value_is_kept_where_rdflib_drops_one() -> None:
    """rdflib lets a key's next value replace a falsy one (an empty string: a lost triple,
    which one depending on its order); the served document keeps them all, sorted."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS, XSD

    subject = URIRef(f"{BASE}id/city/x")
    quads = [(subject, RDFS.label, Literal(text), None) for text in ("", "b", "a", "c")]
    quads += [
        (subject, RDFS.comment, Literal(lexical, datatype=datatype), None)
        for lexical, datatype in (("007", XSD.integer), ("1", XSD.boolean), ("1.50", XSD.double))
    ]
    quads += [(subject, RDFS.seeAlso, Literal(n, datatype=XSD.integer), None) for n in (0, 2)]
    body = serialize(quads, JSONLD, BASE)
    assert body == serialize(list(reversed(quads)), JSONLD, BASE)
    document = json.loads(body)
    assert document["rdfs:label"] == ["", "a", "b", "c"]
    assert document["rdfs:seeAlso"] == [0, 2]
    read = Graph().parse(data=body, format="json-ld")
    assert set(read) == {(s, p, o) for s, p, o, _g in quads}


def test_a_document_rdflib_must_write_is_sorted_too() -> None:
    """Where the converter declines (a predicate that is one of the context's prefixes),
    rdflib writes the document; its arrays are sorted all the same, whatever the order."""
    from rdflib import Literal, URIRef

    subject = URIRef(f"{BASE}id/city/x")
    predicate = URIRef(f"{BASE}id/city/")
    quads = [(subject, predicate, Literal(text), None) for text in ("b", "a", "c", "d")]
    quads += [(URIRef(f"{BASE}id/city/{n}"), predicate, subject, None) for n in "qpr"]
    body = serialize(quads, JSONLD, BASE)
    assert body == serialize(list(reversed(quads)), JSONLD, BASE)
    nodes = json.loads(body)["@graph"]
    assert [node["@id"] for node in nodes] == sorted(node["@id"] for node in nodes)
    read = Graph().parse(data=body, format="json-ld")
    assert set(read) == {(s, p, o) for s, p, o, _g in quads}


def test_an_rdf_list_keeps_its_order() -> None:
    """Arrays are sorted, but an `@list` is an RDF list: its items keep their order."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF

    subject = URIRef(f"{BASE}id/city/x")
    heads = [BNode(f"n{i}") for i in range(3)]
    quads = [(subject, URIRef("http://example.org/in"), heads[0], None)]
    for i, (head, text) in enumerate(zip(heads, ("z", "a", "m"), strict=True)):
        rest = heads[i + 1] if i + 1 < len(heads) else RDF.nil
        quads += [(head, RDF.first, Literal(text), None), (head, RDF.rest, rest, None)]
    document = json.loads(serialize(quads, JSONLD, BASE))
    assert document["http://example.org/in"] == {"@list": ["z", "a", "m"]}
