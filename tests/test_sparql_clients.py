"""Real SPARQL clients against a live waitress server: SPARQLWrapper, rdflib, roqet."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from sparql_support import CD, ID, SISTER_CITIES, live_server, make_app, write_dataset_dir

WUHAN = ID + "city/wuhan"
ISTANBUL = ID + "city/istanbul"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dataset = write_dataset_dir(tmp_path_factory.mktemp("clients") / "build")
    with live_server(make_app(dataset, QUERY_WORKERS=2)) as url:
        yield url


def test_sparqlwrapper_select_json(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(SISTER_CITIES)
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    assert isinstance(result, dict)
    rows = [(b["city"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]]
    assert rows == [(ISTANBUL, "Istanbul"), (WUHAN, "Wuhan")]


def test_sparqlwrapper_post_ask(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setMethod("POST")
    client.setQuery(f"ASK {{ <{ID}city/tabriz> <{CD}twinnedWith> <{WUHAN}> }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert() == {"head": {}, "boolean": True}


def test_sparqlwrapper_construct(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(f"CONSTRUCT WHERE {{ <{ID}city/tabriz> <{CD}twinnedWith> ?c }}")
    client.setReturnFormat(TURTLE)
    raw = client.query()
    assert raw.response.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=raw.convert(), format="turtle")
    assert set(graph.objects()) == {URIRef(WUHAN), URIRef(ISTANBUL)}


def test_sparqlwrapper_sees_a_bad_query_as_bad_query(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery("SELECT * WHERE {")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="SPARQL syntax error"):
        client.query()


def test_rdflib_sparqlstore(endpoint: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = [(str(row[0]), str(row[1])) for row in graph.query(SISTER_CITIES)]
    assert rows == [(ISTANBUL, "Istanbul"), (WUHAN, "Wuhan")]
    assert (URIRef(ID + "city/tabriz"), URIRef(CD + "twinnedWith"), URIRef(WUHAN)) in graph


@pytest.mark.external
@pytest.mark.skipif(shutil.which("roqet") is None, reason="roqet (rasqal-utils) is not installed")
def test_roqet_protocol_client(endpoint: str, tmp_path: Path) -> None:
    query_file = tmp_path / "sister-cities.rq"
    query_file.write_text(SISTER_CITIES, encoding="utf-8")
    done = subprocess.run(
        ["roqet", "-p", endpoint, "-r", "csv", str(query_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines[0].replace('"', "") == "city,label"
    assert WUHAN in done.stdout
    assert ISTANBUL in done.stdout
    assert len(lines) == 3
