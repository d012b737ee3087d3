"""CORS on /sparql (issue 12.7): any origin may query and read the answer; no credentials.

The headers here; the same in a real browser from another origin in test_browser_cors.py.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from citydip_ld.web.sparql_routes import CORS_MAX_AGE

ORIGIN = "http://127.0.0.1:8081"
SELECT = "SELECT ?s WHERE { ?s a ?c } LIMIT 2"


def _assert_cors(headers: object) -> None:
    get = headers.get  # type: ignore[attr-defined]
    assert get("Access-Control-Allow-Origin") == "*"
    assert get("Access-Control-Allow-Credentials") is None
    exposed = {h.strip().lower() for h in get("Access-Control-Expose-Headers", "").split(",")}
    assert {"x-result-count", "retry-after"} <= exposed


@pytest.mark.parametrize(
    ("content_type", "request_headers"),
    [
        ("application/sparql-query", "content-type"),
        ("application/sparql-query", "accept, content-type"),
        ("application/x-www-form-urlencoded", "accept,accept-language,content-type"),
    ],
)
def test_preflight_allows_what_sparql_clients_send(
    mini_client: FlaskClient, content_type: str, request_headers: str
) -> None:
    response = mini_client.options(
        "/sparql",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": request_headers,
        },
    )
    assert response.status_code == 204
    assert response.data == b""
    _assert_cors(response.headers)
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "POST"}
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {h.strip() for h in request_headers.split(",")} <= allowed
    assert response.headers["Access-Control-Max-Age"] == str(CORS_MAX_AGE) == "86400"
    assert "Set-Cookie" not in response.headers


def test_get_and_post_answers_carry_cors(mini_client: FlaskClient) -> None:
    answers = [
        mini_client.get(f"/sparql?query={quote(SELECT)}", headers={"Origin": ORIGIN}),
        mini_client.post(
            "/sparql",
            data=SELECT,
            content_type="application/sparql-query",
            headers={"Origin": ORIGIN, "Accept": "application/sparql-results+json"},
        ),
        mini_client.post("/sparql", data={"query": SELECT}, headers={"Origin": ORIGIN}),
        mini_client.get("/sparql", headers={"Origin": ORIGIN}),  # the service description
    ]
    for response in answers:
        assert response.status_code == 200
        _assert_cors(response.headers)
    assert answers[1].get_json()["results"]["bindings"]
    assert answers[1].headers["X-Result-Count"] == "2"


@pytest.mark.parametrize(
    ("method", "kwargs", "status"),
    [
        ("get", {"query_string": {"query": "SELECT * WHERE {"}}, 400),
        ("get", {"query_string": {"query": SELECT}, "headers": {"Accept": "image/png"}}, 406),
        ("post", {"data": "DROP ALL", "content_type": "application/sparql-update"}, 403),
        ("post", {"data": SELECT, "content_type": "text/plain"}, 415),
    ],
)
def test_errors_are_readable_across_origins(
    mini_client: FlaskClient, method: str, kwargs: dict[str, object], status: int
) -> None:
    response = getattr(mini_client, method)("/sparql", **kwargs)
    assert response.status_code == status
    _assert_cors(response.headers)
    assert response.get_json()["error"]["status"] == status


def test_documents_keep_their_cors(mini_client: FlaskClient) -> None:
    response = mini_client.get("/doc/city/tabriz.ttl", headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers
