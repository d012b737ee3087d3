"""Regression: the SERVICE allow-list check parsed any query mentioning "SERVICE" with
rdflib's pure-Python parser, even in a comment: a 1 MiB query with `# SERVICE` held the GIL
(and so every web thread) for about a minute. Now only a SERVICE keyword outside strings and
comments is parsed, and a federated query longer than MAX_CHECKED_LENGTH is refused unread."""

from __future__ import annotations

from typing import Any

import pytest

from citydip_ld.sparql import federation
from citydip_ld.sparql.federation import ServiceRefusedError, check_services, service_targets


def _no_parse(*_args: Any) -> Any:
    raise AssertionError("rdflib's parser must not run")


def test_service_in_a_comment_or_string_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(federation, "parseQuery", _no_parse)
    query = 'SELECT * { ?s ?p "SERVICE <http://e/> {}" } # SERVICE <http://evil/>\n'
    assert service_targets(query + " UNION ".join(["{ ?s ?p ?o }"] * 300)) == []


def test_a_long_federated_query_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(federation, "parseQuery", _no_parse)
    values = " ".join(f'"{i}"' for i in range(federation.MAX_CHECKED_LENGTH // 4))
    query = f"SELECT * {{ VALUES ?v {{ {values} }} SERVICE <http://a/q> {{ ?s ?p ?v }} }}"
    with pytest.raises(ServiceRefusedError, match="cannot read"):
        check_services(query, ["http://a/q"])
