"""Hostile and malformed requests: the endpoint and pages are public, so every request may be
an attack. None may produce a 5xx or a traceback; where an error is due it has the one body
shape (`tests/hostile_support.py`). Each case runs through the Flask test client, and over
the wire against waitress and granian (each with its own limits on headers and bodies).

Pathological queries run on a pool of two worker processes with a one-second QUERY_TIMEOUT,
so the process-based timeout is exercised: they answer 503 "Query timeout" (or 400 for the
row limit) within a bounded wall time, and the endpoint keeps answering afterwards.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from citydip_ld.rdf.output import build_directory
from citydip_ld.web import STORE_KEY, create_app
from hostile_support import assert_sane, error_of, http_request, raw_request
from web_support import BASE, live_granian, live_server, write_mini_dataset

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "<script>alert(1)</script>"


def q(query: str, **params: str) -> str:
    return "/sparql?" + urlencode({"query": query, **params})


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    target: str  # path and query string, percent-encoded as sent on the wire
    expect: tuple[int, ...]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    wire: bool = True  # also sent to the live servers (waitress, granian)


NEST_GROUPS = "SELECT * WHERE " + "{" * 500 + " ?s ?p ?o " + "}" * 500
NEST_PARENS = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 500 + "1" + ")" * 500 + ") }"
# 3,000 nested MINUS: as deep for the parser and the evaluator as any, cheap to run. Each
# `MINUS { ?s ?p ?x }` would scan the whole dataset (3,000 scans: 0.3-0.5 s here, past the 2 s
# limit on a loaded CI machine), so the right-hand side names a predicate no quad has. Run on a
# thread with an 8 MiB stack, this query still crashes pyoxigraph: the depth is what is tested.
MINUS_CHAIN = "SELECT * WHERE { ?s ?p ?o " + "MINUS { ?s <urn:x-absent:p> ?x } " * 3000 + "}"
UNION_400 = "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 400) + " }"
UNION_3000 = "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 3000) + " }"
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

CASES = [
    # --- pathological SPARQL: deep nesting used to crash the engine; now it is answered
    Case("nested-groups-500", "GET", q(NEST_GROUPS), (200,)),
    Case("nested-parens-500", "GET", q(NEST_PARENS), (200,)),
    Case(
        "nested-groups-20000",
        "POST",
        "/sparql",
        (200,),
        SPARQL_QUERY,
        ("SELECT * WHERE " + "{" * 20000 + "?s ?p ?o" + "}" * 20000).encode(),
    ),
    Case(
        "nested-groups-over-the-length-limit",
        "POST",
        "/sparql",
        (400,),
        SPARQL_QUERY,
        ("SELECT * WHERE " + "{" * 70000 + "?s ?p ?o" + "}" * 70000).encode(),
    ),
    Case("minus-chain-3000", "POST", "/sparql", (200,), SPARQL_QUERY, MINUS_CHAIN.encode()),
    # 3,000 unions take a second or two to plan: on a loaded machine the 2 s limit may come
    # before the row limit. Either way a clean 4xx/503, never a crash.
    Case("union-3000", "POST", "/sparql", (400, 503), SPARQL_QUERY, UNION_3000.encode()),
    Case("union-400-over-row-limit", "POST", "/sparql", (400,), SPARQL_QUERY, UNION_400.encode()),
    Case("cartesian-rows", "GET", q("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), (400,)),
    Case("syntax-garbage", "GET", q("}}}{{{ SELECT WHERE ((("), (400,)),
    Case("empty-query", "GET", q(""), (400,)),
    # --- updates, LOAD, SERVICE
    Case(
        "update-body",
        "POST",
        "/sparql",
        (403,),
        {"Content-Type": "application/sparql-update"},
        b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    ),
    Case("update-form", "POST", "/sparql", (403,), FORM, b"update=DROP%20ALL"),
    Case("update-get", "GET", "/sparql?update=CLEAR%20DEFAULT", (403,)),
    Case("load-as-query", "GET", q("LOAD <http://evil.example/x.ttl>"), (400,)),
    Case("load-as-update", "POST", "/sparql", (403,), FORM, b"update=LOAD%20%3Chttp://e/%3E"),
    Case(
        "service-remote",
        "GET",
        q("SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }"),
        (403,),
    ),
    Case("service-variable", "GET", q("SELECT * { SERVICE ?x { ?s ?p ?o } }"), (400,)),
    Case(
        "service-silent-localhost",
        "GET",
        q("select * { service silent <http://127.0.0.1:8080/> { ?s ?p ?o } }"),
        (403,),
    ),
    # --- bodies: size, encodings
    Case("body-2MiB", "POST", "/sparql", (413,), SPARQL_QUERY, b"#" * (2 << 20)),
    Case("form-2MiB", "POST", "/sparql", (413,), FORM, b"query=" + b"a" * (2 << 20)),
    Case("body-invalid-utf8", "POST", "/sparql", (400,), SPARQL_QUERY, b"SELECT * {\xff\xfe}"),
    Case(
        "body-utf16-declared",
        "POST",
        "/sparql",
        (415,),
        {"Content-Type": "application/sparql-query; charset=utf-16"},
        "ASK {}".encode("utf-16"),
    ),
    Case(
        "body-utf16-undeclared", "POST", "/sparql", (400,), SPARQL_QUERY, "ASK {}".encode("utf-16")
    ),
    Case("form-bad-percent", "POST", "/sparql", (400,), FORM, b"query=%ZZ%f%"),
    Case("form-percent-invalid-utf8", "POST", "/sparql", (400,), FORM, b"query=ASK%ff%fe{}"),
    Case("form-raw-invalid-utf8", "POST", "/sparql", (400,), FORM, b"query=ASK\xff{}"),
    Case(
        "form-latin1",
        "POST",
        "/sparql",
        (415,),
        {"Content-Type": "application/x-www-form-urlencoded; charset=latin-1"},
        b"query=ASK{}",
    ),
    Case("post-no-content-type", "POST", "/sparql", (415,), {}, b"ASK {}"),
    Case(
        "content-type-garbage",
        "POST",
        "/sparql",
        (200, 415),
        {"Content-Type": 'application/sparql-query; charset="\\"'},
        b"ASK {}",
    ),
    Case("put", "PUT", "/sparql", (405,)),
    # --- NUL bytes and huge parameter lists
    Case("nul-in-query", "GET", "/sparql?query=ASK%00%7B%7D", (400,)),
    Case("nul-in-format", "GET", "/sparql?query=ASK%7B%7D&format=%00", (406,)),
    Case("nul-in-lang", "GET", "/?lang=f%00a", (200,)),
    Case("nul-in-path", "GET", "/id/city/tab%00riz", (404,)),
    Case("nul-in-doc-format", "GET", "/doc/city/tabriz?format=%00", (400,)),
    Case("params-5000", "GET", "/sparql?" + "&".join(f"p{i}=1" for i in range(5000)), (200,)),
    Case("queries-3000", "GET", "/sparql?" + "&".join(["query=ASK%7B%7D"] * 3000), (400,)),
    Case(
        "graphs-3000",
        "GET",
        "/sparql?query=ASK%7B%7D&" + "&".join(f"named-graph-uri=x{i}" for i in range(3000)),
        (400,),
    ),
    Case("lang-params-3000", "GET", "/?" + "&".join(["lang=fa"] * 3000), (200,)),
    # --- odd and huge Accept / Accept-Language
    Case(
        "accept-huge",
        "GET",
        q("ASK {}"),
        (406,),
        {"Accept": ",".join(f"a/b{i};q=0.{i % 10}" for i in range(2000))},
    ),
    Case("accept-garbage", "GET", q("ASK {}"), (200, 406), {"Accept": ";;;,,,/;q=abc"}),
    Case("accept-nan", "GET", "/id/city/tabriz", (303, 406), {"Accept": "text/html;q=nan"}),
    Case("accept-inf", "GET", "/id/city/tabriz", (303, 406), {"Accept": "*/*;q=inf, a/b;q=-1"}),
    Case("accept-half-wildcard", "GET", "/doc/city/tabriz", (406,), {"Accept": "*/html"}),
    Case("accept-slash", "GET", "/ontology", (200, 406), {"Accept": "/"}),
    Case("accept-lang-huge", "GET", "/", (200,), {"Accept-Language": "x;q=0.5," * 2000}),
    Case("accept-lang-garbage", "GET", "/query", (200,), {"Accept-Language": ";;q=,,=;*"}),
    # --- paths: traversal, unknown and over-long URIs
    Case("traversal-id", "GET", "/id/..%2f..%2fetc%2fpasswd", (404,)),
    Case("traversal-doc", "GET", "/doc/city/..%2f..%2fetc%2fpasswd", (404,)),
    Case("traversal-dumps", "GET", "/dumps/..%2fdataset.nq", (404,)),
    Case("traversal-dumps-dots", "GET", "/dumps/%2e%2e%2f%2e%2e%2fetc%2fpasswd", (404,)),
    Case("traversal-graph", "GET", "/graph/..%2f..%2fetc", (404,)),
    Case("traversal-static", "GET", "/static/..%2f..%2f__init__.py", (404,)),
    Case("traversal-static-dots", "GET", "/static/%2e%2e/%2e%2e/__init__.py", (404,)),
    Case("traversal-double-encoded", "GET", "/dumps/%252e%252e%252fSHA256SUMS", (404,)),
    Case("dot-segment-slug", "GET", "/doc/city/%2e%2e", (404,)),
    Case("unknown-kind", "GET", "/id/no-such-kind/x", (404,)),
    Case("unknown-slug", "GET", "/id/city/no-such-city", (404,)),
    Case("nested-unknown", "GET", "/id/city/tabriz/more/than/that", (404,)),
    Case("slug-300", "GET", "/doc/city/" + "a" * 300, (404,)),
    Case("uri-10000", "GET", "/id/city/" + "a" * 10000, (414,)),
    Case("format-5000", "GET", "/doc/city/tabriz?format=" + "x" * 5000, (414,)),
    Case("unicode-slug", "GET", "/id/city/" + quote("تبریز"), (404,)),
    Case("bad-percent-in-path", "GET", "/id/city/%ZZ%", (404,)),
    Case("invalid-utf8-in-path", "GET", "/id/city/%ff%fe", (404,)),
    # --- reflected markup
    Case("lang-script", "GET", "/?lang=" + quote(SCRIPT), (200,)),
    Case("query-page-script", "GET", "/query?x=" + quote('"><script>alert(1)</script>'), (200,)),
]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The mini dataset, served as in production (TESTING off: the 500 handler is live)."""
    directory = write_mini_dataset(tmp_path_factory.mktemp("hostile"))
    app = create_app(
        {"DATASET_DIR": str(directory), "BASE": BASE, "QUERY_WORKERS": 0, "QUERY_TIMEOUT": 2}
    )
    yield app


@pytest.fixture()
def hostile_client(hostile_app: Flask) -> FlaskClient:
    return hostile_app.test_client()


@pytest.fixture(scope="module", params=["waitress", "granian"])
def hostile_server(request: pytest.FixtureRequest, hostile_app: Flask) -> Iterator[str]:
    """The hostile app on waitress in this process, or its data on the real `citydip-ld serve
    --server granian` with the same query timeout."""
    if request.param == "granian":
        pytest.importorskip("granian")
        dataset = Path(hostile_app.config["DATASET_DIR"])
        with live_granian(dataset, query_timeout=2) as server:
            yield server.url
        return
    with live_server(hostile_app) as server:
        yield server.url


def _open(client: FlaskClient, case: Case) -> tuple[int, dict[str, str], bytes]:
    response = client.open(case.target, method=case.method, headers=case.headers, data=case.body)
    return response.status_code, dict(response.headers), response.get_data()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_request_through_the_app(hostile_client: FlaskClient, case: Case) -> None:
    status, headers, body = _open(hostile_client, case)
    assert_sane(status, headers, body, allowed=case.expect)
    assert status in case.expect, body[:300]


@pytest.mark.parametrize("case", [c for c in CASES if c.wire], ids=[c.id for c in CASES if c.wire])
def test_hostile_request_over_the_wire(hostile_server: str, case: Case) -> None:
    sent = http_request(case.method, case.target, headers=case.headers, body=case.body)
    response = raw_request(hostile_server, sent)
    assert_sane(response.status, response.headers, response.body, allowed=case.expect)
    # A body over the limit is refused with 413 (waitress itself; under granian the app).
    assert response.status in case.expect, response.body[:300]


