"""Regression: a public query made the server call an internal address (SSRF).

`SELECT ?a { ?s ?p ?o.SERVICE <http://127.0.0.1:PORT/x> { ?a ?b ?c } }` slipped past the old
allow-list check, whose own lexer read `o.SERVICE` as one name while Oxigraph read a SERVICE
clause; the internal service's error page came back quoted in a 500. Now nothing reads the
query but the engine, and the thread that runs it cannot connect anywhere the allow-list does
not name (`citydip_ld.sparql.sandbox`). A loopback listener stands in for the internal service and
counts the connections it gets: none, whatever the spelling, in-process or in a worker pool.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from sparql_support import make_app, write_dataset_dir

SECRET = b"internal-admin-page-SECRET"


class Listener:
    """A TCP service on 127.0.0.1 that answers every connection with an HTTP 500 page."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(1)
                body = b"<h1>" + SECRET + b"</h1>"
                head = f"HTTP/1.1 500 Oops\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                conn.sendall(head + body)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def internal() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def sparql_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset_dir(tmp_path_factory.mktemp("ssrf"))


@pytest.fixture(scope="module", params=[0, 1], ids=["in-process", "worker-pool"])
def client(request: pytest.FixtureRequest, sparql_dir: Path) -> FlaskClient:
    app = make_app(sparql_dir, QUERY_WORKERS=request.param, SERVICE_ALLOWLIST=[])
    return app.test_client()


SPELLINGS = [
    "SELECT ?a {{ ?s ?p ?o.SERVICE <http://127.0.0.1:{port}/x> {{ ?a ?b ?c }} }} LIMIT 1",
    "SELECT * {{ ?s ?p ?o . service <http://127.0.0.1:{port}/x> {{ ?a ?b ?c }} }}",
    "SELECT * {{ ?s ?p ?o SeRvIcE SILENT <http://127.0.0.1:{port}/x> {{ ?a ?b ?c }} }}",
    "PREFIX in: <http://127.0.0.1:{port}/> SELECT * {{ ?s ?p ?o SERVICE in:x {{ ?a ?b ?c }} }}",
    "BASE <http://127.0.0.1:{port}/> SELECT * {{ ?s ?p ?o SERVICE <x> {{ ?a ?b ?c }} }}",
    "SELECT * {{ ?s ?p ?o #c\n SERVICE#c\n<http://127.0.0.1:{port}/x>{{?a ?b ?c}} }}",
    "SELECT * {{ {{ SELECT * {{ ?s ?p ?o SERVICE <http://127.0.0.1:{port}/> {{ ?a ?b ?c }} }} }}}}",
    "ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <http://127.0.0.1:{port}/> {{ ?a ?b ?c }} }} }}",
    "SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?b ?c }} }} }}",
    "SELECT * {{ {{ ?s ?p ?o }} UNION {{ SERVICE <http://127.0.0.1:{port}/> {{ ?a ?b ?c }} }} }}",
    "CONSTRUCT {{ ?a ?b ?c }} {{ ?s ?p ?o SERVICE <http://127.0.0.1:{port}/> {{ ?a ?b ?c }} }}",
    "DESCRIBE ?a {{ ?s ?p ?o SERVICE <http://localhost:{port}/> {{ ?a ?b ?c }} }}",
    "SELECT * {{ ?s ?p ?o SERVICE <http://[::ffff:127.0.0.1]:{port}/> {{ ?a ?b ?c }} }}",
    "SELECT * {{ ?s ?p ?o SERVICE <http://2130706433:{port}/> {{ ?a ?b ?c }} }}",
    "SELECT * {{ VALUES ?e {{ <http://127.0.0.1:{port}/x> }} ?s ?p ?o SERVICE ?e {{ ?a ?b ?c }} }}",
    "SELECT * {{ ?s ?p ?o \\u0053ERVICE <http://127.0.0.1:{port}/x> {{ ?a ?b ?c }} }}",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_no_spelling_of_service_reaches_an_internal_address(
    client: FlaskClient, internal: Listener, spelling: str
) -> None:
    before = internal.connections
    query = spelling.format(port=internal.port)
    response = client.post("/sparql", data={"query": query}, headers={"Accept": "*/*"})
    body = response.get_data()
    assert internal.connections == before, "the internal service was called"
    assert SECRET not in body
    assert response.status_code in (400, 403), body
    if response.status_code == 403:
        error = response.get_json()["error"]
        assert error["title"] == "Federated query refused"
        assert "federated queries are off on this server" in error["detail"]
        # Nothing tells an open port from a closed one.
        assert str(internal.port) not in error["detail"]


def test_a_refused_call_looks_the_same_for_an_open_and_a_closed_port(
    client: FlaskClient, internal: Listener
) -> None:
    answers = []
    for port in (internal.port, 1023):
        query = f"SELECT * {{ ?s ?p ?o SERVICE <http://127.0.0.1:{port}/> {{ ?a ?b ?c }} }}"
        response = client.get("/sparql", query_string={"query": query})
        answers.append((response.status_code, response.get_json()))
    assert answers[0] == answers[1]


def test_an_allowed_endpoint_is_reached_and_its_error_page_is_not_quoted(
    sparql_dir: Path, internal: Listener
) -> None:
    allowed = f"http://127.0.0.1:{internal.port}/sparql"
    client = make_app(sparql_dir, SERVICE_ALLOWLIST=allowed).test_client()
    before = internal.connections
    query = f"SELECT * {{ ?s ?p ?o SERVICE <{allowed}> {{ ?a ?b ?c }} }}"
    response = client.get("/sparql", query_string={"query": query})
    assert internal.connections > before
    assert response.status_code == 502
    assert response.get_json()["error"]["title"] == "Federated endpoint failed"
    assert SECRET not in response.get_data()


def test_an_allowed_host_does_not_open_its_other_ports(sparql_dir: Path) -> None:
    other = Listener()
    try:
        client = make_app(
            sparql_dir, SERVICE_ALLOWLIST=f"http://127.0.0.1:{other.port + 1}/sparql"
        ).test_client()
        query = f"SELECT * {{ ?s ?p ?o SERVICE <http://127.0.0.1:{other.port}/> {{ ?a ?b ?c }} }}"
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code == 403
        assert other.connections == 0
        assert (
            f"allowed endpoints: http://127.0.0.1:{other.port + 1}/sparql"
            in (response.get_json()["error"]["detail"])
        )
    finally:
        other.close()
