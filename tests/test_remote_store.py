"""The remote SPARQL store: the same results and outcomes as the embedded store, errors mapped
to the client's mistake (400), a timeout (503) or the store's failure (502/503), and the web
app answering /sparql and documents from a real `oxigraph serve` holding the published build."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from citydip_ld.errors import QueryError, RemoteStoreError, StoreUnavailableError
from citydip_ld.sparql.protocol import QueryJob, QueryTimeoutError, ResultLimitError
from citydip_ld.stores.publish import publish_dataset
from citydip_ld.stores.remote import (
    Endpoints,
    HttpResponse,
    RemoteQueryError,
    RemoteSparqlStore,
    endpoints_for,
    parse_results,
)
from citydip_ld.stores.store import OxigraphStore, open_store
from citydip_ld.validation.competency import competency_questions
from citydip_ld.web import create_app
from remote_support import (
    closed_port_url,
    dataset_counts,
    fake_store,
    oxigraph_store,
    silent_store,
    write_dataset,
)

BASE = "http://localhost:5000/"
TABRIZ = f"{BASE}id/city/tabriz"
TABRIZ_PARTNERS = next(q for q in competency_questions(BASE) if q.key == "tabriz-sister-cities")


@pytest.fixture(scope="module")
def published(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An `oxigraph serve` holding the published build; its query endpoint."""
    with oxigraph_store(tmp_path_factory.mktemp("oxigraph")) as url:
        publish_dataset(dataset_dir, url)
        yield f"{url}/query"


@pytest.fixture(scope="module")
def embedded(dataset_dir: Path) -> OxigraphStore:
    return OxigraphStore.from_dataset_dir(dataset_dir, workers=0)


def job(
    query: str, results: str | None = "json", graph: str | None = "turtle", **kw: object
) -> QueryJob:
    settings: dict[str, object] = {
        "base_iri": f"{BASE}sparql",
        "default_graphs": (),
        "named_graphs": (),
        "timeout": 10.0,
        "result_limit": 10000,
    }
    settings.update(kw)
    return QueryJob(query=query, results_format=results, graph_format=graph, **settings)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the Store protocol


def test_query_returns_what_an_in_process_query_returns(published: str) -> None:
    store = RemoteSparqlStore(published)
    rows = store.query(TABRIZ_PARTNERS.query)
    assert isinstance(rows, pyoxigraph.QuerySolutions)
    assert "Wuhan" in {row["partnerLabel"].value for row in rows}
    assert bool(store.query(f"ASK {{ GRAPH ?g {{ <{TABRIZ}> ?p ?o }} }}")) is True
    assert bool(store.query(f"ASK {{ GRAPH ?g {{ <{BASE}id/city/atlantis> ?p ?o }} }}")) is False
    triples = store.query(
        f"CONSTRUCT {{ <{TABRIZ}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{TABRIZ}> ?p ?o }} }}"
    )
    assert pyoxigraph.Literal("Tabriz", language="en") in {t.object for t in triples}


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_run_answers_solutions_exactly_as_the_embedded_store(
    published: str, embedded: OxigraphStore, fmt: str
) -> None:
    query = TABRIZ_PARTNERS.query
    remote = RemoteSparqlStore(published).run(job(query, fmt))
    local = embedded.run(job(query, fmt))
    assert (remote.kind, remote.count, remote.content_type) == ("solutions", 12, local.content_type)
    assert remote.body == local.body


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld"])
def test_run_answers_graphs_like_the_embedded_store(
    published: str, embedded: OxigraphStore, fmt: str
) -> None:
    query = f"CONSTRUCT {{ <{TABRIZ}> ?p ?o }} WHERE {{ GRAPH ?g {{ <{TABRIZ}> ?p ?o }} }}"
    remote = RemoteSparqlStore(published).run(job(query, graph=fmt))
    local = embedded.run(job(query, graph=fmt))
    assert (remote.kind, remote.content_type, remote.count) == (
        "graph",
        local.content_type,
        local.count,
    )
    rdf_format = pyoxigraph.RdfFormat.from_media_type(remote.content_type.split(";")[0])
    assert set(pyoxigraph.parse(remote.body, rdf_format)) == set(
        pyoxigraph.parse(local.body, rdf_format)
    )


def test_run_answers_ask_and_keeps_the_base_iri(published: str) -> None:
    store = RemoteSparqlStore(published)
    ask = store.run(job(f"ASK {{ GRAPH ?g {{ <{TABRIZ}> ?p ?o }} }}", "xml"))
    assert (ask.kind, ask.count) == ("boolean", 1)
    assert b"<boolean>true</boolean>" in ask.body
    relative = store.run(job("SELECT (<id/city/tabriz> AS ?iri) WHERE {}", "tsv"))
    assert relative.body.splitlines()[1] == f"<{TABRIZ}>".encode()


