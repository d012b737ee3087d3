"""Federated queries: a SERVICE query joins our data with a Wikidata-shaped endpoint (a real
`oxigraph serve` on 127.0.0.1) when the operator allows it; any other SERVICE is refused."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from citydip_ld.sparql.federation import OutboundPolicy, allowed_services, system_nameservers
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
    assert "does not allow" in error["detail"]
    assert "federated queries are off on this server" in error["detail"]


def test_the_allow_list_comes_from_a_list_or_a_comma_separated_string() -> None:
    assert allowed_services(" http://a/q ,https://b/sparql,, ") == [
        "http://a/q",
        "https://b/sparql",
    ]
    assert allowed_services(["http://a/q"]) == ["http://a/q"]
    assert allowed_services(None) == []


def test_the_policy_reaches_only_the_listed_addresses_and_ports() -> None:
    policy = OutboundPolicy.for_endpoints(["http://127.0.0.1:8890/sparql", "https://[::1]/q"])
    assert policy.permits(ipaddress.ip_address("127.0.0.1"), 8890)
    assert policy.permits(ipaddress.ip_address("::ffff:127.0.0.1"), 8890)  # v4-mapped
    assert policy.permits(ipaddress.ip_address("::1"), 443)
    assert not policy.permits(ipaddress.ip_address("127.0.0.1"), 80)
    assert not policy.permits(ipaddress.ip_address("10.0.0.1"), 8890)
    # Only literal addresses are listed: no DNS server is reachable.
    assert all(port != 53 for _address, port in policy.reachable)


def test_an_empty_allow_list_reaches_nothing() -> None:
    assert OutboundPolicy.for_endpoints([]).reachable == frozenset()


def test_a_listed_host_name_also_reaches_the_system_dns_servers(tmp_path: Path) -> None:
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# comment\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n")
    assert system_nameservers(resolv) == {
        ipaddress.ip_address("192.0.2.53"),
        ipaddress.ip_address("fe80::1"),
    }


def test_an_allow_list_entry_that_is_no_http_url_is_refused() -> None:
    with pytest.raises(ValueError, match="not an http"):
        OutboundPolicy.for_endpoints(["ftp://example.org/"])
