"""Regression: an external IRI in the data became a link as it was, so a fact file with
`homepage: javascript:alert(document.cookie)` put a script link on the organisation's page
(stored XSS on click). Only http(s) IRIs are linked now; others are shown as text. The
end-to-end check through `citydip-ld build` is in tests/test_hostile.py."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from citydip_ld.web.view import Builder, safe_href


@pytest.mark.parametrize(
    "iri",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>x</script>",
        "vbscript:x",
    ],
)
def test_script_schemes_are_not_linked(iri: str) -> None:
    assert safe_href(iri) == ""
    link = Builder([], "http://localhost:5000/", lambda i: i).link(URIRef(iri))
    assert link.href == "" and link.iri == iri


@pytest.mark.parametrize("iri", ["https://www.wikidata.org/entity/Q1", "http://example.org/"])
def test_web_iris_are_linked(iri: str) -> None:
    assert Builder([], "http://localhost:5000/", lambda i: i).link(URIRef(iri)).href == iri
