"""The /query page's SPARQL editor as the server writes it (web/query_editor.py): mounted only
when YASGUI is installed, told our endpoint and prefixes, and no remote lookups unless the
operator turns them on. The editor itself runs in tests/test_browser_query_editor.py."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from citydip_ld.web import create_app
from citydip_ld.web.vendor import default_vendor_dir
from web_support import BASE

needs_yasgui = pytest.mark.skipif(
    not (default_vendor_dir() / "@zazuko" / "yasgui" / "package.json").is_file(),
    reason="node_modules/@zazuko/yasgui is not installed (npm ci)",
)


class Page(HTMLParser):
    """The editor's mount point (its attributes) and the scripts and stylesheets of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.editor: dict[str, str | None] | None = None
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if names.get("id") == "query-editor":
            self.editor = names
        if tag == "script" and names.get("src"):
            self.scripts.append(str(names["src"]))
        if tag == "link" and names.get("rel") == "stylesheet":
            self.styles.append(str(names["href"]))


def read(client: FlaskClient, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200
    page = Page()
    page.feed(response.get_data(as_text=True))
    return page


def client_for(mini_dataset_dir: Path, **config: Any) -> FlaskClient:
    settings = {"TESTING": True, "DATASET_DIR": str(mini_dataset_dir), "BASE": BASE, **config}
    return create_app(settings).test_client()


@needs_yasgui
def test_the_editor_is_told_our_endpoint_and_prefixes(mini_client: FlaskClient) -> None:
    page = read(mini_client, "/query?lang=fa")
    editor = page.editor
    assert editor is not None
    assert editor["dir"] == "ltr"  # SPARQL is left-to-right on the Persian page too
    assert editor["data-endpoint"] == "/sparql"
    assert editor["data-remote-lookups"] == "off"
    assert editor["data-prefix-api"] == ""
    assert editor["data-tab-name"] == "پرس‌وجو"
    prefixes = json.loads(str(editor["data-prefixes"]))
    assert prefixes["cd"] == f"{BASE}ontology#"
    assert prefixes["city"] == f"{BASE}id/city/"
    assert prefixes["twinning"] == f"{BASE}id/twinning/"
    assert prefixes["schema"] == "https://schema.org/"
    assert prefixes["wd"] == "http://www.wikidata.org/entity/"
    assert "/vendor/yasgui/build/yasgui.min.js?v=4.6.2" in page.scripts
    assert "/vendor/yasgui/build/yasgui.min.css?v=4.6.2" in page.styles
    assert page.scripts.index("/vendor/yasgui/build/yasgui.min.js?v=4.6.2") < page.scripts.index(
        "/static/query-editor.js"
    )
    assert "/static/query.js" in page.scripts  # the form's own script stays


@needs_yasgui
def test_the_editor_follows_the_url_prefix(mini_dataset_dir: Path) -> None:
    client = client_for(mini_dataset_dir)
    response = client.get("/query", environ_overrides={"SCRIPT_NAME": "/citydip"})
    page = Page()
    page.feed(response.get_data(as_text=True))
    assert page.editor is not None
    assert page.editor["data-endpoint"] == "/citydip/sparql"
    assert "/citydip/vendor/yasgui/build/yasgui.min.js?v=4.6.2" in page.scripts


def test_without_node_modules_the_page_is_the_plain_form(
    mini_dataset_dir: Path, tmp_path: Path
) -> None:
    client = client_for(mini_dataset_dir, VENDOR_DIR=str(tmp_path / "none"))
    page = read(client, "/query")
    assert page.editor is None
    assert not [src for src in page.scripts if "vendor" in src or "query-editor" in src]
    assert not [href for href in page.styles if "vendor" in href]
    assert "/static/query.js" in page.scripts


@pytest.mark.parametrize(("value", "on"), [("true", True), ("1", True), ("false", False)])
def test_remote_lookups_come_from_the_environment(
    mini_dataset_dir: Path, monkeypatch: pytest.MonkeyPatch, value: str, on: bool
) -> None:
    """`CITYDIP_QUERY_EDITOR_REMOTE_LOOKUPS=true` turns prefix.cc and LOV on (the editor's
    attributes and the page's connect-src); `false` leaves them off."""
    monkeypatch.setenv("CITYDIP_QUERY_EDITOR_REMOTE_LOOKUPS", value)
    client = client_for(mini_dataset_dir)
    policy = client.get("/query").headers["Content-Security-Policy"]
    assert ("https://lov.linkeddata.es" in policy) is on
    assert ("https://prefix.cc" in policy) is on
    if (default_vendor_dir() / "@zazuko" / "yasgui" / "package.json").is_file():
        editor = read(client, "/query").editor
        assert editor is not None
        assert editor["data-remote-lookups"] == ("on" if on else "off")
        assert editor["data-prefix-api"] == (
            "https://prefix.cc/popular/all.file.json" if on else ""
        )


def test_the_vocabulary_query_finds_our_classes_and_properties(mini_client: FlaskClient) -> None:
    """The query the editor sends for class and property completion, on our /sparql: the
    ontology's classes and properties, the classes they specialise and the shapes' paths."""
    from citydip_ld.web.query_editor import vocabulary_query

    response = mini_client.post(
        "/sparql",
        data={"query": vocabulary_query(BASE)},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    rows = response.get_json()["results"]["bindings"]
    terms = {(row["kind"]["value"], row["term"]["value"]) for row in rows}
    cd = f"{BASE}ontology#"
    assert {
        ("class", f"{cd}City"),
        ("class", f"{cd}Twinning"),
        ("class", "https://schema.org/City"),  # cd:City rdfs:subClassOf schema:City
        ("property", f"{cd}partner"),
        ("property", f"{cd}jalaliDate"),
        ("property", "http://www.w3.org/2000/01/rdf-schema#label"),  # a shape's sh:path
    } <= terms
    assert {kind for kind, _ in terms} == {"class", "property"}


@needs_yasgui
def test_the_query_page_credits_yasgui_and_its_licence(mini_client: FlaskClient) -> None:
    """The page links to /vendor/, which names the editor's package, version and licence
    (MIT in its package.json; the package ships no LICENSE file)."""
    assert 'href="/vendor/"' in mini_client.get("/query").get_data(as_text=True)
    page = mini_client.get("/vendor/").get_data(as_text=True)
    row = re.search(r"<tr>\s*<td dir=\"ltr\"><bdi>@zazuko/yasgui</bdi></td>(.*?)</tr>", page, re.S)
    assert row is not None
    assert "4.6.2" in row.group(1) and "MIT" in row.group(1)
    assert "the SPARQL editor on /query" in row.group(1)
