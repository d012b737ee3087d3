"""Federated queries (SPARQL 1.1 `SERVICE`): allowed only towards endpoints the operator lists.

The query is parsed (rdflib's SPARQL parser and algebra, which resolve prefixed names) and
every `SERVICE` target is compared with the allow-list; a variable target (`SERVICE ?x`) is
always refused, since it could reach any host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

from citydip_ld.errors import QueryError
from citydip_ld.sparql.protocol import measure_query

_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
#: Longest federated query the check parses (longer ones are refused as unreadable).
MAX_CHECKED_LENGTH = 32 * 1024


class ServiceRefusedError(QueryError):
    """A `SERVICE` clause names an endpoint that is not on the allow-list."""


def service_targets(query: str) -> list[str | None]:
    """The endpoints a query's `SERVICE` clauses call (None for a variable endpoint)."""
    if not _SERVICE.search(query) or "SERVICE" not in measure_query(query).keywords:
        # No SERVICE keyword outside strings, IRIs and comments: nothing for rdflib to parse.
        return []
    if len(query) > MAX_CHECKED_LENGTH:
        # rdflib's parser is pure Python and holds the GIL for seconds on long queries.
        return [None]
    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except Exception:  # noqa: BLE001  rdflib raises many parse error types
        # Oxigraph reports the syntax error with its own message if the query is broken;
        # a query we cannot read but Oxigraph can must not slip past the allow-list.
        return [None]
    found: list[str | None] = []
    _walk(algebra, found)
    return found


def _walk(node: Any, found: list[str | None]) -> None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            term = node.get("term")
            found.append(str(term) if isinstance(term, URIRef) else None)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            _walk(value, found)


def check_services(query: str, allowed: Iterable[str]) -> None:
    """Raise `ServiceRefusedError` unless every `SERVICE` target is in `allowed`."""
    allow = set(allowed)
    for target in service_targets(query):
        if target is None:
            raise ServiceRefusedError(
                "SERVICE with a variable endpoint (or a query the federation check cannot read) "
                "is not allowed; name one of the allowed endpoints: "
                + (", ".join(sorted(allow)) or "none are allowed on this server")
            )
        if target not in allow:
            raise ServiceRefusedError(
                f"SERVICE <{target}> is not allowed on this server; allowed endpoints: "
                + (", ".join(sorted(allow)) or "none (set CITYDIP_SERVICE_ALLOWLIST)")
            )