# ---------------------------------------------------------------- what the errors say


def test_a_query_over_the_length_limit_is_refused_with_a_hint(
    hostile_client: FlaskClient,
) -> None:
    long = "SELECT * WHERE " + "{" * 70000 + "?s ?p ?o" + "}" * 70000
    error = error_of(hostile_client.post("/sparql", data={"query": long}), 400)
    assert "140023 characters" in error["detail"] and "at most 131072" in error["detail"]


def test_update_and_service_are_refused_with_reasons(hostile_client: FlaskClient) -> None:
    update = error_of(hostile_client.post("/sparql", data={"update": "DROP ALL"}), 403)
    assert update["title"] == "Read-only endpoint"
    service = error_of(
        hostile_client.get(q("SELECT * { SERVICE <http://evil.example/> { ?s ?p ?o } }")), 403
    )
    assert service["title"] == "Federated query refused"
    assert "does not allow" in service["detail"]


def test_a_service_mentioned_in_a_comment_or_string_is_not_a_call(
    hostile_client: FlaskClient,
) -> None:
    query = 'ASK { # SERVICE <http://evil.example/>\n FILTER("SERVICE <http://e/> {}" != "") }'
    response = hostile_client.get(q(query), headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"head": {}, "boolean": True}


def test_oversized_body_is_413_in_the_one_shape(hostile_client: FlaskClient) -> None:
    response = hostile_client.post("/sparql", data=b"#" * (2 << 20), headers=SPARQL_QUERY)
    assert error_of(response, 413)["title"] == "Request Entity Too Large"


