"""Federated queries: a SERVICE query joins our data with a Wikidata-shaped endpoint (a real
`oxigraph serve` on 127.0.0.1) when the operator allows it; any other SERVICE is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from citydip_ld.sparql.federation import ServiceRefusedError, check_services, service_targets
from citydip_ld.web import create_app
from servers import oxigraph_server

FIXTURE = Path(__file__).parent / "data" / "wikidata-fixture.ttl"

FEDERATED = """PREFIX cd: <http://localhost:5000/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT ?partner ?population WHERE {
  <http://localhost:5000/id/city/tabriz> cd:twinnedWith ?partner .
  <http://localhost:5000/id/city/tabriz> owl:sameAs ?item .
  SERVICE <%s> { ?item wdt:P1082 ?population }
}"""


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("wd"), FIXTURE) as url:
        yield f"{url}/query"


def client_for(dataset_dir: Path, allow: object) -> FlaskClient:
    app = create_app(
        {
            "TESTING": True,
            "DATASET_DIR": str(dataset_dir),
            "QUERY_WORKERS": 0,
            "SERVICE_ALLOWLIST": allow,
        }
    )
    return app.test_client()


def test_an_allowed_service_joins_our_data_with_the_remote(
    dataset_dir: Path, wikidata: str
) -> None:
    client = client_for(dataset_dir, f"{wikidata}, https://query.wikidata.org/sparql")
    response = client.post(
        "/sparql",
        data={"query": FEDERATED % wikidata},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    assert len(rows) == 12  # Tabriz's twelve partners, each with Tabriz's population
    assert {r["population"]["value"] for r in rows} == {"1558693"}


def test_a_service_not_on_the_allow_list_is_refused(dataset_dir: Path, wikidata: str) -> None:
    client = client_for(dataset_dir, [])
    response = client.get("/sparql", query_string={"query": FEDERATED % wikidata})
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["title"] == "Federated query refused"
    assert f"SERVICE <{wikidata}> is not allowed on this server" in error["detail"]


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ("SELECT * { ?s ?p ?o }", []),
        ("SELECT * { SERVICE <http://a/q> { ?s ?p ?o } }", ["http://a/q"]),
        ("PREFIX x: <http://b/> SELECT * { SERVICE SILENT x:q { ?s ?p ?o } }", ["http://b/q"]),
        ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", [None]),
        ("SELECT * { { SELECT * { SERVICE <http://c/> { ?s ?p ?o } } } }", ["http://c/"]),
        ("SELECT * { service <http://d/> { ?s ?p ?o } }", ["http://d/"]),
    ],
)
def test_service_targets_are_found_wherever_they_hide(
    query: str, targets: list[str | None]
) -> None:
    assert service_targets(query) == targets


def test_a_variable_service_is_always_refused() -> None:
    with pytest.raises(ServiceRefusedError, match="variable endpoint"):
        check_services("SELECT * { SERVICE ?x { ?s ?p ?o } }", ["http://a/q"])
