"""Regression: `FROM <graph>` in a query was ignored (the union of all graphs was queried),
while `default-graph-uri` was honoured. SPARQL 1.1 Protocol 2.1.4: the query's FROM / FROM
NAMED define its dataset; the protocol's graph parameters, when given, override them (as the
W3C protocol test `query_multiple_dataset` checks); with neither, our default graph is the
union of the article graphs."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from citydip_ld.sparql.protocol import declares_dataset
from sparql_support import make_app, write_dataset_dir

G = "http://example.org/g/"
TRIG = f"""
<{G}1> {{ <http://example.org/a> <http://example.org/p> "in g1" . }}
<{G}2> {{ <http://example.org/b> <http://example.org/p> "in g2" . }}
"""


@pytest.fixture(scope="module", params=[0, 1], ids=["in-process", "worker-pool"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    folder = tmp_path_factory.mktemp("dataset")
    trig = folder / "graphs.trig"
    trig.write_text(TRIG, encoding="utf-8")
    directory = write_dataset_dir(folder / "build", trig)
    return make_app(directory, QUERY_WORKERS=request.param).test_client()


def values(client: FlaskClient, query: str, **params: str) -> list[str]:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(row["o"]["value"] for row in response.get_json()["results"]["bindings"])


def test_without_from_the_default_graph_is_the_union(client: FlaskClient) -> None:
    assert values(client, "SELECT ?o { ?s ?p ?o }") == ["in g1", "in g2"]


def test_from_chooses_the_default_graph(client: FlaskClient) -> None:
    assert values(client, f"SELECT ?o FROM <{G}1> {{ ?s ?p ?o }}") == ["in g1"]
    assert values(client, f"select ?o from <{G}2> where {{ ?s ?p ?o }}") == ["in g2"]


def test_from_named_alone_leaves_the_default_graph_empty(client: FlaskClient) -> None:
    query = f"SELECT ?o FROM NAMED <{G}2> {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    assert values(client, query) == ["in g2"]


def test_protocol_graphs_override_the_query_dataset(client: FlaskClient) -> None:
    query = f"SELECT ?o FROM <{G}1> {{ ?s ?p ?o }}"
    assert values(client, query, **{"default-graph-uri": f"{G}2"}) == ["in g2"]


@pytest.mark.parametrize(
    ("query", "declared"),
    [
        ("SELECT * FROM <g> { ?s ?p ?o }", True),
        ("SELECT*FROM<g>{}", True),
        ("ASK FROM NAMED <g> {}", True),
        ('SELECT * { ?s ?p "FROM <g>" }', False),
        ("SELECT * { ?s ?p ?o } # FROM <g>", False),
        ("SELECT ?from { ?s <http://e/from> ?from }", False),
        ("PREFIX from: <http://e/> SELECT * { ?s from:x ?o }", False),
    ],
)
def test_the_dataset_clause_is_found_outside_strings_iris_and_comments(
    query: str, declared: bool
) -> None:
    assert declares_dataset(query) is declared
