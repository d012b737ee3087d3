"""The document route in front of Flask (`web/document_route.py`) answers exactly as the
Flask route does: status, every header in order (`Date`'s value aside) and body, for every
resource of the shipped data, the mini dataset and a store folder, in every request variant it
answers itself (formats by extension and by `Accept`, HEAD, the 303 of an IRI, a site root);
and it leaves every other request (HTML, JSON-LD, query strings, conditional requests,
unknown resources, 406) to the Flask route.

With `CITYDIP_WORLD_BUILD` set to a built world (`benchmarks/world.py`, then `citydip-ld
build`), every resource of that world is compared too (benchmarks/README.md: world S).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder

from citydip_ld.stores.disk_publish import write_store_dir
from citydip_ld.web import create_app, get_store
from citydip_ld.web.document_route import DocumentRoute

BASE = "http://localhost:5000/"
WORLD_ENV = "CITYDIP_WORLD_BUILD"

Answer = tuple[str, list[tuple[str, str]], bytes]
Variant = tuple[str, str, dict[str, str], str]  # method, path suffix, headers, site root

#: Requests the document route answers itself (for a resource the store has).
ANSWERED: list[Variant] = [
    ("GET", "", {"Accept": "text/turtle"}, ""),
    ("GET", "", {"Accept": "application/rdf+xml"}, ""),
    ("GET", "", {"Accept": "application/n-triples"}, ""),
    ("GET", "", {"Accept": "application/n-quads"}, ""),
    ("GET", "", {"Accept": "application/trig"}, ""),
    ("GET", "", {"Accept": "text/turtle;q=0.9, application/rdf+xml;q=0.5, */*;q=0.1"}, ""),
    ("GET", "", {"Accept": "application/x-turtle"}, ""),
    ("GET", ".ttl", {}, ""),
    ("GET", ".rdf", {"Accept": "text/html"}, ""),
    ("GET", ".nt", {}, ""),
    ("GET", ".nq", {}, ""),
    ("GET", ".trig", {}, ""),
    ("GET", ".TTL", {}, ""),
    ("HEAD", "", {"Accept": "text/turtle"}, ""),
    ("HEAD", ".nq", {}, ""),
    ("GET", "", {"Accept": "text/turtle"}, "/site"),
    ("GET", ".trig", {}, "/site/"),
    ("ID", "", {}, ""),
    ("ID", "", {"Accept": "text/turtle"}, ""),
    ("ID", "", {"Accept": "application/ld+json"}, ""),
    ("ID", "", {"Accept": "application/n-quads"}, "/site"),
    ("IDHEAD", "", {"Accept": "text/html"}, ""),
]
#: Requests the Flask route answers (the document route passes them on).
PASSED_ON: list[Variant] = [
    ("GET", "", {}, ""),  # HTML
    ("GET", "", {"Accept": "text/html"}, ""),
    ("GET", "", {"Accept": "application/ld+json"}, ""),
    ("GET", ".jsonld", {}, ""),
    ("GET", ".html", {}, ""),
    ("GET", "?format=ttl", {}, ""),
    ("GET", ".ttl?lang=fa", {}, ""),
    ("GET", "", {"Accept": "text/turtle", "If-None-Match": '"x"'}, ""),
    ("GET", ".ttl", {"If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}, ""),
    ("GET", ".ttl", {"Range": "bytes=0-10"}, ""),
    ("GET", "", {"Accept": "image/png"}, ""),  # 406
    ("POST", ".ttl", {}, ""),
    ("GET", ".ttl", {}, "/a site"),  # a root werkzeug would quote
    ("ID", "?lang=fa", {"Accept": "text/turtle"}, ""),
    ("ID", "", {"Accept": "image/png"}, ""),
]


def call(app: Any, environ: dict[str, Any]) -> Answer:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], _exc: Any = None) -> None:
        captured.update(status=status, headers=headers)

    body = b"".join(app(environ, start_response))
    headers = [(n, "<date>" if n == "Date" else v) for n, v in captured["headers"]]
    return captured["status"], headers, body


def environ_for(iri: str, variant: Variant) -> dict[str, Any]:
    method, suffix, headers, root = variant
    local = iri.removeprefix(f"{BASE}id/")
    prefix = "/id/" if method.startswith("ID") else "/doc/"
    path, _, query = f"{prefix}{local}{suffix}".partition("?")
    method = {"ID": "GET", "IDHEAD": "HEAD"}.get(method, method)
    environ = EnvironBuilder(
        path=path, method=method, headers=headers, query_string=query or None
    ).get_environ()
    environ["SCRIPT_NAME"] = root
    return environ


def compare(route: DocumentRoute, iri: str, variant: Variant) -> bool:
    """Assert both routes give the same answer; return whether the document route gave it."""
    answered = route.answer(environ_for(iri, variant)) is not None
    fast = call(route, environ_for(iri, variant))
    reference = call(route.app, environ_for(iri, variant))
    assert fast == reference, (iri, variant)
    return answered


def route_of(app: Flask) -> DocumentRoute:
    with app.app_context():
        get_store()  # the route answers once the app has opened its store
    route = app.wsgi_app
    assert isinstance(route, DocumentRoute)
    return route


def resources(app: Flask) -> list[str]:
    with app.app_context():
        found = get_store().query(
            f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f'FILTER(STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}'
        )
        return sorted(solution["s"].value for solution in found)


def app_on(**config: Any) -> Flask:
    # No response cache: every request reaches the routes.
    settings = {"TESTING": True, "BASE": BASE, "QUERY_WORKERS": 0, "RESPONSE_CACHE_BYTES": 0}
    return create_app({**settings, **config})


def check_every_resource(app: Flask, variants: list[Variant]) -> int:
    route = route_of(app)
    iris = resources(app)
    assert iris
    for iri in iris:
        for variant in variants:
            assert compare(route, iri, variant), (iri, variant)
        for variant in PASSED_ON:
            assert not compare(route, iri, variant), (iri, variant)
    return len(iris)


def test_every_shipped_resource_is_answered_as_the_flask_route_does(dataset_dir: Path) -> None:
    assert check_every_resource(app_on(DATASET_DIR=str(dataset_dir)), ANSWERED) > 100


def test_the_mini_dataset_and_a_store_folder_alike(
    mini_dataset_dir: Path, dataset_dir: Path, tmp_path: Path
) -> None:
    check_every_resource(app_on(DATASET_DIR=str(mini_dataset_dir)), ANSWERED)
    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder)
    check_every_resource(app_on(STORE=str(folder)), ANSWERED[::3])


def unknown_paths() -> Iterator[str]:
    yield from (
        "/doc/city/no-such-city",
        "/doc/city/no-such-city.ttl",
        "/doc/nokind/tabriz.ttl",
        "/doc/city/.ttl",
        "/doc/city/bad%20slug.ttl",
        "/doc/city/tabriz/",
        "//doc/city/tabriz.ttl",
        "/doc/city/tabriz.ttl/x",
        "/id/city/no-such-city",
        "/id/city/tabriz.ttl",
        "/id/nokind/tabriz",
    )


def test_unknown_and_malformed_paths_go_to_the_flask_route(dataset_dir: Path) -> None:
    route = route_of(app_on(DATASET_DIR=str(dataset_dir)))
    for path in unknown_paths():
        for headers in ({}, {"Accept": "text/turtle"}):
            environ = EnvironBuilder(path=path, headers=headers).get_environ()
            assert route.answer(environ) is None, path
            status, _headers, _body = call(route, EnvironBuilder(path=path).get_environ())
            assert not status.startswith(("200", "303")), path


def test_a_store_not_yet_opened_or_a_host_setting_leaves_it_to_flask(dataset_dir: Path) -> None:
    app = app_on(DATASET_DIR=str(dataset_dir))
    route = app.wsgi_app
    assert isinstance(route, DocumentRoute)
    environ = EnvironBuilder(path="/doc/city/tabriz.ttl").get_environ()
    assert route.answer(environ) is None  # the store is opened by the first Flask request
    with app.app_context():
        get_store()
    assert route.answer(EnvironBuilder(path="/doc/city/tabriz.ttl").get_environ()) is not None
    app.config["SERVER_NAME"] = "example.org"
    assert route.answer(EnvironBuilder(path="/doc/city/tabriz.ttl").get_environ()) is None


def test_a_missing_store_folder_gets_the_apps_503(dataset_dir: Path, tmp_path: Path) -> None:
    """A store error in the document route hands the request to Flask, whose error body it is."""
    import shutil

    folder = tmp_path / "store"
    write_store_dir([dataset_dir / "dataset.nq"], folder)
    app = app_on(STORE=str(folder))
    route = route_of(app)
    assert route.answer(EnvironBuilder(path="/doc/city/tabriz.ttl").get_environ()) is not None
    shutil.rmtree(folder)
    environ = EnvironBuilder(path="/doc/city/tabriz.ttl").get_environ()
    assert route.answer(environ) is None
    status, headers, body = call(route, EnvironBuilder(path="/doc/city/tabriz.ttl").get_environ())
    assert status.startswith("503")
    assert b"Store unavailable" in body
    assert ("Cache-Control", "no-store") in headers


@pytest.mark.skipif(not os.environ.get(WORLD_ENV), reason=f"{WORLD_ENV} names no built world")
def test_every_resource_of_a_built_world() -> None:
    """Every resource of a built world (S: every city, twinning, article, ...) in four variants,
    and 300 of them, drawn at random, in every variant."""
    app = app_on(DATASET_DIR=os.environ[WORLD_ENV])
    route = route_of(app)
    iris = resources(app)
    few = [ANSWERED[0], ANSWERED[10], ANSWERED[13], ANSWERED[18]]
    for iri in iris:
        for variant in few:
            assert compare(route, iri, variant), (iri, variant)
    for iri in random.Random(7).sample(iris, min(300, len(iris))):
        for variant in ANSWERED:
            assert compare(route, iri, variant), (iri, variant)
        for variant in PASSED_ON:
            assert not compare(route, iri, variant), (iri, variant)
