"""Every route's answers carry the security headers (walking `app.url_map`: a new route fails
here until it has sample requests), HTML pages have a policy allowing only the site's own
scripts, styles and images and hold no inline script or style, and documents keep CORS `*`."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from citydip_ld.web import create_app
from citydip_ld.web.query_editor import EDITOR_STYLE_HASHES
from citydip_ld.web.security_headers import HTML_POLICY, NON_HTML_POLICY, html_policy
from web_support import BASE

#: /query's policy: the site's, plus the hashes of the two fixed `<style>` elements YASR's
#: table writes (web/query_editor.py); nothing else.
QUERY_PAGE_POLICY = HTML_POLICY.replace(
    "style-src 'self'", "style-src 'self' " + " ".join(EDITOR_STYLE_HASHES)
)

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # a browser's
TURTLE = "text/turtle"
JSON = "application/json"
ASK = "/sparql?query=" + quote("ASK { ?s ?p ?o }")

#: Requests for each rule of the url map: (method, path, Accept). Successes and errors both,
#: HTML and not, so every kind of answer a route gives is checked.
SAMPLES: dict[str, list[tuple[str, str, str]]] = {
    "/static/<path:filename>": [
        ("GET", "/static/style.css", "*/*"),
        ("GET", "/static/query.js", "*/*"),
        ("GET", "/static/missing.css", HTML),
    ],
    "/vendor/": [("GET", "/vendor/", HTML), ("GET", "/vendor/?lang=fa", HTML)],
    "/timeline.json": [
        ("GET", "/timeline.json", JSON),
        ("GET", "/timeline.json?city=tabriz&kind=twinning", "*/*"),
        ("GET", "/timeline.json?kind=nothing", JSON),
        ("GET", "/timeline.json?city=nowhere", HTML),
    ],
    "/vendor/<name>/<path:file>": [
        ("GET", "/vendor/leaflet/dist/leaflet.css", "*/*"),
        ("GET", "/vendor/leaflet/package.json", HTML),
    ],
    "/sparql": [
        ("GET", "/sparql", TURTLE),
        ("GET", ASK, "application/sparql-results+json"),
        ("GET", ASK, HTML),
        ("GET", "/sparql?query=SELEC", JSON),
        ("POST", "/sparql", "application/sparql-results+json"),
        ("OPTIONS", "/sparql", "*/*"),
    ],
    "/id/<kind>/<slug>": [
        ("GET", "/id/city/tabriz", HTML),
        ("GET", "/id/city/tabriz", TURTLE),
        ("GET", "/id/city/nowhere", HTML),
        ("HEAD", "/id/city/tabriz", HTML),
    ],
    "/doc/<kind>/<name>": [
        ("GET", "/doc/city/tabriz", HTML),
        ("GET", "/doc/city/tabriz.html", "*/*"),
        ("GET", "/doc/city/tabriz.ttl", "*/*"),
        ("GET", "/doc/city/tabriz.jsonld", "*/*"),
        ("GET", "/doc/city/tabriz.rdf", "*/*"),
        ("GET", "/doc/city/tabriz.nq", "*/*"),
        ("GET", "/doc/twinning/tabriz-wuhan", HTML),
        ("GET", "/doc/article/004_aa1ce6595c509616", HTML),
        ("GET", "/doc/city/nowhere", HTML),
        ("GET", "/doc/city/nowhere", TURTLE),
        ("GET", "/doc/city/tabriz?lang=fa", HTML),
    ],
    "/id/<kind>/": [("GET", "/id/city/", HTML), ("GET", "/id/nothing/", HTML)],
    "/doc/<kind>/": [
        ("GET", "/doc/city/", HTML),
        ("GET", "/doc/city/?lang=fa", HTML),
        ("GET", "/doc/city/", TURTLE),
        ("GET", "/doc/nothing/", HTML),
    ],
    "/doc/<path:rest>": [("GET", "/doc/a/b/c", HTML), ("GET", "/doc/a/b/c", TURTLE)],
    "/id/<path:rest>": [("GET", "/id/a/b/c", HTML)],
    "/ontology.<ext>": [("GET", "/ontology.ttl", "*/*"), ("GET", "/ontology.html", "*/*")],
    "/ontology": [("GET", "/ontology", HTML), ("GET", "/ontology", TURTLE)],
    "/shapes.<ext>": [("GET", "/shapes.ttl", "*/*"), ("GET", "/shapes.xyz", HTML)],
    "/shapes": [("GET", "/shapes", HTML), ("GET", "/shapes?lang=fa", HTML)],
    "/graph/<name>": [("GET", "/graph/curated", TURTLE), ("GET", "/graph/nothing", HTML)],
    "/.well-known/void.<ext>": [("GET", "/.well-known/void.ttl", "*/*")],
    "/.well-known/void": [("GET", "/.well-known/void", TURTLE)],
    "/dumps/<name>": [
        ("GET", "/dumps/dataset.nq", "*/*"),
        ("GET", "/dumps/SHA256SUMS", "*/*"),
        ("GET", "/dumps/nothing.txt", HTML),
    ],
    "/": [
        ("GET", "/", HTML),
        ("GET", "/?lang=fa", HTML),
        ("GET", "/", JSON),
        ("GET", "/?timeline-kind=twinning&timeline-city=tabriz", HTML),
    ],
    "/query": [("GET", "/query", HTML), ("GET", "/query?lang=fa&query=ASK%7B%7D", HTML)],
    "/search": [
        ("GET", "/search?q=tabr", HTML),
        ("GET", "/search?q=%D8%AA%D8%A8%D8%B1&lang=fa", HTML),
        ("GET", "/search?q=tabr", JSON),
        ("GET", "/search?q=tabr&kind=planet", HTML),
    ],
    "/reconcile": [
        ("GET", "/reconcile", JSON),
        ("GET", "/reconcile?queries=%7B%22a%22%3A%7B%22query%22%3A%22Tabriz%22%7D%7D", JSON),
        ("GET", "/reconcile?queries=%7Bbad", HTML),
        ("POST", "/reconcile", JSON),
        ("OPTIONS", "/reconcile", "*/*"),
    ],
    "/reconcile/suggest/entity": [
        ("GET", "/reconcile/suggest/entity?prefix=tab", JSON),
        ("GET", "/reconcile/suggest/entity?prefix=tab&cursor=x", JSON),
    ],
    "/reconcile/suggest/type": [("GET", "/reconcile/suggest/type?prefix=ci", JSON)],
    "/reconcile/suggest/property": [("GET", "/reconcile/suggest/property?prefix=co", JSON)],
    "/reconcile/properties": [
        ("GET", "/reconcile/properties?type=city", JSON),
        ("GET", "/reconcile/properties?type=planet", JSON),
    ],
    "/reconcile/preview": [
        ("GET", "/reconcile/preview?id=" + quote("http://localhost:5000/id/city/tabriz", ""), HTML),
        ("GET", "/reconcile/preview?lang=fa&id=http://localhost:5000/id/city/wuhan", HTML),
        ("GET", "/reconcile/preview?id=nothing", HTML),
    ],
    "/map.geojson": [
        ("GET", "/map.geojson", "*/*"),
        ("GET", "/map.geojson?city=tabriz", "application/geo+json"),
        ("GET", "/map.geojson?city=nowhere", HTML),
        ("GET", "/map.geojson?city=a%20b", JSON),
        ("GET", "/map.geojson?top=1", "*/*"),
    ],
    "/network": [
        ("GET", "/network", HTML),
        ("GET", "/network?lang=fa&city=tabriz", HTML),
        ("GET", "/network?country=nowhere", HTML),
    ],
    "/network.json": [
        ("GET", "/network.json", JSON),
        ("GET", "/network.json?city=tabriz", "*/*"),
        ("GET", "/network.json?city=..%2F", JSON),
    ],
    "/robots.txt": [("GET", "/robots.txt", "*/*")],
    "/sitemap.xml": [("GET", "/sitemap.xml", "*/*"), ("HEAD", "/sitemap.xml", "*/*")],
    "/sitemaps/<name>": [
        ("GET", "/sitemaps/city-1.xml", "*/*"),
        ("GET", "/sitemaps/city-9.xml", HTML),
        ("GET", "/sitemaps/..%2Fx", JSON),
    ],
}
#: Pages any site may frame (the reconciliation preview, in a client's iframe): their policy
#: says `frame-ancestors *` instead of 'none', and they carry no X-Frame-Options.
FRAMABLE_RULES = {"/reconcile/preview"}
#: Routes serving RDF documents (and their errors), and the reconciliation service (the spec
#: requires CORS on every endpoint): readable from any origin.
CORS_RULES = {
    "/id/<kind>/<slug>",
    "/doc/<kind>/<name>",
    "/id/<kind>/",
    "/doc/<kind>/",
    "/doc/<path:rest>",
    "/id/<path:rest>",
    "/ontology.<ext>",
    "/ontology",
    "/shapes.<ext>",
    "/shapes",
    "/graph/<name>",
    "/.well-known/void.<ext>",
    "/.well-known/void",
    "/dumps/<name>",
    "/reconcile",
    "/reconcile/suggest/entity",
    "/reconcile/suggest/type",
    "/reconcile/suggest/property",
    "/reconcile/properties",
    "/reconcile/preview",
    "/map.geojson",
}


def all_requests(app: Flask) -> list[tuple[str, str, str, str]]:
    return [
        (rule.rule, *sample) for rule in app.url_map.iter_rules() for sample in SAMPLES[rule.rule]
    ]


def send(client: FlaskClient, method: str, path: str, accept: str) -> TestResponse:
    data = {"query": "ASK { ?s ?p ?o }"} if method == "POST" else None
    return client.open(path, method=method, headers={"Accept": accept}, data=data)


def test_every_route_has_samples(mini_app: Flask) -> None:
    rules = {rule.rule for rule in mini_app.url_map.iter_rules()}
    assert rules == set(SAMPLES), "add sample requests for a new route here"
    assert rules >= CORS_RULES


def test_every_answer_of_every_route_carries_the_headers(
    mini_app: Flask, mini_client: FlaskClient
) -> None:
    kinds: set[tuple[bool, int]] = set()
    for rule, method, path, accept in all_requests(mini_app):
        response = send(mini_client, method, path, accept)
        where = (rule, method, path, accept, response.status_code, response.mimetype)
        headers = response.headers
        assert headers.get("X-Content-Type-Options") == "nosniff", where
        assert headers.get("Referrer-Policy") == "same-origin", where
        is_html = response.mimetype == "text/html"
        policy = HTML_POLICY if is_html else NON_HTML_POLICY
        if rule == "/query":  # the SPARQL editor's page: two style hashes more (see below)
            policy = QUERY_PAGE_POLICY
        if rule in FRAMABLE_RULES and response.status_code == 200:
            assert "X-Frame-Options" not in headers, where
            policy = policy.replace("frame-ancestors 'none'", "frame-ancestors *")
        else:
            assert headers.get("X-Frame-Options") == "DENY", where
        assert headers.get("Content-Security-Policy") == policy, where
        if rule in CORS_RULES:
            assert headers.get("Access-Control-Allow-Origin") == "*", where
        kinds.add((is_html, response.status_code // 100))
    # The samples reach HTML and other answers, successes and client errors, and redirects.
    assert kinds >= {(True, 2), (False, 2), (True, 3), (True, 4), (False, 4)}


def test_the_page_policy_allows_only_the_sites_own_resources() -> None:
    directives = dict(d.split(" ", 1) for d in HTML_POLICY.split("; "))
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "img-src", "connect-src", "form-action"):
        assert directives[name] == "'self'", name
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in HTML_POLICY
    assert "data:" not in HTML_POLICY
    assert "*" not in HTML_POLICY


def test_the_query_page_allows_two_fixed_styles_and_nothing_more() -> None:
    """The one relaxation: on /query, style-src also names two sha256 hashes (YASR's column
    resizer's fixed `<style>` text); no 'unsafe-inline', no other origin, scripts unchanged."""
    directives = dict(d.split(" ", 1) for d in QUERY_PAGE_POLICY.split("; "))
    assert directives["style-src"].split() == ["'self'", *EDITOR_STYLE_HASHES]
    assert len(EDITOR_STYLE_HASHES) == 2
    assert all(h.startswith("'sha256-") and h.endswith("='") for h in EDITOR_STYLE_HASHES)
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe" not in QUERY_PAGE_POLICY
    assert html_policy() == HTML_POLICY


def test_remote_lookups_open_two_origins_on_the_query_page_alone(mini_dataset_dir: Path) -> None:
    """QUERY_EDITOR_REMOTE_LOOKUPS (off by default) lets /query connect to prefix.cc and LOV;
    every other page keeps the site's policy."""
    config = {"TESTING": True, "DATASET_DIR": str(mini_dataset_dir), "BASE": BASE}
    client = create_app({**config, "QUERY_EDITOR_REMOTE_LOOKUPS": True}).test_client()
    policy = client.get("/query").headers["Content-Security-Policy"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["connect-src"] == "'self' https://prefix.cc https://lov.linkeddata.es"
    assert client.get("/").headers["Content-Security-Policy"] == HTML_POLICY
    assert client.get("/ontology").headers["Content-Security-Policy"] == HTML_POLICY
    default = create_app(config).test_client().get("/query").headers["Content-Security-Policy"]
    assert default == QUERY_PAGE_POLICY


class InlineCode(HTMLParser):
    """Collects what a page's policy would block: inline scripts and styles, event handler
    attributes, `javascript:` links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self.scripts += 1
            if not names.get("src"):
                self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"{name} attribute on <{tag}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: {name} on <{tag}>")


def test_no_page_holds_inline_script_or_style(mini_app: Flask, mini_client: FlaskClient) -> None:
    pages = 0
    scripts = 0
    for _rule, method, path, accept in all_requests(mini_app):
        if method != "GET":
            continue
        response = send(mini_client, method, path, accept)
        if response.mimetype != "text/html" or not response.data:
            continue
        parser = InlineCode()
        parser.feed(response.get_data(as_text=True))
        assert parser.found == [], (path, parser.found)
        pages += 1
        scripts += parser.scripts
    assert pages >= 15
    assert scripts >= 2  # the query page's, in en and fa, from static/


@pytest.mark.parametrize("name", ["Content-Security-Policy", "X-Frame-Options"])
def test_a_route_may_set_its_own_value(mini_app: Flask, name: str) -> None:
    from flask import Response

    @mini_app.route("/own-headers")
    def own_headers() -> Response:
        return Response("<p>x</p>", mimetype="text/html", headers={name: "custom"})

    response = mini_app.test_client().get("/own-headers")
    assert response.headers[name] == "custom"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
