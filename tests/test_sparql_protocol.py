"""The SPARQL 1.1 Protocol endpoint at /sparql: methods, formats, datasets, limits, errors."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID

from sparql_support import BASE, CD, ID, SISTER_CITIES, make_app, write_dataset_dir

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TABRIZ = URIRef(ID + "city/tabriz")
WUHAN = URIRef(ID + "city/wuhan")
ISTANBUL = URIRef(ID + "city/istanbul")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def sparql_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset_dir(tmp_path_factory.mktemp("sparql") / "build")


@pytest.fixture()
def sparql_app(sparql_dataset: Path) -> Flask:
    return make_app(sparql_dataset)


@pytest.fixture()
def sc(sparql_app: Flask) -> FlaskClient:
    return sparql_app.test_client()


def bindings(body: bytes) -> list[dict[str, str]]:
    data = json.loads(body)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def assert_error(response: object, status: int, title: str, detail_part: str) -> None:
    from werkzeug.test import TestResponse

    assert isinstance(response, TestResponse)
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"status", "title", "detail"}
    assert error["status"] == status
    assert error["title"] == title
    assert detail_part in error["detail"]
    assert "Traceback" not in response.get_data(as_text=True)


# --- query forms and methods ----------------------------------------------------------------


def test_get_select_answers_sister_cities_of_tabriz_as_json(sc: FlaskClient) -> None:
    response = sc.get("/sparql", query_string={"query": SISTER_CITIES})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["X-Result-Count"] == "2"
    assert bindings(response.data) == [
        {"city": str(ISTANBUL), "label": "Istanbul"},
        {"city": str(WUHAN), "label": "Wuhan"},
    ]
    assert json.loads(response.data)["head"]["vars"] == ["city", "label"]


def test_post_form_and_post_direct_give_the_same_answer_as_get(sc: FlaskClient) -> None:
    get = sc.get("/sparql", query_string={"query": SISTER_CITIES})
    form = sc.post("/sparql", data={"query": SISTER_CITIES})
    direct = sc.post("/sparql", data=SISTER_CITIES, content_type="application/sparql-query")
    assert form.status_code == direct.status_code == 200
    assert bindings(get.data) == bindings(form.data) == bindings(direct.data)


def test_ask_is_a_boolean_result(sc: FlaskClient) -> None:
    query = f"ASK {{ <{TABRIZ}> <{CD}twinnedWith> <{WUHAN}> }}"
    response = sc.get("/sparql", query_string={"query": query})
    assert response.get_json() == {"head": {}, "boolean": True}
    response = sc.get(
        "/sparql",
        query_string={"query": query.replace("wuhan", "tabriz")},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert response.headers["Content-Type"] == "application/sparql-results+xml"
    root = ElementTree.fromstring(response.data)
    assert root.find(f"{RESULTS_NS}boolean") is not None
    assert root.findtext(f"{RESULTS_NS}boolean") == "false"


def test_default_graph_is_the_union_of_named_graphs(sc: FlaskClient) -> None:
    # Labels live in graph/curated, the twinning in the article graph: one pattern joins both.
    response = sc.get("/sparql", query_string={"query": SISTER_CITIES})
    assert len(bindings(response.data)) == 2
    graphs = sc.get(
        "/sparql",
        query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"},
    )
    assert [row["g"] for row in bindings(graphs.data)] == [
        BASE + "graph/004_aa1ce6595c509616",
        BASE + "graph/curated",
        BASE + "graph/ontology",
        BASE + "graph/shapes",
    ]


# --- result formats and negotiation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        (
            "application/sparql-results+json;q=0.1, text/tab-separated-values",
            "text/tab-separated-values; charset=utf-8",
        ),
        ("text/*", "text/csv; charset=utf-8"),
        ("*/*", "application/sparql-results+json"),
        ("text/html, */*;q=0.8", "application/sparql-results+json"),
    ],
)
def test_select_result_format_follows_accept_with_q_values(
    sc: FlaskClient, accept: str, content_type: str
) -> None:
    response = sc.get("/sparql", query_string={"query": SISTER_CITIES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.headers["Vary"]


def test_select_csv_and_tsv_carry_the_same_rows(sc: FlaskClient) -> None:
    csv_body = sc.get(
        "/sparql", query_string={"query": SISTER_CITIES}, headers={"Accept": "text/csv"}
    ).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_body)))
    assert rows == [["city", "label"], [str(ISTANBUL), "Istanbul"], [str(WUHAN), "Wuhan"]]
    tsv_body = sc.get("/sparql", query_string={"query": SISTER_CITIES, "format": "tsv"})
    lines = tsv_body.get_data(as_text=True).splitlines()
    assert lines == ["?city\t?label", f'<{ISTANBUL}>\t"Istanbul"@en', f'<{WUHAN}>\t"Wuhan"@en']


def test_select_xml_results(sc: FlaskClient) -> None:
    response = sc.get(
        "/sparql",
        query_string={"query": SISTER_CITIES},
        headers={"Accept": "application/sparql-results+xml"},
    )
    root = ElementTree.fromstring(response.data)
    uris = [el.text for el in root.iter(f"{RESULTS_NS}uri")]
    assert uris == [str(ISTANBUL), str(WUHAN)]


def test_persian_literals_survive_every_result_format(sc: FlaskClient) -> None:
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    query = f'SELECT ?l WHERE {{ <{TABRIZ}> <{label}> ?l FILTER(lang(?l) = "fa") }}'
    for accept in ("application/sparql-results+json", "text/csv", "application/sparql-results+xml"):
        body = sc.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert "تبریز" in body.get_data(as_text=True)


CONSTRUCT = f"""
PREFIX cd: <{CD}>
CONSTRUCT {{ <{TABRIZ}> cd:twinnedWith ?city . ?city ?p ?o }}
WHERE {{ <{TABRIZ}> cd:twinnedWith ?city . ?city ?p ?o }}
"""


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/trig", "application/trig", "trig"),
        ("text/n3", "text/n3; charset=utf-8", "n3"),
        ("application/rdf+xml;q=0.4, text/turtle;q=0.8", "text/turtle; charset=utf-8", "turtle"),
    ],
)
def test_construct_in_every_rdf_format_gives_the_same_graph(
    sc: FlaskClient, accept: str, content_type: str, rdflib_format: str
) -> None:
    reference = sc.get(
        "/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"}
    )
    expected = Graph().parse(data=reference.data, format="nt")
    assert (TABRIZ, URIRef(CD + "twinnedWith"), WUHAN) in expected
    assert (
        WUHAN,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("ووهان", lang="fa"),
    ) in expected

    response = sc.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert "Accept" in response.headers["Vary"]
    if rdflib_format in ("nquads", "trig"):
        got = Graph()
        for triple in (
            Dataset().parse(data=response.data, format=rdflib_format).triples((None, None, None))
        ):
            got.add(triple)
    else:
        got = Graph().parse(data=response.data, format=rdflib_format)
    assert isomorphic(got, expected)


def test_describe_returns_the_city_description(sc: FlaskClient) -> None:
    response = sc.post(
        "/sparql", data=f"DESCRIBE <{WUHAN}>", content_type="application/sparql-query"
    )
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.data, format="turtle")
    assert (WUHAN, RDF.type, URIRef(CD + "City")) in graph
    assert (
        WUHAN,
        URIRef("http://www.w3.org/2002/07/owl#sameAs"),
        URIRef("http://www.wikidata.org/entity/Q11746"),
    ) in graph


def test_unacceptable_format_is_406_in_the_error_shape(sc: FlaskClient) -> None:
    response = sc.get(
        "/sparql", query_string={"query": SISTER_CITIES}, headers={"Accept": "image/png"}
    )
    assert_error(response, 406, "Not Acceptable", "application/sparql-results+json")
    # Turtle is fine for CONSTRUCT but not for SELECT: decided once the query form is known.
    response = sc.get(
        "/sparql", query_string={"query": SISTER_CITIES}, headers={"Accept": "text/turtle"}
    )
    assert_error(response, 406, "Not Acceptable", "SELECT/ASK")


@pytest.mark.parametrize(
    ("accept", "format_param"),
    [
        ("application/sparql-results+json", None),
        ("text/turtle", None),
        ("text/*;q=0.5, application/sparql-results+xml", None),
        (None, None),
        ("text/html", "csv"),
        ("application/json", "turtle,xml"),
        ("text/turtle;q=0.9, " * 100 + "*/*;q=0.1", None),  # too long to be remembered
    ],
)
def test_remembered_negotiation_equals_a_fresh_one(
    accept: str | None, format_param: str | None
) -> None:
    from citydip_ld.sparql.protocol import _choose_formats, choose_formats

    for _ in range(2):  # the second time from memory
        assert choose_formats(accept, format_param) == _choose_formats(accept, format_param)


def test_refused_negotiation_is_refused_every_time() -> None:
    from citydip_ld.sparql.protocol import NotAcceptableError, choose_formats

    for _ in range(2):
        with pytest.raises(NotAcceptableError, match="image/png"):
            choose_formats("image/png", None)


# --- protocol dataset -----------------------------------------------------------------------


def test_default_graph_uri_restricts_the_default_graph(sc: FlaskClient) -> None:
    curated_only = sc.get(
        "/sparql",
        query_string={"query": SISTER_CITIES, "default-graph-uri": BASE + "graph/curated"},
    )
    assert bindings(curated_only.data) == []
    both = sc.get(
        "/sparql",
        query_string={
            "query": SISTER_CITIES,
            "default-graph-uri": [BASE + "graph/curated", BASE + "graph/004_aa1ce6595c509616"],
        },
    )
    assert [row["label"] for row in bindings(both.data)] == ["Istanbul", "Wuhan"]


def test_named_graph_uri_limits_graph_patterns(sc: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = sc.post(
        "/sparql?named-graph-uri=" + BASE + "graph/ontology",
        data=query,
        content_type="application/sparql-query",
    )
    assert bindings(response.data) == [{"g": BASE + "graph/ontology"}]


# --- read-only, malformed requests, error bodies -------------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", data={"update": "CLEAR ALL"}),
        lambda c: c.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update"),
        lambda c: c.get("/sparql", query_string={"update": "CLEAR ALL"}),
    ],
    ids=["form", "direct", "get"],
)
def test_updates_are_refused_with_403_and_change_nothing(sc: FlaskClient, send: object) -> None:
    assert callable(send)
    assert_error(send(sc), 403, "Read-only endpoint", "read-only")
    response = sc.get("/sparql", query_string={"query": SISTER_CITIES})
    assert len(bindings(response.data)) == 2


def test_malformed_query_is_400_with_the_parser_message(sc: FlaskClient) -> None:
    response = sc.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x "})
    assert_error(response, 400, "Bad SPARQL request", "SPARQL syntax error: error at 1:")


def test_error_body_is_text_when_the_client_asks_for_text(sc: FlaskClient) -> None:
    response = sc.get("/sparql", query_string={"query": "ASK {"}, headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("400 Bad SPARQL request\n\nSPARQL syntax error")


@pytest.mark.parametrize(
    ("content_type", "body", "status", "title", "detail"),
    [
        ("text/plain", "ASK {}", 415, "Unsupported Media Type", "application/sparql-query"),
        (None, "query=ASK%20%7B%7D", 415, "Unsupported Media Type", "no Content-Type"),
        (
            "application/sparql-query; charset=UTF-16",
            "ASK {}",
            415,
            "Unsupported Media Type",
            "utf-16",
        ),
    ],
)
def test_post_bodies_outside_the_protocol_are_refused(
    sc: FlaskClient, content_type: str | None, body: str, status: int, title: str, detail: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = sc.post("/sparql", data=body.encode(), headers=headers)
    assert_error(response, status, title, detail)


def test_two_queries_are_a_bad_request(sc: FlaskClient) -> None:
    response = sc.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert_error(response, 400, "Bad SPARQL request", "2 queries given")


def test_other_methods_are_405_with_allow(sc: FlaskClient) -> None:
    response = sc.put("/sparql?query=ASK%20%7B%7D")
    assert_error(response, 405, "Method Not Allowed", "not allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_unknown_path_is_404_in_the_error_shape(sc: FlaskClient) -> None:
    assert_error(sc.get("/no-such-page"), 404, "Not Found", "not found")


# --- limits ---------------------------------------------------------------------------------


def test_result_limit_refuses_bigger_answers(sparql_dataset: Path) -> None:
    client = make_app(sparql_dataset, RESULT_LIMIT=2).test_client()
    ok = client.get("/sparql", query_string={"query": SISTER_CITIES})
    assert len(bindings(ok.data)) == 2
    too_many = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert_error(too_many, 400, "Result limit exceeded", "more than 2 rows")
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert_error(graph, 400, "Result limit exceeded", "more than 2 triples")


CROSS_PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
HUGE_COUNT = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . "
    "?p ?q ?r . ?s ?t ?u }"
)


def test_streaming_query_stops_at_the_time_limit_in_thread(sparql_dataset: Path) -> None:
    client = make_app(
        sparql_dataset, QUERY_TIMEOUT=0.5, RESULT_LIMIT=10**12, RESULT_MAX_BYTES=10**12
    ).test_client()
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": CROSS_PRODUCT})
    assert_error(response, 503, "Query timeout", "0.5 s limit")
    assert time.monotonic() - started < 5


def test_runaway_query_is_killed_and_others_keep_being_answered(sparql_dataset: Path) -> None:
    app = make_app(sparql_dataset, QUERY_TIMEOUT=1.0, QUERY_WORKERS=2)
    client = app.test_client()
    client.get("/sparql", query_string={"query": "ASK {}"})  # start the worker pool
    slow: dict[str, object] = {}

    def run_slow() -> None:
        started = time.monotonic()
        slow["response"] = app.test_client().get("/sparql", query_string={"query": HUGE_COUNT})
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    quick = client.get("/sparql", query_string={"query": SISTER_CITIES})
    assert time.monotonic() - started < 0.9
    assert len(bindings(quick.data)) == 2
    thread.join(30)
    assert_error(slow["response"], 503, "Query timeout", "1 s limit")
    assert isinstance(slow["seconds"], float) and slow["seconds"] < 5
    # The killed worker is replaced: the pool answers again at full strength.
    for _ in range(4):
        again = client.get("/sparql", query_string={"query": SISTER_CITIES})
        assert len(bindings(again.data)) == 2


# --- service description --------------------------------------------------------------------


def test_service_description_is_turtle_with_endpoint_features_and_void(sc: FlaskClient) -> None:
    response = sc.get("/sparql")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert "Accept" in response.headers["Vary"]
    graph = Graph().parse(data=response.data, format="turtle")
    service = URIRef(BASE + "sparql")  # the configured BASE, not the Host
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats

    dataset = graph.value(service, SD.defaultDataset)
    assert dataset == URIRef(BASE + ".well-known/void#dataset")
    counts = {
        str(graph.value(named, SD.name)): int(
            graph.value(graph.value(named, SD.graph), VOID.triples)
        )
        for named in graph.objects(dataset, SD.namedGraph)
    }
    assert set(counts) == {
        BASE + "graph/004_aa1ce6595c509616",
        BASE + "graph/curated",
        BASE + "graph/ontology",
        BASE + "graph/shapes",
    }
    source = Dataset().parse(Path(__file__).parent / "data" / "sparql.trig", format="trig")
    for name, count in counts.items():
        assert count == len(source.graph(URIRef(name)))
    assert int(graph.value(dataset, VOID.triples)) == sum(counts.values())
    assert int(graph.value(dataset, VOID.classes)) >= 8
    assert int(graph.value(dataset, VOID.properties)) >= 20
    assert int(graph.value(dataset, VOID.entities)) >= 10


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
    ],
)
def test_service_description_is_negotiated(
    sc: FlaskClient, accept: str, content_type: str, rdflib_format: str
) -> None:
    response = sc.get("/sparql", headers={"Accept": accept})
    assert response.headers["Content-Type"] == content_type
    graph = Graph().parse(data=response.data, format=rdflib_format)
    endpoint = URIRef(BASE + "sparql")  # the configured BASE, not the Host
    assert (endpoint, SD.endpoint, endpoint) in graph


def test_service_description_refuses_non_rdf(sc: FlaskClient) -> None:
    response = sc.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert_error(response, 406, "Not Acceptable", "text/turtle")


# --- the shipped data, built -----------------------------------------------------------------


def test_built_dataset_answers_sister_cities_of_tabriz(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": SISTER_CITIES})
    assert response.status_code == 200
    cities = {row["city"] for row in bindings(response.data)}
    assert str(WUHAN) in cities
    assert all(city.startswith(ID + "city/") for city in cities)