def test_run_honours_the_protocol_dataset(published: str, dataset_dir: Path) -> None:
    curated = f"{BASE}graph/curated"
    outcome = RemoteSparqlStore(published).run(
        job("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "tsv", default_graphs=(curated,))
    )
    count = int(outcome.body.splitlines()[1])
    assert count == dataset_counts(dataset_dir)[curated]


def test_the_row_limit_applies(published: str) -> None:
    with pytest.raises(ResultLimitError, match="more than 5 rows"):
        RemoteSparqlStore(published).run(job("SELECT * WHERE { ?s ?p ?o }", result_limit=5))


def test_a_query_the_store_cannot_parse_is_the_clients_mistake(published: str) -> None:
    with pytest.raises(RemoteQueryError) as caught:
        RemoteSparqlStore(published).run(job("SELECT ?x WHERE { ?x"))
    assert isinstance(caught.value, QueryError)
    assert "HTTP 400" in str(caught.value)


def test_the_time_limit_is_an_http_timeout() -> None:
    with silent_store() as url:
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError, match=r"0\.5 s limit"):
            RemoteSparqlStore(url).run(job("SELECT * WHERE { ?s ?p ?o }", timeout=0.5))
        assert time.monotonic() - started < 5


def test_an_unreachable_store_and_a_failing_one_are_told_apart() -> None:
    url = closed_port_url()
    with pytest.raises(StoreUnavailableError, match="cannot reach the store"):
        RemoteSparqlStore(url).query("ASK {}")
    with fake_store(500, b"disk on fire") as failing, pytest.raises(RemoteStoreError) as caught:
        RemoteSparqlStore(failing).query("ASK {}")
    assert not isinstance(caught.value, StoreUnavailableError)
    assert "HTTP 500" in str(caught.value) and "disk on fire" in str(caught.value)
    with fake_store(200, b"<html>", "text/html") as odd, pytest.raises(RemoteStoreError):
        RemoteSparqlStore(odd).query("ASK {}")


def test_virtuoso_answers_are_read_too() -> None:
    """Virtuoso labels blank nodes `nodeID://…` and answers ASK with a one-row table."""
    body = (
        b'{"head":{"vars":["b"]},"results":{"bindings":['
        b'{"b":{"type":"bnode","value":"nodeID://b10001"}},'
        b'{"b":{"type":"typed-literal","datatype":"http://www.w3.org/2001/XMLSchema#integer",'
        b'"value":"3"}}]}}'
    )
    rows = list(parse_results(HttpResponse(200, "application/sparql-results+json", body), "v"))
    assert isinstance(rows[0]["b"], pyoxigraph.BlankNode)
    assert rows[1]["b"] == pyoxigraph.Literal(
        "3", datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    ask = (
        b'{"head":{"vars":["__ASK_RETVAL"]},"results":{"bindings":[{"__ASK_RETVAL":'
        b'{"type":"typed-literal","datatype":"http://www.w3.org/2001/XMLSchema#integer",'
        b'"value":"0"}}]}}'
    )
    answer = parse_results(HttpResponse(200, "application/sparql-results+json", ask), "v")
    assert isinstance(answer, pyoxigraph.QueryBoolean) and not bool(answer)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://h:7878",
            Endpoints("http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
        ),
        (
            "http://h:7878/query",
            Endpoints("http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
        ),
        (
            "http://h:3030/ds/query",
            Endpoints("http://h:3030/ds/query", "http://h:3030/ds/update", "http://h:3030/ds/data"),
        ),
        (
            "http://h:8890/sparql",
            Endpoints(
                "http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"
            ),
        ),
        (
            "http://h:7200/repositories/cd",
            Endpoints(
                "http://h:7200/repositories/cd",
                "http://h:7200/repositories/cd/statements",
                "http://h:7200/repositories/cd/rdf-graphs/service",
            ),
        ),
        (
            "http://h:7001/",
            Endpoints("http://h:7001/query", "http://h:7001/update", "http://h:7001/store"),
        ),
        ("http://h/api/sparql-endpoint", Endpoints("http://h/api/sparql-endpoint")),
    ],
)
def test_endpoints_are_derived_from_the_query_url(url: str, expected: Endpoints) -> None:
    assert endpoints_for(url) == expected


