"""One negotiation rule for documents and SPARQL: wildcards and q=0 on every route that negotiates.

The rule is werkzeug's `MIMEAccept.best_match` with our canonical types offered first
(`citydip_ld.conneg.best_format`). Before, `Accept: application/*` on a document got HTML
(through HTML's alias `application/xhtml+xml`) while `/sparql` answered JSON.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from citydip_ld.conneg import FORMATS, HTML, JSONLD, RDF_FORMATS, TURTLE, best_format, negotiate
from citydip_ld.conneg import parse_accept as parse
from citydip_ld.sparql import protocol as sparql

#: Accept header -> (document with an HTML view, RDF-only document, SELECT answer,
#: CONSTRUCT answer); None: 406. The service description answers like a CONSTRUCT.
RULE: dict[str | None, tuple[str | None, str | None, str | None, str | None]] = {
    None: ("html", "ttl", "json", "turtle"),
    "*/*": ("html", "ttl", "json", "turtle"),
    "application/*": ("jsonld", "jsonld", "json", "ntriples"),
    "text/*": ("html", "ttl", "csv", "turtle"),
    "*/*;q=0": (None, None, None, None),
    "text/*;q=0": (None, None, None, None),
    "*/*, text/html;q=0": ("ttl", "ttl", "json", "turtle"),
    "text/*, text/html;q=0": ("ttl", "ttl", "csv", "turtle"),
    "text/*;q=0, */*;q=0.5": ("jsonld", "jsonld", "json", "ntriples"),
    "application/*;q=0.5, text/turtle": ("ttl", "ttl", "json", "turtle"),
    "application/*, application/ld+json;q=0": ("rdf", "rdf", "json", "ntriples"),
}
MEDIA = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
}
CASES = list(RULE.items())
IDS = [str(accept) for accept in RULE]
SELECT = "SELECT ?s WHERE { ?s a ?c } LIMIT 1"
CONSTRUCT = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 1"


def _headers(accept: str | None) -> dict[str, str]:
    return {} if accept is None else {"Accept": accept}


def _expect(client: FlaskClient, path: str, accept: str | None, name: str | None) -> None:
    response = client.get(path, headers=_headers(accept))
    if name is None:
        assert response.status_code == 406, (path, accept, response.status)
        assert response.get_json()["error"]["status"] == 406
        return
    assert response.status_code == 200, (path, accept, response.status)
    assert response.mimetype == MEDIA[name], (path, accept)
    assert response.data


@pytest.mark.parametrize(("accept", "expected"), CASES, ids=IDS)
def test_the_pure_rule(accept: str | None, expected: tuple[str | None, ...]) -> None:
    doc, rdf_only, results, graph = expected
    assert getattr(negotiate(accept, FORMATS), "name", None) == doc
    assert getattr(negotiate(accept, RDF_FORMATS), "name", None) == rdf_only
    got = sparql.choose_formats(accept, None) if (results or graph) else None
    assert getattr(got and got.results, "key", None) == results
    assert getattr(got and got.graph, "key", None) == graph


@pytest.mark.parametrize(("accept", "expected"), CASES, ids=IDS)
def test_entity_iri_redirects_to_the_negotiated_document(
    mini_client: FlaskClient, accept: str | None, expected: tuple[str | None, ...]
) -> None:
    response = mini_client.get("/id/city/tabriz", headers=_headers(accept))
    if expected[0] is None:
        assert response.status_code == 406
        return
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/city/tabriz.{expected[0]}"
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(("accept", "expected"), CASES, ids=IDS)
@pytest.mark.parametrize("path", ["/doc/city/tabriz", "/doc/city/", "/ontology", "/shapes"])
def test_documents_with_an_html_view(
    mini_client: FlaskClient, path: str, accept: str | None, expected: tuple[str | None, ...]
) -> None:
    _expect(mini_client, path, accept, expected[0])


@pytest.mark.parametrize(("accept", "expected"), CASES, ids=IDS)
@pytest.mark.parametrize("path", ["/graph/curated", "/.well-known/void"])
def test_rdf_only_documents(
    mini_client: FlaskClient, path: str, accept: str | None, expected: tuple[str | None, ...]
) -> None:
    _expect(mini_client, path, accept, expected[1])


@pytest.mark.parametrize(("accept", "expected"), CASES, ids=IDS)
def test_sparql_select_construct_and_service_description(
    mini_client: FlaskClient, accept: str | None, expected: tuple[str | None, ...]
) -> None:
    _expect(mini_client, f"/sparql?query={quote(SELECT)}", accept, expected[2])
    _expect(mini_client, f"/sparql?query={quote(CONSTRUCT)}", accept, expected[3])
    _expect(mini_client, "/sparql", accept, expected[3])


@pytest.mark.parametrize(
    ("accept", "status", "media_type"),
    [
        (None, 404, "text/html"),
        ("text/*", 404, "text/html"),
        ("text/turtle", 404, "text/turtle"),
        ("application/*", 404, "application/json"),  # JSON-LD: the JSON error body
        ("*/*;q=0", 406, "application/json"),
    ],
)
def test_unknown_iri_answers_in_the_negotiated_format(
    mini_client: FlaskClient, accept: str | None, status: int, media_type: str
) -> None:
    response = mini_client.get("/id/city/atlantis", headers=_headers(accept))
    assert (response.status_code, response.mimetype) == (status, media_type)


def test_parameters_other_than_q_do_not_stop_a_match() -> None:
    profile = 'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"'
    assert negotiate(profile) is JSONLD
    assert negotiate("text/turtle;charset=utf-8;q=0.9, text/html;q=0.1") is TURTLE
    results = sparql.choose_formats("application/sparql-results+json;charset=utf-8", None)
    assert results.results is not None and results.results.key == "json"


def test_an_alias_is_the_clients_synonym_and_wildcards_match_canonical_types_only() -> None:
    # `application/xhtml+xml` (HTML's alias) is not offered to a wildcard: `application/*`
    # gets JSON-LD, and HTML refused by name is not served through its alias.
    assert best_format(parse("application/*"), FORMATS) is JSONLD
    assert best_format(parse("*/*;q=0.5, text/html;q=0"), [HTML]) is None
    # Named, the alias asks for its format, unless the client names the canonical type too.
    assert best_format(parse("application/xhtml+xml"), FORMATS) is HTML
    assert best_format(parse("application/json"), FORMATS) is JSONLD
    assert best_format(parse("text/html;q=0, application/xhtml+xml, */*;q=0.1"), FORMATS) is (
        TURTLE
    )
    results = sparql.choose_formats("text/xml", None)
    assert results.results is not None and results.results.key == "xml"
    assert results.graph is not None and results.graph.key == "rdfxml"


def test_an_invalid_header_counts_as_absent_everywhere(mini_client: FlaskClient) -> None:
    assert negotiate("garbage") is HTML
    assert mini_client.get("/doc/city/tabriz", headers={"Accept": "garbage"}).mimetype == (
        "text/html"
    )
    answer = mini_client.get(f"/sparql?query={quote(SELECT)}", headers={"Accept": "garbage"})
    assert answer.mimetype == "application/sparql-results+json"
