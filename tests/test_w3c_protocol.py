"""The W3C SPARQL 1.1 Protocol and Service Description tests, read from the manifests.

Query and bad-request tests run as written. This endpoint is read-only, so every update
request must be refused with 403, and the test's follow-up ASK must then find the data
unchanged (its expected boolean inverted).

The manifests are the team's shared material (`../shared/conformance/w3c-sparql11/`), read
at collection only when they are there; without them every test here skips naming them
(`shared_material`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS

from citydip_ld.stores.store import OxigraphStore
from citydip_ld.web import STORE_KEY, create_app
from shared_material import needs_shared, parameters, shared
from sparql_support import BASE

PROTOCOL_DIR = "conformance/w3c-sparql11/protocol"
SERVICE_DESCRIPTION_DIR = "conformance/w3c-sparql11/service-description"
PROTOCOL = shared(PROTOCOL_DIR)
SERVICE_DESCRIPTION = shared(SERVICE_DESCRIPTION_DIR)

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # expected status classes: 2, 3, 4
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[HttpRequest]
    graph_data: dict[str, Path] = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _request(manifest: Graph, node: URIRef) -> HttpRequest:
    headers: dict[str, str] = {}
    header_list = manifest.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(manifest, header_list):
            headers[str(manifest.value(header, HT.fieldName))] = str(
                manifest.value(header, HT.fieldValue)
            )
    body: bytes | None = None
    body_node = manifest.value(node, HT.body)
    if body_node is not None:
        encoding = str(manifest.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(manifest.value(body_node, CNT.chars)).encode(encoding)
    response = manifest.value(node, HT.resp)
    statuses = {
        int(str(status).removeprefix(str(HTS)).removeprefix("StatusCode")[0])
        for status in manifest.objects(response, MF.expectedStatus)
    }
    fmt = manifest.value(response, MF.expectedFormat)
    boolean = manifest.value(response, MF.expectedBoolean)
    path = str(manifest.value(node, HT.absolutePath))
    return HttpRequest(
        method=str(manifest.value(node, HT.methodName)),
        path=path.replace("/sparql/", "/sparql", 1),  # the spec's example path -> ours
        headers=headers,
        body=body,
        statuses=statuses,
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=boolean.toPython() if boolean is not None else None,
    )


def load_protocol_tests() -> list[ProtocolTest]:
    manifest = Graph().parse(PROTOCOL / "manifest.ttl", format="turtle")
    root = next(manifest.subjects(RDF.type, MF.Manifest))
    tests = []
    for test in Collection(manifest, manifest.value(root, MF.entries)):
        action = manifest.value(test, MF.action)
        requests = [
            _request(manifest, node)
            for node in Collection(manifest, manifest.value(action, HT.requests))
        ]
        graph_data = {
            str(manifest.value(data, RDFS.label)): Path(
                str(manifest.value(data, UT.graph)).removeprefix("file://")
            )
            for data in manifest.objects(test, UT.graphData)
        }
        tests.append(
            ProtocolTest(
                name=str(test).rsplit("#", 1)[1],
                title=str(manifest.value(test, MF.name)),
                requests=requests,
                graph_data=graph_data,
            )
        )
    return tests


PROTOCOL_TESTS = parameters(PROTOCOL_DIR, load_protocol_tests, lambda test: test.name)


def _nquads(tests: list[ProtocolTest]) -> bytes:
    """Every graph the manifest names, as N-Quads in the named graph its label gives."""
    graphs: dict[str, Path] = {}
    for test in tests:
        graphs.update(test.graph_data)
    lines = []
    for name, path in sorted(graphs.items()):
        graph = Graph().parse(PROTOCOL / path.name, format="nt")
        for s, p, o in graph:
            lines.append(f"{s.n3()} {p.n3()} {o.n3()} <{name}> .\n")
    return "".join(lines).encode()


@pytest.fixture(scope="module")
def w3c_app() -> Iterator[Flask]:
    store = OxigraphStore.from_nquads(_nquads(load_protocol_tests()), workers=2)
    app = create_app({"TESTING": True, "BASE": BASE, "DATASET_DIR": "unused"})
    app.extensions[STORE_KEY] = store
    yield app
    store.close()


@pytest.fixture()
def w3c_client(w3c_app: Flask) -> FlaskClient:
    return w3c_app.test_client()


def _boolean(content_type: str, body: bytes) -> bool:
    if content_type.startswith("application/sparql-results+json"):
        value = json.loads(body)["boolean"]
        assert isinstance(value, bool)
        return value
    assert content_type.startswith("application/sparql-results+xml"), content_type
    text = ElementTree.fromstring(body).findtext("{http://www.w3.org/2005/sparql-results#}boolean")
    return text == "true"


@needs_shared(PROTOCOL_DIR)
def test_manifest_is_read_completely() -> None:
    tests = load_protocol_tests()
    assert len(tests) == 34
    assert sum(test.is_update for test in tests) == 7
    assert sum(test.name.startswith("bad_") for test in tests) == 14


@pytest.mark.parametrize("test", PROTOCOL_TESTS)
def test_w3c_protocol(w3c_client: FlaskClient, test: ProtocolTest) -> None:
    for index, req in enumerate(test.requests):
        response = w3c_client.open(req.path, method=req.method, headers=req.headers, data=req.body)
        status_class = response.status_code // 100
        assert "Traceback" not in response.get_data(as_text=True)
        if test.is_update and index == 0:
            # Read-only endpoint: the update itself is refused in the one error shape.
            assert response.status_code == 403, (test.title, response.data)
            assert response.get_json()["error"]["title"] == "Read-only endpoint"
            continue
        assert status_class in req.statuses, (test.title, response.status_code, response.data)
        if status_class == 4:
            error = response.get_json()["error"]
            assert error["status"] == response.status_code
            assert error["detail"]
        content_type = response.headers.get("Content-Type", "")
        media_type = content_type.split(";")[0]
        if req.expected_format == "boolean":
            assert media_type in RESULT_TYPES
        elif req.expected_format == "tabular":
            assert media_type in RESULT_TYPES
            assert json.loads(response.data)["results"]["bindings"] == [
                {
                    "value": {
                        "type": "literal",
                        "value": "1",
                        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                    }
                }
            ]
        elif req.expected_format == "RDF":
            assert media_type in RDF_TYPES
            Graph().parse(data=response.data, format=RDF_TYPES[media_type])
        if req.expected_boolean is not None:
            got = _boolean(content_type, response.data)
            # After a refused update, the follow-up check must see the data unchanged.
            expected = (not req.expected_boolean) if test.is_update else req.expected_boolean
            assert got is expected, test.title


# --- service description ---------------------------------------------------------------------


def _sd_test_names() -> list[str]:
    manifest = Graph().parse(SERVICE_DESCRIPTION / "manifest.ttl", format="turtle")
    root = next(manifest.subjects(RDF.type, MF.Manifest))
    return [
        str(t).rsplit("#", 1)[1] for t in Collection(manifest, manifest.value(root, MF.entries))
    ]


@pytest.mark.parametrize("name", parameters(SERVICE_DESCRIPTION_DIR, _sd_test_names, str))
def test_w3c_service_description(w3c_client: FlaskClient, name: str) -> None:
    response = w3c_client.get("/sparql", base_url="http://www.example")
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")  # returns-rdf
    # Named under the configured BASE, whatever Host the request carried (issue 13.6).
    endpoint = URIRef(f"{BASE}sparql")
    if name == "returns-rdf":
        assert response.headers["Content-Type"].startswith("text/turtle")
        assert len(graph) > 10
    elif name == "has-endpoint-triple":
        assert (None, SD.endpoint, endpoint) in graph
    elif name == "conforms-to-schema":
        service = graph.value(predicate=SD.endpoint, object=endpoint)
        assert (service, RDF.type, SD.Service) in graph
        named_graphs = list(graph.subjects(RDF.type, SD.NamedGraph))
        assert len(named_graphs) == 3
        for named in named_graphs:
            assert graph.value(named, SD.name) is not None  # every sd:NamedGraph has sd:name
            assert (graph.value(named, SD.graph), RDF.type, SD.Graph) in graph
        for language in graph.objects(service, SD.supportedLanguage):
            assert language in (SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update)
    else:
        pytest.fail(f"unknown service description test {name}")
