"""Regression (issue 13.6): the `Host` header never reaches a URL the server sends back.

Werkzeug's routing redirects (a missing trailing slash, `//` merged) were absolute URLs built
from the client's `Host` (`Location: http://evil.example/dumps/dataset.nq`), and the service
description named `http://evil.example/sparql` as the endpoint. Now every redirect is a path
or under the configured BASE, the service description, VoID and the base IRI of queries use
the BASE, and every error answer carries `Cache-Control: no-store`.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import VOID, Namespace

from web_support import BASE, LiveServer, live_server

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
EVIL = "evil.example"

#: Every kind of redirect the app and werkzeug make: (path, Accept, status, Location).
REDIRECTS = [
    ("/id/city/tabriz", "text/turtle", 303, "/doc/city/tabriz.ttl"),
    ("/id/city/tabriz?lang=fa", "text/html", 303, "/doc/city/tabriz.html?lang=fa"),
    ("/id/city/wu-han", "text/turtle", 301, "/id/city/wuhan"),
    ("/doc/city/wu-han.ttl", "text/turtle", 301, "/doc/city/wuhan.ttl"),
    ("/id/city/", "text/html", 303, "/doc/city/"),
    ("/id/city", "text/html", 308, "/id/city/"),
    ("/doc/city", "text/html", 308, "/doc/city/"),
    ("/dumps//dataset.nq", "*/*", 308, "/dumps/dataset.nq"),
    ("/id//city/tabriz", "text/turtle", 308, "/id/city/tabriz"),
    ("/.well-known//void", "text/turtle", 308, "/.well-known/void"),
]


@pytest.fixture(scope="module")
def server(mini_dataset_dir: object) -> Iterator[LiveServer]:
    from citydip_ld.web import create_app

    app = create_app(
        {"TESTING": True, "DATASET_DIR": str(mini_dataset_dir), "BASE": BASE, "QUERY_WORKERS": 0}
    )
    with live_server(app) as running:
        yield running


def get(
    server: LiveServer, path: str, accept: str, host: str = EVIL
) -> tuple[int, dict[str, str], bytes]:
    """GET `path` from the live server with a hostile `Host` header."""
    conn = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host, "Accept": accept})
        response = conn.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(("path", "accept", "status", "location"), REDIRECTS)
def test_redirects_never_name_the_request_host(
    server: LiveServer, path: str, accept: str, status: int, location: str
) -> None:
    got_status, headers, body = get(server, path, accept)
    assert (got_status, headers["location"]) == (status, location)
    assert EVIL.encode() not in body
    # and the target is served (the app's own redirect, not a dead end)
    target_status, _, _ = get(server, location, accept, host="127.0.0.1")
    assert target_status in (200, 303, 308)


def test_a_scheme_relative_location_is_never_made(mini_client: FlaskClient) -> None:
    from citydip_ld.web.response_guards import same_site_location

    assert same_site_location("http://evil.example//evil.example/x?a=1", BASE) == (
        "/evil.example/x?a=1"
    )
    assert same_site_location(f"{BASE}id/city/tabriz", BASE) == f"{BASE}id/city/tabriz"
    assert same_site_location("/doc/city/", BASE) == "/doc/city/"


def test_the_service_description_names_the_configured_endpoint(server: LiveServer) -> None:
    status, headers, body = get(server, "/sparql", "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert EVIL.encode() not in body
    graph = Graph().parse(data=body, format="turtle")
    endpoint = URIRef(f"{BASE}sparql")
    assert set(graph.objects(endpoint, SD.endpoint)) == {endpoint}


def test_void_names_the_configured_base(server: LiveServer) -> None:
    status, _, body = get(server, "/.well-known/void", "text/turtle")
    assert status == 200
    assert EVIL.encode() not in body
    graph = Graph().parse(data=body, format="turtle")
    assert set(graph.objects(None, VOID.sparqlEndpoint)) == {URIRef(f"{BASE}sparql")}
    dumps = {str(o) for o in graph.objects(None, VOID.dataDump)}
    assert dumps and all(dump.startswith(f"{BASE}dumps/") for dump in dumps)


def test_relative_iris_in_a_query_resolve_against_the_configured_base(
    server: LiveServer,
) -> None:
    query = urllib.parse.urlencode({"query": "SELECT ?iri WHERE { BIND(<doc/city/x> AS ?iri) }"})
    status, _, body = get(server, f"/sparql?{query}", "application/sparql-results+json")
    assert status == 200
    [row] = json.loads(body)["results"]["bindings"]
    assert row["iri"] == {"type": "uri", "value": f"{BASE}doc/city/x"}


#: One request per kind of error answer: (method, path, headers, body, status).
ERRORS = [
    ("GET", "/id/city/nowhere", {"Accept": "text/turtle"}, b"", 404),
    ("GET", "/id/city/nowhere", {"Accept": "text/html"}, b"", 404),
    ("GET", "/dumps/secret.txt", {}, b"", 404),
    ("GET", "/sparql?query=SELEC", {"Accept": "application/json"}, b"", 400),
    ("GET", "/doc/city/?page=0", {"Accept": "text/html"}, b"", 400),
    ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"DROP ALL", 403),
    ("DELETE", "/sparql", {}, b"", 405),
    ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "image/png"}, b"", 406),
    ("POST", "/sparql", {"Content-Type": "image/png"}, b"x", 415),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"x" * (2 << 20), 413),
    ("GET", "/id/city/" + "a" * 3000, {}, b"", 414),
]


@pytest.mark.parametrize(("method", "path", "headers", "body", "status"), ERRORS)
def test_every_error_answer_is_never_cached(
    mini_client: FlaskClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    response = mini_client.open(path, method=method, headers=headers, data=body)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers or status == 404
    if response.mimetype == "application/json":  # the one error shape
        assert json.loads(response.data)["error"]["status"] == status


def test_an_unexpected_error_is_not_cached_either(mini_app: Flask) -> None:
    @mini_app.route("/boom")
    def boom() -> str:
        raise RuntimeError("private detail")

    mini_app.testing = False  # let the 500 handler answer instead of raising
    response = mini_app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.headers["Cache-Control"] == "no-store"
    assert b"private detail" not in response.data