def test_configured_max_content_length_is_kept(hostile_app: Flask) -> None:
    hostile_app.config["MAX_CONTENT_LENGTH"] = 100
    try:
        client = hostile_app.test_client()
        response = client.post("/sparql", data=b"ASK {} " + b"#" * 200, headers=SPARQL_QUERY)
        error_of(response, 413)
        ok = client.post("/sparql", data=b"ASK {}", headers=SPARQL_QUERY)
        assert ok.status_code == 200
    finally:
        hostile_app.config["MAX_CONTENT_LENGTH"] = None


def test_bad_encodings_are_named(hostile_client: FlaskClient) -> None:
    body = error_of(hostile_client.post("/sparql", data=b"ASK {\xff}", headers=SPARQL_QUERY), 400)
    assert "not valid UTF-8" in body["detail"]
    form = error_of(hostile_client.post("/sparql", data=b"query=ASK%ff{}", headers=FORM), 400)
    assert "not valid UTF-8" in form["detail"]
    utf16 = hostile_client.post(
        "/sparql",
        data="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=utf-16"},
    )
    assert "charset 'utf-16' is not supported" in error_of(utf16, 415)["detail"]


def test_a_huge_accept_header_is_not_echoed_whole(hostile_client: FlaskClient) -> None:
    accept = ",".join(f"a/b{i}" for i in range(2000))
    response = hostile_client.get(q("ASK {}"), headers={"Accept": accept})
    detail = error_of(response, 406)["detail"]
    assert len(response.get_data()) < 2000
    assert f"({len(accept)} characters)" in detail


