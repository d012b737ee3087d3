"""Regression: queries that crashed a worker, ate the machine's memory or sent huge bodies.

- A 20,000-level expression hidden from the old lexer reached Oxigraph's recursive parser and
  the worker died with SIGSEGV. Now no lexer decides: the query thread's stack is sized for the
  deepest query MAX_QUERY_LENGTH allows, and longer queries get 400 before any work.
- A 900-byte chain of CONCATs took the server from 250 MiB to 3.3 GiB. Now a worker's memory
  is capped (QUERY_MEMORY_LIMIT): the query gets 503 and the worker is replaced.
- A one-row answer of 128 MiB was sent, RESULT_LIMIT counting rows only. Now RESULT_MAX_BYTES
  bounds every format.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from citydip_ld.sparql.sandbox import STACK_PER_CHARACTER, SandboxSettings
from citydip_ld.stores.store import OxigraphStore
from sparql_support import make_app, write_dataset_dir

LENGTH = 24 * 1024


@pytest.fixture(scope="module")
def sparql_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset_dir(tmp_path_factory.mktemp("limits"))


@pytest.fixture(scope="module")
def pooled(sparql_dir: Path) -> Flask:
    """One query worker with a 256 MiB budget and queries of at most LENGTH characters."""
    return make_app(
        sparql_dir,
        QUERY_WORKERS=1,
        QUERY_MEMORY_LIMIT=256,
        MAX_QUERY_LENGTH=LENGTH,
        RESULT_MAX_BYTES=4096,
        QUERY_TIMEOUT=20,
    )


def worker_pids(app: Flask) -> set[int]:
    with app.app_context():
        from citydip_ld.web import get_store

        store = get_store()
    assert isinstance(store, OxigraphStore)
    pool = store._pool  # the pool is internal: the test looks at which processes answer
    assert pool is not None
    return {w.process.pid for w in pool._workers if w.process.pid is not None}


def fill(make: object, length: int = LENGTH) -> str:
    """The longest query `make(n)` builds within `length` characters."""
    assert callable(make)
    n = 1
    while len(make(n * 2)) <= length:
        n *= 2
    low, high = n, n * 2
    while low < high - 1:
        middle = (low + high) // 2
        low, high = (middle, high) if len(make(middle)) <= length else (low, middle)
    query: str = make(low)
    return query


DEEP = {
    "parentheses": lambda n: "SELECT * { FILTER(" + "(" * n + "true" + ")" * n + ") }",
    "groups": lambda n: "SELECT * " + "{" * n + "}" * n,
    "negations": lambda n: "SELECT * { FILTER(" + "!" * n + "true) }",
    "exists": lambda n: "ASK { FILTER(" + "EXISTS{FILTER(" * n + "true" + ")}" * n + ") }",
    "unions": lambda n: "SELECT * { {}" + "UNION{}" * n + " }",
    "minus": lambda n: "SELECT * { ?s ?p ?o " + "MINUS{?s ?p ?o}" * n + " }",
    "binds": lambda n: "SELECT * { " + "".join(f"BIND(1 AS ?v{i})" for i in range(n)) + " }",
}


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_the_deepest_query_the_length_limit_allows_does_not_crash_a_worker(
    pooled: Flask, shape: str
) -> None:
    query = fill(DEEP[shape])
    assert len(query) > LENGTH - 40
    client = pooled.test_client()
    client.get("/sparql", query_string={"query": "ASK {}"})  # the pool is up
    before = worker_pids(pooled)
    response = client.post("/sparql", data={"query": query})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert worker_pids(pooled) == before  # the same worker answered and is still there


def test_a_query_over_the_length_limit_is_refused_before_any_work(pooled: Flask) -> None:
    query = "SELECT * {" + " " * LENGTH + "}"
    response = pooled.test_client().post("/sparql", data={"query": query})
    assert response.status_code == 400
    assert f"at most {LENGTH} (MAX_QUERY_LENGTH)" in response.get_json()["error"]["detail"]


def test_the_stack_grows_with_the_length_limit() -> None:
    assert SandboxSettings(max_query_length=1 << 20).stack_size == (1 << 20) * STACK_PER_CHARACTER


DOUBLING = "SELECT (STRLEN(?v{n}) AS ?size) {{ BIND('{seed}' AS ?v0) {binds} }}"


def doubling(times: int) -> str:
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(times))
    return DOUBLING.format(n=times, seed="a" * 1024, binds=binds)


def test_a_query_over_its_memory_budget_gets_503_and_a_fresh_worker(pooled: Flask) -> None:
    client = pooled.test_client()
    client.get("/sparql", query_string={"query": "ASK {}"})
    before = worker_pids(pooled)
    response = client.post("/sparql", data={"query": doubling(20)})  # 1 KiB x 2^20 = 1 GiB
    assert response.status_code == 503, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["title"] == "Query memory limit"
    assert "256 MiB" in error["detail"]
    answer = client.get(
        "/sparql", query_string={"query": doubling(10)}, headers={"Accept": "text/csv"}
    )
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).splitlines()[1] == str(1024 << 10)
    assert worker_pids(pooled).isdisjoint(before)


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        ("application/sparql-results+json", "SELECT ?v4 {{ {q} }}"),
        ("application/sparql-results+xml", "SELECT ?v4 {{ {q} }}"),
        ("text/csv", "SELECT ?v4 {{ {q} }}"),
        ("text/tab-separated-values", "SELECT ?v4 {{ {q} }}"),
        ("text/turtle", "CONSTRUCT {{ <http://a/> <http://b/> ?v4 }} {{ {q} }}"),
        ("application/ld+json", "CONSTRUCT {{ <http://a/> <http://b/> ?v4 }} {{ {q} }}"),
    ],
)
def test_answers_are_bounded_in_bytes_in_every_format(
    pooled: Flask, accept: str, query: str
) -> None:
    # ?v4 is 16 KiB: one row, four times RESULT_MAX_BYTES.
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(4))
    text = query.format(q=f"BIND('{'a' * 1024}' AS ?v0) {binds}")
    response = pooled.test_client().post(
        "/sparql", data={"query": text}, headers={"Accept": accept}
    )
    assert response.status_code == 400
    assert "past 4,096 bytes (RESULT_MAX_BYTES)" in response.get_json()["error"]["detail"]


def test_a_small_answer_passes_the_size_limit(pooled: Flask) -> None:
    response = pooled.test_client().get(
        "/sparql", query_string={"query": "SELECT ?x { BIND('ok' AS ?x) }"}
    )
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "ok"}}]


def test_a_twenty_mib_value_is_answered_under_the_default_limits(sparql_dir: Path) -> None:
    client: FlaskClient = make_app(sparql_dir, QUERY_WORKERS=1).test_client()
    response = client.post("/sparql", data={"query": doubling(14).replace("STRLEN(?v14)", "?v14")})
    assert response.status_code == 200
    assert len(response.get_data()) > 16 << 20