def test_virtuoso_with_credentials_uses_its_digest_endpoints() -> None:
    assert endpoints_for("http://h:8890/sparql", authenticated=True) == Endpoints(
        "http://h:8890/sparql", "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth"
    )


def test_open_store_opens_a_remote_store_for_a_url() -> None:
    store = open_store("http://dba:secret@127.0.0.1:8890/sparql-auth")
    assert isinstance(store, RemoteSparqlStore)
    assert store.endpoint == "http://127.0.0.1:8890/sparql-auth"
    assert "secret" not in repr(store)


# ---------------------------------------------------------------- the web app on a remote store


def remote_app(url: str, **config: object) -> object:
    return create_app({"TESTING": True, "STORE": url, "BASE": BASE, **config})


def test_the_sparql_endpoint_answers_from_the_remote_store(published: str) -> None:
    client = remote_app(published).test_client()  # type: ignore[attr-defined]
    answer = client.post(
        "/sparql",
        data={"query": TABRIZ_PARTNERS.query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200
    assert answer.headers["X-Result-Count"] == "12"
    partners = {row["partnerLabel"]["value"] for row in answer.json["results"]["bindings"]}
    assert "Wuhan" in partners
    wuhan = next(
        r for r in answer.json["results"]["bindings"] if r["partnerLabel"]["value"] == "Wuhan"
    )
    assert wuhan["wikidata"]["value"] == "http://www.wikidata.org/entity/Q11746"

    bad = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"})
    assert bad.status_code == 400
    assert bad.json["error"]["title"] == "Bad SPARQL request"
    assert "HTTP 400" in bad.json["error"]["detail"]


def test_documents_are_served_from_the_remote_store(published: str) -> None:
    client = remote_app(published).test_client()  # type: ignore[attr-defined]
    redirect = client.get("/id/city/tabriz", headers={"Accept": "text/turtle"})
    assert redirect.status_code == 303
    turtle = client.get("/doc/city/tabriz.ttl")
    assert turtle.status_code == 200
    graph = pyoxigraph.parse(turtle.data, pyoxigraph.RdfFormat.TURTLE)
    objects = {(q.predicate.value, q.object) for q in graph if q.subject.value == TABRIZ}
    assert (
        "http://www.w3.org/2000/01/rdf-schema#label",
        pyoxigraph.Literal("تبریز", language="fa"),
    ) in objects
    page = client.get("/doc/city/tabriz", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Wuhan" in page.text
    assert client.get("/doc/city/atlantis.ttl").status_code == 404


def test_web_processes_keep_no_copy_of_the_data(dataset_dir: Path, tmp_path: Path) -> None:
    """Two apps (two processes behind a load balancer) see a republication at once."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    with oxigraph_store(tmp_path / "oxigraph") as url:
        publish_dataset(dataset_dir, url)
        clients = [remote_app(f"{url}/query").test_client() for _ in range(2)]  # type: ignore[attr-defined]
        before = [
            c.get("/sparql", query_string={"query": count, "format": "tsv"}).text for c in clients
        ]
        quads = list(
            pyoxigraph.parse(
                path=str(dataset_dir / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS
            )
        )
        publish_dataset(write_dataset(tmp_path / "smaller", quads[:100]), url)
        after = [
            c.get("/sparql", query_string={"query": count, "format": "tsv"}).text for c in clients
        ]
    total = sum(dataset_counts(dataset_dir).values())
    assert before == [f"?n\n{total}\n"] * 2
    assert after == ["?n\n100\n"] * 2


def test_a_store_that_is_down_or_failing_is_a_gateway_error() -> None:
    down = remote_app(closed_port_url()).test_client()  # type: ignore[attr-defined]
    answer = down.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 503
    assert answer.json["error"]["title"] == "Store unavailable"
    assert "cannot reach the store" in answer.json["error"]["detail"]
    assert down.get("/doc/city/tabriz.ttl").status_code == 503

    with fake_store(500, b"disk on fire") as url:
        failing = remote_app(url).test_client()  # type: ignore[attr-defined]
        answer = failing.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 502
    assert answer.json["error"] == {
        "status": 502,
        "title": "Bad Gateway",
        "detail": f"{url} answered the query with HTTP 500: disk on fire",
    }


def test_the_query_time_limit_holds_on_a_remote_store() -> None:
    with silent_store() as url:
        client = remote_app(url, QUERY_TIMEOUT=0.5).test_client()  # type: ignore[attr-defined]
        answer = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert answer.status_code == 503
    assert answer.json["error"]["title"] == "Query timeout"