def test_an_over_long_uri_is_414_in_the_one_shape(hostile_client: FlaskClient) -> None:
    response = hostile_client.get("/id/city/" + "a" * 10000)
    assert "2048 characters" in error_of(response, 414)["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_traversal_never_reaches_a_file(hostile_client: FlaskClient) -> None:
    for target in ("/dumps/..%2f..%2fpyproject.toml", "/static/..%2f..%2fsparql.py"):
        response = hostile_client.get(target)
        assert response.status_code == 404
        assert b"[project]" not in response.data and b"import" not in response.data


def test_reflected_parameters_are_escaped(hostile_client: FlaskClient) -> None:
    for target in ("/?lang=" + quote(SCRIPT), "/query?lang=" + quote('"><b>x</b>')):
        page = hostile_client.get(target).get_data(as_text=True)
        assert SCRIPT not in page and '"><b>' not in page


# ---------------------------------------------------------------- markup in the data


@pytest.fixture(scope="module")
def script_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """A dataset built by `citydip-ld build` from facts with hostile labels, plus a hostile
    homepage link."""
    root = tmp_path_factory.mktemp("script")
    data = root / "data"
    shutil.copytree(ROOT / "tests" / "data" / "facts-minimal", data)
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(ROOT / "shapes", root / "shapes")
    places = data / "places.yaml"
    places.write_text(
        places.read_text(encoding="utf-8").replace(
            "label: {en: Tabriz, fa: تبریز}", f"label: {{en: '{SCRIPT}', fa: '\"><img src=x>'}}"
        ),
        encoding="utf-8",
    )
    build_directory(data, root / "build", base=BASE)
    # `build` refuses a non-http(s) homepage (tests/test_regress_fact_parser.py); a dataset
    # from elsewhere may still hold one, so it is added to the built dump directly.
    nquads = root / "build" / "dataset.nq"
    nquads.write_text(
        nquads.read_text(encoding="utf-8")
        + f"<{BASE}id/organisation/khabarban> <http://xmlns.com/foaf/0.1/homepage> "
        f"<javascript:alert(document.cookie)> <{BASE}graph/curated> .\n",
        encoding="utf-8",
    )
    app = create_app({"DATASET_DIR": str(root / "build"), "BASE": BASE, "QUERY_WORKERS": 0})
    return app.test_client()


@pytest.mark.parametrize(
    "target",
    [
        "/doc/city/tabriz",
        "/doc/city/tabriz?lang=fa",
        "/doc/city/",
        "/doc/city/wuhan",
        "/doc/twinning/tabriz-wuhan",
        "/doc/country/iran",
    ],
)
def test_markup_in_labels_is_escaped_on_pages(script_client: FlaskClient, target: str) -> None:
    response = script_client.get(target, headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert SCRIPT not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_javascript_homepage_is_shown_never_linked(script_client: FlaskClient) -> None:
    page = script_client.get("/doc/organisation/khabarban", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert "javascript:alert(document.cookie)" in text  # shown, as text
    assert 'href="javascript:' not in text.replace(" ", "")


def test_markup_in_labels_leaves_the_query_page_and_results_inert(
    script_client: FlaskClient,
) -> None:
    page = script_client.get("/query").get_data(as_text=True)
    assert SCRIPT not in page
    results = script_client.get(
        q('SELECT ?l { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l)="en") }'),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert results.mimetype == "application/sparql-results+json"
    assert SCRIPT in {b["l"]["value"] for b in results.get_json()["results"]["bindings"]}
    # The query page renders every term through textContent, never as markup.
    script = (ROOT / "src" / "citydip_ld" / "web" / "static" / "query.js").read_text("utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script


# ---------------------------------------------------------------- time limits on a worker pool


@pytest.fixture(scope="module")
def pool_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    directory = write_mini_dataset(tmp_path_factory.mktemp("pool"))
    app = create_app(
        {"DATASET_DIR": str(directory), "BASE": BASE, "QUERY_WORKERS": 2, "QUERY_TIMEOUT": 1}
    )
    client = app.test_client()
    yield client
    with app.app_context():
        store = app.extensions.get(STORE_KEY)
        if store is not None:
            store.close()


EVERYTHING = "(<http://x/p>|!<http://x/p>)*"
TIMEOUTS = {
    "count-cartesian-5": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
    "?j ?k ?l . ?m ?n2 ?o }",
    "order-cartesian": "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } "
    "ORDER BY DESC(?c) LIMIT 1",
    "path-star-everything": f"SELECT (COUNT(*) AS ?n) {{ ?s {EVERYTHING} ?o . "
    f"?a {EVERYTHING} ?b . ?c {EVERYTHING} ?d }}",
    "group-cartesian": "SELECT ?a (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
    "?j ?k ?l } GROUP BY ?a",
}


@pytest.mark.parametrize("query", TIMEOUTS.values(), ids=TIMEOUTS.keys())
def test_pathological_query_times_out_on_the_pool(pool_client: FlaskClient, query: str) -> None:
    started = time.monotonic()
    response = pool_client.post("/sparql", data={"query": query})
    elapsed = time.monotonic() - started
    # A query that materialises its rows (ORDER BY) may reach the worker's memory cap first.
    assert error_of(response, 503)["title"] in ("Query timeout", "Query memory limit")
    # 1 s limit, 0.5 s kill grace; generous for a loaded machine, and far below "forever".
    assert elapsed < 15


def test_path_star_over_the_whole_graph_streams_into_the_row_limit(
    pool_client: FlaskClient,
) -> None:
    query = f"SELECT * {{ ?s {EVERYTHING} ?o . ?a ?b ?c }}"
    started = time.monotonic()
    response = pool_client.get(q(query))
    assert time.monotonic() - started < 15
    assert error_of(response, 400)["title"] == "Result limit exceeded"


def test_the_pool_answers_after_its_workers_were_killed(pool_client: FlaskClient) -> None:
    pool_client.post("/sparql", data={"query": TIMEOUTS["count-cartesian-5"]})
    response = pool_client.get(
        q("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"]["bindings"][0]["n"]["value"] == "130"


def test_deep_queries_are_answered_without_killing_a_worker(tmp_path: Path) -> None:
    """Deep nesting used to kill the worker with SIGSEGV (a 500 "the query worker died")."""
    directory = write_mini_dataset(tmp_path)
    app = create_app(
        {"DATASET_DIR": str(directory), "BASE": BASE, "QUERY_WORKERS": 1, "QUERY_TIMEOUT": 30}
    )
    client = app.test_client()
    try:
        for query in (NEST_GROUPS, NEST_PARENS, MINUS_CHAIN):
            response = client.post("/sparql", data=query.encode(), headers=SPARQL_QUERY)
            assert response.status_code == 200, response.get_data(as_text=True)
        response = client.post("/sparql", data=UNION_3000.encode(), headers=SPARQL_QUERY)
        assert error_of(response, 400)["title"] == "Result limit exceeded"
    finally:
        with app.app_context():
            app.extensions[STORE_KEY].close()


# ---------------------------------------------------------------- the servers' own limits


def test_the_servers_own_limits_answer_4xx(hostile_server: str) -> None:
    huge_header = http_request("GET", "/", headers={"Accept": "a/b," * 40000})
    assert 400 <= raw_request(hostile_server, huge_header).status < 500
    huge_line = http_request("GET", "/sparql?query=" + "A" * 100_000)
    assert 400 <= raw_request(hostile_server, huge_line).status < 500
    garbage = b"\x00\xff GARBAGE\r\n\r\n"
    assert 400 <= raw_request(hostile_server, garbage).status < 500
