"""Regression: deeply nested or long-chained SPARQL killed the process with SIGSEGV.

Oxigraph's parser and evaluator recurse per nesting level and per chained clause; 3,000
nested `{` or 3,000 `MINUS` clauses overflowed the native stack, killing the web server
(QUERY_WORKERS=0) or a pool worker (a 500). `check_query_shape` now refuses such queries with
a 400 before they reach the engine. (The crash itself is not reproduced here: it would kill
the test run.)
"""

from __future__ import annotations

import time

import pytest

from citydip_ld.sparql.protocol import (
    MAX_NESTING,
    MAX_OPERATORS,
    QueryTooComplexError,
    check_query_shape,
    measure_query,
    parse_request,
)


def test_nesting_beyond_the_limit_is_refused() -> None:
    ok = "SELECT * WHERE " + "{" * MAX_NESTING + "?s ?p ?o" + "}" * MAX_NESTING
    assert check_query_shape(ok).nesting == MAX_NESTING
    deep = "SELECT * WHERE " + "{" * 3000 + "?s ?p ?o" + "}" * 3000
    with pytest.raises(QueryTooComplexError, match="3000 deep"):
        check_query_shape(deep)


def test_long_chains_are_refused() -> None:
    chain = "SELECT * { ?s ?p ?o " + "MINUS { ?s ?p ?x } " * 3000 + "}"
    with pytest.raises(QueryTooComplexError, match="3001 operators"):
        parse_request("GET", None, {"query": [chain]}, b"")
    fine = "SELECT * { ?s ?p ?o " + "MINUS { ?s ?p ?x } " * (MAX_OPERATORS - 1) + "}"
    assert parse_request("GET", None, {"query": [fine]}, b"") is not None


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * { ?s ?p "{{{{((((" }',
        "SELECT * { ?s ?p '''{{{{\n((((''' }",
        "SELECT * { ?s ?p ?o } # {{{{{{{{{{{{{{{{",
        "SELECT * { ?s <http://example.org/a(((((((b> ?o }",
    ],
)
def test_brackets_in_strings_iris_and_comments_do_not_count(query: str) -> None:
    assert measure_query(query).nesting == 1


def test_keywords_are_found_outside_strings_only() -> None:
    assert measure_query('ASK { FILTER("SERVICE" != "") } # SERVICE').keywords == {"FILTER"}
    assert "SERVICE" in measure_query("ASK { service <http://a/> {} }").keywords


@pytest.mark.parametrize("unit", ['\\"', "\\'", '"""\\"', "'''a", '"a', "<a", "{", "#\n"])
def test_the_lexer_stays_linear_on_unclosed_strings(unit: str) -> None:
    # Unclosed strings were rescanned from every later quote (quadratic: 30 s for 160 kB).
    started = time.monotonic()
    measure_query(unit * 200_000)
    assert time.monotonic() - started < 5
