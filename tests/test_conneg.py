"""Content negotiation: Accept header (q-values, wildcards, specificity) -> format."""

from __future__ import annotations

import pytest

from citydip_ld.conneg import (
    FORMATS,
    HTML,
    JSONLD,
    NQUADS,
    NTRIPLES,
    RDF_FORMATS,
    RDFXML,
    TRIG,
    TURTLE,
    format_by_name,
    negotiate,
    negotiate_language,
    split_extension,
)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
RAPPER = (
    "application/rdf+xml, text/rdf;q=0.6, application/n-triples, text/turtle, "
    "application/x-turtle;q=0.8, */*;q=0.1"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, HTML),
        ("", HTML),
        ("*/*", HTML),
        (BROWSER, HTML),
        ("text/turtle", TURTLE),
        ("application/x-turtle", TURTLE),
        ("application/ld+json", JSONLD),
        ("application/json", JSONLD),
        ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"', JSONLD),
        ("application/rdf+xml", RDFXML),
        ("application/n-triples", NTRIPLES),
        ("application/n-quads", NQUADS),
        ("application/trig", TRIG),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", TURTLE),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.5", RDFXML),
        ("text/*", HTML),
        ("text/*;q=0.5, application/n-quads", NQUADS),
        ("*/*;q=0.1, text/turtle;q=0.5", TURTLE),
        # The most specific range sets the quality: HTML refused although */* allows all.
        ("*/*, text/html;q=0", TURTLE),
        ("*/*, text/html;q=0, application/xhtml+xml;q=0", TURTLE),
        ("TEXT/TURTLE", TURTLE),
        # Equal quality: the server's order of preference (Turtle before RDF/XML).
        (RAPPER, TURTLE),
    ],
)
def test_negotiate_picks_the_best_offered_format(accept: str | None, expected: object) -> None:
    assert negotiate(accept) is expected


@pytest.mark.parametrize(
    "accept", ["image/png", "text/csv, application/pdf", "text/html;q=0", "*/*;q=0"]
)
def test_negotiate_returns_none_when_nothing_is_acceptable(accept: str) -> None:
    assert negotiate(accept) is None


def test_negotiate_among_rdf_formats_only() -> None:
    assert negotiate("*/*", RDF_FORMATS) is TURTLE
    assert negotiate("text/html", RDF_FORMATS) is None
    assert negotiate(BROWSER, RDF_FORMATS) is TURTLE


@pytest.mark.parametrize(
    "accept", ["garbage", ";;;,,,", "q=1", "text/turtle;q=abc,", "x" * 5000, "\u062a/\u062a"]
)
def test_odd_accept_headers_never_raise(accept: str) -> None:
    result = negotiate(accept)
    assert result is None or result in FORMATS


def test_an_invalid_header_is_ignored() -> None:
    assert negotiate("garbage") is HTML


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ttl", TURTLE),
        ("turtle", TURTLE),
        ("text/turtle", TURTLE),
        ("JSONLD", JSONLD),
        ("json-ld", JSONLD),
        ("rdf", RDFXML),
        ("xml", RDFXML),
        ("nt", NTRIPLES),
        ("nq", NQUADS),
        ("trig", TRIG),
        ("html", HTML),
        ("pdf", None),
    ],
)
def test_format_by_name(name: str, expected: object) -> None:
    assert format_by_name(name) is expected


def test_split_extension() -> None:
    assert split_extension("city/tabriz.ttl") == ("city/tabriz", TURTLE)
    assert split_extension("city/tabriz") == ("city/tabriz", None)
    assert split_extension("city/tabriz.exe") == ("city/tabriz.exe", None)
    assert split_extension("tabriz.html", RDF_FORMATS) == ("tabriz.html", None)


def test_content_types_declare_utf8_for_text_formats() -> None:
    assert TURTLE.content_type == "text/turtle; charset=utf-8"
    assert NTRIPLES.content_type == "application/n-triples; charset=utf-8"
    assert JSONLD.content_type == "application/ld+json"


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, "en"), ("fa-IR,fa;q=0.9,en;q=0.5", "fa"), ("de, en;q=0.1", "en"), ("de", "en")],
)
def test_negotiate_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected
